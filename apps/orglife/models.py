"""Organisational life: the committee's policy (frequencies, study hours), the yearly plan, meetings with their kinds,
roll, leave requests, attendance, minutes and documents, the votes a general meeting took for development cases,
and declared study. Compliance is computed from these records (``compliance.compute``), never stored."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.organisations.models import OrgNode

from .choices import (
    KIND_CHOICES,
    LEADER_HOURS_FLOOR,
    MAX_HOURS_PER_RECORD,
    MEMBER_HOURS_FLOOR,
    LeaveState,
    MeetingStatus,
    Presence,
    StudyState,
)

HOURS = {"max_digits": 4, "decimal_places": 1}


class LifePolicy(models.Model):
    """A base committee's policy for organisational life: how often each kind is owed (``frequencies``: kind →
    month, quarter or year; a kind not named keeps the shipped default), the study hours owed a year, and its
    deadlines. Changed only through ``services.policy_save``, which refuses anything looser than the national rules."""

    committee = models.OneToOneField(
        "organisations.OrgNode",
        verbose_name=_("base committee"),
        on_delete=models.CASCADE,
        related_name="orglife_policy",
        limit_choices_to={"kind": "committee"},
    )
    frequencies = models.JSONField(
        _("frequencies"), default=dict, blank=True, help_text=_("How often each kind is owed, where not the default.")
    )
    member_hours = models.PositiveSmallIntegerField(
        _("study hours a year, members"), default=MEMBER_HOURS_FLOOR, validators=[MaxValueValidator(500)]
    )
    leader_hours = models.PositiveSmallIntegerField(
        _("study hours a year, branch secretaries and committee members"),
        default=LEADER_HOURS_FLOOR,
        validators=[MaxValueValidator(500)],
    )
    self_study_counts = models.BooleanField(
        _("declared study counts"),
        default=False,
        help_text=_("Study a member declares counts towards the hours once the secretary confirms it."),
    )
    backfill_days = models.PositiveSmallIntegerField(
        _("recorded after the fact after (days)"),
        default=7,
        help_text=_("A meeting recorded more than this many days after it was held is marked as recorded after it."),
    )
    minutes_days = models.PositiveSmallIntegerField(
        _("minutes due within (days)"), default=7, help_text=_("Minutes are due this many days after the meeting.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisational-life policy")
        verbose_name_plural = _("organisational-life policies")

    def __str__(self):
        return str(self.committee)


class PlanItem(models.Model):
    """One line of an organisation's yearly plan (有计划): a meeting it means to hold, by date and kinds."""

    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    planned_on = models.DateField(_("planned for"))
    kinds = models.JSONField(_("kinds"), default=list)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["node", "planned_on", "id"]
        indexes = [models.Index(fields=["node", "year"], name="planitem_node_year")]

    def __str__(self):
        return f"{self.node} {self.planned_on} {self.topic}"


class Meeting(models.Model):
    """A meeting of an organisation (or a party group), held on one day: it may serve several kinds at once (a theme
    day with a lecture) and counts for each. Its roll is computed from membership on its date; attendance, minutes
    and decisions are recorded after it, by whom and when."""

    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="meetings"
    )
    held_on = models.DateField(_("date"), db_index=True)
    starts_at = models.TimeField(_("time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    chair = models.ForeignKey(
        "people.Person", verbose_name=_("chair"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorder = models.ForeignKey(
        "people.Person", verbose_name=_("recorder"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    for_year = models.PositiveSmallIntegerField(
        _("held for the year"),
        null=True,
        blank=True,
        help_text=_("A yearly meeting held for the year before (the life meeting of last year in January)."),
    )
    study_hours = models.DecimalField(
        _("study hours"),
        **HOURS,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_HOURS_PER_RECORD)],
        help_text=_("Class hours each member present earns (lectures, theme days, training)."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED, db_index=True
    )
    plan_item = models.ForeignKey(
        PlanItem, verbose_name=_("plan item"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notified_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    backfilled = models.BooleanField(
        _("recorded after the fact"), default=False, help_text=_("Recorded more than the policy's days after it.")
    )
    attendance_version = models.PositiveIntegerField(_("attendance saved"), default=0, editable=False)
    minutes = models.TextField(_("minutes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    minutes_due_on = models.DateField(_("minutes due on"), null=True, blank=True, db_index=True)
    minutes_at = models.DateTimeField(_("minutes entered at"), null=True, blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("minutes entered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    documents = models.ManyToManyField("documents.Document", verbose_name=_("documents"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["attendance_version", "created_at"])

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("organisational life meetings")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["node", "held_on"], name="meeting_node_date")]

    def __str__(self):
        return f"{self.held_on} {self.topic}"

    @property
    def is_held(self) -> bool:
        return self.status == MeetingStatus.HELD

    @property
    def kind_codes(self) -> list[str]:
        return [p.kind for p in self.purposes.all()]


class MeetingPurpose(models.Model):
    """A kind a meeting serves; a meeting that serves several kinds counts for each."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="purposes")
    kind = models.CharField(_("kind"), max_length=30, choices=KIND_CHOICES, db_index=True)

    class Meta:
        verbose_name = _("kind of meeting")
        verbose_name_plural = _("kinds of meeting")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "kind"],
                name="purpose_once_per_meeting",
                violation_error_message=_("The meeting already serves this kind."),
            )
        ]

    def __str__(self):
        return self.get_kind_display()


class Attendee(models.Model):
    """A person on a meeting's roll: written when the notice goes out (the people it went to) and when attendance is
    recorded (the roll on the meeting's date, then with each person's presence). Invitees (activists, guests) are on
    it without a vote."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="attendances"
    )
    voting = models.BooleanField(_("has a vote"), default=False)
    invited = models.BooleanField(_("invited"), default=False)
    presence = models.CharField(_("attendance"), max_length=10, choices=Presence.choices, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                name="attendee_once_per_meeting",
                violation_error_message=_("This person is already on the meeting's roll."),
            )
        ]
        indexes = [models.Index(fields=["person", "presence"], name="attendee_person_presence")]

    def __str__(self):
        return f"{self.person} {self.get_presence_display()}"


class LeaveRequest(models.Model):
    """A person on the roll asks to be excused from a meeting, with a reason; the secretary decides."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="leaves")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="leave_requests"
    )
    reason = models.CharField(_("reason"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=LeaveState.choices, default=LeaveState.REQUESTED, db_index=True
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["meeting", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                name="leave_once_per_meeting",
                violation_error_message=_("This person has already asked for leave from this meeting."),
            )
        ]

    def __str__(self):
        return f"{self.person} {self.get_state_display()}"


class MeetingVote(models.Model):
    """A development case's vote taken in a branch general meeting: the vote itself is the case's record (one stored
    vote, ``lifecycle.Vote``); this row says in which meeting it was taken, so both pages show the same counts."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="votes")
    record = models.OneToOneField(
        "lifecycle.StepRecord", verbose_name=_("record"), on_delete=models.CASCADE, related_name="orglife_meeting"
    )

    class Meta:
        verbose_name = _("vote in a meeting")
        verbose_name_plural = _("votes in meetings")

    def __str__(self):
        return f"{self.meeting} {self.record}"


class StudyDeclaration(models.Model):
    """Study a member did elsewhere and declares (an online course, a training of another organisation): counts
    towards the hours only where the committee's policy says so, once the secretary confirms it."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="study_declarations"
    )
    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    studied_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"), **HOURS, validators=[MinValueValidator(0.5), MaxValueValidator(MAX_HOURS_PER_RECORD)]
    )
    title = models.CharField(_("what was studied"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=StudyState.choices, default=StudyState.PENDING, db_index=True
    )
    declared_at = models.DateTimeField(_("declared at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("declared study")
        verbose_name_plural = _("declared study")
        ordering = ["-studied_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="study_hours_positive",
                violation_error_message=_("Study hours must be more than zero."),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.studied_on} {self.hours}"


class OrganisationCompliance(OrgNode):
    """The organisations as the admin's compliance list: computed from the meetings, nothing stored."""

    class Meta:
        proxy = True
        verbose_name = _("compliance of an organisation")
        verbose_name_plural = _("compliance of the organisations")
