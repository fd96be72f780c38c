"""Report runs outside the request. Under Celery a run is a task (acknowledged late: a worker killed mid-run has
the run delivered again, and the claim takes it up once it is stale, or fails it after the policy's attempts). On
the embedded default (no broker, tasks eager) a run goes to a thread of the web process, so the request returns at
once and the progress bar moves; the scheduler loop's sweep picks up any run left waiting."""

from __future__ import annotations

import threading

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from .services import run_execute, runs_sweep


@shared_task(name="apps.reports.tasks.report_run_task", acks_late=True, reject_on_worker_lost=True)
def report_run_task(run_id: int) -> str:
    run = run_execute(run_id=run_id, clock=timezone.now)
    return run.status if run else "skipped"


def _in_thread(run_id: int) -> None:
    try:
        close_old_connections()
        run_execute(run_id=run_id, clock=timezone.now)
    finally:
        connection.close()


def start(run_id: int) -> None:
    """Start a run once the transaction that created it commits."""

    def go():
        if settings.CELERY_TASK_ALWAYS_EAGER and settings.REPORTS_IN_THREAD:
            threading.Thread(target=_in_thread, args=(run_id,), name=f"report-{run_id}", daemon=True).start()
        else:
            report_run_task.delay(run_id)

    transaction.on_commit(go)


@shared_task(name="apps.reports.tasks.reports_sweep_task")
def reports_sweep_task() -> dict:
    """Runs whose worker stopped go again (or fail); expired files go; then scheduled reports that are due."""
    from .schedules import schedules_run_due

    result = runs_sweep(clock=timezone.now)
    for run_id in result["again"]:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            run_execute(run_id=run_id, clock=timezone.now)  # the scheduler loop is outside any request already
        else:
            report_run_task.delay(run_id)
    result["scheduled"] = schedules_run_due(now=timezone.now(), start=start)
    return result
