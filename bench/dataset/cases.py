"""The development cases of one base committee: each with its records, votes, contacts and sponsors, archive
documents and publicity notice; the plan of each open case gives its stored warnings and next deadline, as the
nightly refresh would."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from apps.disclosure.models import NoticeKind, Outcome, Scope
from apps.lifecycle.models import CaseRole
from apps.lifecycle.plan import REPEATED, Facts, PublicityFacts, VoteCounts, compute_plan
from apps.lifecycle.steps import ARCHIVE_DOCUMENT_FOR_STEP, OPEN_STAGES, STEP_BY_CODE

from . import shape
from .notices import publish, window_status
from .run import Run

D = datetime.timedelta
DOCUMENT_SHARE = 0.9  # archive documents (§36) attached to the records that need one; the rest: documents_missing
OBJECTION_SHARE = 0.01  # publicity notices with an objection (resolved: unfounded)
MEETINGS = ("admission_meeting", "conversion_meeting")
HELPERS = {"contacts_assigned": CaseRole.CONTACT, "sponsors_assigned": CaseRole.SPONSOR}


def cases(run: Run, committee: dict, branches, by_branch: dict[int, list[dict]]) -> None:
    """Each case with its records, votes, contacts and sponsors, archive documents and publicity notice; the
    plan of each open case gives its stored warnings and next deadline, as the nightly refresh would."""
    opened = 0
    for node, _bp in branches:
        people = by_branch[node["id"]]
        full = [p["id"] for p in people if p["political_status"] == "full"]
        todo = [(p, stage) for p in people if (stage := _stage_for(run, p))]
        for (person, stage), pk in zip(todo, run.t.case.ids(len(todo)), strict=True):
            opened += _case(run, pk, person, stage, node, full)
    run.open_by_committee[committee["id"]] = opened


def _stage_for(run: Run, person: dict) -> str | None:
    status = person["political_status"]
    if status in ("applicant", "activist", "candidate", "probationary"):
        return status
    if status == "full" and person["joined_on"] >= run.today - D(days=shape.CLOSED_FULL_YEARS * 365):
        return "full"
    if status == "masses" and run.rng.random() < shape.WITHDRAWN_SHARE:
        return "withdrawn"
    return None


@dataclass
class _Case:
    pk: int
    person: dict
    branch: dict
    full: list[int]  # the full members of the branch: voters, contacts and sponsors
    facts: Facts  # what the plan will read, gathered as the records are written

    @property
    def others(self) -> list[int]:
        return [p for p in self.full if p != self.person["id"]] or self.full


def _case(run: Run, pk: int, person: dict, stage: str, branch: dict, full: list[int]) -> bool:
    steps = shape.history(run.rng, stage, run.today, person["joined_on"])
    is_open = stage in OPEN_STAGES
    closed = None if is_open else next(d for s, d in steps if s in ("conversion_approved", "withdrawn"))
    row = {
        "id": pk,
        "person_id": person["id"],
        "branch_id": branch["id"],
        "rule_set_id": run.rule_set.pk,
        "stage": stage,
        "opened_on": steps[0][1],
        "closed_on": closed,
        "created_at": run.now,
    }
    case = _Case(pk, person, branch, full, Facts(birth_date=person["birth_date"], today=run.today))
    for (step, day), record in zip(steps, run.t.record.ids(len(steps)), strict=True):
        _record(run, case, step, day, record)
    if is_open:
        row.update(_stored_plan(run, case))
    run.t.case.add(row)
    run.totals.cases[stage] += 1
    run.totals.records += len(steps)
    return is_open


def _record(run: Run, case: _Case, step: str, day: datetime.date, record: int) -> None:
    """One step record and what comes with it: the vote of a meeting, contacts or sponsors, a publicity notice,
    the archive document."""
    body = (STEP_BY_CODE[step].body or "") if step in STEP_BY_CODE else ""
    training_days = 3 if step == "training_completed" else None
    run.t.record.add(
        {
            "id": record,
            "case_id": case.pk,
            "step": step,
            "on": day,
            "body": body,
            "after_the_fact": True,
            "training_days": training_days,
            "entered_at": run.now,
        }
    )
    facts = case.facts
    if step in REPEATED:
        facts.repeated.setdefault(step, []).append(day)
    else:
        facts.steps.setdefault(step, day)
    if step in MEETINGS:
        counts = _vote_counts(run, len(case.full))
        run.t.vote.add(
            {
                "record_id": record,
                "due_computed": counts.due,
                "quorum": counts.quorum,
                "passed": counts.passed,
                **vars(counts),
            }
        )
        facts.votes[step] = counts
    elif step == "training_completed":
        facts.training_days, facts.training_hours = float(training_days), 0.0
    elif step == "admission_approved":
        facts.approved_by_committee = body == "base_committee"
    elif step in HELPERS:
        role = HELPERS[step]
        count = run.rng.choice((1, 2, 2)) if role == CaseRole.CONTACT else run.rules.sponsors_required
        chosen = run.rng.sample(case.others, min(count, len(case.others)))
        for helper in chosen:
            run.t.helper.add({"case_id": case.pk, "person_id": helper, "role": role, "since": day})
        setattr(facts, "contacts" if role == CaseRole.CONTACT else "sponsors", len(chosen))
    elif step == "candidate_publicity":
        closes = _publicity(run, case, day)
        facts.publicity[step] = PublicityFacts(opened_on=day, closes_on=closes)
    if step in ARCHIVE_DOCUMENT_FOR_STEP:
        if run.rng.random() < DOCUMENT_SHARE:
            _document(run, record, case, step, day)
        else:
            facts.missing_documents.append(step)


def _stored_plan(run: Run, case: _Case) -> dict:
    """The warnings and the next deadline that lifecycle services' ``_store_plan`` keeps for an open case: the
    earliest limit or reference date of a step not taken."""
    plan = compute_plan(rules=run.rules, facts=case.facts, calendar=run.calendar)
    for code, step in plan.warnings:
        run.t.warning.add({"case_id": case.pk, "code": code, "step": step})
    run.totals.warnings += len(plan.warnings)
    upcoming = [(s.latest or s.reference, s.code) for s in plan.steps if s.actual is None and (s.latest or s.reference)]
    next_due, next_step = min(upcoming) if upcoming else (None, "")
    return {"next_due_on": next_due, "next_due_step": next_step}


def _vote_counts(run: Run, full_members: int) -> VoteCounts:
    due = max(full_members, 3)
    present = max(due // 2 + 1, round(due * run.rng.uniform(0.75, 0.95)))
    no = run.rng.randint(0, present // 10)
    return VoteCounts(due=due, present=present, yes=present - no, no=no)


def _document(run: Run, record: int, case: _Case, step: str, day: datetime.date) -> None:
    digest = hashlib.sha256(f"{record}:{step}".encode()).hexdigest()
    (pk,) = run.t.document.ids(1)
    run.t.document.add(
        {
            "id": pk,
            "node_id": case.branch["id"],
            "person_id": case.person["id"],
            "title": str(STEP_BY_CODE[step].label),
            "file": f"documents/{day:%Y/%m}/{digest[:32]}",
            "original_name": f"{step}.pdf",
            "content_type": "application/pdf",
            "size": 40_000 + int(digest[:4], 16),
            "sha256": digest,
            "sensitive": step == "political_review",
            "uploaded_at": run.now,
        }
    )
    run.t.attached.add({"steprecord_id": record, "document_id": pk})
    run.totals.documents += 1


def _publicity(run: Run, case: _Case, day: datetime.date) -> datetime.date:
    """The 公示 of a candidate (its window in working days) with its published version; returns its last day."""
    closes, provisional = run.calendar.add_working_days(day, run.rules.publicity_working_days)
    name = case.person["name"]
    notice = {
        "node_id": case.branch["id"],
        "kind": NoticeKind.LIFECYCLE,
        "category_id": run.categories["development"].pk,
        "scope": Scope.UNIT,
        "status": window_status(run, closes, 30),
        "title": f"关于{name}同志列为发展对象的公示",
        "content": f"<p>经支部委员会研究并报上级党委同意，拟将{name}同志列为发展对象，现予公示。</p>",
        "case_id": case.pk,
        "step": "candidate_publicity",
        "opens_on": day,
        "closes_on": closes,
        "working_days": run.rules.publicity_working_days,
        "provisional": provisional,
    }
    pk = publish(run, [notice])[0]
    if run.rng.random() < OBJECTION_SHARE:
        run.t.objection.add(
            {
                "notice_id": pk,
                "received_on": day + D(days=1),
                "content": "对该同志的表现有不同意见。",
                "due_on": day + D(days=15),
                "outcome": Outcome.UNFOUNDED,
                "resolved_on": day + D(days=8),
                "resolution": "经核实，反映问题不属实。",
            }
        )
    return closes
