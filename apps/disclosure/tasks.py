from celery import shared_task
from django.utils import timezone

from .services import notice_sweep


@shared_task(name="apps.disclosure.tasks.notice_sweep_task")
def notice_sweep_task() -> int:
    """Close the notices whose window has ended (idempotent)."""
    return notice_sweep(today=timezone.localdate())
