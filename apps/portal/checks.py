"""Deployment checks of this project (run by `manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def redis_configured(app_configs, **kwargs):
    if settings.REDIS_URL:
        return []
    return [
        Warning(
            "REDIS_URL is not set: Celery runs in-process and caches are per process.",
            hint="Production needs Redis: cached grants and pages are invalidated through the shared cache.",
            id="partyportal.W001",
        )
    ]
