from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    name = "apps.improvement"
    verbose_name = _("Inspections and improvement")

    def ready(self):
        # The assessment sits below and never imports this app: overdue corrective actions register as one of its
        # indicator sources (整改逾期). The reminder sources are found by the notifications app.
        from . import reminders, sources  # noqa: F401
        from .reports import register_reports

        register_reports()  # the 整改 documents in the report catalogue
