"""Scheduled reports: each due schedule asks for a run as its owner (with the owner's scope at that moment) and
moves to its next date; a finished scheduled run tells its owner through the reminders' outbox (a link)."""

from __future__ import annotations

import datetime
import logging

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.notifications.services import reminders_notify
from apps.people.selectors import person_for_user

from . import catalogue
from .choices import Cadence
from .models import ReportRun, ReportSchedule
from .reminders import REPORT_READY, report_ready_due
from .services import run_request

logger = logging.getLogger(__name__)
MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3}


def next_date(schedule: ReportSchedule, today: datetime.date) -> datetime.date:
    step = relativedelta(months=MONTHS.get(schedule.cadence, 1))
    day = schedule.next_on
    while day <= today:
        day += step
    return day


def schedules_run_due(*, now: datetime.datetime, start) -> int:
    """Ask for the runs of the schedules due today (``start(run_id)`` sends each to its worker)."""
    today = timezone.localdate(now)
    started = 0
    for schedule in ReportSchedule.objects.filter(is_active=True, next_on__lte=today).select_related("owner"):
        with transaction.atomic():
            locked = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
            if locked.next_on > today:
                continue
            locked.next_on = next_date(locked, today)
            locked.save(update_fields=["next_on"])
            try:
                run = run_request(
                    actor=locked.owner,
                    report_name=locked.report,
                    params=catalogue.to_raw(locked.params),
                    fmt=locked.fmt,
                    now=now,
                    schedule=locked,
                )
            except ValidationError as exc:
                logger.warning("scheduled report %s not run: %s", locked.pk, exc.messages)
                continue
            start(run.pk)
            started += 1
    return started


def schedule_announce(*, run: ReportRun, now: datetime.datetime) -> int:
    """Tell the owner of a scheduled run that its file is ready (portal and e-mail: a link, never the file)."""
    person = person_for_user(run.user)
    if person is None or run.schedule_id is None:
        return 0
    try:
        run.report_title = str(catalogue.get(run.report).title)
    except ValidationError:
        run.report_title = run.report
    due = report_ready_due(run=run, person=person, day=timezone.localdate(now))
    return reminders_notify(source_code=REPORT_READY, dues=[due], now=now)
