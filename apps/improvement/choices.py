"""The states and kinds of inspections, corrective actions and commitments; the actions' transition table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionKind(models.TextChoices):
    REGULAR = "regular", _("Regular inspection (定期)")
    AD_HOC = "ad_hoc", _("Ad-hoc inspection (不定期)")


class FindingKind(models.TextChoices):
    OBSERVATION = "observation", _("Observation")
    NONCONFORMITY = "nonconformity", _("Non-conformity (不符合项)")


class ActionState(models.TextChoices):
    DRAFT = "draft", _("Being planned")
    OPEN = "open", _("Correction under way")
    SUBMITTED = "submitted", _("Awaiting the effectiveness check")
    RETURNED = "returned", _("Returned for more work")
    CLOSED = "closed", _("Closed after the check")


# The allowed moves of a corrective action: (state, move) → new state. The service checks the guards of each move
# (a plan to open, a reason to return, a checker other than the owner to close).
TRANSITIONS: dict[tuple[str, str], str] = {
    (ActionState.DRAFT, "open"): ActionState.OPEN,
    (ActionState.OPEN, "submit"): ActionState.SUBMITTED,
    (ActionState.RETURNED, "submit"): ActionState.SUBMITTED,
    (ActionState.SUBMITTED, "return"): ActionState.RETURNED,
    (ActionState.SUBMITTED, "close"): ActionState.CLOSED,
}
MOVES = ("open", "submit", "return", "close")
NOT_CLOSED = (ActionState.DRAFT, ActionState.OPEN, ActionState.SUBMITTED, ActionState.RETURNED)
# Overdue counts from the day after the due date while the action is still being worked on.
WORKING = (ActionState.OPEN, ActionState.SUBMITTED, ActionState.RETURNED)


class CommitmentState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting vetting")
    RETURNED = "returned", _("Returned by the branch")
    APPROVED = "approved", _("Vetted")
    PUBLISHED = "published", _("Published on the board")


class Outcome(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    PARTLY = "partly", _("Partly delivered")
    UNDELIVERED = "undelivered", _("Not delivered")


class EvaluationGrade(models.TextChoices):
    GOOD = "good", _("Good (好)")
    FAIR = "fair", _("Fair (较好)")
    AVERAGE = "average", _("Average (一般)")
    POOR = "poor", _("Poor (差)")
