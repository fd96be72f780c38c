from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    LIFECYCLE = "lifecycle", _("Publicity in the membership development")
    DISCLOSURE = "disclosure", _("Party affairs disclosure")


class Scope(models.TextChoices):
    BRANCH = "branch", _("Within the branch")
    ORGANISATION = "organisation", _("Within the Party organisation")
    UNIT = "unit", _("The whole unit")
    NAMED = "named", _("Named people")


class Cadence(models.TextChoices):
    FIXED = "fixed", _("Standing")
    PERIODIC = "periodic", _("Periodic")
    IMMEDIATE = "immediate", _("As it happens")


class WindowUnit(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


# What a notice without a catalogue category gets, and the catalogue's defaults for a new category.
DEFAULT_WINDOW_WORKING_DAYS = 5  # the usual 公示 period (the lifecycle's rule sets default to it too)
DEFAULT_OBJECTION_DEADLINE_WORKING_DAYS = 10  # ADR 6: objections are handled within ten working days
DEFAULT_NAME_RETENTION_DAYS = 30  # ADR 6: how long a person's name stays on the board after the window


class Category(models.Model):
    """An entry of the disclosure catalogue (党务公开目录): what is disclosed, to whom, how often, for how long."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    default_scope = models.CharField(_("default scope"), max_length=20, choices=Scope.choices, default=Scope.BRANCH)
    cadence = models.CharField(_("cadence"), max_length=20, choices=Cadence.choices, default=Cadence.IMMEDIATE)
    period_months = models.PositiveSmallIntegerField(_("every (months, periodic only)"), null=True, blank=True)
    window_length = models.PositiveSmallIntegerField(_("window length"), default=DEFAULT_WINDOW_WORKING_DAYS)
    window_unit = models.CharField(
        _("window unit"), max_length=10, choices=WindowUnit.choices, default=WindowUnit.WORKING
    )
    signed_objections_only = models.BooleanField(_("signed objections only"), default=False)
    objection_deadline_working_days = models.PositiveSmallIntegerField(
        _("objections handled within (working days)"), default=DEFAULT_OBJECTION_DEADLINE_WORKING_DAYS
    )
    name_retention_days = models.PositiveSmallIntegerField(
        _("names shown for (days after the window)"),
        default=DEFAULT_NAME_RETENTION_DAYS,
        help_text=_("After this, a person's name leaves the public view of the board."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("catalogue category")
        verbose_name_plural = _("disclosure catalogue")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CHECKED = "checked", _("Checked for secrecy and accuracy")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")
    HELD = "held", _("On hold")
    MERGED = "merged", _("Published as a correction")


# The statuses of a notice on the boards: it has a published version, open or closed, held after an objection,
# archived (drafts, checked and approved notices and corrections never show; members read published versions only).
BOARD_STATUSES = (NoticeStatus.PUBLISHED, NoticeStatus.CLOSED, NoticeStatus.HELD, NoticeStatus.ARCHIVED)
# The notices that have been published: those on the board and the corrections (each now a version of the notice it
# corrects).
WAS_PUBLISHED = (*BOARD_STATUSES, NoticeStatus.MERGED)


class Notice(models.Model):
    """A publicity notice (公示) with a window enforced by the server. The membership development opens one for each
    step its rule set marks; the disclosure boards build on the same record. A correction of a published notice is a
    notice of its own (``corrects``) that goes through the check and approval again; publishing it adds the next
    version of the notice it corrects (``workflow.TRANSITIONS``)."""

    node = models.ForeignKey(
        "organisations.OrgNode",
        verbose_name=_("issuing organisation"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices, default=NoticeKind.LIFECYCLE)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.ORGANISATION)
    named_people = models.ManyToManyField(
        "people.Person", verbose_name=_("named people"), blank=True, related_name="notices_addressed"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.PUBLISHED, db_index=True
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    attachments = models.ManyToManyField("documents.Document", verbose_name=_("attachments"), blank=True)
    case = models.ForeignKey(
        "lifecycle.DevelopmentCase",
        verbose_name=_("development case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    step = models.CharField(_("publicity step"), max_length=40, blank=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    provisional = models.BooleanField(
        _("provisional end"), default=False, help_text=_("The end date falls in a year without a holiday calendar.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        blank=True,
        related_name="+",
        help_text=_("Everyone who changed the draft: like its author, none of them may check or approve it."),
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        help_text=_("The published notice whose next version this draft becomes once approved and published."),
    )
    correction_note = models.CharField(_("correction"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("publicity notice")
        verbose_name_plural = _("publicity notices")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="notice_window_ordered"),
            models.UniqueConstraint(
                fields=["case", "step"], condition=Q(case__isnull=False), name="notice_once_per_case_step"
            ),
            models.UniqueConstraint(
                fields=["corrects"],
                condition=Q(corrects__isnull=False, status__in=["draft", "checked", "approved"]),
                name="notice_one_open_correction",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def name_retention_days(self) -> int:
        return self.category.name_retention_days if self.category else DEFAULT_NAME_RETENTION_DAYS

    @property
    def objection_deadline_days(self) -> int:
        if self.category is None:
            return DEFAULT_OBJECTION_DEADLINE_WORKING_DAYS
        return self.category.objection_deadline_working_days

    def is_open_on(self, day) -> bool:
        return self.opens_on <= day <= self.closes_on

    def board_status(self, today) -> str:
        """What the board shows: upcoming, open, closed, on hold or archived."""
        if self.status == NoticeStatus.HELD:
            return "held"
        if self.status == NoticeStatus.ARCHIVED:
            return "archived"
        if today < self.opens_on:
            return "upcoming"
        if today <= self.closes_on and self.status == NoticeStatus.PUBLISHED:
            return "open"
        return "closed"


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")


class Outcome(models.TextChoices):
    UNFOUNDED = "unfounded", _("Unfounded")
    FOUNDED_STOP = "founded_stop", _("Founded: stop")
    FOUNDED_HOLD = "founded_hold", _("Founded: hold")
    FOUNDED_RECTIFY = "founded_rectify", _("Founded: rectify")


BLOCKING_OUTCOMES = (Outcome.FOUNDED_STOP, Outcome.FOUNDED_HOLD)


class Objection(models.Model):
    """An objection to a notice; the reporter's identity is for the handlers only."""

    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="objections")
    reporter = models.ForeignKey(
        "people.Person",
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections_made",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.ONLINE)
    received_on = models.DateField(_("received on"))
    content = models.TextField(_("content"))
    due_on = models.DateField(_("to be handled by"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(_("answer to the reporter"), blank=True)
    subject_reply = models.TextField(_("reply of the person concerned"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["notice", "received_on", "id"]

    def __str__(self):
        return _("Objection of %(date)s") % {"date": self.received_on}

    @property
    def is_open(self) -> bool:
        return not self.outcome


class NoticeVersion(models.Model):
    """A published version of a notice, never edited: a correction is a new version. Every version is chained to
    the one published before it (across all notices) by a SHA-256 of its content, window, attachments' digests and
    the previous hash, so any change behind the application's back shows in ``disclosure_verify``."""

    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    attachment_digests = models.JSONField(_("attachments' SHA-256"), default=list, blank=True)
    correction_note = models.CharField(_("correction"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["notice", "number"], name="noticeversion_unique_number")]

    def __str__(self):
        return f"{self.notice} v{self.number}"


class ChainHead(models.Model):
    """The hash of the last published version: the one row publishers lock, so versions chain one at a time."""

    key = models.CharField(max_length=10, unique=True, default="head")
    hash = models.CharField(_("hash"), max_length=64)
    count = models.PositiveIntegerField(_("versions"), default=0)

    class Meta:
        verbose_name = _("archive chain head")
        verbose_name_plural = _("archive chain head")

    def __str__(self):
        return self.hash
