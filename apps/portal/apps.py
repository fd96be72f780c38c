from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "apps.portal"
    verbose_name = _("Portal")

    def ready(self):
        from apps.organisations.overview_cache import watch_tables

        from . import checks  # noqa: F401

        # What the home page's to-do reads (apps.portal.todo) besides the notices and objections (the "disclosure"
        # version): development cases and their records, transfers, the user (staff or not decides the links), and
        # the assessment sheets (those submitted for the user's review) and the commitments (those to vet).
        # Any committed write to them bumps the version the cached to-do is keyed by (docs/adr/0004).
        watch_tables(
            "todo", ("lifecycle_", "membership_transfer", "accounts_user", "assessment_sheet", "improvement_commitment")
        )
        # What the dashboards draw (apps.portal.dashboards): people and their membership, cases, meetings, dues and
        # assessment sheets.
        watch_tables("dashboard", ("people_", "membership_", "lifecycle_", "orglife_", "dues_", "assessment_"))
