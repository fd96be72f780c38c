"""Report runs (a row per run: who, what, how far, which file) and the policy that bounds them (ADR 15)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Cadence, Format, RunStatus


class ReportPolicy(models.Model):
    """The installation's limits for reports (one row; its defaults apply while there is none)."""

    max_active_runs = models.PositiveSmallIntegerField(
        _("runs waiting or running per person at most"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    keep_days = models.PositiveSmallIntegerField(
        _("files kept for (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    pdf_page_cap = models.PositiveSmallIntegerField(
        _("PDF pages at most"), default=200, validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    max_range_days = models.PositiveSmallIntegerField(
        _("longest date range (days)"), default=3700, validators=[MinValueValidator(1), MaxValueValidator(20000)]
    )
    stale_minutes = models.PositiveSmallIntegerField(
        _("a run not heard from for (minutes) is taken up again"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts at most"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        verbose_name = _("report policy")
        verbose_name_plural = _("report policies")

    def __str__(self):
        return str(self._meta.verbose_name)


class ReportSchedule(models.Model):
    """A report run every month or quarter for its owner, whose recipients get a link by e-mail (never the file)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="report_schedules"
    )
    report = models.CharField(_("report"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    fmt = models.CharField(_("format"), max_length=8, choices=Format.choices, default=Format.XLSX)
    cadence = models.CharField(_("how often"), max_length=12, choices=Cadence.choices, default=Cadence.MONTHLY)
    next_on = models.DateField(_("next run on"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")
        ordering = ["next_on", "pk"]

    def __str__(self):
        return f"{self.report} · {self.get_cadence_display()}"


class ReportRun(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), on_delete=models.CASCADE, related_name="report_runs"
    )
    report = models.CharField(_("report"), max_length=60, db_index=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    fmt = models.CharField(_("format"), max_length=8, choices=Format.choices)
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE, editable=False)
    # the runner's organisations when the run was asked for (paths; empty for an administrator): the committee's
    # staff over all of them may download the file too
    scope = models.JSONField(_("scope"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)], editable=False
    )
    rows = models.PositiveIntegerField(_("rows"), default=0, editable=False)
    file = models.CharField(_("file"), max_length=200, blank=True, editable=False)
    filename = models.CharField(_("file name"), max_length=200, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    schedule = models.ForeignKey(
        ReportSchedule,
        verbose_name=_("schedule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
    )
    requested_at = models.DateTimeField(_("asked for at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heard from"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("file expires at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["user", "status"], name="reportrun_user_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100),
                name="reportrun_progress_percent",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            )
        ]

    def __str__(self):
        return f"{self.report} #{self.pk}"

    @property
    def downloadable(self) -> bool:
        return self.status == RunStatus.DONE and bool(self.file)
