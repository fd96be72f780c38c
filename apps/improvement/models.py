"""Inspections and corrective actions (检查—整改, the check and act of the PDCA loop) and commitments (承诺 → 践诺 →
评诺): an inspection plan with its checklist drawn from a published assessment scheme and the organisations drawn
for a spot check (the seed recorded); a record per organisation inspected with its findings and evidence; corrective
actions on non-conformities with owner, due date, plan, progress notes and an effectiveness check; members' and
organisations' commitments with their quarterly progress and year-end evaluation."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.disclosure.models import WAS_PUBLISHED

from .choices import ActionState, CommitmentState, EvaluationGrade, FindingKind, InspectionKind, Outcome


class ImprovementPolicy(models.Model):
    """The numbers of the commitment rules for one base committee (or, without one, the default for all)."""

    committee = models.OneToOneField(
        "organisations.OrgNode",
        verbose_name=_("base committee"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="improvement_policy",
        limit_choices_to={"kind": "committee"},
        help_text=_("Empty: the default of every committee without its own policy."),
    )
    member_min = models.PositiveSmallIntegerField(
        _("fewest commitments of a member"), default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    member_max = models.PositiveSmallIntegerField(
        _("most commitments of a member"), default=5, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    organisation_min = models.PositiveSmallIntegerField(
        _("fewest commitments of an organisation"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("improvement policy")
        verbose_name_plural = _("improvement policies")
        constraints = [
            models.UniqueConstraint(
                fields=["member_min"],
                condition=Q(committee__isnull=True),
                name="improvementpolicy_one_default",
                violation_error_message=_("There is already a default improvement policy."),
            ),
            models.CheckConstraint(
                condition=Q(member_min__lte=F("member_max")),
                name="improvementpolicy_min_le_max",
                violation_error_message=_("The fewest commitments of a member cannot exceed the most."),
            ),
        ]

    def __str__(self):
        return str(self.committee) if self.committee_id else str(_("Default"))


class Inspection(models.Model):
    """An inspection plan of an organisation over the organisations below it: regular or ad hoc, its checklist
    drawn from a published scheme's indicators, and (for a spot check) the organisations drawn with the seed."""

    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("inspecting organisation"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=InspectionKind.choices, default=InspectionKind.REGULAR)
    scheme = models.ForeignKey(
        "assessment.Scheme",
        verbose_name=_("assessment scheme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checklist = models.ManyToManyField(
        "assessment.Indicator", verbose_name=_("checklist"), blank=True, related_name="+"
    )
    planned_on = models.DateField(_("planned for"))
    sample_size = models.PositiveSmallIntegerField(
        _("organisations drawn"), null=True, blank=True, help_text=_("Empty: every organisation below.")
    )
    seed = models.BigIntegerField(_("seed of the draw"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drawn by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("planned by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-planned_on", "-id"]

    def __str__(self):
        return self.title


class InspectionTarget(models.Model):
    """An organisation inspected under a plan: the day it was inspected and what was seen."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="targets"
    )
    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation inspected"), on_delete=models.PROTECT, related_name="+"
    )
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("organisation inspected")
        verbose_name_plural = _("organisations inspected")
        ordering = ["inspection", "node__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "node"],
                name="improvement_target_once",
                violation_error_message=_("This organisation is already part of the inspection."),
            ),
        ]

    def __str__(self):
        return f"{self.inspection}: {self.node}"


class InspectionEvidence(models.Model):
    """A file supporting an inspection record: a private document of the organisation inspected."""

    target = models.ForeignKey(
        InspectionTarget, verbose_name=_("organisation inspected"), on_delete=models.CASCADE, related_name="evidence"
    )
    document = models.ForeignKey(
        "documents.Document", verbose_name=_("document"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("inspection evidence")
        verbose_name_plural = _("inspection evidence")
        ordering = ["target", "id"]

    def __str__(self):
        return str(self.document)


class Finding(models.Model):
    """What an inspection (or an internal audit) found at an organisation; a non-conformity calls for action."""

    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    target = models.ForeignKey(
        InspectionTarget,
        verbose_name=_("inspection record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    indicator = models.ForeignKey(
        "assessment.Indicator",
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=14, choices=FindingKind.choices, default=FindingKind.NONCONFORMITY)
    found_on = models.DateField(_("found on"))
    description = models.TextField(_("description"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-found_on", "-id"]

    def __str__(self):
        return self.description[:60]


class CorrectiveAction(models.Model):
    """A corrective action (整改) on a non-conformity: owner, due date, plan; closed only after an effectiveness
    check by someone other than the owner. The state moves only through ``services.action_move``."""

    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="actions")
    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        "people.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="corrective_actions"
    )
    due_on = models.DateField(_("due on"), db_index=True)
    plan = models.TextField(_("action plan"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ActionState.choices, default=ActionState.DRAFT, db_index=True
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    return_reason = models.TextField(_("reason returned"), blank=True)
    check_note = models.TextField(_("effectiveness check"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(closed_on__isnull=False, checked_by__isnull=False),
                name="improvement_action_closed_checked",
                violation_error_message=_("A closed action needs its effectiveness check and the day it was closed."),
            ),
        ]

    def __str__(self):
        return self.title

    def is_overdue(self, today) -> bool:
        return self.state not in (ActionState.DRAFT, ActionState.CLOSED) and self.due_on < today


class ActionNote(models.Model):
    """A progress note on a corrective action."""

    action = models.ForeignKey(
        CorrectiveAction, verbose_name=_("corrective action"), on_delete=models.CASCADE, related_name="notes"
    )
    text = models.TextField(_("progress"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["action", "at", "id"]

    def __str__(self):
        return self.text[:60]


class CommitmentCategory(models.Model):
    """A category of commitments (学习、工作、自律、服务): data, edited by administrators."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("commitment category")
        verbose_name_plural = _("commitment categories")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class Commitment(models.Model):
    """One commitment of a member (``person``) or of an organisation (no person: ``owner`` answers for it) for a
    year: vetted by the branch, published on the board, progress each quarter, evaluated at the year's end."""

    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    owner = models.ForeignKey(
        "people.Person",
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        CommitmentCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("commitment"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CommitmentState.choices, default=CommitmentState.SUBMITTED, db_index=True
    )
    return_reason = models.TextField(_("reason returned"), blank=True)
    notice = models.ForeignKey(
        "disclosure.Notice",
        verbose_name=_("notice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    grade = models.CharField(_("evaluation"), max_length=10, choices=EvaluationGrade.choices, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    evaluated_on = models.DateField(_("evaluated on"), null=True, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("evaluated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments of members")  # not "commitments": the board category's code
        ordering = ["-year", "node", "person", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(owner__isnull=False, deadline__isnull=False),
                name="improvement_commitment_owner",
                violation_error_message=_("An organisation's commitment needs someone responsible and a deadline."),
            ),
            models.CheckConstraint(
                condition=~Q(outcome="undelivered") | ~Q(explanation=""),
                name="improvement_commitment_explained",
                violation_error_message=_("A commitment not delivered needs an explanation."),
            ),
        ]

    def __str__(self):
        return self.text[:60]

    @property
    def state_text(self) -> str:
        """The state as a reader sees it: a commitment sent to the board reads as published only once its notice
        is (a drafted notice still goes through the board's check and approval)."""
        if self.state == CommitmentState.PUBLISHED and (self.notice is None or self.notice.status not in WAS_PUBLISHED):
            return str(_("Sent to the board, awaiting its check and approval"))
        return self.get_state_display()


class CommitmentProgress(models.Model):
    """What was done on a commitment in a quarter (践诺)."""

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("commitment"), on_delete=models.CASCADE, related_name="progress"
    )
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    text = models.TextField(_("progress"))
    at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("quarterly progress")
        verbose_name_plural = _("quarterly progress")
        ordering = ["commitment", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "quarter"],
                name="improvement_progress_once",
                violation_error_message=_("The progress of this quarter is already recorded."),
            ),
        ]

    def __str__(self):
        return f"Q{self.quarter}: {self.text[:40]}"
