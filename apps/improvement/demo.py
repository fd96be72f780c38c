"""Demo inspections, corrective actions and commitments: the committee's spot check of three branches drawn at random
(the seed recorded) with its checklist from this year's published scheme, findings at the branches drawn and at the
demo logins' branch (一车间党支部); corrective actions there in every state — planned, under way and overdue (owned by
the demo member), awaiting the check, returned, closed after the check by the committee's staff; the members'
commitments of the year (the demo member's vetted and published, with progress) and the branch's own commitments."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.assessment.models import Scheme
from apps.organisations.models import OrgNode
from apps.people.choices import PoliticalStatus
from apps.people.models import Person

from .models import CommitmentCategory
from .services import (
    action_create,
    action_move,
    action_note_add,
    commitment_progress,
    commitment_vet,
    commitments_publish,
    commitments_submit,
    finding_record,
    inspection_draw,
    inspection_plan,
    organisation_commitment_add,
    target_record,
)

BRANCH = "一车间党支部"
OTHER_BRANCH = "财务资产部党支部"
PROBLEMS = [
    (
        "“三会一课”会议记录不完整，部分支委会未记录议题",
        "补齐会议记录并建立月度自查",
        "每月末由组织委员核对会议记录，缺项当月补齐。",
    ),
    ("发展党员材料中谈话记录缺少签字", "补签谈话记录", "逐份核对发展党员档案，补签缺失的谈话记录。"),
    ("党费收缴台账未按月公示", "按月公示党费收缴情况", "每月10日前在支部公开栏公示上月党费收缴情况。"),
    ("主题党日活动形式单一", "丰富主题党日内容", "结合生产任务制定季度主题党日计划，增加现场教学。"),
    ("党员教育培训学时统计不全", "完善学时登记", "建立党员学习台账，按季度统计学时。"),
]
PLEDGES = ["每月完成线上学习不少于4学时", "带头完成班组生产任务，做到安全零事故", "严守纪律，不迟到早退",
           "每季度走访困难职工1户", "帮带1名青年职工提升技能"]  # fmt: skip
ORG_PLEDGES = ["办好职工食堂改造等3件实事", "全年发展党员2名", "每季度开展1次志愿服务"]


def _moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, 0))


def _person(user):
    return Person.objects.filter(user=user).first()


def _actions(branch, users, today, rng) -> int:
    """Five actions at the branch, in every state of the loop."""
    secretary, staff, member = users["shuji_yichejian"], users["zuzhiyuan"], users["dangyuan"]
    owners = [_person(member), _person(users["zuzhi_yichejian"]), _person(secretary), _person(member),
              _person(users["zuzhi_yichejian"])]  # fmt: skip
    found_on = today - datetime.timedelta(days=60)
    made = 0
    for index, ((problem, title, plan), owner) in enumerate(zip(PROBLEMS, owners, strict=True)):
        finding = finding_record(actor=staff, node=branch, description=problem, found_on=found_on)
        due = found_on + datetime.timedelta(days=(45, 30, 90, 50, 40)[index])
        action = action_create(actor=staff, finding=finding, title=title, owner=owner, due_on=due,
                               plan="" if index == 4 else plan)  # fmt: skip
        made += 1
        if index == 4:
            continue  # still being planned
        action = action_move(actor=staff, action=action, move="open", today=found_on + datetime.timedelta(days=2))
        action_note_add(
            actor=staff,
            action=action,
            text="已召开支委会部署整改。",
            now=_moment(found_on + datetime.timedelta(days=5)),
        )
        if index == 0:
            continue  # under way, overdue: the demo member's
        action = action_move(actor=staff, action=action, move="submit", today=today - datetime.timedelta(days=10))
        if index == 2:
            continue  # awaiting the check
        if index == 3:
            action_move(actor=secretary, action=action, move="return", today=today - datetime.timedelta(days=5),
                        reason="计划未落实到季度，请补充。")  # fmt: skip
            continue
        action_move(actor=staff, action=action, move="close", today=today - datetime.timedelta(days=3),
                    reason="抽查近三个月档案，签字齐全，整改有效。")  # fmt: skip
    return made


def _inspection(committee, staff, today, rng) -> None:
    scheme = Scheme.objects.filter(assessing_node=committee, year=today.year).exclude(status="draft").first()
    inspection = inspection_plan(
        actor=staff,
        node=committee,
        title=f"{today.year}年度党建工作随机抽查",
        kind="ad_hoc",
        planned_on=today - datetime.timedelta(days=20),
        scheme=scheme,
        sample_size=3,
    )
    inspection = inspection_draw(actor=staff, inspection=inspection, now=_moment(today - datetime.timedelta(days=20)),
                                 seed=rng.randrange(2**40))  # fmt: skip
    checklist = list(inspection.checklist.all()[:3])
    for number, target in enumerate(inspection.targets.select_related("node")):
        day = today - datetime.timedelta(days=18 - number)
        target_record(actor=staff, target=target, inspected_on=day, summary="查阅资料、实地查看，座谈党员3名。")
        finding = finding_record(actor=staff, node=target.node, target=target, found_on=day,
                                 description="组织生活会会前谈心谈话记录不全",
                                 indicator=checklist[number % len(checklist)] if checklist else None)  # fmt: skip
        leader = Person.objects.filter(node=target.node, is_active=True, political_status=PoliticalStatus.FULL).first()
        if leader is not None:
            action = action_create(actor=staff, finding=finding, title="补齐谈心谈话记录", owner=leader,
                                   due_on=day + datetime.timedelta(days=30), plan="逐一补谈并记录。")  # fmt: skip
            action_move(actor=staff, action=action, move="open", today=day)


def _commitments(branch, users, today, rng) -> None:
    categories = list(CommitmentCategory.objects.all())
    secretary = users["shuji_yichejian"]
    member = _person(users["dangyuan"])
    mine = [member] if member is not None and member.node.path.startswith(branch.path) else []
    members = mine + list(
        Person.objects.filter(node__path__startswith=branch.path, is_active=True, political_status=PoliticalStatus.FULL,
                              user__isnull=True).order_by("pk")[:5]
    )  # fmt: skip
    for index, person in enumerate(members):
        n = 2 + index % 3
        items = [(categories[i % len(categories)], PLEDGES[(index + i) % len(PLEDGES)]) for i in range(n)]
        made = commitments_submit(actor=secretary, person=person, year=today.year, items=items)
        if index == len(members) - 1:
            continue  # awaiting vetting
        for commitment in made:
            commitment_vet(actor=secretary, commitment=commitment, approve=True)
    if len(members) > 1:  # a small demo may have no member to vet besides the one left waiting
        commitments_publish(actor=secretary, node=branch, year=today.year, today=today - datetime.timedelta(days=200))
    for commitment in member.commitments.filter(year=today.year)[:2] if mine else []:
        commitment_progress(actor=users["dangyuan"], commitment=commitment, text="按计划推进。", now=_moment(today))
    owner = _person(secretary)
    for index, text in enumerate(ORG_PLEDGES):
        organisation_commitment_add(actor=secretary, node=branch, year=today.year, category=categories[index % 4],
                                    text=text, owner=owner, deadline=datetime.date(today.year, 12, 31))  # fmt: skip


def seed_improvement(*, rng: random.Random, committee_name: str, today: datetime.date) -> int:
    """Returns the number of corrective actions made at the demo branch."""
    names = ["zuzhiyuan", "shuji_yichejian", "zuzhi_yichejian", "dangyuan", "shuji_caiwu"]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    nodes = {n.name: n for n in OrgNode.objects.filter(name__in=[committee_name, BRANCH, OTHER_BRANCH])}
    if len(users) < len(names) or len(nodes) < 3:
        return 0
    made = _actions(nodes[BRANCH], users, today, rng)
    _inspection(nodes[committee_name], users["zuzhiyuan"], today, rng)
    _commitments(nodes[BRANCH], users, today, rng)
    return made
