"""Target-responsibility assessment (党建工作目标责任制考核): schemes per year and assessing organisation, their
indicator trees, band sets and weights; a sheet per assessed organisation with its self-assessment column and one
column per review level; the events of its workflow; the half-year and year-end snapshots that freeze what was scored.

Points are computed by ``scoring.score`` from a sheet's column; only the year-end snapshot stores them (frozen)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.organisations.choices import NodeKind

from .choices import CheckMethod, EventKind, Mode, SchemeStatus, SheetStatus, SnapshotKind

POINTS = {"max_digits": 7, "decimal_places": 2}


class BandSet(models.Model):
    """Grade bands as data: each band is a lower bound (inclusive); the next better band's lower bound ends it, so
    a stored set has no gap between bands. The lowest must start at 0 and no two bands start at the same score."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    is_star = models.BooleanField(_("star bands"), default=False, help_text=_("星级: a second, optional band set."))

    class Meta:
        verbose_name = _("band set")
        verbose_name_plural = _("band sets")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Band(models.Model):
    band_set = models.ForeignKey(BandSet, verbose_name=_("band set"), on_delete=models.CASCADE, related_name="bands")
    grade = models.CharField(_("grade"), max_length=20)
    min_points = models.DecimalField(_("from (points, inclusive)"), **POINTS, validators=[MinValueValidator(0)])
    quota_numerator = models.PositiveSmallIntegerField(_("quota: at most"), null=True, blank=True)
    quota_denominator = models.PositiveSmallIntegerField(
        _("quota: out of"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("At most this share of the organisations graded in a peer group, e.g. 1 out of 3."),
    )

    class Meta:
        verbose_name = _("band")
        verbose_name_plural = _("bands")
        ordering = ["band_set", "-min_points"]
        constraints = [
            models.UniqueConstraint(
                fields=["band_set", "grade"],
                name="assessment_band_grade_once",
                violation_error_message=_("A grade appears only once in a band set."),
            ),
            models.UniqueConstraint(
                fields=["band_set", "min_points"],
                name="assessment_band_min_once",
                violation_error_message=_("Two bands cannot start at the same score: they would overlap."),
            ),
            models.CheckConstraint(
                condition=Q(quota_numerator__isnull=True, quota_denominator__isnull=True)
                | Q(quota_numerator__isnull=False, quota_denominator__gt=0),
                name="assessment_band_quota_whole",
                violation_error_message=_("A quota needs both its numbers, such as 1 out of 3."),
            ),
        ]

    def __str__(self):
        return f"{self.grade} ≥ {self.min_points}"


class Scheme(models.Model):
    """A year's scoring scheme of an assessing organisation (a committee for its branches and general branches, or
    a general branch for its branches). Published: its indicator tree is frozen; a change is a new version with a
    reason, and the sheets move to it."""

    assessing_node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("assessing organisation"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    name = models.CharField(_("name"), max_length=120)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT)
    band_set = models.ForeignKey(BandSet, verbose_name=_("grade bands"), on_delete=models.PROTECT, related_name="+")
    star_band_set = models.ForeignKey(
        BandSet,
        verbose_name=_("star bands"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    previous = models.ForeignKey(
        "self", verbose_name=_("previous version"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    copied_from = models.ForeignKey(
        "self", verbose_name=_("copied from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change_reason = models.TextField(_("reason for the new version"), blank=True)
    self_due_on = models.DateField(_("self-assessment due"), null=True, blank=True)
    review_due_on = models.DateField(_("review due"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    result_notice = models.ForeignKey(
        "disclosure.Notice",
        verbose_name=_("results notice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["-year", "assessing_node", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessing_node", "year", "version"],
                name="assessment_scheme_version_once",
                violation_error_message=_("This organisation already has this version of the year's scheme."),
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.name} v{self.version}"

    @property
    def frozen(self) -> bool:
        return self.status != SchemeStatus.DRAFT


class Indicator(models.Model):
    """One node of the indicator tree: a category or item (with children) or a standard (a leaf with its mode)."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey(
        "self", verbose_name=_("under"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    max_points = models.DecimalField(
        _("maximum points"), **POINTS, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    standard = models.TextField(_("standard"), blank=True)
    check_method = models.CharField(_("check method"), max_length=12, choices=CheckMethod.choices, blank=True)
    sample_size = models.PositiveSmallIntegerField(_("spot check of"), null=True, blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    mode = models.CharField(
        _("scoring mode"), max_length=12, choices=Mode.choices, blank=True, help_text=_("Empty for a category.")
    )
    params = models.JSONField(
        _("scoring parameters"),
        default=dict,
        blank=True,
        help_text=_(
            "points (per event), grades (grade → points), cap, factor, caps_grade_at; for a data indicator the "
            "mode it is scored as and its parameters."
        ),
    )
    source = models.CharField(_("indicator source"), max_length=60, blank=True)
    responsible_post = models.ForeignKey(
        "organisations.PostTitle",
        verbose_name=_("responsible post"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["scheme", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"],
                name="assessment_indicator_code_once",
                violation_error_message=_("An indicator code appears only once in a scheme."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class Weight(models.Model):
    """A part of the year-end result: the target score (``target``) or a registered component, in percent."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="weights")
    part = models.CharField(_("part"), max_length=40)
    percent = models.DecimalField(
        _("weight (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("weight")
        verbose_name_plural = _("weights")
        ordering = ["scheme", "-percent", "part"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "part"],
                name="assessment_weight_part_once",
                violation_error_message=_("A part is weighted only once in a scheme."),
            ),
        ]

    def __str__(self):
        return f"{self.part_label} {self.percent}%"

    @property
    def part_label(self) -> str:
        """The part by its name: the target score, or the registered component's label (its code if unknown)."""
        from .components import get

        if self.part == "target":
            return str(_("target score"))
        component = get(self.part)
        return str(component.label) if component else self.part


class Sheet(models.Model):
    """An assessed organisation's sheet for a scheme: its workflow state; the columns hold the points."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="sheets")
    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("assessed organisation"), on_delete=models.PROTECT, related_name="+"
    )
    peer_group = models.CharField(
        _("peer group"), max_length=40, blank=True, help_text=_("Grades, quotas and ranks are within a peer group.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SheetStatus.choices, default=SheetStatus.NOT_STARTED, db_index=True
    )
    level = models.PositiveSmallIntegerField(
        _("review level"), default=0, help_text=_("The level reviewing it now: 1 the organisation just above.")
    )
    return_reason = models.TextField(_("reason returned"), blank=True)
    locked = models.BooleanField(_("locked"), default=False)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    star = models.CharField(_("star band"), max_length=20, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank in the peer group"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment sheet")
        verbose_name_plural = _("assessment sheets")
        ordering = ["scheme", "node__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "node"],
                name="assessment_sheet_once",
                violation_error_message=_("This organisation already has a sheet in this scheme."),
            ),
        ]

    def __str__(self):
        return f"{self.node} — {self.scheme}"

    @property
    def peer_group_label(self) -> str:
        """The peer group as read: the organisation kind's label where it is one (the default), else as typed."""
        return str(NodeKind(self.peer_group).label) if self.peer_group in NodeKind.values else self.peer_group


class Column(models.Model):
    """One column of a sheet: level 0 is the organisation's self-assessment, level n the n-th review level above
    it. ``facts`` is keyed by indicator code in the scoring engine's format; ``notes`` holds the explanations."""

    sheet = models.ForeignKey(Sheet, verbose_name=_("sheet"), on_delete=models.CASCADE, related_name="columns")
    level = models.PositiveSmallIntegerField(_("level"))
    reviewer_node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("filled by"), on_delete=models.PROTECT, related_name="+"
    )
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    notes = models.JSONField(_("explanations"), default=dict, blank=True)
    total = models.DecimalField(_("total"), **POINTS, null=True, blank=True)
    points = models.JSONField(_("points when last saved"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sheet column")
        verbose_name_plural = _("sheet columns")
        ordering = ["sheet", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "level"],
                name="assessment_column_once",
                violation_error_message=_("The sheet already has a column for this level."),
            ),
        ]

    def __str__(self):
        return f"{self.sheet} [{self.level}]"


class Evidence(models.Model):
    """A file supporting an indicator of a sheet: a private document of the assessed organisation."""

    sheet = models.ForeignKey(Sheet, verbose_name=_("sheet"), on_delete=models.CASCADE, related_name="evidence")
    code = models.CharField(_("indicator"), max_length=20)
    document = models.ForeignKey(
        "documents.Document", verbose_name=_("document"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["sheet", "code", "id"]

    def __str__(self):
        return f"{self.code}: {self.document}"


class SheetEvent(models.Model):
    """The sheet's history as its organisation reads it: submitted, returned (with the reason), accepted, …"""

    sheet = models.ForeignKey(Sheet, verbose_name=_("sheet"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("sheet event")
        verbose_name_plural = _("sheet events")
        ordering = ["sheet", "at", "id"]

    def __str__(self):
        return f"{self.sheet} {self.kind}"


class Snapshot(models.Model):
    """What a sheet stood at when it was checked (half year: with feedback, no grade) or fixed (year end: the
    result, with the facts of every data indicator frozen — a meeting backfilled later never changes it)."""

    sheet = models.ForeignKey(Sheet, verbose_name=_("sheet"), on_delete=models.CASCADE, related_name="snapshots")
    kind = models.CharField(_("kind"), max_length=12, choices=SnapshotKind.choices)
    taken_at = models.DateTimeField(_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("taken by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    data_facts = models.JSONField(_("facts of the data indicators"), default=dict, blank=True)
    points = models.JSONField(_("points per indicator and column"), default=dict, blank=True)
    target_score = models.DecimalField(_("target score"), **POINTS, null=True, blank=True)
    parts = models.JSONField(_("result components"), default=dict, blank=True)
    combined = models.DecimalField(_("result"), **POINTS, null=True, blank=True)
    grade = models.CharField(_("grade from the bands"), max_length=20, blank=True)
    capped_by = models.JSONField(_("capped by vetoes"), default=list, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    superseded = models.BooleanField(_("superseded (reopened)"), default=False)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["sheet", "-taken_at", "-id"]

    def __str__(self):
        return f"{self.sheet} {self.get_kind_display()}"


ZERO = Decimal("0.00")
