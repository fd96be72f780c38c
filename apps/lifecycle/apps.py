from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "apps.lifecycle"
    verbose_name = _("Membership development")

    def ready(self):
        # an open development case follows its person when a transfer within the committee is accepted
        from apps.membership.services import register_transfer_listener

        from .services import case_follows_transfer

        register_transfer_listener(case_follows_transfer)
