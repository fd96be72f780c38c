from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.organisations.validators import one_line

from .choices import EmailMode, EmailState, Job, RecipientRole
from .sources import source_choices

# A lead time is at most a year (a leap year's 366 days): a longer one is a typing error, not a reminder.
MAX_LEAD_DAYS = 366
# What a new rule proposes: a week, three days, the day before and the day itself; then weekly while overdue.
DEFAULT_LEAD_DAYS = "7, 3, 1, 0"
DEFAULT_OVERDUE_EVERY_DAYS = 7


def parse_leads(value: str) -> list[int]:
    """ "7, 3, 1, 0" → [7, 3, 1, 0]; refuses anything but whole days from 0 to ``MAX_LEAD_DAYS``."""
    days = []
    for part in str(value).replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            day = int(part)
        except ValueError:
            raise ValidationError(_("“%(value)s” is not a whole number of days.") % {"value": part}) from None
        if day < 0:
            raise ValidationError(
                _("A lead time cannot be negative (%(value)s); reminders after the deadline are set separately.")
                % {"value": day}
            )
        if day > MAX_LEAD_DAYS:
            raise ValidationError(
                _("A lead time of more than a year (%(value)s days) is not allowed.") % {"value": day}
            )
        days.append(day)
    if not days:
        raise ValidationError(_("Give at least one lead time, e.g. “7, 3, 1, 0” (0 = on the day)."))
    return sorted(set(days), reverse=True)


def validate_leads(value: str) -> None:
    parse_leads(value)


def validate_roles(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one recipient."))
    unknown = set(value) - set(RecipientRole.values)
    if unknown:
        raise ValidationError(_("Unknown recipients: %(roles)s.") % {"roles": ", ".join(sorted(unknown))})


class ReminderRule(models.Model):
    """When and to whom a source's deadlines are announced. Rules without an organisation are the defaults; for a
    subject, the rules of the nearest organisation up the tree (its own, its general branch's, its committee's) that
    has active rules for the source replace the defaults and the rules of every organisation above."""

    # The column keeps its first name: rules were first set per base committee, now per organisation (not a group).
    committee = models.ForeignKey(
        "organisations.OrgNode",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_rules",
        limit_choices_to=~Q(kind="group"),
        help_text=_(
            "Empty: the default. An organisation's rules for a source apply in its whole subtree, except where an "
            "organisation below has rules of its own for that source."
        ),
    )
    source = models.CharField(_("source"), max_length=60, choices=source_choices)
    name = models.CharField(_("name"), max_length=120)
    lead_days = models.CharField(
        _("lead times (days before)"),
        max_length=60,
        default=DEFAULT_LEAD_DAYS,
        validators=[validate_leads],
        help_text=_("Days before the deadline, separated by commas; 0 is the day itself."),
    )
    overdue_every_days = models.PositiveSmallIntegerField(
        _("while overdue, every (days)"),
        default=DEFAULT_OVERDUE_EVERY_DAYS,
        help_text=_("0: no reminders after the deadline."),
    )
    recipients = models.JSONField(_("recipients"), default=list, validators=[validate_roles])
    by_email = models.BooleanField(_("by e-mail"), default=True)
    in_portal = models.BooleanField(_("in the portal"), default=True)
    digest_allowed = models.BooleanField(
        _("daily digest allowed"),
        default=True,
        help_text=_("Recipients may receive these in their daily digest instead of one e-mail each."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ["committee_id", "source", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "source", "name"],
                name="reminderrule_unique_name",
                violation_error_message=_("This organisation already has a rule of this source with this name."),
            ),
            models.UniqueConstraint(
                fields=["source", "name"],
                condition=Q(committee__isnull=True),
                name="reminderrule_unique_default",
                violation_error_message=_("A default rule of this source with this name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(by_email=True) | Q(in_portal=True),
                name="reminderrule_a_channel",
                violation_error_message=_("Choose at least one channel: e-mail or the portal."),
            ),
        ]

    def __str__(self):
        return self.name

    @cached_property
    def leads(self) -> list[int]:
        return parse_leads(self.lead_days)

    def clean(self):
        from . import sources

        errors = {}
        source = sources.get(self.source)
        if source is None:
            errors["source"] = _("Unknown source.")
        try:
            validate_roles(self.recipients)
        except ValidationError as exc:
            errors["recipients"] = exc.messages
        else:
            if source is not None and set(self.recipients) - set(source.roles):
                errors["recipients"] = _("This source has no such recipients: %(roles)s.") % {
                    "roles": ", ".join(str(RecipientRole(r).label) for r in set(self.recipients) - set(source.roles))
                }
        if not (self.by_email or self.in_portal):
            errors["by_email"] = _("Choose at least one channel: e-mail or the portal.")
        if errors:
            raise ValidationError(errors)


class Outgoing(models.Model):
    """The delivery state of one e-mail (a reminder or a digest): the outbox.

    While a worker sends it the row is "being sent" and ``next_attempt_at`` is the end of that worker's claim: a
    row still being sent after that moment is in doubt and is taken again (apps.notifications.delivery)."""

    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=EmailState.choices, default=EmailState.NONE, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # The database default too: the sweep inserts reminders with COPY and names its columns.
    doubts = models.PositiveSmallIntegerField(
        _("times in doubt"),
        default=0,
        db_default=0,
        help_text=_(
            "How often the outcome of a try was unknown (no reply to the end of the data, or the worker stopped "
            "while sending); each time the e-mail was sent again with the same Message-ID."
        ),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_to = models.EmailField(_("sent to"), blank=True)

    class Meta:
        abstract = True


class Digest(Outgoing):
    """The daily digest of one recipient: the reminders of the day in one e-mail."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField(_("day"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "day"],
                name="digest_once_a_day",
                violation_error_message=_("This person already has a digest for this day."),
            )
        ]
        indexes = [models.Index(fields=["email_state", "next_attempt_at"], name="digest_outbox")]

    def __str__(self):
        return _("Digest of %(day)s for %(person)s") % {"day": self.day, "person": self.person}


class Reminder(Outgoing):
    """One reminder for one recipient of one occurrence (due date and offset) of one subject under one rule.

    The unique key makes the sweep idempotent: however often and by however many processes it runs, each recipient
    gets each occurrence once."""

    rule = models.ForeignKey(ReminderRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="reminders")
    source = models.CharField(_("source"), max_length=60, choices=source_choices, db_index=True)
    subject_id = models.PositiveBigIntegerField(_("subject"))
    due_on = models.DateField(_("due on"))
    offset = models.SmallIntegerField(_("days from the deadline"), help_text=_("Negative: before; positive: overdue."))
    person = models.ForeignKey(
        "people.Person", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="reminders"
    )
    role = models.CharField(_("as"), max_length=20, choices=RecipientRole.choices)
    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    params = models.JSONField(_("details"), default=dict)
    url = models.CharField(_("link"), max_length=300)
    in_portal = models.BooleanField(_("in the portal"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    done_at = models.DateTimeField(
        _("no longer due since"),
        null=True,
        blank=True,
        help_text=_("The step was recorded, the notice closed, the objection answered or the deadline moved."),
    )
    digest = models.ForeignKey(
        Digest, verbose_name=_("daily digest"), null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_id", "due_on", "offset", "person"],
                name="reminder_once_per_occurrence",
                violation_error_message=_("This person already has this reminder for this occurrence."),
            )
        ]
        indexes = [
            models.Index(fields=["email_state", "next_attempt_at"], name="reminder_outbox"),
            models.Index(fields=["person", "read_at"], name="reminder_unread"),
            models.Index(fields=["person", "done_at"], name="reminder_done"),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        """One line, whatever its parameters hold (it is an e-mail's subject)."""
        from . import sources

        source = sources.get(self.source)
        return one_line(source.title(self.params)) if source else self.source

    @property
    def is_news(self) -> bool:
        """News (an answer given), not a deadline: it says what happened on its date, never "due"."""
        from . import sources

        source = sources.get(self.source)
        return bool(source and source.news)

    @property
    def reads_as_date(self) -> bool:
        """Said "on <date>", not "due <date>": news, or an opening (voting opens on its date and is not late after
        it)."""
        from . import sources

        source = sources.get(self.source)
        return bool(source and (source.news or source.opening))


class Preference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_mode = models.CharField(_("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.AUTO)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)


class CalendarToken(models.Model):
    """A secret, revocable token for a user's calendar feed. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    digest = models.CharField(_("token digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendartoken_one_live",
                violation_error_message=_("This user already has a calendar address in use: revoke it first."),
            )
        ]

    def __str__(self):
        return _("Calendar of %(user)s") % {"user": self.user}


class JobRun(models.Model):
    """One run of a periodic job, for the operations page and /healthz."""

    job = models.CharField(_("job"), max_length=20, choices=Job.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), default=False)
    created = models.PositiveIntegerField(_("created"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    in_doubt = models.PositiveIntegerField(_("in doubt"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["job", "-started_at"], name="jobrun_latest")]

    def __str__(self):
        return f"{self.get_job_display()} {self.started_at:%Y-%m-%d %H:%M}"
