"""Periodic tasks. Both are idempotent (unique keys, row locks), so they acknowledge late: a task lost with a
worker killed mid-run is delivered again and finishes the work without doing any of it twice."""

from celery import shared_task
from django.utils import timezone

from .services import outbox_deliver, reminders_sweep


@shared_task(name="apps.notifications.tasks.reminders_sweep_task", acks_late=True, reject_on_worker_lost=True)
def reminders_sweep_task() -> int:
    """Insert the reminders due now; then deliver at once what is immediate."""
    created = reminders_sweep(clock=timezone.now).created
    outbox_deliver(clock=timezone.now)
    return created


@shared_task(name="apps.notifications.tasks.outbox_deliver_task", acks_late=True, reject_on_worker_lost=True)
def outbox_deliver_task() -> int:
    """Send what is due in the outbox (new reminders, retries, the daily digests)."""
    return outbox_deliver(clock=timezone.now).sent
