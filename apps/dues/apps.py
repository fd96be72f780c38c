from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "apps.dues"
    verbose_name = _("Party dues")

    def ready(self):
        # Membership sits below dues and never imports it: the ledger registers what membership asks of it.
        from apps.membership.selectors import register_flag_source
        from apps.membership.services import register_dues_paid_until, register_transfer_listener

        from .selectors import flags_for_decision, paid_up_to
        from .services import dues_follow_transfer

        register_transfer_listener(dues_follow_transfer)  # the ledger follows the member to the receiving branch
        register_dues_paid_until(paid_up_to)  # the transfer letter states the month dues are paid up to
        register_flag_source(flags_for_decision)  # six consecutive months unpaid: for the branch to decide (党章 §9)

        from .reports import register_reports

        register_reports()  # the collection summary in the report catalogue (ADR 15)
