from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrglifeConfig(AppConfig):
    name = "apps.orglife"
    verbose_name = _("Organisational life")

    def ready(self):
        # Membership flags members not taking part for six months (党章 §9) from the attendance recorded here; the case
        # page links a vote to the general meeting it was taken in. Both lower apps offer a registry; this app
        # registers, so neither imports it.
        from apps.lifecycle.selectors import register_record_origin
        from apps.membership.selectors import register_absence_source

        from .selectors import last_taken_part, vote_origins

        register_absence_source(last_taken_part)
        register_record_origin(vote_origins)

        from apps.organisations.overview_cache import watch_tables

        # the case page's cached parts link a vote to its meeting: a change of the meeting shows there at once
        watch_tables("case_page", ("orglife_meeting",))

        from .reports import register_reports

        register_reports()  # meeting compliance in the report catalogue (ADR 15)
