from io import StringIO

from django.core.management import call_command

from partyportal.schedule import PERIODIC_JOBS


def test_beat_schedule_has_every_periodic_job():
    from partyportal.celery import app

    app.finalize()
    app.loader.import_default_modules()
    _ = app.tasks  # finalising runs on_after_finalize, which adds the periodic tasks
    names = set(app.conf.beat_schedule)
    assert {name for name, _path, _seconds in PERIODIC_JOBS} <= names


def test_embedded_scheduler_runs_every_job_once(world):
    out = StringIO()
    call_command("run_sweeps", "--once", stdout=out)
    for name, _path, _seconds in PERIODIC_JOBS:
        assert f"{name}:" in out.getvalue()


def test_scheduler_loop_runs_due_jobs_only():
    from apps.portal.management.commands.run_sweeps import run_due

    calls = []
    import apps.portal.management.commands.run_sweeps as module

    original = module._resolve
    module._resolve = lambda path: lambda: calls.append(path)
    try:
        last: dict[str, float] = {}
        assert len(run_due(last, 10_000.0)) == len(PERIODIC_JOBS)
        assert run_due(last, 10_001.0) == []
    finally:
        module._resolve = original
    assert len(calls) == len(PERIODIC_JOBS)


def test_a_slow_mail_server_does_not_hold_up_the_other_periodic_jobs(world, today, settings):
    """The embedded default runs the jobs one after the other: delivery stops taking e-mails once its time budget is
    spent, so the jobs after it run on time, and the next run sends the rest."""
    import time

    from django.test import override_settings
    from django.utils import timezone

    from apps.notifications.choices import EmailState
    from apps.notifications.models import Reminder
    from apps.portal.management.commands.run_sweeps import run_due
    from tests.notifications.conftest import pending_reminders
    from tests.notifications.smtp import SmtpSink

    pending_reminders(world, 12, due=timezone.now())
    with SmtpSink() as sink, override_settings(**sink.settings(NOTIFY_DELIVERY_BUDGET_SECONDS=1)):
        sink.handler.data_delay = 0.5  # each e-mail takes half a second to be answered
        started = time.monotonic()
        ran = run_due({}, 10_000.0)
        took = time.monotonic() - started
    assert ran == [name for name, _path, _seconds in PERIODIC_JOBS]  # every job ran…
    # …with two delivery runs (the sweep's and the outbox job's) of about a second each, not 12 × 0.5 s
    assert took < 5, took
    sent = len(sink.messages)
    assert 2 <= sent < 12
    assert Reminder.objects.filter(email_state=EmailState.PENDING).count() == 12 - sent
