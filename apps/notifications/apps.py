from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    verbose_name = _("Reminders and notifications")

    def ready(self):
        # Each app above this one declares its reminder sources in its own ``reminders`` module; the sources of the
        # apps below (the organisation's terms) are in this app's ``reminders`` module, found the same way.
        from django.utils.module_loading import autodiscover_modules

        from apps.organisations.overview_cache import watch_tables

        from . import checks  # noqa: F401 - registers the check of the delivery timeouts

        autodiscover_modules("reminders")
        # the header's unread count (context_processors) is keyed by this version, bumped on any committed write
        watch_tables("reminders", ("notifications_reminder",))
