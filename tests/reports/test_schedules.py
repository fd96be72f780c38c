"""Scheduled reports: a due schedule asks for a run as its owner and moves on; the finished run tells the owner with
a link through the reminders' outbox (never the file)."""

from __future__ import annotations

import datetime

import pytest

from apps.notifications.models import Reminder
from apps.reports.choices import Cadence, RunStatus
from apps.reports.models import ReportRun, ReportSchedule
from apps.reports.schedules import schedules_run_due
from apps.reports.services import run_execute
from tests.dates import at

DAY = datetime.date(2026, 3, 2)


@pytest.mark.django_db
def test_a_due_schedule_runs_and_tells_its_owner(world):
    owner = world.users["staff"]
    schedule = ReportSchedule.objects.create(owner=owner, report="roster", cadence=Cadence.QUARTERLY, next_on=DAY)
    started = []
    assert schedules_run_due(now=at(DAY, 6), start=started.append) == 1
    schedule.refresh_from_db()
    assert schedule.next_on == datetime.date(2026, 6, 2)
    assert schedules_run_due(now=at(DAY, 7), start=started.append) == 0  # not twice
    run = run_execute(run_id=started[0], clock=lambda: at(DAY, 6))
    assert run.status == RunStatus.DONE and run.schedule_id == schedule.pk
    reminder = Reminder.objects.get(source="reports.ready")
    assert reminder.person_id == world.people["staff"].pk
    assert "/reports/" in reminder.url and not reminder.url.endswith(".xlsx")


@pytest.mark.django_db
def test_a_schedule_whose_owner_lost_the_scope_runs_nothing(world):
    ReportSchedule.objects.create(owner=world.users["member_a"], report="roster", next_on=DAY)
    assert schedules_run_due(now=at(DAY, 6), start=lambda pk: None) == 0
    assert not ReportRun.objects.exists()
