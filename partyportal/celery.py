"""Celery application. With no REDIS_URL, tasks run in-process (see settings.base).

Exactly one beat schedules: the one holding the beat lock in Redis (partyportal.beat_lock). A periodic task that
waited longer than its interval in the queue is dropped (``expires``): the next tick sends it again, so a backlog
of identical runs never builds up behind a slow worker.
"""

import os

from celery import Celery
from celery.signals import beat_init

from partyportal import beat_lock

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyportal.settings.local")

app = Celery("partyportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _setup_periodic_jobs(sender, **kwargs):
    from partyportal.schedule import PERIODIC_JOBS

    for name, task_path, seconds in PERIODIC_JOBS:
        sender.add_periodic_task(seconds, sender.signature(task_path), name=name, expires=seconds)


@beat_init.connect
def _one_beat(sender=None, **kwargs):
    """Before the first tick: wait for the beat lock, or exit if a live beat holds it (partyportal.beat_lock)."""
    from django.conf import settings

    if settings.REDIS_URL:
        beat_lock.take(settings.REDIS_URL, settings.CELERY_BEAT_LOCK_KEY, settings.CELERY_BEAT_LOCK_SECONDS)
