"""Reads of report runs and schedules: a run is seen by its runner and by the staff (``manage_people``) over every
organisation the runner saw when asking for it; anyone else gets a 404. A schedule is listed to its owner."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.audit.services import access_denied_note
from apps.organisations.choices import MANAGE_PEOPLE
from apps.organisations.permissions import covers

from .models import ReportRun, ReportSchedule

RUNS_SHOWN = 20


def may_read(user, run: ReportRun) -> bool:
    if run.user_id == user.pk:
        return True
    return bool(run.scope) and all(covers(user, MANAGE_PEOPLE, path) for path in run.scope)


def runs_of(*, user) -> QuerySet[ReportRun]:
    return ReportRun.objects.filter(user=user).order_by("-requested_at", "-pk")


def schedules_of(*, user) -> QuerySet[ReportSchedule]:
    """The schedules that run as the user (their owner): the reports page lists them, read only. A schedule runs
    with its owner's scope on the day it runs, so it shows nothing its owner could not run themselves."""
    return ReportSchedule.objects.filter(owner=user).order_by("-is_active", "next_on", "pk")


def run_get_for(*, user, pk, request=None) -> ReportRun:
    run = ReportRun.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if run is None:
        raise Http404
    if not may_read(user, run):
        access_denied_note(actor=user, target=run, request=request)
        raise Http404
    return run
