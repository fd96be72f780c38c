"""The embedded default's stand-in for Celery beat: runs the periodic jobs of partyportal.schedule in-process."""

import importlib
import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

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
    help = "Run the periodic jobs in a loop (embedded default, no Celery beat)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")
        parser.add_argument("--tick", type=float, default=30.0)

    def handle(self, *args, once: bool, tick: float, **options):
        last_run: dict[str, float] = {}
        if once:
            for name, task_path, _seconds in PERIODIC_JOBS:
                self.stdout.write(f"{name}: {_resolve(task_path)()}")
            return
        while True:
            close_old_connections()
            run_due(last_run, time.monotonic())
            time.sleep(tick)
