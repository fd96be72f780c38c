from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "apps.appraisal"
    verbose_name = _("Appraisal and surveys")

    def ready(self):
        # The assessment sits below and never imports this app: the results register as its components.
        from apps.assessment.components import Component, register

        from .selectors import report_scores, survey_scores

        register(
            Component(
                code="appraisal_report",
                label=_("Secretary's report (述职评议)"),
                definition=_(
                    "The attendees' grades of the secretary's yearly report, weighted by the points of the appraisal "
                    "policy (good 100, fairly good 80, average 60, poor 40 by default), on a 0–100 scale; only a "
                    "report whose voting is closed with at least the fewest voters counts."
                ),
                scores=report_scores,
            )
        )
        register(
            Component(
                code="appraisal_survey",
                label=_("Satisfaction survey (民主测评)"),
                definition=_(
                    "The weighted score of every counted answer of the organisation's closed satisfaction surveys of "
                    "the year (satisfied 100, mostly satisfied 75, dissatisfied 55, “don't know” not counted by "
                    "default), on a 0–100 scale; only surveys with at least the fewest respondents count."
                ),
                scores=survey_scores,
            )
        )
