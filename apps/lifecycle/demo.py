"""Demo development cases: one for everyone in the pipeline, with the records a real case has at its stage and
consistent dates, plus cases that ended (full members of the last years, a withdrawal, a candidate not admitted).

What a newcomer should find, beyond the bulk:
- in ``SHOWCASE_BRANCH``, an activist designated 13 months ago (contacts, filing, evaluations): the secretary can
  record the designation as development candidate now; and a candidate whose 公示 is open, with an objection and
  its answer (from the demo member to the branch secretary);
- the §36 archive papers attached to the completed steps, save a few left missing on purpose, so the compliance
  audit shows a few real findings; thought reports handed in, one by the demo applicant through the portal's
  service; a few deliberate slips (a late talk, a missing evaluation) for the warnings.

Records, helpers, votes and documents are written in bulk (ADR 5: the demo's rows are fixtures, not anyone's
decisions); the 公示 of each case is opened through ``notice_open_for_step``, so every notice on the boards has its
published version in the archive chain (beyond ``PUBLICITY_BY_SERVICE_AT_MOST`` of them, in the benchmarks' data
sets, as fixtures chained the same way: ``apps.disclosure.demo.publicity_bulk``).
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.disclosure.demo import answer_objection, publicity_bulk
from apps.disclosure.services import notice_open_for_step
from apps.documents.demo import demo_file, document_row, pdf_bytes
from apps.documents.models import Document
from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode
from apps.people.choices import PoliticalStatus
from apps.people.demo import LARGEST_BRANCH
from apps.people.models import Person
from apps.workdays.selectors import calendar_load

from .models import CasePerson, CaseRole, DevelopmentCase, RuleSet, StepRecord, Vote
from .publicity import publicity_content
from .services import case_submit
from .steps import ARCHIVE_DOCUMENT_FOR_STEP, KIND_BY_CODE, Stage

STAGE_OF = {
    PoliticalStatus.APPLICANT: Stage.APPLICANT,
    PoliticalStatus.ACTIVIST: Stage.ACTIVIST,
    PoliticalStatus.CANDIDATE: Stage.CANDIDATE,
    PoliticalStatus.PROBATIONARY: Stage.PROBATIONARY,
}
D = datetime.timedelta
SHOWCASE_BRANCH = LARGEST_BRANCH
# The demo member objects to the open 公示; the branch secretary answers (the committee's organiser when the 公示 is
# another branch's); the demo applicant hands in a report.
REPORTER, HANDLER, COMMITTEE_HANDLER, APPLICANT = "dangyuan", "shuji_yichejian", "zuzhiyuan", "shenqingren"
PEOPLE_AT_THE_OBJECTION = (REPORTER, HANDLER, COMMITTEE_HANDLER)
# Up to this many 公示 open through the disclosure service, one by one; more (the benchmarks' data sets) as fixtures.
PUBLICITY_BY_SERVICE_AT_MOST = 1000
# Roughly one archive paper in this many is left missing, for the compliance audit to find.
MISSING_PAPER_ONE_IN = 25
# Full members of the last years whose case is shown as completed: one for this many open cases.
COMPLETED_ONE_IN = 8
READY = "ready"  # the showcase activist, ready to be designated development candidate
READY_MONTHS = 13  # since the showcase activist was designated (the rules ask for a year)
PUBLICITY = "publicity"  # the showcase candidate whose 公示 is open
OBJECTION = "该同志在集中培训期间有两天未参加学习，是否符合列为发展对象的条件？"
ANSWER = "感谢您的监督。经核实，该同志按规定请假并已补学，培训学时符合要求，公示继续进行。"
# The papers of the demo's documents, by kind (``steps.ARCHIVE_DOCUMENTS``) and the thought report.
PAPERS = {
    "application_letter": "入党申请书",
    "activist_register": "入党积极分子培养考察登记表",
    "political_review": "政治审查材料",
    "application_form": "入党志愿书",
    "probation_register": "预备党员教育考察登记表",
    "conversion_letter": "转正申请书",
    "thought_report": "思想汇报",
}


@dataclass
class _Plan:
    """One case to create: the person, the branch, the stage, its records in order, and how it ended."""

    person: Person
    branch: OrgNode
    stage: str
    steps: list[tuple[str, datetime.date]]
    closed_on: datetime.date | None = None
    case: DevelopmentCase | None = None
    records: list[StepRecord] = field(default_factory=list)


def _activist_steps(
    application: datetime.date, rng: random.Random, *, activist=None, evaluations_until=None, every=True
):
    """Application, talk, designation as activist (on ``activist`` if given), contacts, filing and the half-yearly
    evaluations (until ``evaluations_until``, else for the first year); now and then one missing, unless ``every``."""
    talk = application + D(days=rng.randrange(7, 26))
    activist = activist or talk + D(days=rng.randrange(60, 100))
    steps = [
        ("application_received", application),
        ("applicant_talk", talk),
        ("activist_designated", activist),
        ("contacts_assigned", activist),
        ("activist_filed", activist + D(days=10)),
    ]
    evaluation = activist + relativedelta(months=6)
    limit = evaluations_until or activist + relativedelta(months=12)
    while evaluation <= limit and (every or rng.random() > 0.05):  # a missing one: evaluation_overdue
        steps.append(("activist_evaluation", evaluation))
        evaluation += relativedelta(months=6)
    return steps


def _candidate_steps(candidate: datetime.date, rng: random.Random, *, every=False):
    """The activist's steps and the designation as development candidate on ``candidate``, with its 公示."""
    application = candidate - relativedelta(months=13) - D(days=110)
    steps = _activist_steps(application, rng, evaluations_until=candidate - D(days=1), every=every)
    return [*steps, ("candidate_designated", candidate), ("candidate_publicity", candidate + D(days=1))]


def _probationary_steps(meeting: datetime.date, rng: random.Random, today: datetime.date):
    """The steps from the application to the admission, for someone admitted at a branch meeting on ``meeting``,
    and the probation's evaluations so far."""
    prereview = meeting - D(days=rng.randrange(10, 25))
    candidate = prereview - D(days=rng.randrange(90, 150))
    steps = _candidate_steps(candidate, rng)
    steps += [
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
    evaluation = meeting + relativedelta(months=6)
    while evaluation <= today and evaluation < meeting + relativedelta(months=12) and rng.random() > 0.05:
        steps.append(("probation_evaluation", evaluation))
        evaluation += relativedelta(months=6)
    return [(s, d) for s, d in steps if d <= today]


def _steps_for(stage: str, today: datetime.date, rng: random.Random, person: Person, variant: str = ""):
    """(step, date) pairs in order for a case at ``stage`` today."""
    if stage == Stage.PROBATIONARY and person.joined_on:
        return _probationary_steps(person.joined_on, rng, today)
    if variant == READY:  # designated activist 13 months ago, evaluated twice: the candidate designation is due
        activist = today - relativedelta(months=READY_MONTHS)
        return _activist_steps(activist - D(days=110), rng, activist=activist, evaluations_until=today)
    if variant == PUBLICITY:  # designated candidate three days ago: the 公示 opened the day after is open today
        return _candidate_steps(today - D(days=3), rng, every=True)
    if stage == Stage.CANDIDATE:
        candidate = today - D(days=rng.randrange(15, 120))
        steps = _candidate_steps(candidate, rng)
        if candidate + D(days=20) <= today:
            steps.append(("sponsors_assigned", candidate + D(days=20)))
        if candidate + D(days=45) <= today:
            steps.append(("political_review", candidate + D(days=45)))
        return steps
    if stage == Stage.ACTIVIST:
        steps = _activist_steps(today - D(days=rng.randrange(130, 460)), rng, evaluations_until=today, every=False)
        return [(s, d) for s, d in steps if d <= today]
    application = today - D(days=rng.randrange(3, 120))
    steps = [("application_received", application)]
    talk = application + D(days=rng.randrange(7, 26))
    if talk <= today and rng.random() > 0.15:  # some talks not yet recorded: talk_overdue
        steps.append(("applicant_talk", talk))
    return steps


def _completed_steps(person: Person, rng: random.Random, today: datetime.date):
    """A case that ended in full membership: admitted on ``joined_on``, full member from ``full_member_on``."""
    steps = _probationary_steps(person.joined_on, rng, today)
    steps = [(s, d) for s, d in steps if s != "probation_evaluation"]
    steps += [("probation_evaluation", person.joined_on + relativedelta(months=6))]
    meeting = person.full_member_on + D(days=rng.randrange(0, 20))
    approved = meeting + D(days=rng.randrange(15, 50))
    steps += [
        ("conversion_applied", person.full_member_on - D(days=rng.randrange(20, 40))),
        ("conversion_meeting", meeting),
        ("conversion_approved", approved),
        ("archived", approved + D(days=30)),
    ]
    return [(s, d) for s, d in steps if d <= today], approved


def _plans(*, rng: random.Random, today: datetime.date, branch_of) -> list[_Plan]:
    """The cases to create: the pipeline (with the showcase), the completed ones, a withdrawal and a refusal."""
    pipeline = list(Person.objects.filter(political_status__in=list(STAGE_OF)).select_related("node").order_by("pk"))
    showcase = _showcase(pipeline, branch_of)
    plans = []
    for person in pipeline:
        stage = STAGE_OF[person.political_status]
        steps = _steps_for(stage, today, rng, person, showcase.get(person.pk, ""))
        plans.append(_Plan(person, branch_of(person), stage, steps))
    recent = (
        Person.objects.filter(
            political_status=PoliticalStatus.FULL,
            full_member_on__gte=today - relativedelta(years=4),
            full_member_on__lte=today - D(days=90),
            joined_on__isnull=False,
            user__isnull=True,
        )
        .select_related("node")
        .order_by("pk")
    )
    for person in recent[: max(2, len(pipeline) // COMPLETED_ONE_IN)]:
        steps, closed_on = _completed_steps(person, rng, today)
        if closed_on <= today:
            plans.append(_Plan(person, branch_of(person), Stage.FULL, steps, closed_on=closed_on))
    masses = list(
        Person.objects.filter(political_status=PoliticalStatus.MASSES, user__isnull=True)
        .select_related("node")
        .order_by("pk")[:2]
    )
    if len(masses) == 2:
        withdrawn_on = today - D(days=200)
        plans.append(
            _Plan(
                masses[0],
                branch_of(masses[0]),
                Stage.WITHDRAWN,
                [
                    ("application_received", today - D(days=300)),
                    ("applicant_talk", today - D(days=285)),
                    ("withdrawn", withdrawn_on),
                ],
                closed_on=withdrawn_on,
            )
        )
        steps = _steps_for(Stage.CANDIDATE, today - D(days=150), rng, masses[1])
        refused_on = today - D(days=100)
        plans.append(
            _Plan(
                masses[1], branch_of(masses[1]), Stage.NOT_ADMITTED, [*steps, ("not_admitted", refused_on)], refused_on
            )
        )
    return plans


def _showcase(pipeline: list[Person], branch_of) -> dict[int, str]:
    """The showcase activist and candidate: in ``SHOWCASE_BRANCH`` when it has them, else anywhere."""
    chosen = {}
    for status, variant in ((PoliticalStatus.ACTIVIST, READY), (PoliticalStatus.CANDIDATE, PUBLICITY)):
        of_status = [p for p in pipeline if p.political_status == status and p.user_id is None]
        at_home = [p for p in of_status if branch_of(p).name == SHOWCASE_BRANCH]
        if at_home or of_status:
            chosen[(at_home or of_status)[0].pk] = variant
    return chosen


def seed_cases(*, rng: random.Random, today: datetime.date) -> int:
    """Create the cases with their records, papers, helpers, votes and 公示; returns how many cases were made."""
    rule_set = RuleSet.objects.get(is_default=True)
    branches = {n.path: n for n in OrgNode.objects.filter(kind=NodeKind.BRANCH)}

    def branch_of(person):
        path = person.node.path
        return branches.get(path) or branches[path[: -person.node.steplen]]

    plans = _plans(rng=rng, today=today, branch_of=branch_of)
    full_by_branch = defaultdict(list)
    for pk, node_path in Person.objects.filter(political_status=PoliticalStatus.FULL).values_list("pk", "node__path"):
        for path in branches:
            if node_path.startswith(path):
                full_by_branch[path].append(pk)
    for plan in plans:
        plan.case = DevelopmentCase(
            person=plan.person,
            branch=plan.branch,
            rule_set=rule_set,
            stage=plan.stage,
            opened_on=plan.steps[0][1],
            closed_on=plan.closed_on,
        )
    DevelopmentCase.objects.bulk_create([p.case for p in plans], batch_size=2000)
    _records(plans, rng=rng, today=today, full_by_branch=full_by_branch)
    _publicity(plans, rule_set=rule_set, today=today)
    _hand_in_report(today=today)
    return len(plans)


def _records(plans: list[_Plan], *, rng: random.Random, today: datetime.date, full_by_branch) -> None:
    """The records of every case, their contacts and sponsors, the votes, the thought reports and the papers."""
    records, helpers, meetings = [], [], []
    for plan in plans:
        members = full_by_branch.get(plan.branch.path) or [None]
        for step, day in plan.steps:
            record = StepRecord(
                case=plan.case,
                step=step,
                on=day,
                body=KIND_BY_CODE[step].body or "",
                after_the_fact=True,
                training_days=3 if step == "training_completed" else None,
            )
            plan.records.append(record)
            if step == "contacts_assigned" and members[0]:
                helpers.append(_helper(plan, rng.choice(members), CaseRole.CONTACT, day))
            if step == "sponsors_assigned" and len(members) >= 2:
                helpers += [_helper(plan, sponsor, CaseRole.SPONSOR, day) for sponsor in rng.sample(members, 2)]
            if step in ("admission_meeting", "conversion_meeting"):
                meetings.append((record, len([m for m in members if m])))
        if plan.stage in (Stage.APPLICANT, Stage.ACTIVIST) and rng.random() < 0.4:
            first = plan.steps[0][1] + D(days=rng.randrange(60, 100))
            for day in (first, first + relativedelta(months=3)):
                if day <= today:
                    plan.records.append(StepRecord(case=plan.case, step="thought_report", on=day, body="person"))
        records += plan.records
    StepRecord.objects.bulk_create(records, batch_size=5000)
    CasePerson.objects.bulk_create(helpers, batch_size=5000, ignore_conflicts=True)
    votes = []
    for record, due in meetings:
        due = max(due, 3)
        present = max(due * 2 // 3, due // 2 + 1)
        votes.append(
            Vote(record=record, due=due, due_computed=due, present=present, yes=present, quorum=True, passed=True)
        )
    Vote.objects.bulk_create(votes, batch_size=5000)
    _papers(plans, rng=rng)


def _helper(plan: _Plan, person_id: int, role: str, since: datetime.date) -> CasePerson:
    """A training contact or sponsor (the plan counts those still in the role, so a case that ended keeps them)."""
    return CasePerson(case=plan.case, person_id=person_id, role=role, since=since)


def _papers(plans: list[_Plan], *, rng: random.Random) -> None:
    """The §36 papers of the completed steps and the thought reports, as documents attached to their records."""
    files = {code: demo_file(code, f"Demo: {code.replace('_', ' ')}") for code in PAPERS}
    pairs = []
    for plan in plans:
        for record in plan.records:
            code = "thought_report" if record.step == "thought_report" else ARCHIVE_DOCUMENT_FOR_STEP.get(record.step)
            if code is None or (code != "thought_report" and rng.randrange(MISSING_PAPER_ONE_IN) == 0):
                continue
            document = document_row(
                file=files[code],
                node=plan.branch,
                person=plan.person,
                title=f"{PAPERS[code]}（{record.on:%Y-%m-%d}）",
                original_name=f"{code}-{record.on:%Y%m%d}.pdf",
                at=_moment(record.on),
                sensitive=code == "political_review",
            )
            pairs.append((record, document))
    Document.objects.bulk_create([d for _r, d in pairs], batch_size=5000)
    through = StepRecord.documents.through
    through.objects.bulk_create([through(steprecord_id=r.pk, document_id=d.pk) for r, d in pairs], batch_size=5000)


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


def _publicity(plans: list[_Plan], *, rule_set: RuleSet, today: datetime.date) -> None:
    """Each case's 公示, opened through the disclosure service as ``case_record_step`` opens it (published at once,
    with its first version in the archive chain) — as fixtures beyond ``PUBLICITY_BY_SERVICE_AT_MOST`` of them; the
    open one gets an objection and its answer."""
    calendar = calendar_load()
    rows = []
    for plan in plans:
        record = next((r for r in plan.records if r.step == "candidate_publicity"), None)
        if record is None:
            continue
        closes_on, provisional = calendar.add_working_days(record.on, rule_set.publicity_working_days)
        record.decision = f"公示期 {record.on:%Y-%m-%d} 至 {closes_on:%Y-%m-%d}。"
        rows.append(
            {
                "case": plan.case,
                "title": f"关于{plan.person.name}同志列为发展对象的公示",
                "content": publicity_content(
                    person=plan.person,
                    step="candidate_publicity",
                    steps={code: on for code, on in plan.steps if on <= record.on},
                    branch_name=plan.branch.name,
                ),
                "opens_on": record.on,
                "closes_on": closes_on,
                "provisional": provisional,
                "working_days": rule_set.publicity_working_days,
            }
        )
    StepRecord.objects.bulk_update([r for p in plans for r in p.records if r.decision], ["decision"], batch_size=2000)
    if len(rows) > PUBLICITY_BY_SERVICE_AT_MOST:
        notices = publicity_bulk(rows, today=today)
    else:
        notices = [
            notice_open_for_step(
                actor=None,
                case=row["case"],
                step="candidate_publicity",
                opens_on=row["opens_on"],
                working_days=row["working_days"],
                title=row["title"],
                now=_moment(row["opens_on"]),
                content=row["content"],
            )
            for row in rows
        ]
    _object_to_the_open_one(notices, today=today)


def _object_to_the_open_one(notices, *, today: datetime.date) -> None:
    """The demo member objects to the 公示 open today (the showcase candidate's); it is answered."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=PEOPLE_AT_THE_OBJECTION)}
    notice = next((n for n in notices if n.is_open_on(today)), None)
    if notice is None or len(users) < len(PEOPLE_AT_THE_OBJECTION):
        return
    handler = users[HANDLER if notice.node.name == SHOWCASE_BRANCH else COMMITTEE_HANDLER]
    answer_objection(
        notice=notice, reporter=users[REPORTER], handler=handler, content=OBJECTION, answer=ANSWER, today=today
    )


def _hand_in_report(*, today: datetime.date) -> None:
    """The demo applicant hands in a thought report on the portal (``case_submit``, as the form does)."""
    user = get_user_model().objects.filter(username=APPLICANT).first()
    case = DevelopmentCase.objects.filter(person__user=user, stage=Stage.APPLICANT).first() if user else None
    if case is None:
        return
    uploaded = SimpleUploadedFile("思想汇报.pdf", pdf_bytes("Demo: thought report"), content_type="application/pdf")
    day = max(case.opened_on, today - D(days=5))
    case_submit(actor=user, case=case, kind="thought_report", uploaded=uploaded, now=_moment(day))
