"""Party dues (党费): the policy of rates by the day it takes effect, each member's declared base, one ledger row per
member per month with its payment and corrections as lines that are never edited, exemptions and reductions, the
upward remittance of each organisation and month, and the committee's use of dues."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import BaseSource, BaseState, Category, LineKind, Method, Purpose, ReliefKind, ReliefState
from .rates import Rates, describe_bands, parse_bands

MONEY = {"max_digits": 10, "decimal_places": 2}


def _months_list(text: str) -> list[int]:
    return sorted({int(p) for p in (text or "").replace("，", ",").split(",") if p.strip()})


class DuesPolicy(models.Model):
    """The dues rules in force from a day on (the 2008 rules of the Central Organisation Department by default):
    the rate bands, the fixed amounts, and the numbers of arrears. A new version is a new row; the ledger keeps the
    amount each month was computed with."""

    name = models.CharField(_("name"), max_length=120)
    effective_from = models.DateField(_("in force from"), unique=True)
    employed_bands = models.CharField(
        _("rates of employed members"),
        max_length=200,
        default="3000:0.5; 5000:1; 10000:1.5; *:2",
        help_text=_("Monthly after-tax income up to a limit : per cent of it; the last band is * (no limit)."),
    )
    retired_bands = models.CharField(
        _("rates of retired members"),
        max_length=200,
        default="5000:0.5; *:1",
        help_text=_("Monthly pension up to a limit : per cent of it; the last band is * (no limit)."),
    )
    farmer_min = models.DecimalField(_("farmers pay at least"), default=Decimal("0.20"), **MONEY)
    farmer_default = models.DecimalField(
        _("farmers pay, unless they choose"), default=Decimal("0.20"), **MONEY
    )  # the member may choose any amount in the range
    farmer_max = models.DecimalField(_("farmers pay at most"), default=Decimal("1.00"), **MONEY)
    fixed_amount = models.DecimalField(
        _("students, members without work or on relief pay"), default=Decimal("0.20"), **MONEY
    )
    grace_months = models.PositiveSmallIntegerField(
        _("months to pay a month's dues"),
        default=1,
        validators=[MaxValueValidator(6)],
        help_text=_("A month is unpaid when its dues are not paid in full by the end of this many months after it."),
    )
    remind_at_months = models.CharField(
        _("remind at these numbers of consecutive unpaid months"),
        max_length=40,
        default="3, 5",
        help_text=_("The member and the branch secretary are reminded when a run of unpaid months reaches each."),
    )
    flag_after_months = models.PositiveSmallIntegerField(
        _("consecutive unpaid months for the branch's decision"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("Party Constitution art. 9: six months without good reason is treated as leaving the Party."),
    )
    advance_max_months = models.PositiveSmallIntegerField(
        _("months that may be paid in advance"), default=12, validators=[MaxValueValidator(24)]
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dues policy")
        verbose_name_plural = _("dues policies")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(farmer_min__lte=F("farmer_default"))
                & Q(farmer_default__lte=F("farmer_max"))
                & Q(farmer_min__gte=0)
                & Q(fixed_amount__gte=0),
                name="duespolicy_amounts_ordered",
                violation_error_message=_("Farmers' amounts go from the least to the most; no amount is negative."),
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.effective_from})"

    def clean(self):
        errors = {}
        for name in ("employed_bands", "retired_bands"):
            try:
                parse_bands(getattr(self, name))
            except ValidationError as exc:
                errors[name] = exc.messages
        try:
            months = _months_list(self.remind_at_months)
            if any(m < 1 or m > 24 for m in months):
                raise ValueError
        except ValueError:
            errors["remind_at_months"] = [_("Numbers of months from 1 to 24, separated by commas.")]
        if errors:
            raise ValidationError(errors)

    @cached_property
    def rates(self) -> Rates:
        return Rates(
            employed=parse_bands(self.employed_bands),
            retired=parse_bands(self.retired_bands),
            farmer_min=self.farmer_min,
            farmer_default=self.farmer_default,
            farmer_max=self.farmer_max,
            fixed_amount=self.fixed_amount,
        )

    @property
    def employed_text(self) -> str:
        """The employed members' bands in words (the member's dues page)."""
        return describe_bands(parse_bands(self.employed_bands))

    @property
    def retired_text(self) -> str:
        """The retired members' bands in words."""
        return describe_bands(parse_bands(self.retired_bands))

    @property
    def remind_months(self) -> list[int]:
        return [m for m in _months_list(self.remind_at_months) if 1 <= m <= 24]


class DuesBase(models.Model):
    """A member's category and monthly base from a month on: declared by the member (the branch confirms it),
    entered by the branch, or imported from a payroll workbook. Income is sensitive (the member, the branch
    secretary and organisation member, committee staff)."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("member"), on_delete=models.PROTECT, related_name="dues_bases"
    )
    applies_from = models.DateField(_("applies from (month)"))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    income = models.DecimalField(_("monthly income"), null=True, blank=True, **MONEY)
    chosen_amount = models.DecimalField(_("amount chosen (farmers)"), null=True, blank=True, **MONEY)
    extra = models.DecimalField(_("voluntary extra a month"), default=Decimal("0.00"), **MONEY)
    amount = models.DecimalField(_("monthly amount"), **MONEY)
    state = models.CharField(_("state"), max_length=12, choices=BaseState.choices, db_index=True)
    source = models.CharField(_("source"), max_length=8, choices=BaseSource.choices)
    declared_on = models.DateField(_("declared on"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("declared by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dues base")
        verbose_name_plural = _("dues bases")
        ordering = ["person", "-applies_from", "-id"]
        indexes = [models.Index(fields=["person", "state", "applies_from"], name="duesbase_person_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "applies_from"],
                condition=Q(state=BaseState.CONFIRMED),
                name="duesbase_one_confirmed",
                violation_error_message=_("The member already has a confirmed base from that month."),
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state=BaseState.DECLARED),
                name="duesbase_one_waiting",
                violation_error_message=_("The member already has a declaration waiting for the branch."),
            ),
            models.CheckConstraint(
                condition=Q(income__isnull=True) | Q(income__gte=0),
                name="duesbase_income_not_negative",
                violation_error_message=_("The income cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(extra__gte=0) & Q(amount__gte=0),
                name="duesbase_amounts_not_negative",
                violation_error_message=_("Amounts cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.applies_from:%Y-%m} {self.get_category_display()}"


class Relief(models.Model):
    """An exemption or reduction for a member in difficulty (规定 第六条): studied by the branch, approved by the
    committee above. Exempt months do not count as unpaid."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("member"), on_delete=models.PROTECT, related_name="dues_reliefs"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReliefKind.choices)
    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"))
    amount = models.DecimalField(_("reduced monthly amount"), null=True, blank=True, **MONEY)
    reason = models.CharField(_("difficulty"), max_length=300)
    branch_decision = models.CharField(_("the branch's decision"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=ReliefState.choices, db_index=True)
    proposed_on = models.DateField(_("proposed on"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(_("the committee's decision"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exemption or reduction")
        verbose_name_plural = _("exemptions and reductions")
        ordering = ["person", "-first_month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_month__gte=F("first_month")),
                name="relief_months_ordered",
                violation_error_message=_("The last month cannot come before the first."),
            ),
            models.CheckConstraint(
                condition=Q(kind=ReliefKind.EXEMPT, amount__isnull=True)
                | Q(kind=ReliefKind.REDUCED, amount__isnull=False, amount__gte=0),
                name="relief_amount_of_reduction",
                violation_error_message=_("A reduction needs its amount; an exemption has none."),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()} {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"


class DuesMonth(models.Model):
    """One member's dues for one month: the organisation that collects it, the amount due (computed from the base
    and the policy in force that month; unknown until a base is confirmed), and what the lines paid so far (kept by
    the services, never typed). One row per member per month."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("member"), on_delete=models.PROTECT, related_name="dues_months"
    )
    month = models.DateField(_("month"))
    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, blank=True)
    base = models.ForeignKey(
        DuesBase, verbose_name=_("base"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    policy = models.ForeignKey(
        DuesPolicy, verbose_name=_("policy"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    relief = models.ForeignKey(
        Relief,
        verbose_name=_("exemption or reduction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    exempt = models.BooleanField(_("exempt"), default=False)
    due = models.DecimalField(_("due"), null=True, blank=True, **MONEY)
    paid = models.DecimalField(_("paid"), default=Decimal("0.00"), **MONEY)
    settled_on = models.DateField(_("paid in full on"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"))

    class Meta:
        verbose_name = _("dues month")
        verbose_name_plural = _("dues ledger")
        ordering = ["person", "month"]
        indexes = [
            models.Index(fields=["node", "month"], name="duesmonth_node_month"),
            models.Index(fields=["month", "person"], name="duesmonth_month_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "month"],
                name="duesmonth_one_per_member_month",
                violation_error_message=_("The member's dues of that month are in the ledger already."),
            ),
            models.CheckConstraint(
                condition=Q(due__isnull=True) | Q(due__gte=0),
                name="duesmonth_due_not_negative",
                violation_error_message=_("The amount due cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(paid__gte=0),
                name="duesmonth_paid_not_negative",
                violation_error_message=_("The amount paid cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.month:%Y-%m}"


class Payment(models.Model):
    """A line of the ledger: the payment of one member's month (once: a database constraint), or a correction of it
    — a new line with the difference and the reason, never an edit. Paying late (补交) and in advance are marked."""

    month = models.ForeignKey(DuesMonth, verbose_name=_("month"), on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices, default=LineKind.ENTRY)
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    receipt = models.CharField(_("receipt number"), max_length=40, blank=True)
    late = models.BooleanField(_("paid late (补交)"), default=False)
    advance = models.BooleanField(_("paid in advance"), default=False)
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["month", "recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["month"],
                condition=Q(kind=LineKind.ENTRY),
                name="payment_month_paid_once",
                violation_error_message=_("This month is paid already; a change is a correction."),
            ),
            models.CheckConstraint(
                condition=Q(kind=LineKind.ENTRY, amount__gt=0, corrects__isnull=True)
                | (Q(kind=LineKind.CORRECTION, corrects__isnull=False) & ~Q(amount=0) & ~Q(reason="")),
                name="payment_entry_or_correction",
                violation_error_message=_("A correction refers to the payment it corrects."),
            ),
        ]

    def __str__(self):
        return f"{self.month} {self.amount}"


class Remittance(models.Model):
    """Dues an organisation handed up (上缴) for a month, or a correction line of it."""

    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices, default=LineKind.ENTRY)
    amount = models.DecimalField(_("amount"), **MONEY)
    remitted_on = models.DateField(_("handed up on"))
    to_organisation = models.CharField(_("handed up to"), max_length=120)
    reference = models.CharField(_("receipt or voucher"), max_length=60, blank=True)
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("remittance")
        verbose_name_plural = _("remittances")
        ordering = ["node", "month", "recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["node", "month"],
                condition=Q(kind=LineKind.ENTRY),
                name="remittance_once_per_month",
                violation_error_message=_("This month's remittance is recorded already; a change is a correction."),
            ),
            models.CheckConstraint(
                condition=Q(kind=LineKind.ENTRY, amount__gt=0, corrects__isnull=True)
                | (Q(kind=LineKind.CORRECTION, corrects__isnull=False) & ~Q(amount=0) & ~Q(reason="")),
                name="remittance_entry_or_correction",
                violation_error_message=_("A correction refers to the remittance it corrects."),
            ),
        ]

    def __str__(self):
        return f"{self.node} {self.month:%Y-%m} {self.amount}"


class DuesUse(models.Model):
    """What an organisation spent dues on (党费使用), how much, approved by whom; or a correction line of it."""

    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    spent_on = models.DateField(_("spent on"))
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices, default=LineKind.ENTRY)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    description = models.CharField(_("what for"), max_length=200)
    amount = models.DecimalField(_("amount"), **MONEY)
    approved_by = models.CharField(_("approved by"), max_length=120)
    decision = models.CharField(_("decision"), max_length=120)
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("use of dues")
        verbose_name_plural = _("uses of dues")
        ordering = ["node", "spent_on", "recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=LineKind.ENTRY, amount__gt=0, corrects__isnull=True)
                | (Q(kind=LineKind.CORRECTION, corrects__isnull=False) & ~Q(amount=0) & ~Q(reason="")),
                name="duesuse_entry_or_correction",
                violation_error_message=_("A correction refers to the use it corrects."),
            ),
        ]

    def __str__(self):
        return f"{self.node} {self.spent_on} {self.amount}"
