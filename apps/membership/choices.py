"""The ways a membership period begins and ends, the kinds and states of a transfer, and the rules of leaving — as
data (中国共产党章程; 中国共产党党员教育管理工作条例 2019; 关于加强和改进流动党员管理工作的意见)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.organisations.choices import APPROVE, MANAGE_PEOPLE


class PeriodStart(models.TextChoices):
    ADMISSION = "admission", _("Admitted")
    TRANSFER_IN = "transfer_in", _("Transferred in")
    TRANSFER = "transfer", _("Transferred within the committee")
    RESTORATION = "restoration", _("Membership restored")
    MIGRATED = "migrated", _("Taken over from earlier records")


class PeriodEnd(models.TextChoices):
    TRANSFER = "transfer", _("Transferred within the committee")
    TRANSFER_OUT = "transfer_out", _("Transferred out")
    DEATH = "death", _("Died")
    EXPULSION = "expulsion", _("Expelled from the Party")
    STRUCK_OFF = "struck_off", _("Struck off the roll (除名)")
    RESIGNED = "resigned", _("Left the Party (退党)")
    SUSPENDED = "suspended", _("Membership suspended (停止党籍)")
    CANCELLED = "cancelled", _("Probationary membership cancelled")


@dataclass(frozen=True)
class Leaving:
    """A way of leaving the roll: who records the decision (a node permission on the person's branch) and the rule
    it rests on. The software records the decision of the branch and the committee; it never takes it."""

    code: str
    recorded_by: str
    article: str
    needs_decision: bool  # a body's decision (its reference is required), not a fact such as a death


LEAVINGS = {
    PeriodEnd.DEATH: Leaving(PeriodEnd.DEATH, MANAGE_PEOPLE, "", needs_decision=False),
    PeriodEnd.EXPULSION: Leaving(PeriodEnd.EXPULSION, APPROVE, "党章 第七章", needs_decision=True),
    PeriodEnd.STRUCK_OFF: Leaving(PeriodEnd.STRUCK_OFF, APPROVE, "党章 §9", needs_decision=True),
    PeriodEnd.RESIGNED: Leaving(PeriodEnd.RESIGNED, APPROVE, "党章 §9", needs_decision=True),
    PeriodEnd.SUSPENDED: Leaving(PeriodEnd.SUSPENDED, APPROVE, "中国共产党党员教育管理工作条例", needs_decision=True),
}


class TransferKind(models.TextChoices):
    WITHIN = "within", _("Between branches of the committee")
    OUT = "out", _("To an organisation outside the committee")
    IN = "in", _("From an organisation outside the committee")


class TransferState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the receiving branch")
    SENT = "sent", _("Letter sent, waiting for the receipt")
    ACCEPTED = "accepted", _("Accepted")
    RECEIPTED = "receipted", _("Receipt returned")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


PENDING_STATES = (TransferState.REQUESTED, TransferState.SENT)


class ParticipationKind(models.TextChoices):
    FLOATING = "floating", _("Floating member: takes part where they now live or work (流动党员)")
    WORKPLACE = "workplace", _("Takes part with the organisation where they work")
    RETIRED = "retired", _("Retired member attached to a community organisation")
