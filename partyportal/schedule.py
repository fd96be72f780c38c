"""The periodic jobs, in one place: Celery beat reads them, and so does the embedded scheduler loop.

Each entry: a name, the dotted task path, and the interval in seconds. ``SCHEDULE_SCALE`` (a factor, default 1)
shortens every interval — for the tests that run a real beat, never in production.
"""

import os

_SCALE = float(os.environ.get("SCHEDULE_SCALE", "1"))


def _every(seconds: int) -> float:
    return max(seconds * _SCALE, 1.0)


PERIODIC_JOBS = [
    ("access-sync", "apps.organisations.tasks.access_sync_expired_task", _every(15 * 60)),
    ("disclosure-sweep", "apps.disclosure.tasks.notice_sweep_task", _every(10 * 60)),
    ("lifecycle-refresh", "apps.lifecycle.tasks.case_refresh_task", _every(6 * 60 * 60)),
    ("reminders-sweep", "apps.notifications.tasks.reminders_sweep_task", _every(5 * 60)),
    ("reports-sweep", "apps.reports.tasks.reports_sweep_task", _every(60)),
    ("outbox-deliver", "apps.notifications.tasks.outbox_deliver_task", _every(60)),
]
