from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.reports"
    verbose_name = _("Reports")

    def ready(self):
        # the reports of the apps below (membership, lifecycle, disclosure, audit) are declared here; the apps
        # above register theirs in their own ready (apps.reports.catalogue.register)
        from . import definitions, documents, reminders  # noqa: F401
