from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "apps.assessment"
    verbose_name = _("Target-responsibility assessment")

    def ready(self):
        from . import reminders, sources  # noqa: F401  (registers the indicator and reminder sources)
