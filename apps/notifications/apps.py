from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    verbose_name = _("Reminders and notifications")

    def ready(self):
        # Each app declares its reminder sources in its own ``reminders`` module.
        from django.utils.module_loading import autodiscover_modules

        from . import checks  # noqa: F401 - registers the check of the delivery timeouts

        autodiscover_modules("reminders")
