from celery import shared_task
from django.utils import timezone

from .services import access_sync_expired


@shared_task(name="apps.organisations.tasks.access_sync_expired_task")
def access_sync_expired_task() -> int:
    """Recompute the access of users whose posts started or ended recently (idempotent)."""
    return access_sync_expired(today=timezone.localdate())
