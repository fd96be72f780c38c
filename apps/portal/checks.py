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


@register(deploy=True)
def site_url_configured(app_configs, **kwargs):
    from urllib.parse import urlparse

    url = urlparse(settings.SITE_URL)
    if url.scheme == "https" and url.hostname not in (None, "localhost", "127.0.0.1"):
        return []
    return [
        Warning(
            f"SITE_URL is {settings.SITE_URL!r}: links in reminder e-mails and calendar feeds would not reach users.",
            hint="Set SITE_URL to the portal's public https address.",
            id="partyportal.W002",
        )
    ]
