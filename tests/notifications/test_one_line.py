"""Titles and names are one line: refused with a line break on input, written out on one line in the calendar feed
and in e-mail subjects (texts stored before included)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from apps.disclosure.models import Category, Notice
from apps.disclosure.services import notice_draft
from apps.notifications.delivery import render_reminder
from apps.notifications.models import Reminder, ReminderRule
from apps.notifications.services import calendar_token_create
from apps.notifications.sweep import sweep
from apps.organisations.services import node_update
from apps.organisations.validators import one_line
from apps.people.models import Person
from apps.people.services import person_create, person_update
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.disclosure.test_board import _publish

INJECTED = "公示\rX-INJ:1"


@pytest.fixture
def stored_with_a_break(world, due_case):
    """A notice title and an applicant's name stored with a carriage return (before the input was checked)."""
    notice = _publish(world, world.branch_a, "organisation", "公示")
    Notice.objects.filter(pk=notice.pk).update(title=INJECTED)
    Person.objects.filter(pk=due_case.person_id).update(name="张\r\nX-INJ:2")
    return notice


def test_the_calendar_feed_escapes_every_title(client, world, stored_with_a_break, today):
    """The probe: a bare CR in a notice title added a line ``X-INJ:1`` to the iCal feed."""
    token = calendar_token_create(user=world.users["secretary_a"], now=at(TODAY))
    body = client.get(reverse("notifications:calendar", args=[token])).content
    lines = body.decode().split("\r\n")
    assert not any(line.startswith("X-INJ") for line in lines)
    assert all("\r" not in line and "\n" not in line for line in lines)
    summaries = [str(e["summary"]) for e in Calendar.from_ical(body).walk("VEVENT")]
    assert any("公示 X-INJ:1" in s for s in summaries) and any("张 X-INJ:2" in s for s in summaries)
    assert all(len(line.encode()) <= 75 for line in lines)


def test_the_reminder_e_mail_has_a_one_line_subject(world, stored_with_a_break):
    """The probe: the same title made the reminder's e-mail fail with BadHeaderError."""
    sweep(today=TODAY, now=at(TODAY))
    Reminder.objects.create(
        rule=ReminderRule.objects.get(committee=None, source="disclosure.window_closing"),
        source="disclosure.window_closing",
        subject_id=stored_with_a_break.pk,
        due_on=TODAY,
        offset=0,
        person=world.people["secretary_a"],
        role="secretary",
        node=world.branch_a,
        url="/",
        params={"title": INJECTED},
    )
    reminders = list(Reminder.objects.select_related("person", "node").filter(person=world.people["secretary_a"]))
    assert {r.source for r in reminders} == {"disclosure.window_closing", "lifecycle.step_due"}
    for reminder in reminders:
        message = render_reminder(reminder, today=TODAY)
        message.message()  # a line break in the subject raises BadHeaderError here
        assert "\r" not in message.subject and "\n" not in message.subject and "X-INJ" in message.subject


@pytest.mark.parametrize("title", [INJECTED, "公示\n第二行", "公示\u2028", "公示\x00", "公示\t"])
def test_a_notice_title_is_one_line(world, title):
    with pytest.raises(ValidationError):
        notice_draft(
            actor=world.users["staff"],
            node=world.branch_a,
            category=Category.objects.get(code="meetings"),
            title=title,
            content="",
            opens_on=TODAY,
        )
    assert not Notice.objects.exists()


def test_the_admin_refuses_a_title_with_a_line_break(client, world, today):
    sign_in(client, world.users["secretary_a"])
    data = {
        "node": world.branch_a.pk,
        "category": Category.objects.get(code="meetings").pk,
        "scope": "organisation",
        "title": INJECTED,
        "content": "<p>x</p>",
        "opens_on": TODAY.isoformat(),
        "closes_on": "",
    }
    response = client.post(reverse("admin:disclosure_notice_add"), data)
    assert response.status_code == 200 and "一行" in response.content.decode()
    assert not Notice.objects.exists()


def test_names_are_one_line(world):
    with pytest.raises(ValidationError):
        person_create(
            actor=world.users["staff"], node=world.branch_a, name="张\n三", political_status="masses", today=TODAY
        )
    with pytest.raises(ValidationError):
        person_update(
            actor=world.users["staff"], person=world.people["plain_a"], fields={"name": "李\r四"}, today=TODAY
        )
    with pytest.raises(ValidationError):
        node_update(actor=world.users["admin"], node=world.branch_a, name="第一\r支部")


def test_one_line():
    assert one_line(" 公示\r\nX-INJ:1\t\u2028 结束\x00 ") == "公示 X-INJ:1 结束"
