"""The notification pages do not make more queries when there are more reminders."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.notifications.models import Reminder, ReminderRule
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _grow(world, n):
    rule = ReminderRule.objects.get(committee=None, source="organisations.term_ending")
    start = Reminder.objects.count()
    Reminder.objects.bulk_create(
        Reminder(
            rule=rule,
            source=rule.source,
            subject_id=1000 + start + i,
            due_on=datetime.date(2026, 12, 20),
            offset=-30,
            person=person,
            role="secretary",
            node=world.branch_a,
            url="/",
            params={"name": "x", "number": i},
            email_state="failed",
            last_error="x",
        )
        for i in range(n)
        for person in (world.people["secretary_a"], PersonFactory(node=world.branch_a))
    )


def _count(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("secretary_a", "notifications:list"),
        ("secretary_a", "notifications:settings"),
        ("staff", "admin:notifications_reminder_changelist"),
        ("staff", "admin:notifications_reminder_status"),
        ("staff", "admin:notifications_reminderrule_changelist"),
        ("staff", "admin:notifications_digest_changelist"),
    ],
)
def test_pages_do_not_grow(client, world, who, url):
    sign_in(client, world.users[who])
    _grow(world, 2)
    client.get(reverse(url))  # the first request of a session saves it once
    small = _count(client, reverse(url))
    _grow(world, 20)
    assert _count(client, reverse(url)) == small


def test_calendar_feed_does_not_grow(client, world, today):
    from apps.lifecycle.models import DevelopmentCase, RuleSet
    from apps.notifications.services import calendar_token_create

    token = calendar_token_create(user=world.users["secretary_a"], now=at(TODAY))
    url = reverse("notifications:calendar", args=[token])
    rule_set = RuleSet.objects.get(is_default=True)

    def cases(n):
        DevelopmentCase.objects.bulk_create(
            DevelopmentCase(
                person=PersonFactory(node=world.branch_a),
                branch=world.branch_a,
                rule_set=rule_set,
                opened_on=datetime.date(2026, 10, 1),
                next_due_on=datetime.date(2026, 12, 1),
                next_due_step="applicant_talk",
            )
            for _ in range(n)
        )

    cases(2)
    client.get(url)  # the first reading notes when the token was last used
    small = _count(client, url)
    cases(20)
    body = client.get(url).content.decode()
    assert body.count("BEGIN:VEVENT") == 22
    assert _count(client, url) == small
