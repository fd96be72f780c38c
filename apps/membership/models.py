"""Membership history: the periods in which a person held their organisational relationship (组织关系) in a node,
the transfers that end one period and begin the next, where a member takes part in organisational life when it
differs, and members out of contact. The roll on any date is read from the periods (``selectors.members_on``)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .choices import PENDING_STATES, ParticipationKind, PeriodEnd, PeriodStart, TransferKind, TransferState


class MembershipPeriod(models.Model):
    """From ``started_on`` to ``ended_on`` (inclusive; open while current) the person's relationship was held in
    ``node``. Periods of one person never overlap: the service checks under a lock on the person, and on PostgreSQL
    an exclusion constraint (migration 0002) enforces it as well. A member has exactly one current period."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="membership_periods"
    )
    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    began = models.CharField(_("began by"), max_length=20, choices=PeriodStart.choices)
    ended = models.CharField(_("ended by"), max_length=20, choices=PeriodEnd.choices, blank=True)
    decision = models.CharField(_("decision"), max_length=200, blank=True)
    transfer = models.ForeignKey(
        "Transfer", verbose_name=_("transfer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("membership period")
        verbose_name_plural = _("membership periods")
        ordering = ["person", "started_on"]
        indexes = [
            models.Index(fields=["node", "started_on", "ended_on"], name="period_node_dates"),
            models.Index(fields=["person", "started_on"], name="period_person_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="period_ordered",
                violation_error_message=_("A period cannot end before it began."),
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_on__isnull=True),
                name="period_one_current",
                violation_error_message=_("The person already has a current membership period."),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.node} {self.started_on}–{self.ended_on or ''}"

    def covers(self, day) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)


class Transfer(models.Model):
    """A transfer of the organisational relationship (组织关系转接): within the committee (the receiving branch
    accepts), out (the letter goes, the receipt comes back) or in (a letter received, the branch accepts). The
    sending branch stays responsible until the receiving side accepts or returns the receipt."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="transfers"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=TransferKind.choices)
    state = models.CharField(_("state"), max_length=12, choices=TransferState.choices, db_index=True)
    from_node = models.ForeignKey(
        "organisations.OrgNode",
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_node = models.ForeignKey(
        "organisations.OrgNode",
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    other_organisation = models.CharField(_("organisation outside the committee"), max_length=200, blank=True)
    letter_number = models.CharField(_("letter number"), max_length=60, blank=True)
    dues_paid_until = models.DateField(
        _("dues paid up to (month)"), null=True, blank=True, help_text=_("The first day of the last month paid.")
    )
    requested_on = models.DateField(_("requested on"))
    report_by = models.DateField(
        _("to report by"), help_text=_("The member reports to the receiving organisation by this day.")
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-requested_on", "-id"]
        indexes = [models.Index(fields=["state", "report_by"], name="transfer_state_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state__in=PENDING_STATES),
                name="transfer_one_pending",
                violation_error_message=_("The person already has a transfer under way."),
            ),
            models.CheckConstraint(
                condition=~Q(from_node=F("to_node")) | Q(from_node__isnull=True),
                name="transfer_elsewhere",
                violation_error_message=_("A transfer goes to another organisation."),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()} {self.requested_on}"

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING_STATES

    @property
    def sending(self):
        """The node responsible for the member until the transfer completes."""
        return self.from_node if self.kind != TransferKind.IN else self.to_node


class Participation(models.Model):
    """Where a member takes part in organisational life when it is not where their relationship is held: a floating
    member in a 流动党员党支部 or with the organisation where they work, a retired member in a community. Taking part
    is not membership: the roll stays with the period."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="participations"
    )
    node = models.ForeignKey(
        "organisations.OrgNode",
        verbose_name=_("takes part in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    other_organisation = models.CharField(_("or an organisation outside the committee"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ParticipationKind.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("participation elsewhere")
        verbose_name_plural = _("participation elsewhere")
        ordering = ["person", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="participation_ordered",
                violation_error_message=_("A period cannot end before it began."),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()}"


class ContactLoss(models.Model):
    """A member the branch cannot reach (失联): from when, and when contact came back. Six months out of contact
    flags the member for the branch's decision; the software never decides."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="contact_losses"
    )
    since = models.DateField(_("out of contact since"))
    found_on = models.DateField(_("contact again on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("member out of contact")
        verbose_name_plural = _("members out of contact")
        ordering = ["-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(found_on__isnull=True),
                name="contactloss_one_open",
                violation_error_message=_("The member is already recorded as out of contact."),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.since}"
