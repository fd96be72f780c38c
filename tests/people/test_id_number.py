"""A used ID card number: named when the record is in the user's subtree; otherwise only "cannot be used", and the
committee's staff are told (the probe read the raw constraint name, learning that the number exists elsewhere)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.audit.models import AuditEntry
from apps.people.models import Person
from apps.people.services import person_create, person_update
from tests.conftest import sign_in
from tests.dates import TODAY

pytestmark = pytest.mark.usefixtures("today")
CANNOT = "该身份证号无法使用"


def _valid(person, serial: int):
    """Give the record a well-formed number (GB 11643 check digit): the form checks the form before the conflict."""
    body = f"11010119850301{serial:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    person.id_number = body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    person.save(update_fields=["id_number"])
    return person


@pytest.fixture(autouse=True)
def _well_formed_numbers(world):
    _valid(world.people["plain_a"], 101)
    _valid(world.people["plain_b"], 102)


def _add(client, world, id_number: str):
    data = {
        "node": world.branch_a.pk,
        "name": "新同志",
        "political_status": "masses",
        "id_number": id_number,
        "family-TOTAL_FORMS": "0",
        "family-INITIAL_FORMS": "0",
    }
    return client.post(reverse("admin:people_person_add"), data)


def test_a_number_used_outside_the_subtree_is_not_named(client, world):
    outside = world.people["plain_b"]
    sign_in(client, world.users["secretary_a"])
    response = _add(client, world, outside.id_number)
    body = response.content.decode()
    assert response.status_code == 200 and CANNOT in body
    assert outside.name not in body and "person_unique_id_number" not in body and world.branch_b.name not in body
    assert not Person.objects.filter(name="新同志").exists()
    entry = AuditEntry.objects.get(action="people.id_number_conflict")
    assert entry.node == world.committee and entry.target_id == str(outside.pk)
    assert entry.actor == world.users["secretary_a"]


def test_the_committee_staff_see_the_conflict_and_the_secretary_does_not(client, world):
    sign_in(client, world.users["secretary_a"])
    _add(client, world, world.people["plain_b"].id_number)
    changelist = reverse("admin:audit_auditentry_changelist") + "?action=people.id_number_conflict"
    assert world.people["plain_b"].name not in client.get(changelist).content.decode()
    sign_in(client, world.users["staff"])
    assert world.people["plain_b"].name in client.get(changelist).content.decode()


def test_a_number_used_inside_the_subtree_names_the_record(client, world):
    inside = world.people["plain_a"]
    sign_in(client, world.users["secretary_a"])
    body = _add(client, world, inside.id_number).content.decode()
    assert inside.name in body and CANNOT not in body
    assert not AuditEntry.objects.filter(action="people.id_number_conflict").exists()


def test_the_services_refuse_the_same_way(world):
    outside = world.people["plain_b"]
    with pytest.raises(ValidationError) as refused:
        person_create(
            actor=world.users["secretary_a"],
            node=world.branch_a,
            name="新同志",
            political_status="masses",
            today=TODAY,
            id_number=outside.id_number,
        )
    assert CANNOT in " ".join(refused.value.messages) and outside.name not in " ".join(refused.value.messages)
    assert AuditEntry.objects.filter(action="people.id_number_conflict").count() == 1  # kept: checked before saving
    with pytest.raises(ValidationError):
        person_update(
            actor=world.users["secretary_a"],
            person=world.people["plain_a"],
            fields={"id_number": outside.id_number},
            today=TODAY,
        )
    # a number nobody holds is fine
    person = person_create(
        actor=world.users["secretary_a"],
        node=world.branch_a,
        name="新同志",
        political_status="masses",
        today=TODAY,
        id_number="110101199001011237",
    )
    assert person.id_number == "110101199001011237"
