"""Reminder sources of the secret ballots (ADR 7): an appraisal's voting opens (each member who has not voted yet),
an appraisal's voting closes soon (the same), a survey closes (the branch secretary, who counts the paper
questionnaires and closes it). The subject of the first two is the member appraised (``Appraisee``): voting ends the
reminder, so a pending e-mail is not sent any more. Nothing here says what anyone voted."""

from __future__ import annotations

import functools

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, in_window, object_url, register

from .choices import BallotState
from .models import AppraisalVoter, Appraisee, Survey


def _not_voted():
    voted = AppraisalVoter.objects.filter(appraisal_id=OuterRef("appraisal_id"), person_id=OuterRef("person_id"))
    return Appraisee.objects.filter(appraisal__state=BallotState.OPEN).exclude(Exists(voted))


def _appraisal_dues(field: str):
    def dues(today, earliest, latest):
        rows = in_window(_not_voted(), f"appraisal__{field}", earliest, latest).values_list(
            "pk", f"appraisal__{field}", "appraisal__node_id", "appraisal__node__path", "person_id",
            "appraisal__node__name", "appraisal__year", "appraisal__closes_on",
        )  # fmt: skip
        for pk, day, node_id, path, person_id, name, year, closes_on in rows:
            yield Due(pk, day, node_id, path, person_id, {"node": name, "year": year, "closes_on": str(closes_on)})

    return dues


def _appraisal_current(field: str):
    def current(ids, today):
        return dict(_not_voted().filter(pk__in=ids).values_list("pk", f"appraisal__{field}"))

    return current


@functools.cache
def _ballot_url() -> str:
    from django.urls import reverse

    return reverse("appraisal:home")


def _survey_dues(today, earliest, latest):
    rows = in_window(Survey.objects.filter(state=BallotState.OPEN), "closes_on", earliest, latest).values_list(
        "pk", "closes_on", "node_id", "node__path", "title"
    )
    for pk, day, node_id, path, title in rows:
        yield Due(pk, day, node_id, path, None, {"title": title})


def _survey_current(ids, today):
    return dict(Survey.objects.filter(pk__in=ids, state=BallotState.OPEN).values_list("pk", "closes_on"))


register(
    Source(
        code="appraisal.ballot_open",
        label=gettext_lazy("Democratic appraisal: voting opens"),
        roles=(RecipientRole.SUBJECT,),
        dues=_appraisal_dues("opens_on"),
        current=_appraisal_current("opens_on"),
        title=lambda p: (
            _("Democratic appraisal of %(node)s, %(year)s: your ballot is open until %(date)s")
            % {"node": p.get("node", ""), "year": p.get("year", ""), "date": p.get("closes_on", "")}
        ),
        url=lambda due, role: _ballot_url(),
        help_text=gettext_lazy("Each member of the appraisal who has not voted yet, on the day voting opens."),
        opening=True,  # its date is when voting opened; the deadline is in its title (and in the closing reminder)
    )
)
register(
    Source(
        code="appraisal.ballot_closing",
        label=gettext_lazy("Democratic appraisal: voting closes soon"),
        roles=(RecipientRole.SUBJECT,),
        dues=_appraisal_dues("closes_on"),
        current=_appraisal_current("closes_on"),
        title=lambda p: (
            _("Democratic appraisal of %(node)s, %(year)s: voting closes on %(date)s")
            % {"node": p.get("node", ""), "year": p.get("year", ""), "date": p.get("closes_on", "")}
        ),
        url=lambda due, role: _ballot_url(),
        help_text=gettext_lazy("Each member of the appraisal who has not voted yet, before voting closes."),
    )
)
register(
    Source(
        code="appraisal.survey_closing",
        label=gettext_lazy("Satisfaction survey closes"),
        roles=(RecipientRole.SECRETARY, RecipientRole.ORGANISER),
        dues=_survey_dues,
        current=_survey_current,
        title=lambda p: _("Satisfaction survey closes: %(title)s") % {"title": p.get("title", "")},
        url=lambda due, role: object_url("appraisal:survey", due.subject_id),
        help_text=gettext_lazy("The survey's last day: enter the paper questionnaires and close it."),
    )
)
