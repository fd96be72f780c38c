from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .rules import EDITION_2026
from .steps import OPEN_STAGES, RECORD_CHOICES, REPEATABLE_KINDS, STEP_CHOICES, DecidingBody, Stage, WarningCode

_D = EDITION_2026  # defaults of the fields below


def _display(field_name: str):
    """``get_<field>_display`` without Django's hashing of every (code, label) pair on each call (hashing a lazy label
    translates it: the records of one case page made a thousand gettext calls): the labels by code, read once."""
    labels: dict = {}

    def display(self):
        if not labels:
            labels.update(self._meta.get_field(field_name).flatchoices)
        value = getattr(self, field_name)
        return force_str(labels.get(value, value), strings_only=True)

    return display


class CaseWarning(models.Model):
    """A warning the rules raise on a case now (recomputed on every record and by the nightly sweep)."""

    case = models.ForeignKey(
        "DevelopmentCase", verbose_name=_("case"), on_delete=models.CASCADE, related_name="warnings"
    )
    code = models.CharField(_("warning"), max_length=40, choices=WarningCode.choices, db_index=True)
    step = models.CharField(_("step"), max_length=40, choices=STEP_CHOICES)

    get_code_display = _display("code")
    get_step_display = _display("step")

    class Meta:
        verbose_name = _("case warning")
        verbose_name_plural = _("case warnings")
        constraints = [models.UniqueConstraint(fields=["case", "code", "step"], name="casewarning_unique")]

    def __str__(self):
        return self.get_code_display()


class RuleSet(models.Model):
    """One edition of the development rules (national, or a local tightening of one) with every constant as data."""

    edition = models.CharField(_("edition"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    base = models.ForeignKey(
        "self",
        verbose_name=_("national rule set it tightens"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="local_sets",
        help_text=_("Empty for a national edition. A local rule set may tighten it, never loosen it."),
    )
    is_default = models.BooleanField(_("default for new committees"), default=False)
    min_age_years = models.PositiveSmallIntegerField(_("minimum age (years)"), default=_D.min_age_years)
    talk_within_months = models.PositiveSmallIntegerField(
        _("talk with the applicant within (months)"), default=_D.talk_within_months
    )
    wait_after_application_months = models.PositiveSmallIntegerField(
        _("wait after the application before designation (months)"), default=_D.wait_after_application_months
    )
    contacts_min = models.PositiveSmallIntegerField(_("fewest training contacts"), default=_D.contacts_min)
    contacts_max = models.PositiveSmallIntegerField(_("most training contacts"), default=_D.contacts_max)
    evaluation_interval_months = models.PositiveSmallIntegerField(
        _("evaluation every (months)"), default=_D.evaluation_interval_months
    )
    thought_report_interval_months = models.PositiveSmallIntegerField(
        _("thought report every (months, 0 = not required)"), default=_D.thought_report_interval_months
    )
    activist_min_months = models.PositiveSmallIntegerField(
        _("shortest time as activist (months)"), default=_D.activist_min_months
    )
    candidate_publicity = models.BooleanField(_("publicity of the candidate"), default=_D.candidate_publicity)
    candidate_filing = models.BooleanField(_("filing of the candidate"), default=_D.candidate_filing)
    admission_publicity = models.BooleanField(
        _("publicity before the admission is approved (local rule)"), default=_D.admission_publicity
    )
    conversion_publicity = models.BooleanField(
        _("publicity before full membership is approved (local rule)"), default=_D.conversion_publicity
    )
    publicity_working_days = models.PositiveSmallIntegerField(
        _("publicity window (working days)"), default=_D.publicity_working_days, validators=[MinValueValidator(1)]
    )
    sponsors_required = models.PositiveSmallIntegerField(_("sponsors"), default=_D.sponsors_required)
    training_min_days = models.PositiveSmallIntegerField(_("shortest training (days)"), default=_D.training_min_days)
    training_min_hours = models.PositiveSmallIntegerField(
        _("shortest training (class hours)"), default=_D.training_min_hours
    )
    departure_months = models.PositiveSmallIntegerField(
        _("not admitted when leaving within (months)"), default=_D.departure_months
    )
    meeting_within_months = models.PositiveSmallIntegerField(
        _("branch meeting within (months of the pre-review)"), default=_D.meeting_within_months
    )
    approval_months = models.PositiveSmallIntegerField(_("approval within (months)"), default=_D.approval_months)
    approval_max_months = models.PositiveSmallIntegerField(
        _("approval at the latest (months)"), default=_D.approval_max_months
    )
    oath_within_months = models.PositiveSmallIntegerField(_("oath within (months)"), default=_D.oath_within_months)
    probation_months = models.PositiveSmallIntegerField(_("probation (months)"), default=_D.probation_months)
    extension_min_months = models.PositiveSmallIntegerField(
        _("shortest extension (months)"), default=_D.extension_min_months
    )
    extension_max_months = models.PositiveSmallIntegerField(
        _("longest extension (months)"), default=_D.extension_max_months
    )
    transfer_postpone_max_months = models.PositiveSmallIntegerField(
        _("postponement after a transfer, at most (months)"), default=_D.transfer_postpone_max_months
    )
    conversion_meeting_within_months = models.PositiveSmallIntegerField(
        _("conversion meeting within (months after probation)"), default=_D.conversion_meeting_within_months
    )
    conversion_approval_months = models.PositiveSmallIntegerField(
        _("conversion approval within (months)"), default=_D.conversion_approval_months
    )
    conversion_lead_days = models.PositiveSmallIntegerField(
        _("conversion application before probation ends (days)"), default=_D.conversion_lead_days
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["edition"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="ruleset_one_default"),
            models.CheckConstraint(condition=Q(contacts_min__lte=models.F("contacts_max")), name="ruleset_contacts"),
            models.CheckConstraint(
                condition=Q(extension_min_months__lte=models.F("extension_max_months")), name="ruleset_extension"
            ),
            models.CheckConstraint(
                condition=Q(approval_months__lte=models.F("approval_max_months")), name="ruleset_approval"
            ),
        ]

    def __str__(self):
        """The name; the edition is added only where the name does not already give its year ("…（2014）", not
        "…（2014） (2014)")."""
        if self.edition.split(".")[0] in self.name:
            return self.name
        return _("%(name)s (edition %(edition)s)") % {"name": self.name, "edition": self.edition}


class CommitteeRuleSet(models.Model):
    """Which rule set a base committee follows (the default edition when none is chosen)."""

    committee = models.OneToOneField(
        "organisations.OrgNode",
        verbose_name=_("base committee"),
        on_delete=models.CASCADE,
        related_name="rule_choice",
    )
    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("rule set of a committee")
        verbose_name_plural = _("rule sets of committees")

    def __str__(self):
        return f"{self.committee} → {self.rule_set}"


class DevelopmentCase(models.Model):
    """One attempt of one person to join the Party, from the application to full membership or an end."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="development_cases"
    )
    branch = models.ForeignKey(
        "organisations.OrgNode",
        verbose_name=_("responsible branch"),
        on_delete=models.PROTECT,
        related_name="development_cases",
    )
    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="cases")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.APPLICANT, db_index=True)
    opened_on = models.DateField(_("application received on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # The date of the next step: its legal limit where the rules set one, else the reference plan's date.
    next_due_on = models.DateField(_("next step's date"), null=True, blank=True, db_index=True, editable=False)
    next_due_step = models.CharField(
        _("next step"), max_length=40, choices=STEP_CHOICES, blank=True, default="", editable=False
    )
    next_due_is_limit = models.BooleanField(
        _("next date is a deadline"),
        default=False,
        editable=False,
        help_text=_("A legal limit counted from recorded dates; otherwise the date of the reference plan."),
    )
    departure_on = models.DateField(
        _("expected to leave the unit on"),
        null=True,
        blank=True,
        help_text=_("A candidate leaving within 3 months of the pre-review is generally not admitted (§18)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["next_due_on", "next_due_is_limit"])

    get_stage_display = _display("stage")

    class Meta:
        verbose_name = _("development case")
        verbose_name_plural = _("development cases")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(stage__in=[s.value for s in OPEN_STAGES]),
                name="case_one_open_per_person",
            )
        ]
        indexes = [models.Index(fields=["branch", "stage"], name="case_branch_stage")]

    def __str__(self):
        return _("%(person)s (application %(date)s)") % {"person": self.person, "date": self.opened_on}

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class StepRecord(models.Model):
    """A recorded decision or event: its date, the deciding body, the decision, documents, who entered it."""

    case = models.ForeignKey(DevelopmentCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="records")
    step = models.CharField(_("step"), max_length=40, choices=RECORD_CHOICES)
    on = models.DateField(_("date"))
    body = models.CharField(_("deciding body"), max_length=30, choices=DecidingBody.choices, blank=True)
    decision = models.TextField(_("decision"), blank=True)
    meeting_ref = models.CharField(_("meeting"), max_length=200, blank=True)
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    training_days = models.DecimalField(_("training days"), max_digits=5, decimal_places=1, null=True, blank=True)
    training_hours = models.DecimalField(_("class hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    documents = models.ManyToManyField("documents.Document", verbose_name=_("documents"), blank=True)
    after_the_fact = models.BooleanField(
        _("recorded after the fact"),
        default=False,
        help_text=_("Entered some days after the decision or after records of later dates, or imported."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    get_step_display = _display("step")
    get_body_display = _display("body")

    class Meta:
        verbose_name = _("step record")
        verbose_name_plural = _("step records")
        ordering = ["case", "on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "step"], condition=~Q(step__in=list(REPEATABLE_KINDS)), name="steprecord_once_per_case"
            )
        ]

    def __str__(self):
        return f"{self.get_step_display()} {self.on}"


class Vote(models.Model):
    """The counts of a branch general meeting's secret ballot on one candidate (§20); never per-person ballots."""

    record = models.OneToOneField(StepRecord, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="vote")
    due = models.PositiveSmallIntegerField(_("members due to vote"))
    due_computed = models.PositiveSmallIntegerField(_("due to vote according to the roll"))
    present = models.PositiveSmallIntegerField(_("present"))
    yes = models.PositiveSmallIntegerField(pgettext_lazy("vote", "yes"))
    no = models.PositiveSmallIntegerField(pgettext_lazy("vote", "no"), default=0)
    abstain = models.PositiveSmallIntegerField(_("abstentions"), default=0)
    written_yes = models.PositiveSmallIntegerField(_("written opinions in favour"), default=0)
    written_no = models.PositiveSmallIntegerField(_("written opinions against"), default=0)
    quorum = models.BooleanField(_("quorum"))
    passed = models.BooleanField(_("passed"))

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self):
        return f"{self.yes}+{self.written_yes}/{self.due}"


class CaseRole(models.TextChoices):
    CONTACT = "contact", _("Training contact")
    SPONSOR = "sponsor", _("Sponsor")


class CasePerson(models.Model):
    """A training contact or sponsor of a case, for a period."""

    case = models.ForeignKey(DevelopmentCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="helpers")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="case_roles"
    )
    role = models.CharField(_("role"), max_length=10, choices=CaseRole.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    get_role_display = _display("role")

    class Meta:
        verbose_name = _("training contact or sponsor")
        verbose_name_plural = _("training contacts and sponsors")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "role"], condition=Q(until__isnull=True), name="caseperson_once"
            )
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.person}"


class PoliticalReview(models.Model):
    """The written conclusion of the political review (§16). Sensitive: few people may read it."""

    case = models.OneToOneField(
        DevelopmentCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="political_review"
    )
    concluded_on = models.DateField(_("concluded on"))
    conclusion = models.TextField(_("conclusion"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("political review")
        verbose_name_plural = _("political reviews")

    def __str__(self):
        return str(self.case)
