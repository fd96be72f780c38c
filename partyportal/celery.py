"""Celery application. With no REDIS_URL, tasks run in-process (see settings.base)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyportal.settings.local")

app = Celery("partyportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _setup_periodic_jobs(sender, **kwargs):
    from partyportal.schedule import PERIODIC_JOBS

    for name, task_path, seconds in PERIODIC_JOBS:
        sender.add_periodic_task(seconds, sender.signature(task_path), name=name)
