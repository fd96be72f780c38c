"""Demo ballots: in the demo logins' branch, this year's democratic appraisal open (most members have voted; the
demo member and secretary have not), a satisfaction survey of everyone of the unit and the secretary's report open
for grading; in another branch, last year's appraisal with its grades fixed (one member basically qualified,
reviewed by the committee, with a deadline to correct; one grade corrected with its reason), its notice drafted, and
last year's report closed.

Ballots of people without a login are written in bulk as seed data, the way a vote writes them: a counter per
choice and a row that the person took part, nothing linking the two."""

from __future__ import annotations

import datetime
import random
from collections import Counter

from django.contrib.auth import get_user_model

from apps.organisations.models import OrgNode
from apps.people.models import Person

from .choices import Grade, ReportGrade
from .models import (
    AppraisalCount,
    AppraisalVoter,
    Appraisee,
    ReportCount,
    ReportVoter,
    SurveyCount,
    SurveyRespondent,
)
from .services import (
    appraisal_close,
    appraisal_fix_grades,
    appraisal_notice_draft,
    appraisal_open,
    appraisee_follow_up,
    appraisee_grade_correct,
    appraisee_review,
    report_close,
    report_open,
    survey_open,
)

BRANCH = "一车间党支部"
WEEKS_2 = datetime.timedelta(days=13)
OTHER_BRANCH = "财务资产部党支部"
GRADE_WEIGHTS = {Grade.EXCELLENT: 3, Grade.QUALIFIED: 12, Grade.BASIC: 1, Grade.UNQUALIFIED: 0.2}
REPORT_WEIGHTS = {ReportGrade.GOOD: 6, ReportGrade.FAIRLY_GOOD: 3, ReportGrade.AVERAGE: 1, ReportGrade.POOR: 0.2}
SUMMARY = "一年来，支部围绕生产经营抓党建，落实“三会一课”，发展党员2名，完成党费收缴。"
QUESTIONS = [
    "支部班子团结协作、发挥作用情况",
    "“三会一课”等组织生活开展情况",
    "党员教育管理和服务群众情况",
    "党务公开和廉洁自律情况",
]


def _appraisal_ballots(appraisal, voters, rng: random.Random) -> None:
    appraisees = list(Appraisee.objects.filter(appraisal=appraisal).values_list("pk", "person_id"))
    tally: Counter = Counter()
    for voter in voters:
        for pk, person_id in appraisees:
            if person_id != voter.pk:
                tally[pk, rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]] += 1
    AppraisalVoter.objects.bulk_create([AppraisalVoter(appraisal=appraisal, person=v) for v in voters])
    counts = list(AppraisalCount.objects.filter(appraisee__appraisal=appraisal, shard=0))
    for c in counts:
        c.portal = tally[c.appraisee_id, c.grade]
    AppraisalCount.objects.bulk_update(counts, ["portal"])


def _report_ballots(report, voters, rng: random.Random) -> None:
    tally = Counter(rng.choices(list(REPORT_WEIGHTS), weights=list(REPORT_WEIGHTS.values()), k=len(voters)))
    ReportVoter.objects.bulk_create([ReportVoter(report=report, person=v) for v in voters])
    counts = list(ReportCount.objects.filter(report=report, shard=0))
    for c in counts:
        c.portal = tally[c.grade]
    ReportCount.objects.bulk_update(counts, ["portal"])


def seed_appraisal(*, rng: random.Random, today: datetime.date) -> int:
    """The demo ballots; returns how many ballots were opened."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["shuji_yichejian", "shuji_caiwu",
                                                                                 "zuzhiyuan"])}  # fmt: skip
    nodes = {n.name: n for n in OrgNode.objects.filter(name__in=[BRANCH, OTHER_BRANCH])}
    if len(users) < 3 or len(nodes) < 2:
        return 0
    logins = set(Person.objects.filter(user__isnull=False).values_list("pk", flat=True))
    opened = 0
    # this year's appraisal of the demo branch, open: most members without a login have voted
    branch, secretary = nodes[BRANCH], users["shuji_yichejian"]
    opens = today - datetime.timedelta(days=3)
    appraisal = appraisal_open(actor=secretary, node=branch, year=today.year, held_on=opens, opens_on=opens,
                               closes_on=today + datetime.timedelta(days=7))  # fmt: skip
    members = list(Person.objects.filter(pk__in=Appraisee.objects.filter(appraisal=appraisal).values("person_id")))
    voters = [p for p in members if p.pk not in logins and rng.random() < 0.8]
    _appraisal_ballots(appraisal, voters, rng)
    Appraisee.objects.filter(appraisal=appraisal, person__in=voters[:5]).update(
        self_assessment="一年来认真学习党的理论，按时参加组织生活、交纳党费，立足岗位完成生产任务；不足是联系群众还不够紧密。"
    )
    title = f"{today.year}年度一车间党支部工作满意度测评"
    survey = survey_open(actor=secretary, node=branch, year=today.year, title=title, audience="staff",
                         opens_on=opens, closes_on=opens + WEEKS_2, questions=QUESTIONS)  # fmt: skip
    options = list(survey.options.order_by("position"))
    respondents = [p for p in Person.objects.filter(node__path__startswith=branch.path, is_active=True)
                   if p.pk not in logins and rng.random() < 0.7]  # fmt: skip
    SurveyRespondent.objects.bulk_create([SurveyRespondent(survey=survey, person=p) for p in respondents])
    tally: Counter = Counter()
    for _person in respondents:
        for question in survey.questions.all():
            tally[question.pk, rng.choices(options, weights=[10, 4, 1, 1])[0].pk] += 1
    counts = list(SurveyCount.objects.filter(question__survey=survey, shard=0))
    for c in counts:
        c.portal = tally[c.question_id, c.option_id]
    SurveyCount.objects.bulk_update(counts, ["portal"])
    report = report_open(actor=secretary, node=branch, year=today.year, reporter=secretary.person, held_on=opens,
                         opens_on=opens, closes_on=today + datetime.timedelta(days=7),
                         summary=SUMMARY)  # fmt: skip
    _report_ballots(report, [p for p in members if p.pk not in logins][:12], rng)
    opened += 3
    # last year's appraisal of the other branch: grades fixed, one member reviewed and to correct by a deadline
    other, other_secretary = nodes[OTHER_BRANCH], users["shuji_caiwu"]
    last = datetime.date(today.year - 1, 12, 10)
    past = appraisal_open(actor=other_secretary, node=other, year=today.year - 1, held_on=last, opens_on=last,
                          closes_on=last + datetime.timedelta(days=7))  # fmt: skip
    past_members = list(Person.objects.filter(pk__in=Appraisee.objects.filter(appraisal=past).values("person_id")))
    _appraisal_ballots(past, past_members, rng)
    appraisal_close(actor=other_secretary, appraisal=past)
    appraisees = list(Appraisee.objects.filter(appraisal=past).order_by("pk"))
    quota = len(appraisees) // 3
    grades = {a.pk: Grade.EXCELLENT if i < quota else Grade.QUALIFIED for i, a in enumerate(appraisees)}
    if len(appraisees) > 1:
        grades[appraisees[-1].pk] = Grade.BASIC
    appraisal_fix_grades(actor=other_secretary, appraisal=past, grades=grades,
                         feedback={appraisees[-1].pk: "参加组织生活不够经常，请加强学习。"})  # fmt: skip
    if quota >= 1:  # a grade the minutes had wrong, corrected with its reason before the notice
        appraisee_grade_correct(actor=other_secretary, appraisee=appraisees[0], grade=Grade.QUALIFIED,
                                reason="核对支部党员大会记录，该同志得票未过半数，更正为合格。")  # fmt: skip
    if len(appraisees) > 1:
        weak = appraisees[-1]
        weak.refresh_from_db()
        appraisee_review(actor=users["zuzhiyuan"], appraisee=weak, note="同意支部评定意见，限期三个月改正。")
        appraisee_follow_up(actor=other_secretary, appraisee=weak, measures="按时参加组织生活，每月向支部汇报思想。",
                            due=last + datetime.timedelta(days=90))  # fmt: skip
    appraisal_notice_draft(actor=other_secretary, appraisal=past, today=last + datetime.timedelta(days=8))
    past_report = report_open(actor=other_secretary, node=other, year=today.year - 1, reporter=other_secretary.person,
                              held_on=last, opens_on=last, closes_on=last + datetime.timedelta(days=7))  # fmt: skip
    _report_ballots(past_report, past_members, rng)
    report_close(actor=other_secretary, report=past_report)
    return opened + 2
