"""Run the periodic jobs of partyportal.schedule without Celery: once (``--once``), or in a loop (the embedded
default's stand-in for beat; one loop per installation, held by a file lock)."""

import fcntl
import importlib
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from partyportal.schedule import PERIODIC_JOBS

logger = logging.getLogger(__name__)


def _resolve(task_path: str):
    module, name = task_path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def run_due(last_run: dict[str, float], now: float) -> list[str]:
    """Run every job whose interval has passed; returns the names that ran."""
    ran = []
    for name, task_path, seconds in PERIODIC_JOBS:
        if now - last_run.get(name, float("-inf")) >= seconds:  # every job runs on the first tick
            try:
                _resolve(task_path)()
            except Exception:
                logger.exception("periodic job %s failed", name)
            last_run[name] = now
            ran.append(name)
    return ran


class Command(BaseCommand):
    help = "Run the periodic jobs (sweeps, reminders, e-mail) once with --once, or in a loop (embedded default)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once, synchronously, and exit.")
        parser.add_argument("--tick", type=float, default=30.0)

    def handle(self, *args, once: bool, tick: float, **options):
        if once:
            self._once()
            return
        lock_path = Path(settings.VAR_DIR) / "scheduler.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError("Another scheduler loop is running on this installation.") from None
        last_run: dict[str, float] = {}
        while True:
            close_old_connections()
            run_due(last_run, time.monotonic())
            time.sleep(tick)

    def _once(self):
        from apps.notifications.services import outbox_deliver, reminders_sweep

        for name, task_path, _seconds in PERIODIC_JOBS:
            if task_path.startswith("apps.notifications."):
                continue
            self.stdout.write(f"{name}: {_resolve(task_path)()}")
        sweep = reminders_sweep(clock=timezone.now)
        delivery = outbox_deliver(clock=timezone.now)
        self.stdout.write(f"reminders-sweep: {sweep.created} reminders created")
        self.stdout.write(
            f"outbox-deliver: {delivery.sent} e-mails sent, {delivery.failed} failed, {delivery.in_doubt} in doubt, "
            f"{delivery.created} digests"
        )
