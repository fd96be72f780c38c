"""Secret ballots of a branch: the democratic appraisal of members (民主评议党员), satisfaction surveys (满意度测评)
and the grading of the secretary's yearly report (述职评议).

Secret by construction (ADR 14): a ballot is never stored. Each choice adds one to a counter — per (appraisal,
member appraised, grade), (survey, question, option) or (report, grade) — in the voter's transaction, and a separate
row says that the person took part, with no choice and no moment. The counters exist from the opening (created
with zero), so that a vote only updates rows and the order of rows says nothing either.

Each counter is split into shards (``shard``: a few rows per choice, all created with zero): a vote adds one to a
shard picked at random, a result sums the shards. Votes of one ballot then rarely wait for one another's row lock
(a report's four counters were the bottleneck of a large meeting), and a shard says nothing more about anyone than
the counter did. Paper ballots are counted on shard 0."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Audience, BallotState, Grade, ReportGrade, ReviewState


def _shard_field():
    return models.PositiveSmallIntegerField(_("shard"), default=0, editable=False)


def _shard_constraints(prefix: str, key: list[str], message) -> list:
    return [
        models.UniqueConstraint(fields=[*key, "shard"], name=f"{prefix}_once", violation_error_message=message),
        models.CheckConstraint(
            condition=Q(shard=0) | Q(paper=0),
            name=f"{prefix}_paper_on_shard_0",
            violation_error_message=_("Paper ballots are counted on the first shard of a counter."),
        ),
    ]


class AppraisalPolicy(models.Model):
    """The numbers of the appraisal rules for one base committee (or, without one, the default for all): the fewest
    voters for a result to be shown, the share of 优秀, the points of each grade of a report."""

    committee = models.OneToOneField(
        "organisations.OrgNode",
        verbose_name=_("base committee"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="appraisal_policy",
        limit_choices_to={"kind": "committee"},
        help_text=_("Empty: the default of every committee without its own policy."),
    )
    min_voters = models.PositiveSmallIntegerField(
        _("fewest voters for a result"),
        default=5,
        validators=[MinValueValidator(3), MaxValueValidator(100)],
        help_text=_("Below this number of voters no result is shown, so that no single vote can be recovered."),
    )
    excellent_numerator = models.PositiveSmallIntegerField(_("share of “excellent”: numerator"), default=1)
    excellent_denominator = models.PositiveSmallIntegerField(
        _("share of “excellent”: denominator"), default=3, validators=[MinValueValidator(1)]
    )
    report_good = models.PositiveSmallIntegerField(
        _("points of “good”"), default=100, validators=[MaxValueValidator(100)]
    )
    report_fairly_good = models.PositiveSmallIntegerField(
        _("points of “fairly good”"), default=80, validators=[MaxValueValidator(100)]
    )
    report_average = models.PositiveSmallIntegerField(
        _("points of “average”"), default=60, validators=[MaxValueValidator(100)]
    )
    report_poor = models.PositiveSmallIntegerField(
        _("points of “poor”"), default=40, validators=[MaxValueValidator(100)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appraisal policy")
        verbose_name_plural = _("appraisal policies")
        constraints = [
            models.UniqueConstraint(
                fields=["committee"],
                name="appraisalpolicy_one_per_committee",
                violation_error_message=_("This committee already has an appraisal policy."),
            ),
            models.UniqueConstraint(
                fields=["min_voters"],
                condition=Q(committee__isnull=True),
                name="appraisalpolicy_one_default",
                violation_error_message=_("There is already a default appraisal policy."),
            ),
            models.CheckConstraint(
                condition=Q(excellent_numerator__lte=F("excellent_denominator")) & Q(excellent_denominator__gte=1),
                name="appraisalpolicy_share_at_most_one",
                violation_error_message=_("The share of “excellent” is a fraction of at most one."),
            ),
        ]

    def __str__(self):
        return str(self.committee) if self.committee_id else str(_("Default"))

    def excellent_quota(self, appraised: int) -> int:
        """The most members that may be graded excellent out of ``appraised`` (rounded down: 9 → 3, 10 → 3)."""
        return appraised * self.excellent_numerator // self.excellent_denominator

    def report_points(self) -> dict[str, int]:
        return {
            ReportGrade.GOOD: self.report_good,
            ReportGrade.FAIRLY_GOOD: self.report_fairly_good,
            ReportGrade.AVERAGE: self.report_average,
            ReportGrade.POOR: self.report_poor,
        }


class Ballot(models.Model):
    """What the three secret ballots share: the organisation, the year, the voting window, the state, the paper
    ballots handed out and returned."""

    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    opens_on = models.DateField(_("voting opens on"))
    closes_on = models.DateField(_("voting closes on"))
    state = models.CharField(
        _("state"), max_length=10, choices=BallotState.choices, default=BallotState.OPEN, db_index=True
    )
    paper_handed_out = models.PositiveIntegerField(_("paper ballots handed out"), default=0)
    paper_returned = models.PositiveIntegerField(_("paper ballots returned"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def is_open_on(self, day) -> bool:
        return self.state == BallotState.OPEN and self.opens_on <= day <= self.closes_on


def _ballot_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=Q(closes_on__gte=F("opens_on")),
            name=f"{prefix}_window_ordered",
            violation_error_message=_("Voting closes on or after the day it opens."),
        ),
        models.CheckConstraint(
            condition=Q(paper_returned__lte=F("paper_handed_out")),
            name=f"{prefix}_paper_returned_le_handed_out",
            violation_error_message=_("More paper ballots cannot be returned than were handed out."),
        ),
    ]


class Appraisal(Ballot):
    """The democratic appraisal of a branch's members in one year (民主评议党员): self-assessment, mutual
    evaluation by secret ballot, the grades the branch meeting fixes."""

    held_on = models.DateField(
        _("appraisal date"), help_text=_("The members on the branch's roll this day are appraised and vote.")
    )
    meeting = models.ForeignKey(
        "orglife.Meeting",
        verbose_name=_("branch meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notice = models.ForeignKey(
        "disclosure.Notice",
        verbose_name=_("notice of the results"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("democratic appraisal")
        verbose_name_plural = _("democratic appraisals")
        ordering = ["-year", "node__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["node", "year"],
                name="appraisal_once_per_year",
                violation_error_message=_("This branch already has a democratic appraisal this year."),
            ),
            *_ballot_constraints("appraisal"),
        ]

    def __str__(self):
        return f"{self.node} {self.year}"


class Appraisee(models.Model):
    """A member appraised: their self-assessment and, once the branch meeting has fixed it, their grade and the
    feedback given to them (private to them and their officials). Not a ballot: nobody's vote is here."""

    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("democratic appraisal"), on_delete=models.CASCADE, related_name="appraisees"
    )
    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    self_assessment = models.TextField(_("self-assessment"), blank=True)
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    review_state = models.CharField(
        _("committee review"), max_length=10, choices=ReviewState.choices, blank=True, default=ReviewState.NONE
    )
    review_note = models.TextField(_("committee's conclusion"), blank=True)
    follow_up = models.TextField(_("follow-up measures (限期改正)"), blank=True)
    follow_up_due = models.DateField(_("to be corrected by"), null=True, blank=True)

    class Meta:
        verbose_name = _("member appraised")
        verbose_name_plural = _("members appraised")
        ordering = ["appraisal", "person__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "person"],
                name="appraisee_once",
                violation_error_message=_("This member is already appraised in this appraisal."),
            )
        ]

    def __str__(self):
        return f"{self.person} ({self.appraisal})"


class AppraisalCount(models.Model):
    """How many ballots gave one member one grade: on the portal (summed over the shards), and from paper ballots."""

    SHARDS = 4  # a ballot adds one to a counter of each member appraised: a few shards are enough

    appraisee = models.ForeignKey(
        Appraisee, verbose_name=_("member appraised"), on_delete=models.CASCADE, related_name="counts"
    )
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices)
    portal = models.PositiveIntegerField(_("portal ballots"), default=0)
    paper = models.PositiveIntegerField(_("paper ballots"), default=0)
    shard = _shard_field()

    class Meta:
        verbose_name = _("count of an appraisal")
        verbose_name_plural = _("counts of an appraisal")
        constraints = _shard_constraints(
            "appraisalcount", ["appraisee", "grade"], _("This member already has a counter for this grade.")
        )

    def __str__(self):
        return f"{self.appraisee_id} {self.grade} {self.shard}"


class AppraisalVoter(models.Model):
    """That a person has voted in an appraisal — and nothing else: no choice, no moment."""

    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("democratic appraisal"), on_delete=models.CASCADE, related_name="voters"
    )
    person = models.ForeignKey("people.Person", verbose_name=_("voter"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("voter of an appraisal")
        verbose_name_plural = _("voters of an appraisal")
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "person"],
                name="appraisalvoter_once",
                violation_error_message=_("You have already voted in this appraisal."),
            )
        ]

    def __str__(self):
        return f"{self.person_id}"


class Survey(Ballot):
    """A satisfaction survey (满意度测评) of an organisation: questions and weighted options as data."""

    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(_("who answers"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-year", "node__path", "-id"]
        constraints = _ballot_constraints("survey")

    def __str__(self):
        return self.title


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position", "id"]

    def __str__(self):
        return self.text


class SurveyOption(models.Model):
    """An answer every question of the survey offers, with its weight; no weight: not counted in the score."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("answer"), max_length=40)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Empty: the answer is not counted in the score (such as “don't know”)."),
    )

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["survey", "position", "id"]

    def __str__(self):
        return self.label


class SurveyCount(models.Model):
    """How many answers gave one question one option (summed over the shards), on the portal and on paper."""

    SHARDS = 8

    question = models.ForeignKey(
        SurveyQuestion, verbose_name=_("question"), on_delete=models.CASCADE, related_name="counts"
    )
    option = models.ForeignKey(SurveyOption, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="counts")
    portal = models.PositiveIntegerField(_("portal answers"), default=0)
    paper = models.PositiveIntegerField(_("paper answers"), default=0)
    shard = _shard_field()

    class Meta:
        verbose_name = _("count of a survey")
        verbose_name_plural = _("counts of a survey")
        constraints = _shard_constraints(
            "surveycount", ["question", "option"], _("This question already has a counter for this answer.")
        )

    def __str__(self):
        return f"{self.question_id} {self.option_id} {self.shard}"


class SurveyRespondent(models.Model):
    """That a person has answered a survey — and nothing else."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="respondents")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("respondent"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("respondent of a survey")
        verbose_name_plural = _("respondents of a survey")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "person"],
                name="surveyrespondent_once",
                violation_error_message=_("You have already answered this survey."),
            )
        ]

    def __str__(self):
        return f"{self.person_id}"


class Report(Ballot):
    """The secretary's yearly report on the organisation's Party-building work (述职), graded by the attendees."""

    reporter = models.ForeignKey(
        "people.Person", verbose_name=_("reporting secretary"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("reported on"), help_text=_("The members on the roll this day grade the report."))
    summary = models.TextField(_("summary of the report"), blank=True)

    class Meta:
        verbose_name = _("secretary's report")
        verbose_name_plural = _("secretaries' reports")
        ordering = ["-year", "node__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["node", "year"],
                name="report_once_per_year",
                violation_error_message=_("This organisation's secretary already reports this year."),
            ),
            *_ballot_constraints("report"),
        ]

    def __str__(self):
        return f"{self.node} {self.year}"


class ReportCount(models.Model):
    """How many attendees gave the report one grade (summed over the shards), on the portal and on paper."""

    SHARDS = 16  # every vote of a meeting adds one to one of four counters: the hottest rows of the app

    report = models.ForeignKey(
        Report, verbose_name=_("secretary's report"), on_delete=models.CASCADE, related_name="counts"
    )
    grade = models.CharField(_("grade"), max_length=12, choices=ReportGrade.choices)
    portal = models.PositiveIntegerField(_("portal ballots"), default=0)
    paper = models.PositiveIntegerField(_("paper ballots"), default=0)
    shard = _shard_field()

    class Meta:
        verbose_name = _("count of a report")
        verbose_name_plural = _("counts of a report")
        constraints = _shard_constraints(
            "reportcount", ["report", "grade"], _("This report already has a counter for this grade.")
        )

    def __str__(self):
        return f"{self.report_id} {self.grade} {self.shard}"


class ReportVoter(models.Model):
    """That a person has graded a report — and nothing else."""

    report = models.ForeignKey(
        Report, verbose_name=_("secretary's report"), on_delete=models.CASCADE, related_name="voters"
    )
    person = models.ForeignKey("people.Person", verbose_name=_("voter"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("voter of a report")
        verbose_name_plural = _("voters of a report")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "person"],
                name="reportvoter_once",
                violation_error_message=_("You have already graded this report."),
            )
        ]

    def __str__(self):
        return f"{self.person_id}"
