"""The reminder sources of organisational life, through the existing sweep (no change to it): the notice to the
roll and the calendar feed, a kind falling behind, minutes missing, leave waiting."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.notifications.models import Reminder
from apps.notifications.selectors import calendar_events_for
from apps.notifications.sweep import sweep
from apps.orglife.services import leave_request, minutes_record
from tests.dates import TODAY, at

D = datetime.date


def _of(source, **filters):
    return Reminder.objects.filter(source=source, **filters)


def test_the_notice_reminds_everyone_on_the_roll_and_shows_in_their_calendar(world, notified):
    meeting = notified(TODAY + datetime.timedelta(days=2), place="党员活动室")
    sweep(today=TODAY, now=at(TODAY))
    reminded = set(_of("orglife.meeting_notice", subject_id=meeting.pk).values_list("person_id", flat=True))
    roll = {world.people[k].pk for k in ("secretary_a", "organiser_a", "propaganda_a", "member_a", "plain_a")}
    assert reminded == roll
    reminder = _of("orglife.meeting_notice", person=world.people["member_a"]).get()
    assert reminder.role == "contacts" and reminder.url == f"/orglife/meetings/{meeting.pk}/"
    assert reminder.due_on == meeting.held_on
    assert not _of("orglife.meeting_notice", person=world.people["member_b"]).exists()
    events = calendar_events_for(user=world.users["member_a"], today=TODAY)
    assert [(s.code, d.subject_id) for s, d, _r in events if s.code == "orglife.meeting_notice"] == [
        ("orglife.meeting_notice", meeting.pk)
    ]
    assert not [
        e for e in calendar_events_for(user=world.users["member_b"], today=TODAY) if e[0].code.startswith("orglife")
    ]


def test_a_kind_falling_behind_before_its_period_ends(world, held):
    # an organisation that never recorded a meeting here is not reminded (a new installation is not flooded)
    sweep(today=TODAY, now=at(TODAY))
    assert not _of("orglife.kind_behind").exists()
    held(D(2026, 2, 3), kinds=("general_meeting",))
    # 2026-11-22: November ends in 8 days, within the rule's 10; the quarter ends in 39 days, not yet
    sweep(today=TODAY, now=at(TODAY))
    behind = _of("orglife.kind_behind", person=world.people["secretary_a"])
    kinds = {r.params["kind"] for r in behind}
    assert {"theme_day", "committee_meeting", "group_meeting"} <= kinds
    assert "general_meeting" not in kinds
    assert all(r.due_on == D(2026, 11, 30) for r in behind)
    assert not _of("orglife.kind_behind", person=world.people["secretary_b"]).exists()  # branch B records nothing
    assert behind.filter(params__kind="theme_day").first().url == f"/orglife/organisations/{world.branch_a.pk}/"
    # held: the next sweep has nothing new for it, and its e-mails are no longer due
    held(D(2026, 11, 20), kinds=("theme_day",))
    from apps.orglife.reminders import _behind_current

    ids = list(behind.values_list("subject_id", flat=True))
    current = _behind_current(ids, TODAY)
    theme = behind.filter(params__kind="theme_day").first().subject_id
    assert theme not in current
    ten_days_before_quarter_end = D(2026, 12, 21)
    before = _of("orglife.kind_behind", params__kind="general_meeting").count()
    sweep(today=ten_days_before_quarter_end, now=at(ten_days_before_quarter_end))
    assert _of("orglife.kind_behind", params__kind="general_meeting").count() > before


def test_minutes_missing_and_leave_waiting(world, held, notified):
    meeting = held(TODAY - datetime.timedelta(days=7))
    upcoming = notified(TODAY + datetime.timedelta(days=1))
    leave_request(actor=world.users["member_a"], meeting=upcoming, reason="出差", now=at(TODAY))
    sweep(today=TODAY, now=at(TODAY))
    minutes = _of("orglife.minutes_missing", subject_id=meeting.pk)
    assert set(minutes.values_list("person_id", flat=True)) == {world.people["secretary_a"].pk,
                                                                world.people["organiser_a"].pk}  # fmt: skip
    leave = _of("orglife.leave_waiting", person=world.people["secretary_a"]).get()
    assert leave.url == f"/orglife/meetings/{upcoming.pk}/"
    minutes_record(
        actor=world.users["secretary_a"], meeting=meeting, minutes="<p>记录</p>", decisions="", now=at(TODAY)
    )
    from apps.orglife.reminders import _minutes_current

    assert _minutes_current([meeting.pk], TODAY) == {}


def test_the_sources_query_a_fixed_number_of_times(world, held, notified):
    def count():
        Reminder.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            sweep(today=TODAY, now=at(TODAY))
        return len(ctx)

    notified(TODAY + datetime.timedelta(days=1))
    held(D(2026, 9, 1), kinds=("theme_day",))
    first = count()
    for day in range(3):
        notified(TODAY + datetime.timedelta(days=2 + day))
        held(D(2026, 10, 1 + day), kinds=("theme_day",))
    assert count() == first
