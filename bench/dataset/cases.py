"""The development cases of one base committee: each with its records, votes, contacts and sponsors, archive
documents and publicity notice; the plan of each open case gives its stored warnings and next deadline, as the
nightly refresh would."""

from __future__ import annotations

import datetime
import hashlib

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


def _case(run: Run, pk: int, person: dict, stage: str, branch: dict, full: list[int]) -> bool:
    rng, t = run.rng, run.t
    steps = shape.history(rng, stage, run.today, person["joined_on"])
    is_open = stage in OPEN_STAGES
    closed = None if is_open else next(d for s, d in steps if s in ("conversion_approved", "withdrawn"))
    case = {
        "id": pk,
        "person_id": person["id"],
        "branch_id": branch["id"],
        "rule_set_id": run.rule_set.pk,
        "stage": stage,
        "opened_on": steps[0][1],
        "closed_on": closed,
        "created_at": run.now,
    }
    facts = Facts(birth_date=person["birth_date"], today=run.today)
    others = [p for p in full if p != person["id"]] or full
    for (step, day), record in zip(steps, t.record.ids(len(steps)), strict=True):
        body = (STEP_BY_CODE[step].body or "") if step in STEP_BY_CODE else ""
        t.record.add(
            {
                "id": record,
                "case_id": pk,
                "step": step,
                "on": day,
                "body": body,
                "after_the_fact": True,
                "training_days": 3 if step == "training_completed" else None,
                "entered_at": run.now,
            }
        )
        if step in REPEATED:
            facts.repeated.setdefault(step, []).append(day)
        else:
            facts.steps.setdefault(step, day)
        if step in MEETINGS:
            counts = _vote_counts(run, len(full))
            t.vote.add(
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
            facts.training_days, facts.training_hours = 3.0, 0.0
        elif step == "admission_approved":
            facts.approved_by_committee = True
        elif step in ("contacts_assigned", "sponsors_assigned"):
            role = CaseRole.CONTACT if step == "contacts_assigned" else CaseRole.SPONSOR
            chosen = rng.sample(others, min(rng.choice((1, 2, 2)) if role == CaseRole.CONTACT else 2, len(others)))
            for helper in chosen:
                t.helper.add({"case_id": pk, "person_id": helper, "role": role, "since": day})
            if role == CaseRole.CONTACT:
                facts.contacts = len(chosen)
            else:
                facts.sponsors = len(chosen)
        elif step == "candidate_publicity":
            closes = _publicity(run, pk, person, branch, day)
            facts.publicity[step] = PublicityFacts(opened_on=day, closes_on=closes)
        if step in ARCHIVE_DOCUMENT_FOR_STEP:
            if rng.random() < DOCUMENT_SHARE:
                _document(run, record, person, branch, step, day)
            else:
                facts.missing_documents.append(step)
    if is_open:
        plan = compute_plan(rules=run.rules, facts=facts, calendar=run.calendar)
        # what lifecycle services' _store_plan keeps: the earliest limit or reference date of a step not taken
        upcoming = [
            (s.latest or s.reference, s.code) for s in plan.steps if s.actual is None and (s.latest or s.reference)
        ]
        case["next_due_on"], case["next_due_step"] = min(upcoming) if upcoming else (None, "")
        for code, step in plan.warnings:
            t.warning.add({"case_id": pk, "code": code, "step": step})
        run.totals.warnings += len(plan.warnings)
    t.case.add(case)
    run.totals.cases[stage] += 1
    run.totals.records += len(steps)
    return is_open


def _vote_counts(run: Run, full_members: int) -> VoteCounts:
    due = max(full_members, 3)
    present = max(due // 2 + 1, round(due * run.rng.uniform(0.75, 0.95)))
    no = run.rng.randint(0, present // 10)
    return VoteCounts(due=due, present=present, yes=present - no, no=no)


def _document(run: Run, record: int, person: dict, branch: dict, step: str, day: datetime.date) -> None:
    digest = hashlib.sha256(f"{record}:{step}".encode()).hexdigest()
    (pk,) = run.t.document.ids(1)
    run.t.document.add(
        {
            "id": pk,
            "node_id": branch["id"],
            "person_id": person["id"],
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


def _publicity(run: Run, case: int, person: dict, branch: dict, day: datetime.date) -> datetime.date:
    closes, provisional = run.calendar.add_working_days(day, run.rules.publicity_working_days)
    name = person["name"]
    notice = {
        "node_id": branch["id"],
        "kind": NoticeKind.LIFECYCLE,
        "category_id": run.categories["development"].pk,
        "scope": Scope.UNIT,
        "status": window_status(run, closes, 30),
        "title": f"关于{name}同志列为发展对象的公示",
        "content": f"<p>经支部委员会研究并报上级党委同意，拟将{name}同志列为发展对象，现予公示。</p>",
        "case_id": case,
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
