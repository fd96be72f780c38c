"""Writes to development cases. Every decision is recorded through ``case_record_step``: one transaction, the case
row locked, guards from the case's rule set, an audit entry, the person's status kept in step.

The software records what branches and committees decided; it computes limits and warnings and refuses a record
that breaks a rule, but never takes a step by itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_entry, audit_record, audit_record_many
from apps.disclosure.selectors import publicity_block
from apps.disclosure.services import notice_open_for_step
from apps.documents.services import document_upload
from apps.membership.services import admission_begins, admission_cancelled
from apps.notifications.services import reminders_settle
from apps.organisations.choices import MANAGE_PEOPLE, NodeKind
from apps.organisations.permissions import covers
from apps.organisations.selectors import branch_of
from apps.people.choices import PENALTIES_UNSUITABLE_SPONSOR, PoliticalStatus
from apps.people.models import Penalty, Person
from apps.people.services import person_set_status
from apps.workdays.calendar import WorkCalendar
from apps.workdays.selectors import calendar_load

from .models import CasePerson, CaseRole, CaseWarning, DevelopmentCase, PoliticalReview, RuleSet, StepRecord, Vote
from .plan import Facts, Plan, PublicityFacts, VoteCounts, applicable_steps, compute_plan
from .publicity import publicity_content
from .reminders import STEP_DUE
from .rules import Rules, adult_on, loosened
from .selectors import case_facts, case_plan, case_prefetched, case_reload_records, rule_set_for, voters_due
from .steps import (
    ANCESTORS,
    CONCLUSION,
    CONTACTS,
    KIND_BY_CODE,
    KINDS,
    MONTHS,
    OPEN_STAGES,
    PUBLICITIES,
    PUBLICITY_STEP_FOR,
    SELF,
    SELF_SERVICE_KINDS,
    SPONSORS,
    STAGE_ORDER,
    STATUS_FOR_STAGE,
    STEP_BY_CODE,
    STEP_CODES,
    TRAINING,
    VOTE,
    DecidingBody,
    Stage,
    Step,
    WarningCode,
    recordable_at,
)

ONE_DAY = datetime.timedelta(days=1)
# Hard rules: a record that would raise one of these warnings on its own step is refused.
REFUSED_WARNINGS = {
    WarningCode.UNDERAGE,
    WarningCode.ACTIVIST_PERIOD_SHORT,
    WarningCode.TRAINING_SHORT,
    WarningCode.PROBATION_SHORT,
    WarningCode.APPROVAL_EXPIRED,
    WarningCode.EXTENSION_INVALID,
    WarningCode.NOT_COMMITTEE,
    WarningCode.DATE_ORDER,
    WarningCode.PUBLICITY_OPEN,
}


class StepConflict(ValidationError):
    """The step was recorded by someone else meanwhile."""


@dataclass
class RecordEntry:
    """What a person enters for one record of a case: the kind, the date the body decided, and the details the kind
    asks for (``steps.Step.details``). Forms, the admin and the importer build one; ``case_record_step`` checks it."""

    step: str
    on: datetime.date
    body: str = ""
    decision: str = ""
    meeting_ref: str = ""
    months: int | None = None
    training_days: Decimal | float | None = None
    training_hours: Decimal | float | None = None
    vote: dict | None = None  # present, yes, no, abstain, written_yes, written_no (and optionally due)
    passed: bool | None = None  # the result announced, checked against the counts
    people: list[Person] = field(default_factory=list)  # training contacts or sponsors
    conclusion: str = ""  # the political review's written conclusion
    documents: Sequence = ()
    upload: object = None  # a file handed in with the record: stored through the documents service, then attached
    publicity_opens_on: datetime.date | None = None
    # History entered afterwards (the Excel import): who may record the kind is checked as always, and so are the
    # stage and the order of dates; the rules' limits, the details a live record needs and the publicity gate only
    # warn (ADR 5: permissions refuse, rules warn). No notice is opened and the person's status is left to the caller.
    backfill: bool = False


@dataclass
class History:
    """What ``case_record_history`` recorded: the case as stored afterwards (prefetched), the new records, and the
    plan it stored."""

    case: DevelopmentCase
    records: list[StepRecord]
    plan: Plan


@dataclass
class _Recording:
    """One record on its way in: the case (locked, then read with its records), the kind, the entry, and the facts
    of the plan with the new fact added — the plan is computed once from them."""

    actor: object
    locked: DevelopmentCase
    case: DevelopmentCase
    kind: Step
    entry: RecordEntry
    rules: Rules
    facts: Facts
    now: datetime.datetime
    today: datetime.date
    vote: VoteCounts | None = None
    publicity: str = ""  # the publicity step this record opens, if any
    refused_at: tuple[str, frozenset] = ("", frozenset())  # (step, codes) whose warnings refuse the record
    calendar: WorkCalendar | None = None
    reopens_to: str = ""  # a closed case reopened: the stage its records had reached

    @property
    def user(self):
        return self.actor if getattr(self.actor, "is_authenticated", False) else None


def may_record(user, case: DevelopmentCase, kind: Step, *, as_person: bool | None = None) -> bool:
    """Whether the user may record this kind on the case (``steps.Step.recorders``): a node permission covering the
    case's branch, or — for what people hand in themselves — being the person concerned. ``as_person``: True counts
    only the latter, False only the former, None either."""
    is_person = bool(case.person.user_id) and case.person.user_id == getattr(user, "pk", None)
    if as_person is not False and SELF in kind.recorders and is_person:
        return True
    if as_person:
        return False
    return any(covers(user, perm, case.branch.path) for perm in kind.recorders if perm != SELF)


def recordable_kinds(user, case: DevelopmentCase, *, as_person: bool = False) -> list[Step]:
    """The kinds the user may record on the case now, in the registry's order: with a role (the record forms), or as
    the person concerned (what they hand in on the portal)."""
    taken = {r.step for r in case.records.all()}
    rules = Rules.from_model(case.rule_set)
    applicable = {s.code for s in applicable_steps(rules)}
    return [
        kind
        for kind in KINDS
        if not kind.automatic
        and (kind.code in applicable or not kind.in_plan)
        and (kind.repeated or kind.code not in taken)
        and recordable_at(kind, case.stage)
        and may_record(user, case, kind, as_person=as_person)
    ]


def _check_actor(actor, case, kind: Step) -> None:
    if not may_record(actor, case, kind):
        raise PermissionDenied(
            _("Your role cannot record “%(step)s” for %(branch)s.") % {"step": kind.label, "branch": case.branch}
        )


def _check_date(on: datetime.date, today: datetime.date) -> None:
    if on > today:
        raise ValidationError(
            _("The decision is dated %(date)s, after today (%(today)s): a decision cannot be dated in the future.")
            % {"date": on, "today": today}
        )


@transaction.atomic
def case_open(
    *,
    actor,
    person: Person,
    branch,
    application_on: datetime.date,
    today: datetime.date,
    rule_set=None,
    backfill: bool = False,
    calendar: WorkCalendar | None = None,
) -> DevelopmentCase:
    """Step 1: an application is received. Opens the case under the committee's rule set (the version is kept).

    ``backfill``: the history of a person entered afterwards (the import): the minimum age warns instead of refusing,
    a member's history may be entered, and the person's status is left to the caller, as is the plan: the history
    recorded next (``case_record_history``, which the import calls for every row) stores it."""
    if not covers(actor, MANAGE_PEOPLE, branch.path):
        raise PermissionDenied(_("You cannot manage people of %(node)s.") % {"node": branch})
    if branch.kind not in (NodeKind.BRANCH,):
        raise ValidationError(_("A development case belongs to a Party branch."))
    person = Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
    if not person.node.path.startswith(branch.path):
        raise ValidationError(_("%(person)s does not belong to %(branch)s.") % {"person": person, "branch": branch})
    if not backfill and person.political_status in (PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL):
        raise ValidationError(_("%(person)s is already a Party member.") % {"person": person})
    _check_date(application_on, today)
    rule_set = rule_set or rule_set_for(branch)
    rules = Rules.from_model(rule_set)
    if person.birth_date is None and not backfill:
        raise ValidationError(_("Enter the date of birth first: the minimum age is checked against it."))
    adult = adult_on(person.birth_date, rules.min_age_years) if person.birth_date else None
    if adult is not None and application_on < adult and not backfill:
        raise ValidationError(
            _("The applicant must be at least %(age)s years old (§5): from %(date)s.")
            % {"age": rules.min_age_years, "date": adult}
        )
    if DevelopmentCase.objects.filter(person=person, stage__in=OPEN_STAGES).exists():
        raise ValidationError(_("%(person)s already has an open development case.") % {"person": person})
    try:
        with transaction.atomic():
            case = DevelopmentCase.objects.create(
                person=person,
                branch=branch,
                rule_set=rule_set,
                opened_on=application_on,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise ValidationError(_("%(person)s already has an open development case.") % {"person": person}) from None
    StepRecord.objects.create(
        case=case,
        step="application_received",
        on=application_on,
        body=DecidingBody.BRANCH,
        entered_by=actor if getattr(actor, "is_authenticated", False) else None,
        after_the_fact=backfill or _late(application_on, today),
        decision=_("Imported") if backfill else "",
    )
    if not backfill:
        person_set_status(actor=actor, person=person, status=PoliticalStatus.APPLICANT)
    audit_record(
        actor=actor,
        action="lifecycle.case_imported" if backfill else "lifecycle.case_opened",
        target=case,
        node=branch,
        changes={"stage": [None, Stage.APPLICANT], "rule_set": [None, rule_set.edition]},
    )
    if not backfill:
        _refresh(case, today, calendar)
    return case


def after_the_fact_days() -> int:
    """A record entered more than this many days after the decision is marked as recorded after the fact."""
    return settings.LIFECYCLE_AFTER_THE_FACT_DAYS


def _late(on: datetime.date, today: datetime.date) -> bool:
    return (today - on).days > after_the_fact_days()


def _check_people(*, case, rules: Rules, role: str, people: list[Person], on: datetime.date) -> None:
    count = len(people)
    if role == CaseRole.CONTACT and not (rules.contacts_min <= count <= rules.contacts_max):
        raise ValidationError(
            _("Assign %(min)s to %(max)s training contacts (§9), not %(n)s.")
            % {"min": rules.contacts_min, "max": rules.contacts_max, "n": count}
        )
    if role == CaseRole.SPONSOR and count != rules.sponsors_required:
        raise ValidationError(
            _("A candidate needs %(n)s sponsors (§14), not %(count)s.") % {"n": rules.sponsors_required, "count": count}
        )
    penalties = Penalty.objects.filter(person_id__in=[p.pk for p in people], kind__in=PENALTIES_UNSUITABLE_SPONSOR)
    for person in people:
        if person.pk == case.person_id:
            raise ValidationError(_("The candidate cannot accompany themselves."))
        if person.political_status != PoliticalStatus.FULL or not person.is_active:
            raise ValidationError(
                _("%(person)s is not a full Party member and cannot be a %(role)s.")
                % {"person": person, "role": CaseRole(role).label}
            )
        if role == CaseRole.SPONSOR and any(p.person_id == person.pk and p.in_effect_on(on) for p in penalties):
            raise ValidationError(
                _("%(person)s is under a Party penalty on %(date)s and is not suitable as a sponsor (§14).")
                % {"person": person, "date": on}
            )


def _vote(*, case, on: datetime.date, counts: dict | None, passed_claim: bool | None) -> VoteCounts:
    if not counts:
        raise ValidationError(_("Enter the counts of the vote: present, yes, no, abstentions and written opinions."))
    due = voters_due(branch=case.branch, on=on)
    given_due = counts.get("due")
    if given_due is not None and int(given_due) != due:
        raise ValidationError(
            _("The branch has %(due)s members with a vote on %(date)s according to the roll, not %(given)s.")
            % {"due": due, "date": on, "given": given_due}
        )
    vote = VoteCounts(
        due=due,
        **{k: int(counts.get(k) or 0) for k in ("present", "yes", "no", "abstain", "written_yes", "written_no")},
    )
    problems = vote.problems()
    if problems:
        raise ValidationError(problems)
    if passed_claim is not None and passed_claim != vote.passed:
        raise ValidationError(
            _("The counts say the resolution %(result)s: %(yes)s yes and %(written)s written of %(due)s due (§20).")
            % {
                "result": _("passed") if vote.passed else _("did not pass"),
                "yes": vote.yes,
                "written": vote.written_yes,
                "due": due,
            }
        )
    return vote


def _check_stage(r: _Recording) -> None:
    kind, case = r.kind, r.case
    if kind.automatic and not r.entry.backfill:
        publicity = PUBLICITIES[kind.code]
        raise ValidationError(
            _("“%(step)s” is recorded by itself when “%(after)s” is recorded.")
            % {"step": kind.label, "after": STEP_BY_CODE[publicity.after].label}
        )
    if kind.in_plan and kind not in applicable_steps(r.rules):
        raise ValidationError(
            _("“%(step)s” is not a step of the rule set %(edition)s.")
            % {"step": kind.label, "edition": r.rules.edition}
        )
    if recordable_at(kind, case.stage) or (r.entry.backfill and kind.in_plan and case.stage == Stage.FULL):
        return  # history of a full member may hold steps dated after the approval
    if not case.is_open:
        raise ValidationError(_("The case is closed (%(stage)s).") % {"stage": case.get_stage_display()})
    if kind.in_plan:
        raise ValidationError(
            _("“%(step)s” belongs to the stage “%(stage)s”; the case is at “%(current)s”.")
            % {"step": kind.label, "stage": Stage(kind.stage).label, "current": case.get_stage_display()}
        )
    raise ValidationError(
        _("“%(step)s” cannot be recorded while the case is at “%(current)s”.")
        % {"step": kind.label, "current": case.get_stage_display()}
    )


def _check_body(r: _Recording) -> None:
    body = r.entry.body
    if not body or body in r.kind.allowed_bodies:
        return
    if r.kind.code == "admission_approved":
        raise ValidationError(_explain(WarningCode.NOT_COMMITTEE, r.rules, None, None))
    raise ValidationError(
        _("“%(step)s” is decided by %(bodies)s, not by %(body)s.")
        % {
            "step": r.kind.label,
            "bodies": " / ".join(str(DecidingBody(b).label) for b in r.kind.allowed_bodies),
            "body": DecidingBody(body).label if body in DecidingBody.values else body,
        }
    )


def _check_sequence(r: _Recording) -> None:
    """The steps the kind follows are recorded, and its date is not before any recorded step it comes after —
    directly or through others (``steps.ANCESTORS``)."""
    kind, on, recorded = r.kind, r.entry.on, r.facts.steps
    if not kind.in_plan:
        return
    applicable = {s.code for s in applicable_steps(r.rules)}
    for before in () if r.entry.backfill else kind.after:
        if before in applicable and not STEP_BY_CODE[before].repeated and before not in recorded:
            raise ValidationError(
                _("Record “%(before)s” before “%(step)s”.") % {"before": STEP_BY_CODE[before].label, "step": kind.label}
            )
    for before in sorted(ANCESTORS[kind.code], key=STEP_CODES.index):
        done = recorded.get(before)
        if done is not None and on < done:
            raise ValidationError(
                _("“%(step)s” (%(date)s) cannot come before “%(before)s” (%(done)s).")
                % {"step": kind.label, "date": on, "before": STEP_BY_CODE[before].label, "done": done}
            )


def _explain(code: str, rules: Rules, row, gate_date) -> str:
    """The translated reason a hard rule refuses the record, naming the rule and the limit."""
    limit = {
        WarningCode.ACTIVIST_PERIOD_SHORT: row.earliest if row else None,
        WarningCode.PROBATION_SHORT: row.earliest if row else None,
        WarningCode.APPROVAL_EXPIRED: row.hard_latest if row else None,
        WarningCode.PUBLICITY_OPEN: gate_date,
    }.get(code)
    messages = {
        WarningCode.UNDERAGE: _("The applicant must be at least %(age)s years old (§5)."),
        WarningCode.ACTIVIST_PERIOD_SHORT: _(
            "Candidate designation needs at least %(months)s months as activist (§13): earliest %(date)s."
        ),
        WarningCode.TRAINING_SHORT: _("Training must last at least %(days)s days or %(hours)s class hours (§17)."),
        WarningCode.PROBATION_SHORT: _(
            "The probation ends on %(date)s: the conversion cannot be discussed before (§31)."
        ),
        WarningCode.APPROVAL_EXPIRED: _(
            "Approval must come within %(max)s months of the branch meeting (§25): the last day was %(date)s."
        ),
        WarningCode.EXTENSION_INVALID: _("Probation can be extended once, by %(ext_min)s to %(ext_max)s months (§31)."),
        WarningCode.NOT_COMMITTEE: _("Only a Party committee can approve an admission; a general branch cannot (§22)."),
        WarningCode.DATE_ORDER: _("The date is out of order with the steps before it."),
        WarningCode.PUBLICITY_OPEN: _("The step waits for the publicity window to close: not before %(date)s."),
    }
    return messages.get(code, str(code)) % {
        "age": rules.min_age_years,
        "months": rules.activist_min_months,
        "date": limit,
        "days": rules.training_min_days,
        "hours": rules.training_min_hours,
        "max": rules.approval_max_months,
        "ext_min": rules.extension_min_months,
        "ext_max": rules.extension_max_months,
    }


def _check_rules(r: _Recording, plan: Plan) -> None:
    """Refuse the record if, with the new fact, the plan raises a hard rule's warning on its own step."""
    step, codes = r.refused_at
    gates = [plan.step(code) for code, p in PUBLICITIES.items() if step in p.gated]
    closes = [row.latest for row in gates if row is not None and row.latest]
    gate_date = max(closes) + datetime.timedelta(days=1) if closes else None
    for code, where in plan.warnings:
        if where == step and code in codes:
            raise ValidationError(_explain(code, r.rules, plan.step(step), gate_date))


def _reopened_after(case, day) -> bool:
    return any(r.step == "reopened" and r.on >= day for r in case.records.all())


def _check_publicity(r: _Recording) -> None:
    case, today = r.case, r.today
    if r.entry.backfill:
        return
    codes = {code for code, publicity in PUBLICITIES.items() if r.kind.code in publicity.gated}
    if not codes:
        return
    reason = publicity_block(case=case, today=today, steps=codes)
    if reason is None:
        return
    notices = [n for n in case.notices.all() if n.step in codes]
    resolved = [o.resolved_on for n in notices for o in n.objections.all() if o.resolved_on]
    if resolved and _reopened_after(case, max(resolved)) and today > max(n.closes_on for n in notices):
        return
    raise ValidationError(reason)


# --- the facts each kind adds, and the checks of its details (one handler per kind, as the plan's limits) ----------


def _take_fact(r: _Recording) -> None:
    """The date of the record as a fact of the plan."""
    code, on = r.kind.code, r.entry.on
    if r.kind.repeated:
        r.facts.repeated.setdefault(code, []).append(on)
    elif r.kind.in_plan:
        r.facts.steps[code] = on
    if r.kind.documents and not r.entry.documents and r.entry.upload is None:
        r.facts.missing_documents.append(code)


def _take_vote(r: _Recording) -> None:
    r.vote = _vote(case=r.case, on=r.entry.on, counts=r.entry.vote, passed_claim=r.entry.passed)
    if r.kind.in_plan:
        r.facts.votes[r.kind.code] = r.vote


def _take_contacts(r: _Recording) -> None:
    _check_people(case=r.case, rules=r.rules, role=CaseRole.CONTACT, people=r.entry.people, on=r.entry.on)
    r.facts.contacts = len(r.entry.people)


def _take_sponsors(r: _Recording) -> None:
    _check_people(case=r.case, rules=r.rules, role=CaseRole.SPONSOR, people=r.entry.people, on=r.entry.on)
    r.facts.sponsors = len(r.entry.people)


def _take_training(r: _Recording) -> None:
    days, hours = r.entry.training_days, r.entry.training_hours
    if days is None and hours is None:
        raise ValidationError(_("Enter the length of the training in days or class hours."))
    r.facts.training_days, r.facts.training_hours = float(days or 0), float(hours or 0)


def _take_months(r: _Recording) -> None:
    if r.entry.months is None:
        raise ValidationError(
            _("Enter by how many months the probation is extended.")
            if r.kind.code == "probation_extended"
            else _("Enter by how many months the discussion is postponed.")
        )


def _take_conclusion(r: _Recording) -> None:
    if not r.entry.conclusion.strip():
        raise ValidationError(_("A political review needs its written conclusion (§16)."))


DETAIL_HANDLERS = {
    VOTE: _take_vote,
    CONTACTS: _take_contacts,
    SPONSORS: _take_sponsors,
    TRAINING: _take_training,
    MONTHS: _take_months,
    CONCLUSION: _take_conclusion,
}


def take_admission_approved(r: _Recording) -> None:
    r.facts.approved_by_committee = (r.entry.body or r.kind.body) == DecidingBody.BASE_COMMITTEE


def take_probation_extended(r: _Recording) -> None:
    """§31: an extension needs the branch meeting's passed resolution; once, within the range of the rule set (the
    plan checks the range on the conversion meeting)."""
    if not r.vote.passed:
        raise ValidationError(_("The extension needs a passed resolution of the branch general meeting (§31)."))
    r.facts.extensions.append(r.entry.months)
    r.refused_at = ("conversion_meeting", frozenset({WarningCode.EXTENSION_INVALID}))


def take_conversion_postponed(r: _Recording) -> None:
    """§35: after a transfer the discussion may be postponed, by at most the rule set's months in all."""
    if r.entry.months + r.facts.postponed_months > r.rules.transfer_postpone_max_months:
        raise ValidationError(
            _("After a transfer the discussion may be postponed by at most %(n)s months (§35).")
            % {"n": r.rules.transfer_postpone_max_months}
        )
    r.facts.postponed_months += r.entry.months


def take_reopened(r: _Recording) -> None:
    """A case closed by mistake is reopened by the committee's recorded decision, with its reason; it returns to
    the stage its records had reached. (On an open case: resumed after a decision on an objection.)"""
    if r.case.is_open:
        return
    if not r.entry.decision.strip():
        raise ValidationError(_("Give the reason for reopening the case: the committee's decision."))
    if r.case.closed_on and r.entry.on < r.case.closed_on:
        raise ValidationError(
            _("The case was closed on %(date)s: it can only be reopened on that day or later.")
            % {"date": r.case.closed_on}
        )
    reached = [STEP_BY_CODE[x.step].moves_to for x in r.case.records.all() if x.step in STEP_BY_CODE]
    r.reopens_to = max([Stage.APPLICANT, *(s for s in reached if s)], key=STAGE_ORDER.get)


KIND_HANDLERS = {
    "reopened": take_reopened,
    "admission_approved": take_admission_approved,
    "probation_extended": take_probation_extended,
    "conversion_postponed": take_conversion_postponed,
}


def _stage_after(r: _Recording) -> str:
    kind = r.kind
    if r.reopens_to:
        return r.reopens_to
    if kind.fails_to and r.vote is not None and not r.vote.passed:
        return kind.fails_to
    return kind.ends_case or kind.moves_to or r.locked.stage


def _publicity_opened(r: _Recording, stage: str) -> str:
    """The publicity step (公示) the record opens under the rule set, if any: after a passed decision on an open
    case. Added to the facts before the plan is computed, so the stored plan already shows the window."""
    code = PUBLICITY_STEP_FOR.get(r.kind.code)
    if not code or not getattr(r.rules, PUBLICITIES[code].flag) or stage not in OPEN_STAGES:
        return ""
    if r.vote is not None and not r.vote.passed:
        return ""
    opens_on = _publicity_opens_on(r)
    r.facts.steps[code] = opens_on
    r.facts.publicity[code] = PublicityFacts(opened_on=opens_on)
    return code


def _publicity_opens_on(r: _Recording) -> datetime.date:
    return r.entry.publicity_opens_on or (r.entry.on if _late(r.entry.on, r.today) else r.today)


@transaction.atomic
def case_record_step(
    *, actor, case: DevelopmentCase, entry: RecordEntry, now: datetime.datetime, calendar: WorkCalendar | None = None
) -> StepRecord:
    """Record one decision or event of a case. Locked, idempotent for the same actor and content, audited.

    The kind's attributes in ``steps.py`` say who may record it, at which stages, which details it carries and what
    it does to the case; each detail and kind has its handler above. The plan is computed once, with the new fact,
    to refuse what breaks a hard rule and to store the case's next date and warnings.

    ``now``: the moment of recording (a publicity notice it opens is published then); its local date is "today",
    after which no decision can be dated. ``calendar``: the working-day calendar, when the caller already loaded it.
    """
    today = timezone.localdate(now)
    kind = _kind(entry)
    locked = DevelopmentCase.objects.select_for_update().get(pk=case.pk)
    case = case_prefetched(DevelopmentCase.objects.filter(pk=locked.pk)).get()
    _check_actor(actor, case, kind)
    existing = _recorded_before(actor, case.records.all(), kind, entry)
    if existing is not None:
        return existing
    r = _Recording(
        actor=actor,
        locked=locked,
        case=case,
        kind=kind,
        entry=entry,
        rules=Rules.from_model(case.rule_set),
        facts=case_facts(case, today=today),
        now=now,
        today=today,
        refused_at=(kind.code, frozenset(REFUSED_WARNINGS)),
        calendar=calendar,
    )
    new_stage = _check_entry(r)
    r.publicity = "" if entry.backfill else _publicity_opened(r, new_stage)
    plan = compute_plan(
        rules=r.rules, facts=r.facts, calendar=r.calendar or calendar_load(start=case.opened_on - ONE_DAY)
    )
    if not entry.backfill:
        _check_rules(r, plan)

    record = _record_for(r)
    record.save()
    _record_details(r, record)
    old_stage = locked.stage
    if new_stage != old_stage:
        _move_stage(r, new_stage, plan)
    audit_record(
        actor=actor,
        action="lifecycle.step_recorded",
        target=locked,
        node=locked.branch,
        changes=_recorded_changes(kind, entry, old_stage, new_stage),
        note=entry.decision[:500],
    )
    if r.publicity:
        _open_publicity(r)
    case.stage = locked.stage
    _store_plan(case, plan)
    if not entry.backfill:  # an imported case is new: nobody was reminded of it yet
        # the reminders of the step just taken (or of a deadline that moved) leave the notification centre at once
        reminders_settle(now=now, source_codes=[STEP_DUE], subject_ids=[case.pk])
    return record


@transaction.atomic
def case_record_history(
    *,
    actor,
    case: DevelopmentCase,
    entries: Sequence[RecordEntry],
    now: datetime.datetime,
    calendar: WorkCalendar | None = None,
) -> History:
    """Record a history entered after the fact (the Excel import) at once: each entry, in the order given, goes
    through the same checks as ``case_record_step`` would put it through (who may record the kind, its stage, its
    date and the order of dates, the backfill rules), one after the other in memory; then the records and their
    audit entries are written in bulk, the stage once, and the plan computed once at the end from the records as
    stored. The case is locked throughout. Only history (``backfill``) entries without an upload are taken here."""
    if any(not entry.backfill or entry.upload is not None for entry in entries):
        raise ValueError("case_record_history takes history entries (backfill=True) without an upload")
    today = timezone.localdate(now)
    # locked and read in one query: the checks read it, the stage is written to it
    case = locked = case_prefetched(DevelopmentCase.objects.select_for_update(of=("self",)).filter(pk=case.pk)).get()
    rules, facts = Rules.from_model(case.rule_set), case_facts(case, today=today)
    first_stage = locked.stage
    taken: list[tuple[_Recording, StepRecord]] = []
    audits = []
    for entry in entries:
        kind = _kind(entry)
        _check_actor(actor, case, kind)
        if _recorded_before(actor, [*case.records.all(), *(record for _r, record in taken)], kind, entry):
            continue
        r = _Recording(
            actor=actor,
            locked=locked,
            case=case,
            kind=kind,
            entry=entry,
            rules=rules,
            facts=facts,
            now=now,
            today=today,
            calendar=calendar,
        )
        old_stage, new_stage = locked.stage, _check_entry(r)
        taken.append((r, _record_for(r)))
        if new_stage != old_stage:
            locked.stage, locked.closed_on = new_stage, entry.on if new_stage not in OPEN_STAGES else None
        audits.append(
            audit_entry(
                actor=actor,
                action="lifecycle.step_recorded",
                target=locked,
                node=locked.branch,
                changes=_recorded_changes(kind, entry, old_stage, new_stage),
                note=entry.decision[:500],
            )
        )
    records = StepRecord.objects.bulk_create([record for _r, record in taken])
    for (r, _unsaved), record in zip(taken, records, strict=True):
        _record_details(r, record)
    if locked.stage != first_stage:
        _save_stage(locked)
    audit_record_many(audits)
    # the plan from the records as stored, as the nightly refresh computes it
    case_reload_records(case, helpers=any(entry.people for entry in entries))
    plan = case_plan(case, today=today, calendar=calendar)
    _store_plan(case, plan)
    return History(case=case, records=records, plan=plan)


def _kind(entry: RecordEntry) -> Step:
    kind = KIND_BY_CODE.get(entry.step)
    if kind is None:
        raise ValidationError(_("Unknown kind of record: %(step)s.") % {"step": entry.step})
    return kind


def _check_entry(r: _Recording) -> str:
    """The checks of one record in their order, its fact added to the plan's facts and its details taken; the stage
    the case is at after it. ``case_record_step`` and ``case_record_history`` both go through here."""
    _check_stage(r)
    _check_date(r.entry.on, r.today)
    _check_body(r)
    _check_sequence(r)
    _check_publicity(r)
    _take_fact(r)
    if not r.entry.backfill:
        for detail in sorted(r.kind.details):
            DETAIL_HANDLERS[detail](r)
        if r.kind.code in KIND_HANDLERS:
            KIND_HANDLERS[r.kind.code](r)
    return _stage_after(r)


def _recorded_changes(kind: Step, entry: RecordEntry, old_stage: str, new_stage: str) -> dict:
    return {
        "step": [None, kind.code],
        "on": [None, entry.on],
        **({"stage": [old_stage, new_stage]} if new_stage != old_stage else {}),
    }


def _recorded_before(actor, records, kind: Step, entry: RecordEntry) -> StepRecord | None:
    """The same record entered again by the same person (a double submit): returned as it is. A kind recorded only
    once that someone else recorded meanwhile is a conflict. Repeatable kinds are never conflicts: a second
    thought report is a second record."""
    same = [r for r in records if r.step == kind.code]
    for record in same:
        if (
            record.on == entry.on
            and record.entered_by_id == getattr(actor, "pk", None)
            and record.decision == entry.decision
            and not (kind.repeated and entry.documents)  # a second report hands in a second document
        ):
            return record
    if same and not kind.repeated:
        existing = same[0]
        raise StepConflict(
            _("“%(step)s” was already recorded for %(date)s by %(who)s. Reload the case to see it.")
            % {"step": kind.label, "date": existing.on, "who": existing.entered_by or _("the system")}
        )
    return None


def _record_for(r: _Recording) -> StepRecord:
    """The record of one entry, not saved yet (then ``_record_details``)."""
    entry, kind = r.entry, r.kind
    return StepRecord(
        case=r.locked,
        step=kind.code,
        on=entry.on,
        body=entry.body or kind.body or "",
        decision=entry.decision,
        meeting_ref=entry.meeting_ref,
        months=entry.months,
        training_days=entry.training_days,
        training_hours=entry.training_hours,
        entered_by=r.user,
        after_the_fact=entry.backfill or _late(entry.on, r.today) or any(x.on > entry.on for x in r.case.records.all()),
    )


def _record_details(r: _Recording, record: StepRecord) -> None:
    """What a saved record carries besides itself: documents, the vote, training contacts or sponsors, the political
    review's conclusion."""
    entry, kind = r.entry, r.kind
    documents = list(entry.documents)
    if entry.upload is not None:
        title = _("%(step)s, %(date)s") % {"step": kind.label, "date": entry.on}
        documents.append(
            document_upload(actor=r.actor, person=r.locked.person, uploaded=entry.upload, title=title, now=r.now)
        )
    if documents:
        record.documents.set(documents)
    if r.vote is not None:
        v = r.vote
        Vote.objects.create(
            record=record,
            due=v.due,
            due_computed=v.due,
            present=v.present,
            yes=v.yes,
            no=v.no,
            abstain=v.abstain,
            written_yes=v.written_yes,
            written_no=v.written_no,
            quorum=v.quorum,
            passed=v.passed,
        )
    role = CaseRole.CONTACT if CONTACTS in kind.details else CaseRole.SPONSOR if SPONSORS in kind.details else None
    if role is not None and entry.people:
        CasePerson.objects.bulk_create(
            CasePerson(case=r.locked, person=p, role=role, since=entry.on) for p in entry.people
        )
    if CONCLUSION in kind.details:
        PoliticalReview.objects.create(
            case=r.locked, concluded_on=entry.on, conclusion=entry.conclusion.strip(), entered_by=r.user
        )


def _move_stage(r: _Recording, stage: str, plan: Plan) -> None:
    """The case moves to ``stage``; the person's political status follows (§31: probation counts from the branch
    meeting's resolution; §33: Party standing from the day probation ends)."""
    locked = r.locked
    locked.stage = stage
    locked.closed_on = r.entry.on if stage not in OPEN_STAGES else None
    _save_stage(locked)
    status = STATUS_FOR_STAGE.get(stage)
    if status is None or r.entry.backfill:
        return
    dates = {}
    if stage == Stage.PROBATIONARY:
        dates["joined_on"] = r.facts.steps.get("admission_meeting")
    elif stage == Stage.FULL:
        dates["full_member_on"] = plan.probation_end
    person_set_status(actor=r.actor, person=locked.person, status=status, **dates)
    if stage == Stage.PROBATIONARY and dates["joined_on"]:
        admission_begins(actor=r.actor, person=locked.person, on=dates["joined_on"])
    elif stage == Stage.CANCELLED:
        admission_cancelled(actor=r.actor, person=locked.person, on=r.entry.on)


def _save_stage(locked: DevelopmentCase) -> None:
    if locked.stage not in OPEN_STAGES:  # one open case per person: a closed stage cannot break it (no savepoint)
        locked.save(update_fields=["stage", "closed_on"])
        return
    try:
        with transaction.atomic():
            locked.save(update_fields=["stage", "closed_on"])
    except IntegrityError:
        raise ValidationError(
            _("%(person)s already has an open development case.") % {"person": locked.person}
        ) from None


def _open_publicity(r: _Recording) -> None:
    titles = {
        "candidate_publicity": _("Publicity: %(person)s proposed as development candidate"),
        "admission_publicity": _("Publicity: %(person)s proposed for admission as probationary member"),
        "conversion_publicity": _("Publicity: %(person)s proposed for full membership"),
    }
    opens_on = r.facts.steps[r.publicity]
    notice = notice_open_for_step(
        actor=r.actor,
        case=r.locked,
        step=r.publicity,
        opens_on=opens_on,
        working_days=r.rules.publicity_working_days,
        title=titles[r.publicity] % {"person": r.locked.person.name},
        now=r.now,
        content=publicity_content(
            person=r.locked.person, step=r.publicity, steps=r.facts.steps, branch_name=r.locked.branch.name
        ),
    )
    StepRecord.objects.create(
        case=r.locked,
        step=r.publicity,
        on=opens_on,
        body=DecidingBody.BASE_COMMITTEE,
        decision=_("Publicity from %(start)s to %(end)s.") % {"start": notice.opens_on, "end": notice.closes_on},
        entered_by=r.user,
    )


def _store_plan(case: DevelopmentCase, plan) -> bool:
    """Store the next due date and the warnings of a case, for lists, filters and reminders; True if changed. The
    date is the nearest of the open steps' limits (or, where a step has none, its reference date); whether it is a
    deadline is stored with it (``PlannedStep.deadline``), so lists say "deadline" only then."""
    upcoming = [
        (s.latest or s.reference, s.code, bool(s.latest and s.deadline))
        for s in plan.steps
        if s.actual is None and (s.latest or s.reference)
    ]
    next_due, next_step, is_limit = min(upcoming) if upcoming and case.is_open else (None, "", False)
    wanted = {(str(code), step) for code, step in plan.warnings}
    current = {(w.code, w.step) for w in case.warnings.all()}
    changed = False
    if wanted != current:
        CaseWarning.objects.filter(case=case).exclude(
            pk__in=[w.pk for w in case.warnings.all() if (w.code, w.step) in wanted]
        ).delete()
        CaseWarning.objects.bulk_create(
            [CaseWarning(case=case, code=code, step=step) for code, step in wanted - current], ignore_conflicts=True
        )
        changed = True
    if (case.next_due_on, case.next_due_step, case.next_due_is_limit) != (next_due, next_step, is_limit):
        DevelopmentCase.objects.filter(pk=case.pk).update(
            next_due_on=next_due, next_due_step=next_step, next_due_is_limit=is_limit
        )
        case.next_due_on, case.next_due_step, case.next_due_is_limit = next_due, next_step, is_limit
        changed = True
    return changed


def _refresh(case: DevelopmentCase, today: datetime.date, calendar: WorkCalendar | None = None) -> None:
    fresh = case_prefetched(DevelopmentCase.objects.filter(pk=case.pk)).get()
    _store_plan(fresh, case_plan(fresh, today=today, calendar=calendar))


def case_refresh_all(*, today: datetime.date, batch: int = 500) -> int:
    """Sweep: recompute the stored warnings of open cases (dates pass, so overdue changes without any write).

    Batches of ``batch`` cases, a fixed number of queries per batch; returns how many cases changed.
    """
    ids = list(DevelopmentCase.objects.filter(stage__in=OPEN_STAGES).order_by("pk").values_list("pk", flat=True))
    calendar = calendar_load()
    changed = 0
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            for case in case_prefetched(DevelopmentCase.objects.filter(pk__in=ids[start : start + batch])):
                changed += _store_plan(case, case_plan(case, today=today, calendar=calendar))
    return changed


@transaction.atomic
def case_submit(*, actor, case: DevelopmentCase, kind: str, uploaded, now: datetime.datetime) -> StepRecord:
    """A person hands in what the registry lets them record themselves (a thought report, the application for full
    membership), with its document."""
    today = timezone.localdate(now)
    if kind not in SELF_SERVICE_KINDS:
        raise ValidationError(_("This cannot be handed in here."))
    _check_actor(actor, case, KIND_BY_CODE[kind])
    titles = {
        "thought_report": _("Thought report of %(date)s"),
        "conversion_applied": _("Application for full membership"),
    }
    document = document_upload(
        actor=actor, person=case.person, uploaded=uploaded, title=titles[kind] % {"date": today}, now=now
    )
    entry = RecordEntry(step=kind, on=today, documents=[document])
    return case_record_step(actor=actor, case=case, entry=entry, now=now)


@transaction.atomic
def record_attach_document(*, actor, record: StepRecord, uploaded, now: datetime.datetime) -> StepRecord:
    """Attach the §36 archive document a recorded step needs (the signed form, the review's materials …), later
    than the record itself: whoever may record the kind may attach it. Stored through the documents service,
    audited, and the case's "documents missing" warning recomputed."""
    locked = DevelopmentCase.objects.select_for_update().get(pk=record.case_id)
    case = case_prefetched(DevelopmentCase.objects.filter(pk=locked.pk)).get()
    record = next((x for x in case.records.all() if x.pk == record.pk), None)
    kind = KIND_BY_CODE.get(record.step) if record is not None else None
    if kind is None:
        raise ValidationError(_("The record is not part of this case."))
    _check_actor(actor, case, kind)
    if not kind.documents:
        raise ValidationError(_("“%(step)s” needs no document for the archive.") % {"step": kind.label})
    title = _("%(step)s, %(date)s") % {"step": kind.label, "date": record.on}
    document = document_upload(actor=actor, person=case.person, uploaded=uploaded, title=title, now=now)
    record.documents.add(document)
    audit_record(
        actor=actor,
        action="lifecycle.document_attached",
        target=locked,
        node=locked.branch,
        changes={"documents": [None, document.title]},
        note=kind.code,
    )
    _refresh(locked, timezone.localdate(now))
    return record


@transaction.atomic
def record_vote_correct(*, actor, record: StepRecord, counts: dict, reason: str, now: datetime.datetime) -> Vote:
    """Correct the counts of a recorded vote (a slip found in the minutes): the case and the meeting the vote was
    taken in read this one row, so the correction shows in both. Whoever may record the kind may correct it, with a
    reason; the members due to vote stay those of the roll on the meeting's day (§20). A correction that would change
    the result is refused: the result moved the case, and what follows from it is a decision to record."""
    today = timezone.localdate(now)
    locked = DevelopmentCase.objects.select_for_update().get(pk=record.case_id)
    case = case_prefetched(DevelopmentCase.objects.filter(pk=locked.pk)).get()
    record = next((r for r in case.records.all() if r.pk == record.pk), None)
    vote = getattr(record, "vote", None) if record is not None else None
    if vote is None:
        raise ValidationError(_("The record has no vote to correct."))
    kind = KIND_BY_CODE[record.step]
    _check_actor(actor, case, kind)
    if not reason.strip():
        raise ValidationError(_("Give the reason for the correction."))
    new = _vote(case=case, on=record.on, counts=counts, passed_claim=None)
    if new.passed != vote.passed:
        raise ValidationError(
            _("The corrected counts would change the result (%(old)s → %(new)s): that is not a correction.")
            % {
                "old": _("passed") if vote.passed else _("did not pass"),
                "new": _("passed") if new.passed else _("did not pass"),
            }
        )
    changes = {}
    for name in ("due", "present", "yes", "no", "abstain", "written_yes", "written_no", "quorum"):
        value = getattr(new, name)
        if getattr(vote, name) != value:
            changes[name] = [getattr(vote, name), value]
            setattr(vote, name, value)
    if not changes:
        return vote
    vote.save(update_fields=list(changes))
    audit_record(
        actor=actor,
        action="lifecycle.vote_corrected",
        target=locked,
        node=locked.branch,
        changes=changes,
        note=f"{record.step} {record.on}: {reason.strip()}"[:500],
    )
    _refresh(locked, today)
    return vote


def case_follows_transfer(*, actor, person: Person, from_node, to_node, on: datetime.date) -> None:
    """A member's open development case follows them to the branch they were transferred to (§12: the time as
    activist continues; every date stays). Registered with the membership transfers, called inside the transfer."""
    branch = branch_of(to_node)
    for case in DevelopmentCase.objects.select_for_update().filter(person=person, stage__in=OPEN_STAGES):
        old = case.branch
        case.branch = branch
        case.save(update_fields=["branch"])
        audit_record(
            actor=actor,
            action="lifecycle.case_transferred",
            target=case,
            node=branch,
            changes={"branch": [old, branch]},
            note=str(on),
        )


# --- rule sets -------------------------------------------------------------------------------------------------


def rule_set_problems(*, actor, rule_set: RuleSet | None, values: dict) -> list[tuple[str | None, str]]:
    """``(field, reason)`` for every reason the values cannot be saved on the rule set (None: a new one): national
    editions only by administrators; the edition a local set tightens fixed once chosen, national, never itself;
    a local set never looser than the national edition it tightens."""
    problems: list[tuple[str | None, str]] = []
    admin = getattr(actor, "is_superuser", False)
    old_base = rule_set.base if rule_set is not None else None
    base = values.get("base", old_base)
    if rule_set is not None and "base" in values and values["base"] != old_base:
        problems.append(("base", _("The national edition a rule set tightens cannot be changed once chosen.")))
        base = old_base
    if base is None and not admin:
        problems.append((None, _("Only an administrator can change a national edition.")))
    if base is not None:
        if rule_set is not None and base.pk == rule_set.pk:
            problems.append(("base", _("A rule set cannot tighten itself.")))
        elif base.base_id is not None:
            problems.append(("base", _("A local rule set tightens a national edition, not another local set.")))
        else:
            merged = {f: getattr(rule_set, f) if rule_set is not None else None for f in Rules.__dataclass_fields__}
            merged.update({k: v for k, v in values.items() if k in merged})
            defaults = Rules.from_model(base).__dict__
            local = Rules(**{k: defaults[k] if v is None else v for k, v in merged.items()})
            problems += loosened(local, Rules.from_model(base))
    return problems


@transaction.atomic
def rule_set_save(*, actor, rule_set: RuleSet | None, values: dict) -> RuleSet:
    """Create a rule set (``rule_set`` None) or change one: checked by ``rule_set_problems``, locked, audited old →
    new."""
    if rule_set is not None:
        rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    problems = rule_set_problems(actor=actor, rule_set=rule_set, values=values)
    if problems:
        by_field: dict[str, list[str]] = {}
        for name, reason in problems:
            by_field.setdefault(name or "__all__", []).append(reason)
        raise ValidationError(by_field)
    target = rule_set or RuleSet()
    changes = {}
    for name, value in values.items():
        old = getattr(target, name) if rule_set is not None else None
        if old != value:
            changes[name] = [old, value]
            setattr(target, name, value)
    if not changes and rule_set is not None:
        return rule_set
    target.full_clean()
    target.save()
    action = "lifecycle.rule_set_changed" if rule_set is not None else "lifecycle.rule_set_created"
    audit_record(actor=actor, action=action, target=target, changes=changes)
    return target
