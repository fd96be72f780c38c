from celery import shared_task
from django.utils import timezone

from .services import case_refresh_all


@shared_task(name="apps.lifecycle.tasks.case_refresh_task")
def case_refresh_task() -> int:
    """Recompute the stored warnings and next due dates of open cases (dates pass without any write)."""
    return case_refresh_all(today=timezone.localdate())
