"""Writes to development cases. Every decision is recorded through ``case_record_step``: one transaction, the case
row locked, guards from the case's rule set, an audit entry, the person's status kept in step.

The software records what branches and committees decided; it computes limits and warnings and refuses a record
that breaks a rule, but never takes a step by itself.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.disclosure.selectors import publicity_block
from apps.disclosure.services import notice_open_for_step
from apps.organisations.choices import APPROVE, MANAGE_PEOPLE, NodeKind
from apps.organisations.overview_cache import org_data_changed
from apps.organisations.permissions import covers
from apps.people.choices import PENALTIES_UNSUITABLE_SPONSOR, PoliticalStatus
from apps.people.models import Penalty, Person
from apps.workdays.selectors import calendar_load

from .models import CasePerson, CaseRole, CaseWarning, DevelopmentCase, PoliticalReview, StepRecord, Vote
from .plan import REPEATED, VoteCounts, applicable_steps, compute_plan
from .rules import Rules
from .selectors import case_facts, case_prefetched, rule_set_for, voters_due
from .steps import (
    OPEN_STAGES,
    PUBLICITIES,
    PUBLICITY_STEP_FOR,
    STAGE_ORDER,
    STEP_BY_CODE,
    DecidingBody,
    Stage,
    WarningCode,
)

# Steps that file or approve for the base committee: the actor needs the approve permission.
COMMITTEE_STEPS = {
    "activist_filed",
    "candidate_filed",
    "prereview_passed",
    "committee_talk",
    "admission_approved",
    "admission_filed",
    "conversion_approved",
    "political_review",
}
MEETING_STEPS = {"admission_meeting", "conversion_meeting", "probation_extended"}
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
class PersonChoice:
    person: Person
    since: datetime.date


def _rules(case) -> Rules:
    return Rules.from_model(case.rule_set)


# What the person hands in themselves, from the portal.
SELF_SERVICE_STEPS = {"thought_report", "conversion_applied"}


def _check_actor(actor, case, step: str) -> None:
    if step in SELF_SERVICE_STEPS and case.person.user_id and case.person.user_id == getattr(actor, "pk", None):
        return
    perm = APPROVE if step in COMMITTEE_STEPS else MANAGE_PEOPLE
    if not covers(actor, perm, case.branch.path):
        raise PermissionDenied(
            _("Your role cannot record “%(step)s” for %(branch)s.")
            % {"step": STEP_BY_CODE[step].label if step in STEP_BY_CODE else step, "branch": case.branch}
        )


def _check_date(on: datetime.date, today: datetime.date) -> None:
    if on > today:
        raise ValidationError(_("A decision cannot be dated in the future (%(date)s).") % {"date": on})


@transaction.atomic
def case_open(
    *, actor, person: Person, branch, application_on: datetime.date, today: datetime.date, rule_set=None
) -> DevelopmentCase:
    """Step 1: an application is received. Opens the case under the committee's rule set (the version is kept)."""
    if not covers(actor, MANAGE_PEOPLE, branch.path):
        raise PermissionDenied(_("You cannot manage people of %(node)s.") % {"node": branch})
    if branch.kind not in (NodeKind.BRANCH,):
        raise ValidationError(_("A development case belongs to a Party branch."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.node.path.startswith(branch.path):
        raise ValidationError(_("%(person)s does not belong to %(branch)s.") % {"person": person, "branch": branch})
    if person.political_status in (PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL):
        raise ValidationError(_("%(person)s is already a Party member.") % {"person": person})
    _check_date(application_on, today)
    rule_set = rule_set or rule_set_for(branch)
    rules = Rules.from_model(rule_set)
    if person.birth_date is None:
        raise ValidationError(_("Enter the date of birth first: the minimum age is checked against it."))
    adult_on = (
        person.birth_date.replace(year=person.birth_date.year + rules.min_age_years)
        if not (person.birth_date.month == 2 and person.birth_date.day == 29)
        else datetime.date(person.birth_date.year + rules.min_age_years, 3, 1)
    )
    if application_on < adult_on:
        raise ValidationError(
            _("The applicant must be at least %(age)s years old (§5): from %(date)s.")
            % {"age": rules.min_age_years, "date": adult_on}
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
        after_the_fact=_late(application_on, today),
    )
    _set_status(actor, person, PoliticalStatus.APPLICANT)
    audit_record(
        actor=actor,
        action="lifecycle.case_opened",
        target=case,
        node=branch,
        changes={"stage": [None, Stage.APPLICANT], "rule_set": [None, rule_set.edition]},
    )
    _refresh(case, today)
    return case


def _late(on: datetime.date, today: datetime.date) -> bool:
    return (today - on).days > getattr(settings, "LIFECYCLE_AFTER_THE_FACT_DAYS", 7)


def _set_status(actor, person: Person, status: str, **dates) -> None:
    if person.political_status == status and not dates:
        return
    old = person.political_status
    person.political_status = status
    fields = ["political_status"]
    for name, value in dates.items():
        setattr(person, name, value)
        fields.append(name)
    person.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="people.status_changed",
        target=person,
        node=person.node,
        changes={"political_status": [old, status]},
    )
    org_data_changed()


def _check_people(*, case, rules: Rules, role: str, choices: list[PersonChoice], on: datetime.date) -> None:
    count = len(choices)
    if role == CaseRole.CONTACT and not (rules.contacts_min <= count <= rules.contacts_max):
        raise ValidationError(
            _("Assign %(min)s to %(max)s training contacts (§9), not %(n)s.")
            % {"min": rules.contacts_min, "max": rules.contacts_max, "n": count}
        )
    if role == CaseRole.SPONSOR and count != rules.sponsors_required:
        raise ValidationError(
            _("A candidate needs %(n)s sponsors (§14), not %(count)s.") % {"n": rules.sponsors_required, "count": count}
        )
    ids = [c.person.pk for c in choices]
    penalties = Penalty.objects.filter(person_id__in=ids, kind__in=PENALTIES_UNSUITABLE_SPONSOR)
    for choice in choices:
        person = choice.person
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


def _vote(*, case, step: str, on: datetime.date, counts: dict | None, passed_claim: bool | None) -> VoteCounts:
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


def _check_sequence(*, case, step: str, on: datetime.date, facts, rules: Rules) -> None:
    spec = STEP_BY_CODE.get(step)
    if spec is None:
        return
    if spec not in applicable_steps(rules):
        raise ValidationError(
            _("“%(step)s” is not a step of the rule set %(edition)s.") % {"step": spec.label, "edition": rules.edition}
        )
    if STAGE_ORDER.get(spec.stage, 0) > STAGE_ORDER.get(case.stage, -1):
        raise ValidationError(
            _("“%(step)s” belongs to the stage “%(stage)s”; the case is at “%(current)s”.")
            % {"step": spec.label, "stage": Stage(spec.stage).label, "current": case.get_stage_display()}
        )
    for before in spec.after:
        if before not in {s.code for s in applicable_steps(rules)} or before in REPEATED:
            continue
        done = facts.steps.get(before)
        if done is None:
            raise ValidationError(
                _("Record “%(before)s” before “%(step)s”.") % {"before": STEP_BY_CODE[before].label, "step": spec.label}
            )
        if on < done:
            raise ValidationError(
                _("“%(step)s” (%(date)s) cannot come before “%(before)s” (%(done)s).")
                % {"step": spec.label, "date": on, "before": STEP_BY_CODE[before].label, "done": done}
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


def _check_rules(*, case, step: str, facts, rules: Rules, today: datetime.date) -> None:
    """Compute the plan with the new fact and refuse it if it breaks a hard rule on its own step."""
    calendar = calendar_load(start=case.opened_on - datetime.timedelta(days=1))
    plan = compute_plan(rules=rules, facts=facts, calendar=calendar)
    gates = [plan.step(code) for code, p in PUBLICITIES.items() if step in p.gated]
    closes = [row.latest for row in gates if row is not None and row.latest]
    gate_date = max(closes) + datetime.timedelta(days=1) if closes else None
    for code, where in plan.warnings:
        if where == step and code in REFUSED_WARNINGS:
            raise ValidationError(_explain(code, rules, plan.step(step), gate_date))
    case._pending_plan = plan  # reused by _refresh within this transaction


def _reopened_after(case, day) -> bool:
    return any(r.step == "reopened" and r.on >= day for r in case.records.all())


def _check_publicity(*, case, step: str, today: datetime.date) -> None:
    codes = {code for code, publicity in PUBLICITIES.items() if step in publicity.gated}
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


@transaction.atomic
def case_record_step(
    *,
    actor,
    case: DevelopmentCase,
    step: str,
    on: datetime.date,
    body: str = "",
    decision: str = "",
    meeting_ref: str = "",
    months: int | None = None,
    training_days=None,
    training_hours=None,
    vote: dict | None = None,
    passed: bool | None = None,
    people: list[Person] | None = None,
    conclusion: str = "",
    documents=(),
    publicity_opens_on: datetime.date | None = None,
    now: datetime.datetime,
) -> StepRecord:
    """Record one decision or event of a case. Locked, idempotent for the same actor and content, audited.

    ``now``: the moment of recording (a publicity notice it opens is published then); its local date is "today",
    after which no decision can be dated.
    """
    today = timezone.localdate(now)
    locked = DevelopmentCase.objects.select_for_update().get(pk=case.pk)
    case = case_prefetched(DevelopmentCase.objects.filter(pk=locked.pk)).get()
    _check_actor(actor, case, step)
    existing = next((r for r in case.records.all() if r.step == step and step not in REPEATED), None)
    if existing is not None:
        if existing.on == on and existing.entered_by_id == getattr(actor, "pk", None) and existing.decision == decision:
            return existing
        raise StepConflict(
            _("“%(step)s” was already recorded for %(date)s by %(who)s. Reload the case to see it.")
            % {"step": existing.get_step_display(), "date": existing.on, "who": existing.entered_by or _("the system")}
        )
    if not case.is_open and step != "archived":
        raise ValidationError(_("The case is closed (%(stage)s).") % {"stage": case.get_stage_display()})
    _check_date(on, today)
    rules = _rules(case)
    facts = case_facts(case, today=today)
    _check_sequence(case=case, step=step, on=on, facts=facts, rules=rules)
    _check_publicity(case=case, step=step, today=today)
    if step == "admission_approved" and body and body != DecidingBody.BASE_COMMITTEE:
        raise ValidationError(_explain(WarningCode.NOT_COMMITTEE, rules, None, None))

    # the new fact, checked against the rules before anything is written
    if step in REPEATED:
        facts.repeated.setdefault(step, []).append(on)
    elif step == "probation_extended":
        facts.extensions.append(months or 0)
    elif step in STEP_BY_CODE:
        facts.steps[step] = on
    if step == "training_completed":
        if training_days is None and training_hours is None:
            raise ValidationError(_("Enter the length of the training in days or class hours."))
        facts.training_days, facts.training_hours = float(training_days or 0), float(training_hours or 0)
    vote_counts = None
    if step in MEETING_STEPS:
        vote_counts = _vote(case=case, step=step, on=on, counts=vote, passed_claim=passed)
        if step != "probation_extended":
            facts.votes[step] = vote_counts
    if step == "probation_extended":
        if months is None:
            raise ValidationError(_("Enter by how many months the probation is extended."))
        if not vote_counts.passed:
            raise ValidationError(_("The extension needs a passed resolution of the branch general meeting (§31)."))
        step_for_rules = "conversion_meeting"
        facts.steps.pop("conversion_meeting", None)
        _check_rules(case=case, step=step_for_rules, facts=facts, rules=rules, today=today)
    elif step in STEP_BY_CODE:
        _check_rules(case=case, step=step, facts=facts, rules=rules, today=today)
    if step == "conversion_postponed" and (months or 0) + facts.postponed_months > rules.transfer_postpone_max_months:
        raise ValidationError(
            _("After a transfer the discussion may be postponed by at most %(n)s months (§35).")
            % {"n": rules.transfer_postpone_max_months}
        )
    role = {"contacts_assigned": CaseRole.CONTACT, "sponsors_assigned": CaseRole.SPONSOR}.get(step)
    if role is not None:
        choices = [PersonChoice(p, on) for p in (people or [])]
        _check_people(case=case, rules=rules, role=role, choices=choices, on=on)
    if step == "political_review" and not conclusion.strip():
        raise ValidationError(_("A political review needs its written conclusion (§16)."))

    user = actor if getattr(actor, "is_authenticated", False) else None
    later_exists = any(r.on > on for r in case.records.all())
    record = StepRecord.objects.create(
        case=locked,
        step=step,
        on=on,
        body=body or (STEP_BY_CODE[step].body if step in STEP_BY_CODE else "") or "",
        decision=decision,
        meeting_ref=meeting_ref,
        months=months,
        training_days=training_days,
        training_hours=training_hours,
        entered_by=user,
        after_the_fact=_late(on, today) or later_exists,
    )
    if documents:
        record.documents.set(documents)
    if vote_counts is not None:
        Vote.objects.create(
            record=record,
            due=vote_counts.due,
            due_computed=vote_counts.due,
            present=vote_counts.present,
            yes=vote_counts.yes,
            no=vote_counts.no,
            abstain=vote_counts.abstain,
            written_yes=vote_counts.written_yes,
            written_no=vote_counts.written_no,
            quorum=vote_counts.quorum,
            passed=vote_counts.passed,
        )
    if role is not None:
        CasePerson.objects.bulk_create(CasePerson(case=locked, person=p, role=role, since=on) for p in people)
    if step == "political_review":
        PoliticalReview.objects.create(case=locked, concluded_on=on, conclusion=conclusion.strip(), entered_by=user)

    old_stage = locked.stage
    new_stage = _stage_after(locked, step, vote_counts)
    if new_stage != old_stage:
        locked.stage = new_stage
        if new_stage not in OPEN_STAGES:
            locked.closed_on = on
        locked.save(update_fields=["stage", "closed_on"])
        _status_after(actor, locked, new_stage, on, facts, rules)
    audit_record(
        actor=actor,
        action="lifecycle.step_recorded",
        target=locked,
        node=locked.branch,
        changes={
            "step": [None, step],
            "on": [None, on],
            **({"stage": [old_stage, new_stage]} if new_stage != old_stage else {}),
        },
        note=decision[:500],
    )
    publicity = PUBLICITY_STEP_FOR.get(step)
    passed_if_vote = vote_counts is None or vote_counts.passed
    if publicity and getattr(rules, PUBLICITIES[publicity].flag) and passed_if_vote and locked.is_open:
        opens_on = publicity_opens_on or (on if _late(on, today) else today)
        titles = {
            "candidate_publicity": _("Publicity: %(person)s proposed as development candidate"),
            "admission_publicity": _("Publicity: %(person)s proposed for admission as probationary member"),
            "conversion_publicity": _("Publicity: %(person)s proposed for full membership"),
        }
        notice = notice_open_for_step(
            actor=actor,
            case=locked,
            step=publicity,
            opens_on=opens_on,
            working_days=rules.publicity_working_days,
            title=titles[publicity] % {"person": locked.person.name},
            now=now,
        )
        StepRecord.objects.create(
            case=locked,
            step=publicity,
            on=opens_on,
            body=DecidingBody.BASE_COMMITTEE,
            decision=_("Publicity from %(start)s to %(end)s.") % {"start": notice.opens_on, "end": notice.closes_on},
            entered_by=user,
        )
    _refresh(locked, today)
    return record


def _stage_after(case, step: str, vote: VoteCounts | None) -> str:
    if step in ("admission_meeting", "conversion_meeting") and vote is not None and not vote.passed:
        return Stage.NOT_ADMITTED if step == "admission_meeting" else Stage.CANCELLED
    terminal = {
        "withdrawn": Stage.WITHDRAWN,
        "not_admitted": Stage.NOT_ADMITTED,
        "cancelled": Stage.CANCELLED,
        "transferred_out": Stage.TRANSFERRED_OUT,
        "deceased": Stage.DECEASED,
    }
    if step in terminal:
        return terminal[step]
    spec = STEP_BY_CODE.get(step)
    return spec.moves_to if spec and spec.moves_to else case.stage


def _status_after(actor, case, stage: str, on: datetime.date, facts, rules: Rules) -> None:
    person = Person.objects.select_for_update().get(pk=case.person_id)
    status = STATUS_FOR_STAGE.get(stage)
    if stage == Stage.PROBATIONARY:
        # §31: probation counts from the branch general meeting's resolution
        _set_status(actor, person, status, joined_on=facts.steps.get("admission_meeting"))
    elif stage == Stage.FULL:
        # §33: Party standing counts from the day probation ends
        from .plan import compute_plan as _plan

        plan = _plan(rules=rules, facts=facts, calendar=calendar_load(start=case.opened_on))
        _set_status(actor, person, status, full_member_on=plan.probation_end)
    elif status is not None:
        _set_status(actor, person, status)


def _store_plan(case: DevelopmentCase, plan) -> bool:
    """Store the next due date and the warnings of a case, for lists, filters and reminders; True if changed."""
    upcoming = [(s.latest or s.reference, s.code) for s in plan.steps if s.actual is None and (s.latest or s.reference)]
    next_due, next_step = min(upcoming) if upcoming and case.is_open else (None, "")
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
    if case.next_due_on != next_due or case.next_due_step != next_step:
        DevelopmentCase.objects.filter(pk=case.pk).update(next_due_on=next_due, next_due_step=next_step)
        case.next_due_on, case.next_due_step = next_due, next_step
        changed = True
    return changed


def _refresh(case: DevelopmentCase, today: datetime.date) -> None:
    from .selectors import case_plan

    fresh = case_prefetched(DevelopmentCase.objects.filter(pk=case.pk)).get()
    _store_plan(fresh, case_plan(fresh, today=today))


def case_refresh_all(*, today: datetime.date, batch: int = 500) -> int:
    """Sweep: recompute the stored warnings of open cases (dates pass, so overdue changes without any write).

    Batches of ``batch`` cases, a fixed number of queries per batch; returns how many cases changed.
    """
    from .selectors import case_plan

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
    """A person hands in a thought report or the application for full membership, with its document."""
    from apps.documents.services import document_upload

    today = timezone.localdate(now)
    if kind not in SELF_SERVICE_STEPS:
        raise ValidationError(_("This cannot be handed in here."))
    if case.person.user_id != getattr(actor, "pk", None) and not covers(actor, MANAGE_PEOPLE, case.branch.path):
        raise PermissionDenied(_("You can only hand in documents for your own case."))
    titles = {
        "thought_report": _("Thought report of %(date)s"),
        "conversion_applied": _("Application for full membership"),
    }
    document = document_upload(
        actor=actor, person=case.person, uploaded=uploaded, title=titles[kind] % {"date": today}, now=now
    )
    return case_record_step(actor=actor, case=case, step=kind, on=today, documents=[document], now=now)
