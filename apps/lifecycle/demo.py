"""Demo development cases for the people that ``seed_demo`` puts in the pipeline: consistent dates, the records a
real case would have at its stage, a few deliberate slips (a late talk, a missing evaluation) for the warnings."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from apps.disclosure.models import Notice
from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode
from apps.people.choices import PoliticalStatus
from apps.people.models import Person
from apps.workdays.selectors import calendar_load

from .models import CasePerson, CaseRole, DevelopmentCase, RuleSet, StepRecord, Vote
from .steps import STEP_BY_CODE, Stage

STAGE_OF = {
    PoliticalStatus.APPLICANT: Stage.APPLICANT,
    PoliticalStatus.ACTIVIST: Stage.ACTIVIST,
    PoliticalStatus.CANDIDATE: Stage.CANDIDATE,
    PoliticalStatus.PROBATIONARY: Stage.PROBATIONARY,
}
D = datetime.timedelta


def _steps_for(stage: str, today: datetime.date, rng: random.Random, joined_on: datetime.date | None):
    """(step, date) pairs in order for a case at ``stage`` today."""
    if stage == Stage.PROBATIONARY and joined_on:
        meeting = joined_on
        application = meeting - D(days=rng.randrange(620, 800))
    elif stage == Stage.CANDIDATE:
        application = today - D(days=rng.randrange(480, 640))
    elif stage == Stage.ACTIVIST:
        application = today - D(days=rng.randrange(130, 460))
    else:
        application = today - D(days=rng.randrange(3, 120))
    steps = [("application_received", application)]
    talk = application + D(days=rng.randrange(7, 26))
    if stage == Stage.APPLICANT:
        if talk <= today and rng.random() > 0.15:  # some talks not yet recorded: talk_overdue
            steps.append(("applicant_talk", talk))
        return steps
    activist = talk + D(days=rng.randrange(60, 100))
    steps += [
        ("applicant_talk", talk),
        ("activist_designated", activist),
        ("contacts_assigned", activist),
        ("activist_filed", activist + D(days=10)),
    ]
    evaluation = activist + relativedelta(months=6)
    limit = today if stage == Stage.ACTIVIST else activist + relativedelta(months=12)
    while evaluation <= limit and rng.random() > 0.05:
        steps.append(("activist_evaluation", evaluation))
        evaluation += relativedelta(months=6)
    if stage == Stage.ACTIVIST:
        return steps
    candidate = activist + relativedelta(months=12) + D(days=rng.randrange(1, 30))
    if stage == Stage.CANDIDATE:
        candidate = min(candidate, today - D(days=15))
        steps += [("candidate_designated", candidate), ("candidate_publicity", candidate + D(days=2))]
        if candidate + D(days=20) <= today:
            steps.append(("sponsors_assigned", candidate + D(days=20)))
        if candidate + D(days=45) <= today:
            steps.append(("political_review", candidate + D(days=45)))
        return steps
    # probationary: the admission meeting was on joined_on
    prereview = meeting - D(days=rng.randrange(10, 25))
    steps += [
        ("candidate_designated", candidate),
        ("candidate_publicity", candidate + D(days=2)),
        ("sponsors_assigned", candidate + D(days=20)),
        ("political_review", candidate + D(days=40)),
        ("training_completed", candidate + D(days=50)),
        ("committee_review", prereview - D(days=10)),
        ("prereview_passed", prereview),
        ("application_form", prereview + D(days=3)),
        ("admission_meeting", meeting),
        ("committee_talk", meeting + D(days=10)),
        ("admission_approved", meeting + D(days=rng.randrange(20, 60))),
    ]
    approved = steps[-1][1]
    steps += [
        ("placed_in_branch", approved + D(days=5)),
        ("oath_taken", approved + D(days=rng.randrange(5, 28))),
        ("admission_filed", approved + D(days=14)),
    ]
    return [(s, d) for s, d in steps if d <= today]


def seed_cases(*, rng: random.Random, today: datetime.date) -> int:
    """Create a case with its records for everyone in the pipeline; returns how many cases were made."""
    rule_set = RuleSet.objects.get(is_default=True)
    people = list(Person.objects.filter(political_status__in=list(STAGE_OF)).select_related("node").order_by("pk"))
    branches = {n.path: n for n in OrgNode.objects.filter(kind=NodeKind.BRANCH)}
    branch_of = {}
    for person in people:
        path = person.node.path
        branch_of[person.pk] = branches.get(path) or branches[path[: -person.node.steplen]]
    full = list(Person.objects.filter(political_status=PoliticalStatus.FULL).values_list("pk", "node__path"))
    full_by_branch = defaultdict(list)
    for path in branches:
        full_by_branch[path] = [pk for pk, node_path in full if node_path.startswith(path)]
    calendar = calendar_load()
    cases, plans = [], []
    for person in people:
        stage = STAGE_OF[person.political_status]
        branch = branch_of[person.pk]
        steps = _steps_for(stage, today, rng, person.joined_on)
        cases.append(
            DevelopmentCase(person=person, branch=branch, rule_set=rule_set, stage=stage, opened_on=steps[0][1])
        )
        plans.append((branch, steps))
    DevelopmentCase.objects.bulk_create(cases, batch_size=2000)
    records, helpers, notices, votes_for = [], [], [], []
    for case, (branch, steps) in zip(cases, plans, strict=True):
        members = full_by_branch.get(branch.path) or [None]
        for step, day in steps:
            records.append(
                StepRecord(
                    case=case,
                    step=step,
                    on=day,
                    body=STEP_BY_CODE[step].body or "",
                    after_the_fact=True,
                    training_days=3 if step == "training_completed" else None,
                )
            )
            if step == "contacts_assigned" and members[0]:
                helpers.append(CasePerson(case=case, person_id=rng.choice(members), role=CaseRole.CONTACT, since=day))
            if step == "sponsors_assigned" and len(members) >= 2:
                for sponsor in rng.sample(members, 2):
                    helpers.append(CasePerson(case=case, person_id=sponsor, role=CaseRole.SPONSOR, since=day))
            if step == "candidate_publicity":
                closes, provisional = calendar.add_working_days(day, rule_set.publicity_working_days)
                notices.append(
                    Notice(
                        node=branch,
                        title=f"关于{case.person.name}同志列为发展对象的公示",
                        case=case,
                        step=step,
                        opens_on=day,
                        closes_on=closes,
                        working_days=5,
                        provisional=provisional,
                    )
                )
            if step == "admission_meeting":
                votes_for.append((len(records) - 1, len([m for m in members if m])))
    StepRecord.objects.bulk_create(records, batch_size=5000)
    CasePerson.objects.bulk_create(helpers, batch_size=5000, ignore_conflicts=True)
    Notice.objects.bulk_create(notices, batch_size=2000)
    votes = []
    for index, due in votes_for:
        due = max(due, 3)
        present = max(due * 2 // 3, due // 2 + 1)
        votes.append(
            Vote(
                record=records[index], due=due, due_computed=due, present=present, yes=present, quorum=True, passed=True
            )
        )
    Vote.objects.bulk_create(votes, batch_size=5000)
    return len(cases)
