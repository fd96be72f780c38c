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

        from apps.organisations.overview_cache import watch_tables

        # What the case page shows besides the user's grants (the "org" version): the case, its records, votes,
        # warnings, helpers and rule set, the people named, their documents, the publicity notices and their
        # objections, the holiday calendar of the plan, and the users who entered the records. Any committed write
        # to them bumps the version the page's cached parts are keyed by (docs/adr/0004); orglife adds its meetings.
        watch_tables(
            "case_page",
            ("lifecycle_", "people_", "documents_", "disclosure_", "workdays_", "accounts_user", "organisations_"),
        )
