"""The development workflow as data: the steps in order, the stage each belongs to, what each step moves the case
to, and which earlier steps it must follow. Readable and testable without a database.

Article numbers refer to 中国共产党发展党员工作细则 (2014; revised 2026).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.organisations.choices import APPROVE, MANAGE_PEOPLE
from apps.people.choices import PoliticalStatus


class Stage(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Development candidate")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NOT_ADMITTED = "not_admitted", _("Not admitted")
    CANCELLED = "cancelled", _("Probationary membership cancelled")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    DECEASED = "deceased", _("Deceased")


OPEN_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)
# Closing decisions the Party committee can take back (a case closed by mistake); full membership is not one of them.
CLOSED_BY_DECISION = (Stage.WITHDRAWN, Stage.NOT_ADMITTED, Stage.CANCELLED, Stage.TRANSFERRED_OUT, Stage.DECEASED)
TERMINAL_STAGES = (
    Stage.FULL,
    Stage.WITHDRAWN,
    Stage.NOT_ADMITTED,
    Stage.CANCELLED,
    Stage.TRANSFERRED_OUT,
    Stage.DECEASED,
)


# The political status a stage gives the person.
STATUS_FOR_STAGE = {
    Stage.APPLICANT: PoliticalStatus.APPLICANT,
    Stage.ACTIVIST: PoliticalStatus.ACTIVIST,
    Stage.CANDIDATE: PoliticalStatus.CANDIDATE,
    Stage.PROBATIONARY: PoliticalStatus.PROBATIONARY,
    Stage.FULL: PoliticalStatus.FULL,
    Stage.WITHDRAWN: PoliticalStatus.MASSES,
    Stage.NOT_ADMITTED: PoliticalStatus.MASSES,
    Stage.CANCELLED: PoliticalStatus.MASSES,
}


class DecidingBody(models.TextChoices):
    BRANCH_COMMITTEE = "branch_committee", _("Branch committee meeting")
    BRANCH_MEETING = "branch_meeting", _("Branch general meeting")
    BASE_COMMITTEE = "base_committee", _("Base Party committee")
    ORG_DEPARTMENT = "org_department", _("Organisation department above")
    BRANCH = "branch", _("Party branch")
    PERSON = "person", _("The person")


# Who may record a kind of record, besides the permissions on the case's branch: the person concerned (portal).
SELF = "self"
# Details a kind of record carries besides its date, body and decision (the forms show exactly these).
VOTE, CONTACTS, SPONSORS, TRAINING = "vote", "contacts", "sponsors", "training"
MONTHS, CONCLUSION = "months", "conclusion"
COMMITTEE_BODIES = frozenset({DecidingBody.BASE_COMMITTEE, DecidingBody.ORG_DEPARTMENT})


@dataclass(frozen=True)
class Step:
    """One kind of record of a development case: a step of the plan or an event outside it (a thought report, an
    extension, a withdrawal …). Everything that handles records — the plan, the service, the forms, the importer, the
    admin, the reminders — reads its attributes here."""

    code: str
    label: str
    stage: Stage | None  # plan steps: the stage in which the step is taken; None for events outside the plan
    after: tuple[str, ...] = ()  # steps that must come first (dates in order)
    moves_to: Stage | None = None  # stage after the step
    repeated: bool = False  # may be recorded more than once on a case
    body: DecidingBody | None = None  # the body that decides it (the default of the record)
    article: str = ""
    typical_days: int = 0  # lag from the latest of ``after`` in the reference plan (a planning aid, not a rule)
    bodies: tuple[DecidingBody, ...] = ()  # the bodies that may decide it; empty: ``body`` only
    recorded_by: tuple[str, ...] = ()  # node permissions (on the case's branch) or SELF; empty: derived from body
    details: frozenset[str] = frozenset()  # VOTE, CONTACTS, SPONSORS, TRAINING, MONTHS, CONCLUSION
    documents: tuple[str, ...] = ()  # §36 archive documents the record needs (kinds of ARCHIVE_DOCUMENTS)
    ends_case: Stage | None = None  # the case closes in this stage
    at_stages: tuple[Stage, ...] = ()  # events outside the plan: the stages at which they may be recorded
    automatic: bool = False  # recorded by the service when the step it follows is recorded, never by hand
    fails_to: Stage | None = None  # meetings: the stage the case closes in when the resolution does not pass
    in_plan: bool = True

    @property
    def allowed_bodies(self) -> tuple[DecidingBody, ...]:
        return self.bodies or ((self.body,) if self.body else ())

    @property
    def recorders(self) -> tuple[str, ...]:
        """Who may record it: the node permissions on the case's branch (any one suffices), and SELF."""
        if self.recorded_by:
            return self.recorded_by
        if self.body in COMMITTEE_BODIES:
            return (APPROVE,)
        if self.body == DecidingBody.PERSON:
            return (SELF, MANAGE_PEOPLE)
        return (MANAGE_PEOPLE,)

    @property
    def confirm(self) -> bool:
        """A decision that closes the case is confirmed before it is recorded."""
        return self.ends_case is not None


STEPS: tuple[Step, ...] = (
    Step("application_received", _("Application received"), Stage.APPLICANT, body=DecidingBody.BRANCH, article="§5",
         documents=("application_letter",)),
    Step("applicant_talk", _("Talk with the applicant"), Stage.APPLICANT, ("application_received",),
         body=DecidingBody.BRANCH, article="§7", typical_days=14),
    Step("activist_designated", _("Designated as activist"), Stage.APPLICANT, ("applicant_talk",),
         moves_to=Stage.ACTIVIST, body=DecidingBody.BRANCH_COMMITTEE, article="§8", typical_days=90),
    Step("activist_filed", _("Activist filed with the base committee"), Stage.ACTIVIST, ("activist_designated",),
         body=DecidingBody.BASE_COMMITTEE, article="§8", typical_days=14),
    Step("contacts_assigned", _("Training contacts assigned"), Stage.ACTIVIST, ("activist_designated",),
         body=DecidingBody.BRANCH_COMMITTEE, article="§9", typical_days=7, details=frozenset({CONTACTS})),
    Step("activist_evaluation", _("Half-yearly evaluation"), Stage.ACTIVIST, ("activist_designated",),
         repeated=True, body=DecidingBody.BRANCH, article="§11", typical_days=182),
    Step("candidate_designated", _("Designated as development candidate"), Stage.ACTIVIST,
         ("activist_designated", "contacts_assigned"), moves_to=Stage.CANDIDATE,
         body=DecidingBody.BRANCH_COMMITTEE, article="§13", typical_days=365),
    Step("candidate_publicity", _("Publicity of the candidate"), Stage.CANDIDATE, ("candidate_designated",),
         body=DecidingBody.BASE_COMMITTEE, article="§13", typical_days=3, automatic=True),
    Step("candidate_filed", _("Candidate filed with the base committee"), Stage.CANDIDATE, ("candidate_designated",),
         body=DecidingBody.BASE_COMMITTEE, article="§13 (2014)", typical_days=14),
    Step("sponsors_assigned", _("Sponsors assigned"), Stage.CANDIDATE, ("candidate_designated",),
         body=DecidingBody.BRANCH_COMMITTEE, article="§14", typical_days=14, details=frozenset({SPONSORS})),
    Step("political_review", _("Political review concluded"), Stage.CANDIDATE, ("candidate_designated",),
         body=DecidingBody.BASE_COMMITTEE, article="§16", typical_days=45, details=frozenset({CONCLUSION}),
         documents=("political_review",)),
    Step("training_completed", _("Centralised training completed"), Stage.CANDIDATE, ("candidate_designated",),
         body=DecidingBody.BASE_COMMITTEE, article="§17", typical_days=60, details=frozenset({TRAINING})),
    Step("committee_review", _("Branch committee review"), Stage.CANDIDATE,
         ("sponsors_assigned", "political_review", "training_completed"), body=DecidingBody.BRANCH_COMMITTEE,
         article="§18", typical_days=7),
    Step("prereview_passed", _("Pre-review by the base committee passed"), Stage.CANDIDATE, ("committee_review",),
         body=DecidingBody.BASE_COMMITTEE, article="§18", typical_days=14),
    Step("application_form", _("Application form filled in"), Stage.CANDIDATE, ("prereview_passed",),
         body=DecidingBody.PERSON, article="§19", typical_days=7, recorded_by=(MANAGE_PEOPLE,),
         documents=("application_form",)),
    Step("admission_meeting", _("Branch general meeting on admission"), Stage.CANDIDATE, ("application_form",),
         body=DecidingBody.BRANCH_MEETING, article="§19–20", typical_days=14, details=frozenset({VOTE}),
         fails_to=Stage.NOT_ADMITTED),
    Step("admission_publicity", _("Publicity before the approval (local rule)"), Stage.CANDIDATE,
         ("admission_meeting",), body=DecidingBody.BASE_COMMITTEE, article="local", typical_days=3, automatic=True),
    Step("committee_talk", _("Talk by the base committee"), Stage.CANDIDATE, ("admission_meeting",),
         body=DecidingBody.BASE_COMMITTEE, article="§23", typical_days=21),
    Step("admission_approved", _("Admission approved by the Party committee"), Stage.CANDIDATE,
         ("admission_meeting", "committee_talk"), moves_to=Stage.PROBATIONARY, body=DecidingBody.BASE_COMMITTEE,
         article="§22, §25", typical_days=30),
    Step("admission_filed", _("Admission filed with the organisation department"), Stage.PROBATIONARY,
         ("admission_approved",), body=DecidingBody.ORG_DEPARTMENT, article="§25", typical_days=14),
    Step("placed_in_branch", _("Placed in a branch and a party group"), Stage.PROBATIONARY, ("admission_approved",),
         body=DecidingBody.BRANCH, article="§28", typical_days=7),
    Step("oath_taken", _("Oath taken"), Stage.PROBATIONARY, ("admission_approved",), body=DecidingBody.BASE_COMMITTEE,
         bodies=(DecidingBody.BASE_COMMITTEE, DecidingBody.BRANCH), recorded_by=(APPROVE, MANAGE_PEOPLE),
         article="§29", typical_days=14),
    Step("probation_evaluation", _("Probation evaluation"), Stage.PROBATIONARY, ("admission_approved",),
         repeated=True, body=DecidingBody.BRANCH, article="§31", typical_days=182),
    Step("conversion_applied", _("Application for full membership"), Stage.PROBATIONARY, ("admission_approved",),
         body=DecidingBody.PERSON, article="§31", documents=("conversion_letter",)),
    Step("conversion_meeting", _("Branch general meeting on full membership"), Stage.PROBATIONARY,
         ("conversion_applied",), body=DecidingBody.BRANCH_MEETING, article="§31–33", details=frozenset({VOTE}),
         fails_to=Stage.CANCELLED),
    Step("conversion_publicity", _("Publicity before the conversion approval (local rule)"), Stage.PROBATIONARY,
         ("conversion_meeting",), body=DecidingBody.BASE_COMMITTEE, article="local", typical_days=3, automatic=True),
    Step("conversion_approved", _("Full membership approved"), Stage.PROBATIONARY, ("conversion_meeting",),
         moves_to=Stage.FULL, body=DecidingBody.BASE_COMMITTEE, article="§33", typical_days=30),
    Step("archived", _("Files archived"), Stage.FULL, ("conversion_approved",), body=DecidingBody.BRANCH,
         article="§36", typical_days=30),
)  # fmt: skip

# Events outside the plan: recorded on a case at the stages named, each with the same attributes as a step.
EXTRAS: tuple[Step, ...] = (
    Step("thought_report", _("Thought report"), None, repeated=True, body=DecidingBody.PERSON, at_stages=OPEN_STAGES,
         in_plan=False),
    Step("probation_extended", _("Probation extended"), None, body=DecidingBody.BRANCH_MEETING, article="§31",
         details=frozenset({VOTE, MONTHS}), at_stages=(Stage.PROBATIONARY,), in_plan=False),
    Step("conversion_postponed", _("Conversion discussion postponed (transfer)"), None, repeated=True,
         body=DecidingBody.BRANCH_COMMITTEE, article="§35", details=frozenset({MONTHS}),
         at_stages=(Stage.PROBATIONARY,), in_plan=False),
    Step("withdrawn", _("Withdrawn"), None, body=DecidingBody.BRANCH, bodies=(DecidingBody.BRANCH, DecidingBody.PERSON),
         ends_case=Stage.WITHDRAWN, at_stages=(Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE), in_plan=False),
    Step("not_admitted", _("Not admitted"), None, body=DecidingBody.BASE_COMMITTEE, article="§22",
         ends_case=Stage.NOT_ADMITTED, at_stages=(Stage.CANDIDATE,), in_plan=False),
    Step("cancelled", _("Probationary membership cancelled"), None, body=DecidingBody.BASE_COMMITTEE, article="§31",
         ends_case=Stage.CANCELLED, at_stages=(Stage.PROBATIONARY,), in_plan=False),
    Step("transferred_out", _("Transferred out"), None, body=DecidingBody.BRANCH, article="§35",
         ends_case=Stage.TRANSFERRED_OUT, at_stages=OPEN_STAGES, in_plan=False),
    Step("deceased", _("Deceased"), None, body=DecidingBody.BRANCH, ends_case=Stage.DECEASED, at_stages=OPEN_STAGES,
         in_plan=False),
    # resumed after a decision on an objection, or a case closed by mistake reopened by the committee (with a reason)
    Step("reopened", _("Resumed after a decision"), None, repeated=True, body=DecidingBody.BASE_COMMITTEE,
         at_stages=OPEN_STAGES + CLOSED_BY_DECISION, in_plan=False),
)  # fmt: skip

STEP_BY_CODE = {s.code: s for s in STEPS}
STEP_CODES = tuple(s.code for s in STEPS)
STEP_CHOICES = [(s.code, s.label) for s in STEPS]
KINDS: tuple[Step, ...] = STEPS + EXTRAS
KIND_BY_CODE = {k.code: k for k in KINDS}
RECORD_CHOICES = [(k.code, k.label) for k in KINDS]
REPEATABLE_KINDS = tuple(k.code for k in KINDS if k.repeated)
SELF_SERVICE_KINDS = tuple(k.code for k in KINDS if SELF in k.recorders)


def _ancestors(code: str) -> frozenset[str]:
    found: set[str] = set()
    for before in STEP_BY_CODE[code].after:
        found |= {before, *_ancestors(before)}
    return frozenset(found)


# Every step that comes before a step, directly or through others: dates are checked against all of them, so a
# missing intermediate step does not hide an inversion between two recorded ones.
ANCESTORS = {s.code: _ancestors(s.code) for s in STEPS}


def recordable_at(kind: Step, stage: str) -> bool:
    """Whether a record of this kind may be entered on a case at ``stage`` (the plan's steps: from their stage on,
    until the case closes; the archive: after full membership)."""
    if not kind.in_plan:
        return stage in kind.at_stages
    if stage not in OPEN_STAGES:
        return kind.stage == Stage.FULL and stage == Stage.FULL
    return STAGE_ORDER[kind.stage] <= STAGE_ORDER[stage]


@dataclass(frozen=True)
class Publicity:
    """A publicity window (公示) a rule set may require after a step, and the steps that wait for it."""

    after: str  # the step whose decision is publicised
    flag: str  # the rule set's switch for it
    gated: frozenset[str]  # the steps that cannot be recorded while the window is open or an objection unresolved


PUBLICITIES = {
    # 2026 §13: the candidate, after the base committee agrees
    "candidate_publicity": Publicity(
        "candidate_designated",
        "candidate_publicity",
        frozenset(
            {
                "sponsors_assigned",
                "political_review",
                "training_completed",
                "committee_review",
                "prereview_passed",
                "application_form",
                "admission_meeting",
            }
        ),
    ),
    # local rules: before the approval of the admission, and before the approval of full membership
    "admission_publicity": Publicity("admission_meeting", "admission_publicity", frozenset({"admission_approved"})),
    "conversion_publicity": Publicity("conversion_meeting", "conversion_publicity", frozenset({"conversion_approved"})),
}
PUBLICITY_STEP_FOR = {p.after: code for code, p in PUBLICITIES.items()}
STAGE_ORDER = {stage: i for i, stage in enumerate(OPEN_STAGES + (Stage.FULL,))}

# §36: the documents of the archive, by kind.
ARCHIVE_DOCUMENTS = (
    ("application_letter", _("Application for Party membership (入党申请书)")),
    ("activist_register", _("Activist training and evaluation register (积极分子培养考察登记表)")),
    ("political_review", _("Political review materials (政治审查材料)")),
    ("application_form", _("Party membership application form (入党志愿书)")),
    ("probation_register", _("Probationary member education and evaluation register (预备党员教育考察登记表)")),
    ("conversion_letter", _("Application for full membership (转正申请书)")),
)
ARCHIVE_DOCUMENT_FOR_STEP = {k.code: k.documents[0] for k in KINDS if k.documents}


class WarningCode(models.TextChoices):
    UNDERAGE = "underage", _("Applicant under the minimum age")
    TALK_OVERDUE = "talk_overdue", _("Talk with the applicant overdue")
    EVALUATION_OVERDUE = "evaluation_overdue", _("Evaluation overdue")
    ACTIVIST_PERIOD_SHORT = "activist_period_short", _("Designated candidate too early")
    PUBLICITY_OPEN = "publicity_open", _("Publicity window still open")
    OBJECTION_OPEN = "objection_open", _("Objection not resolved")
    SPONSOR_INELIGIBLE = "sponsor_ineligible", _("Sponsor not eligible")
    REVIEW_MISSING = "review_missing", _("Political review missing")
    TRAINING_SHORT = "training_short", _("Training too short")
    DEPARTURE_SOON = "departure_soon", _("Candidate leaves the unit soon")
    MEETING_LATE = "meeting_late", _("Branch meeting more than the limit after the pre-review")
    APPROVAL_LATE = "approval_late", _("Approval later than the limit")
    APPROVAL_EXPIRED = "approval_expired", _("Approval past the longest limit")
    OATH_LATE = "oath_late", _("Oath later than the limit")
    PROBATION_SHORT = "probation_short", _("Conversion discussed before the probation ended")
    EXTENSION_INVALID = "extension_invalid", _("Extension outside the allowed range")
    CONVERSION_OVERDUE = "conversion_overdue", _("Conversion discussion overdue")
    DATE_ORDER = "date_order", _("Dates out of order")
    NO_QUORUM = "no_quorum", _("Meeting without quorum")
    VOTE_FAILED = "vote_failed", _("Resolution not passed")
    CONTACTS_COUNT = "contacts_count", _("Wrong number of training contacts")
    NOT_COMMITTEE = "not_committee", _("Approved by a body that cannot approve")
    DOCUMENTS_MISSING = "documents_missing", _("Archive documents missing")
    FUTURE_DATE = "future_date", _("Decision dated in the future")
    THOUGHT_REPORT_OVERDUE = "thought_report_overdue", _("Thought report overdue")
    ACTIVIST_EARLY = "activist_early", _("Designated activist before the local waiting period")
