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
