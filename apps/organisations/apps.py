from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "apps.organisations"
    verbose_name = _("Organisation")

    def ready(self):
        from . import overview_cache  # noqa: F401 - data versions: the write watch on every database connection
