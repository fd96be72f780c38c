"""Report runs: asked for (checked, bounded, audited), executed outside the request (a Celery task, or a thread on
the embedded default), swept (runs whose worker stopped are taken up again or failed; expired files removed).

A run's file is written under a temporary name and moved into place only once complete, and the row names the file
only after the move: a worker killed mid-run leaves a ``.part`` file no row offers (the sweep removes it)."""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.organisations.choices import VIEW_SCOPE
from apps.organisations.permissions import scope_paths

from . import catalogue
from .choices import ACTIVE_STATUSES, RunStatus
from .formats import write_pdf, write_xlsx
from .models import ReportPolicy, ReportRun

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime.datetime]

TMP_DIR = "reports/tmp"
PROGRESS_STEPS = 50  # progress is written at most this many times a run
# Where a PDF run's progress stands: the rows read (up to), the pages being laid out, the file being written.
PDF_STAGES = {"rows": 20, "layout": 25, "write": 85}


def policy() -> ReportPolicy:
    return ReportPolicy.objects.order_by("pk").first() or ReportPolicy()


def _check_range(params: dict, pol: ReportPolicy, today: datetime.date) -> None:
    year = params.get("year")
    if isinstance(year, int) and year > today.year:
        raise ValidationError(
            _("The year %(year)s has not begun: choose %(this)s or an earlier year.")
            % {"year": year, "this": today.year}
        )
    since, until = params.get("since"), params.get("until")
    if isinstance(since, datetime.date) and isinstance(until, datetime.date):
        if until < since:
            raise ValidationError(_("The end of the period comes before its start."))
        if since > today:
            raise ValidationError(_("The period begins after today."))
        if (until - since).days > pol.max_range_days:
            raise ValidationError(
                _("The period is too long: at most %(days)s days at a time.") % {"days": pol.max_range_days}
            )


def _not_allowed() -> ValidationError:
    return ValidationError(_("You may not run this report: it covers organisations you are not responsible for."))


def run_check(
    *, actor, report_name: str, params: dict, fmt: str, today: datetime.date
) -> tuple[catalogue.Report, dict]:
    """The report and its cleaned parameters, or a translated ``ValidationError`` (unknown report, a format it has
    not, a parameter of the wrong type, too long a period, a year not begun, a user who may not run it)."""
    report = catalogue.get(report_name)
    if not report.allowed(actor):
        raise _not_allowed()
    if fmt not in report.formats:
        raise ValidationError(_("This report is not written as %(format)s.") % {"format": str(fmt)[:10]})
    cleaned = report.clean(params, user=actor)
    _check_range(cleaned, policy(), today)
    return report, cleaned


@transaction.atomic
def run_request(*, actor, report_name: str, params: dict, fmt: str, now: datetime.datetime, schedule=None):
    """A new run, waiting for its worker. At most the policy's number of runs waiting or running per person."""
    report, cleaned = run_check(
        actor=actor, report_name=report_name, params=params, fmt=fmt, today=timezone.localdate(now)
    )
    pol = policy()
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()  # one request at a time per person
    active = ReportRun.objects.filter(user=actor, status__in=ACTIVE_STATUSES).count()
    if active >= pol.max_active_runs:
        raise ValidationError(_("You have %(n)s reports waiting or running; wait until one is done.") % {"n": active})
    paths = scope_paths(actor, VIEW_SCOPE)
    run = ReportRun.objects.create(
        user=actor,
        report=report.name,
        params=catalogue.to_json(cleaned),
        fmt=fmt,
        scope=[""] if paths is None else sorted(paths),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        requested_at=now,
        schedule=schedule,
    )
    audit_record(
        actor=actor,
        action="reports.run_requested",
        target=run,
        # the parameters too: an export for exchange (ID numbers in full) is told apart in the log
        changes={"report": [None, report.name], "fmt": [None, fmt], "params": [None, run.params]},
    )
    return run


def _claim(run_id: int, now: datetime.datetime) -> ReportRun | None:
    """Take the run for this worker: a waiting run, or a running one whose worker has not been heard from for the
    policy's minutes (a duplicate delivery of a live run finds it fresh and leaves it)."""
    pol = policy()
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in ACTIVE_STATUSES:
            return None
        stale = now - datetime.timedelta(minutes=pol.stale_minutes)
        if run.status == RunStatus.RUNNING and run.heartbeat_at and run.heartbeat_at > stale:
            return None
        if run.attempts >= pol.max_attempts:
            _fail(run, _("The report was stopped %(n)s times before it was done.") % {"n": run.attempts}, now)
            return None
        run.status, run.started_at, run.heartbeat_at = RunStatus.RUNNING, now, now
        run.attempts += 1
        run.progress = 0
        run.save(update_fields=["status", "started_at", "heartbeat_at", "attempts", "progress"])
        return run


def _fail(run: ReportRun, message: str, now: datetime.datetime) -> None:
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, error=message[:2000], finished_at=now, progress=0
    )


def _file_name(report: catalogue.Report, run: ReportRun, day: datetime.date) -> str:
    stem = slugify(run.report) or "report"
    if run.params.get("exchange"):  # the roster with ID numbers and addresses in full: told apart by its name
        stem += "-exchange"
    for key in ("year", "since", "until"):  # files of different years or periods told apart by their names too
        if run.params.get(key):
            stem += "-" + slugify(str(run.params[key]))
    return f"{stem}-{day:%Y%m%d}-{run.pk}.{run.fmt}"


def _digest(path: Path) -> tuple[int, str]:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return path.stat().st_size, sha.hexdigest()


def run_execute(*, run_id: int, clock: Clock) -> ReportRun | None:
    """Write the run's file (progress on the row as it goes), then offer it. Returns the run as it ended, or None
    when there was nothing to do (not waiting, or another worker has it)."""
    run = _claim(run_id, clock())
    if run is None:
        return None
    with translation.override(run.language):  # the file speaks the language of whoever asked for it
        return _execute(run, clock)


def _write_document(path: Path, *, report, user, params: dict, today: datetime.date) -> int:
    """An official document: its bytes, written whole (one record, one document)."""
    path.write_bytes(report.document(user=user, params=params, today=today))
    return 1


def _write_table(path: Path, *, report, run, user, params: dict, today: datetime.date, clock: Clock) -> int:
    """A table as Excel or PDF, the run's progress updated as the rows are written."""
    table = report.rows(user=user, params=params, today=today)
    step = max(1, table.count // PROGRESS_STEPS)

    # Excel: the rows are the work. PDF: reading the rows is the first fifth; laying out the pages and writing the
    # file are the long steps after it, each shown when it starts.
    share = PDF_STAGES["rows"] if run.fmt == "pdf" else 99

    def progress(percent: int) -> None:
        ReportRun.objects.filter(pk=run.pk).update(progress=min(99, percent), heartbeat_at=clock())

    def on_row(n: int) -> None:
        if n % step == 0 and table.count:
            progress(n * share // table.count)

    on_stage = (lambda stage: progress(PDF_STAGES[stage])) if run.fmt == "pdf" else None
    return _write_file(path, report=report, fmt=run.fmt, params=params, table=table, today=today, on_row=on_row,
                       on_stage=on_stage)  # fmt: skip


def _write_file(path: Path, *, report, fmt: str, params: dict, table, today: datetime.date, on_row, on_stage=None):
    """The table written as ``fmt`` (Excel or PDF), with its title and what it is of; returns the rows written."""
    title, caption, columns = str(report.title), _caption(report, params, table), report.columns(params)
    if fmt == "pdf":
        return write_pdf(path, title=title, caption=caption, columns=columns, table=table, day=today,
                         page_cap=policy().pdf_page_cap, on_row=on_row, on_stage=on_stage)  # fmt: skip
    return write_xlsx(path, title=title, caption=caption, columns=columns, table=table, on_row=on_row)


def _caption(report: catalogue.Report, params: dict, table) -> str:
    """What the file is of, under its title: the parameters in words, then what the table adds."""
    return " · ".join(part for part in (report.describe(params), str(table.caption or "")) if part)


def _execute(run: ReportRun, clock: Clock) -> ReportRun:
    pol = policy()
    tmp = Path(default_storage.path(f"{TMP_DIR}/{run.pk}-{uuid.uuid4().hex}.part"))
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        report = catalogue.get(run.report)
        user = run.user
        if not user.is_active or not report.allowed(user):
            raise ValidationError(
                _("You may not run this report: it covers organisations you are not responsible for.")
            )
        params = report.clean(catalogue.to_raw(run.params), user=user)
        today = timezone.localdate(run.started_at)
        if run.fmt == "docx":
            rows = _write_document(tmp, report=report, user=user, params=params, today=today)
        else:
            rows = _write_table(tmp, report=report, run=run, user=user, params=params, today=today, clock=clock)
        size, sha = _digest(tmp)
        name = f"reports/{run.pk}/{_file_name(report, run, today)}"
        final = Path(default_storage.path(name))
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)  # the whole file appears at once, or not at all
        finished = clock()
        ReportRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.DONE,
            progress=100,
            rows=rows,
            file=name,
            filename=final.name,
            size=size,
            sha256=sha,
            finished_at=finished,
            heartbeat_at=finished,
            expires_at=finished + datetime.timedelta(days=pol.keep_days),
            error="",
        )
        if run.schedule_id:
            from .schedules import schedule_announce

            run.refresh_from_db()
            schedule_announce(run=run, now=finished)
    except ValidationError as exc:
        _fail(run, " ".join(exc.messages), clock())
    except Exception as exc:
        logger.exception("report run %s failed", run.pk)
        _fail(run, _("The report could not be written (%(error)s).") % {"error": type(exc).__name__}, clock())
    finally:
        tmp.unlink(missing_ok=True)
    run.refresh_from_db()
    return run


def run_write_now(*, actor, report_name: str, params: dict, fmt: str, out, today: datetime.date) -> int:
    """Write a report synchronously to ``out`` (a path) with the actor's scope (``manage.py report_run``); no row."""
    report, cleaned = run_check(actor=actor, report_name=report_name, params=params, fmt=fmt, today=today)
    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    if fmt == "docx":
        try:
            rows = _write_document(tmp, report=report, user=actor, params=cleaned, today=today)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        return rows
    table = report.rows(user=actor, params=cleaned, today=today)
    try:
        rows = _write_file(tmp, report=report, fmt=fmt, params=cleaned, table=table, today=today, on_row=lambda n: None)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def _remove(name: str) -> None:
    if name:
        Path(default_storage.path(name)).unlink(missing_ok=True)


def runs_sweep(*, clock: Clock) -> dict:
    """Take up again the runs whose worker stopped (or fail them after the policy's attempts), remove files past
    their expiry and ``.part`` files nobody is writing. Returns the run ids to start again and the counts."""
    now = clock()
    pol = policy()
    stale = now - datetime.timedelta(minutes=pol.stale_minutes)
    again = []
    for run in ReportRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=stale).only("pk", "attempts"):
        if run.attempts >= pol.max_attempts:
            _fail(run, _("The report was stopped %(n)s times before it was done.") % {"n": run.attempts}, now)
        elif ReportRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, heartbeat_at__lt=stale).update(
            status=RunStatus.QUEUED
        ):
            again.append(run.pk)
    # waiting runs nobody took (the embedded default restarted, a lost message)
    again += list(
        ReportRun.objects.filter(status=RunStatus.QUEUED, requested_at__lt=stale).values_list("pk", flat=True)
    )
    expired = 0
    for run in ReportRun.objects.filter(status=RunStatus.DONE, expires_at__lte=now).only("pk", "file"):
        _remove(run.file)
        expired += ReportRun.objects.filter(pk=run.pk, status=RunStatus.DONE).update(
            status=RunStatus.EXPIRED, file="", size=0
        )
    removed = 0
    tmp_dir = Path(default_storage.path(TMP_DIR))
    if tmp_dir.is_dir():
        running = set(ReportRun.objects.filter(status=RunStatus.RUNNING).values_list("pk", flat=True))
        for part in tmp_dir.glob("*.part"):
            owner = part.name.split("-", 1)[0]
            if not (owner.isdigit() and int(owner) in running):
                part.unlink(missing_ok=True)
                removed += 1
    return {"again": sorted(set(again)), "expired": expired, "parts_removed": removed}
