from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "apps.organisations"
    verbose_name = _("Organisation")

    def ready(self):
        from . import overview_cache  # data versions: the write watch on every database connection

        # the admin's cached sidebar (admin_site): users, their groups and permissions, besides the grants
        overview_cache.watch_tables("admin", ("accounts_", "auth_", "organisations_"))
