"""PartyPortal: the intranet portal of a base Party committee and its branches."""

from .celery import app as celery_app

__all__ = ("celery_app",)
