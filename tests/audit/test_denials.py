"""Denied requests are counted, not appended without limit: one entry of the log per user, URL pattern and hour,
with the number of times (the probe wrote 5,214 rows)."""

from __future__ import annotations

import pytest
import time_machine
from django.http import Http404
from django.urls import reverse

from apps.audit.models import AuditEntry, DeniedAccess
from tests.conftest import sign_in
from tests.dates import TODAY, at


def _denied():
    return AuditEntry.objects.filter(action="access.denied")


@pytest.mark.django_db
def test_repeated_denials_are_one_entry_with_a_count(client, world):
    outside = [world.people["plain_b"], world.people["member_b"], world.people["masses_b"]]
    with time_machine.travel(at(TODAY, 10, 50), tick=False):  # signed in on the test's day: the session is fresh
        sign_in(client, world.users["secretary_a"])
        for _ in range(20):
            for person in outside:
                assert client.get(reverse("portal:person_detail", args=[person.pk])).status_code == 404
    entry = _denied().get()
    assert entry.actor == world.users["secretary_a"] and entry.target_id == str(world.people["plain_b"].pk)
    assert entry.node == world.branch_b
    assert entry.denials.count == 60 and entry.denials.pattern == "people/<int:pk>/"
    # another kind of page is another entry; the next hour starts a new count
    with time_machine.travel(at(TODAY, 10, 55), tick=False):
        client.get(reverse("documents:download", args=[999999]))  # no such document: not a denial
        client.get(reverse("admin:people_person_change", args=[world.people["plain_b"].pk]))
    with time_machine.travel(at(TODAY, 11, 1), tick=False):  # within the idle limit of the session
        client.get(reverse("portal:person_detail", args=[outside[0].pk]))
    assert _denied().count() == 3
    assert sorted(DeniedAccess.objects.values_list("count", flat=True)) == [1, 1, 60]


@pytest.mark.django_db
def test_each_user_is_counted_apart(client, world):
    for user in ("secretary_a", "member_a"):
        with time_machine.travel(at(TODAY, 10), tick=False):
            sign_in(client, world.users[user])
            client.get(reverse("portal:person_detail", args=[world.people["plain_b"].pk]))
            client.get(reverse("portal:person_detail", args=[world.people["plain_b"].pk]))
    assert sorted(d.count for d in DeniedAccess.objects.all()) == [2, 2]
    assert _denied().count() == 2


@pytest.mark.django_db
def test_a_denied_admin_change_page_is_kept(client, world):
    """The admin's change view runs in a transaction it rolls back on a 404: the denial is written after it."""
    with time_machine.travel(at(TODAY, 10), tick=False):
        sign_in(client, world.users["secretary_a"])
        response = client.get(reverse("admin:people_person_change", args=[world.people["plain_b"].pk]))
    assert response.status_code == 404
    assert _denied().get().target_id == str(world.people["plain_b"].pk)


@pytest.mark.django_db
def test_forbidden_pages_are_counted_too(client, world):
    with time_machine.travel(at(TODAY, 10), tick=False):
        sign_in(client, world.users["member_a"])
        for _ in range(5):
            assert client.get(reverse("lifecycle:pipeline")).status_code == 403
    assert _denied().get().denials.count == 5


@pytest.mark.django_db
def test_the_audit_list_shows_the_count(client, world):
    with time_machine.travel(at(TODAY, 10), tick=False):
        sign_in(client, world.users["secretary_a"])
        for _ in range(7):
            client.get(reverse("portal:person_detail", args=[world.people["plain_b"].pk]))
        sign_in(client, world.users["staff"])
        body = client.get(reverse("admin:audit_auditentry_changelist") + "?action=access.denied").content.decode()
    assert '<td class="field-times">7</td>' in body


def test_a_denial_outside_a_request_is_written_at_once(world):
    from apps.people.selectors import person_get_for

    with pytest.raises(Http404):
        person_get_for(user=world.users["secretary_a"], pk=world.people["plain_b"].pk)
    assert _denied().count() == 1 and not DeniedAccess.objects.exists()
