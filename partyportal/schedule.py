"""The periodic jobs, in one place: Celery beat reads them, and so does the embedded scheduler loop.

Each entry: a name, the dotted task path, and the interval in seconds.
"""

PERIODIC_JOBS = [
    ("access-sync", "apps.organisations.tasks.access_sync_expired_task", 15 * 60),
    ("disclosure-sweep", "apps.disclosure.tasks.notice_sweep_task", 10 * 60),
    ("lifecycle-refresh", "apps.lifecycle.tasks.case_refresh_task", 6 * 60 * 60),
]
