"""The shape of the bench data set, without a database: the tree, the people's standing and each case's history.

Everything is drawn from one seeded ``random.Random``, so the same ``--members`` and ``--seed`` give the same data.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

D = datetime.timedelta

# People per branch: most 20–50, some 3–19, a few 51–100; the mean is about 35, so N people make about N/35 branches.
BRANCH_SIZES = ((0.12, 3, 19), (0.80, 20, 50), (0.08, 51, 100))
# Branches per base committee: log-normal (median about 37), capped so that the busiest committee stays the size
# of a large unit (about 5,600 people) however many committees there are.
COMMITTEE_BRANCHES_MU, COMMITTEE_BRANCHES_SIGMA, COMMITTEE_BRANCHES_MIN, COMMITTEE_BRANCHES_MAX = 3.6, 0.75, 6, 160
GENERAL_BRANCH_EVERY = 15  # a committee of k branches has k // 15 general branches of 3–8 branches each
GROUPS_FROM = (30, 60, 90)  # a branch of 30 people has 2 party groups, of 60 three, of 90 four

STATUS_WEIGHTS = (
    ("full", 70),
    ("probationary", 4),
    ("candidate", 3),
    ("activist", 7),
    ("applicant", 6),
    ("masses", 10),
)
WITHDRAWN_SHARE = 0.05  # of non-members: an application withdrawn in the last years (a closed case)
CLOSED_FULL_YEARS = 4  # full members admitted within this many years have their closed case on file

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬建国志文辉鹏飞宇浩然欣怡婷雪梅琳晨阳宁海"
    "波斌晓东丹凯俊峰健亮佳慧颖思源博睿子轩雨萱梓涵一诺"
)
_CITIES = "北京上海天津重庆杭州南京苏州武汉成都西安长沙郑州济南青岛沈阳大连合肥福州厦门南昌昆明贵阳南宁太原"
CITIES = [_CITIES[i : i + 2] for i in range(0, len(_CITIES), 2)]  # two characters each
UNITS = (
    (
        "机械集团有限公司",
        ("一车间", "二车间", "三车间", "装配车间", "设备动力部", "质量检测中心", "研发中心", "市场营销部"),
    ),
    ("电力公司", ("运维检修部", "调度控制中心", "营销服务中心", "变电运维站", "输电运检班", "物资供应部")),
    ("人民医院", ("内科", "外科", "儿科", "急诊科", "护理部", "医技科室", "行政后勤")),
    ("第一中学", ("高一年级组", "高二年级组", "高三年级组", "教务处", "后勤服务中心")),
    ("理工大学", ("机械工程学院", "计算机学院", "经济管理学院", "外国语学院", "图书馆", "机关")),
    ("街道", ("社区", "综合执法队", "便民服务中心", "网格管理中心")),
    ("市场监督管理局", ("综合科", "执法大队", "质量监督科", "食品安全科")),
    ("建设集团", ("第一项目部", "第二项目部", "工程技术部", "安全环保部", "物资设备部")),
)
ORDINALS = "一二三四五六七八九十"


@dataclass
class BranchPlan:
    name: str
    unit_name: str
    size: int
    groups: int


@dataclass
class GeneralPlan:
    name: str
    branches: list[BranchPlan] = field(default_factory=list)


@dataclass
class CommitteePlan:
    name: str
    unit_name: str
    direct: list[BranchPlan] = field(default_factory=list)  # branches right under the committee
    generals: list[GeneralPlan] = field(default_factory=list)

    @property
    def branches(self) -> list[BranchPlan]:
        return self.direct + [b for g in self.generals for b in g.branches]

    @property
    def people(self) -> int:
        return sum(b.size for b in self.branches)


def branch_size(rng: random.Random) -> int:
    pick = rng.random()
    for share, low, high in BRANCH_SIZES:
        if pick < share:
            return rng.randint(low, high)
        pick -= share
    return rng.randint(BRANCH_SIZES[-1][1], BRANCH_SIZES[-1][2])


def groups_for(size: int) -> int:
    reached = sum(size >= threshold for threshold in GROUPS_FROM)
    return reached + 1 if reached else 0


def plan_tree(rng: random.Random, members: int) -> list[CommitteePlan]:
    """Branch sizes adding up to exactly ``members``, cut into base committees, some branches under general
    branches."""
    sizes, total = [], 0
    while total < members:
        size = min(branch_size(rng), members - total)
        if size < 3 and sizes:  # the remainder joins the last branch rather than make a branch of one or two
            sizes[-1] += size
        else:
            sizes.append(size)
        total += size
    committees, start = [], 0
    while start < len(sizes):
        count = round(rng.lognormvariate(COMMITTEE_BRANCHES_MU, COMMITTEE_BRANCHES_SIGMA))
        count = max(COMMITTEE_BRANCHES_MIN, min(COMMITTEE_BRANCHES_MAX, count))
        committees.append(_committee(rng, len(committees), sizes[start : start + count]))
        start += count
    return committees


def _committee(rng: random.Random, index: int, sizes: list[int]) -> CommitteePlan:
    unit, departments = UNITS[index % len(UNITS)]
    city = CITIES[(index // len(UNITS)) % len(CITIES)]
    number = index // (len(UNITS) * len(CITIES))
    unit_name = f"{city}{'第' + str(number + 1) if number else ''}{unit}"
    plan = CommitteePlan(name=f"{unit_name}党委", unit_name=unit_name)
    branches = []
    for i, size in enumerate(sizes, start=1):
        department = departments[i % len(departments)]
        branches.append(BranchPlan(f"{department}第{i}党支部", department, size, groups_for(size)))
    rest = branches
    for g in range(len(branches) // GENERAL_BRANCH_EVERY):
        take = rng.randint(3, 8)
        plan.generals.append(GeneralPlan(f"第{ORDINALS[g % 10]}{'党总支' if g < 10 else str(g + 1) + '党总支'}"))
        plan.generals[-1].branches, rest = rest[:take], rest[take:]
    plan.direct = rest
    return plan


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def statuses_for(rng: random.Random, size: int) -> list[str]:
    """The political status of each person of a branch; a branch always has at least three full members."""
    codes, weights = zip(*STATUS_WEIGHTS, strict=True)
    found = ["full"] * min(3, size) + rng.choices(codes, weights, k=max(size - 3, 0))
    rng.shuffle(found)
    return found


# --- the history of a case: (step, date) pairs in order ------------------------------------------------------------


def _days(rng: random.Random, low: int, high: int) -> D:
    return D(days=rng.randint(low, high))


def _activist_part(rng: random.Random, activist: datetime.date, until: datetime.date) -> list:
    talk = activist - _days(rng, 60, 100)
    steps = [
        ("application_received", talk - _days(rng, 7, 26)),
        ("applicant_talk", talk),
        ("activist_designated", activist),
        ("contacts_assigned", activist),
        ("activist_filed", activist + D(days=10)),
    ]
    evaluation = activist + D(days=182)
    while evaluation <= until and rng.random() > 0.04:  # now and then an evaluation is missing: evaluation_overdue
        steps.append(("activist_evaluation", evaluation))
        evaluation += D(days=182)
    return steps


def _candidate_part(rng: random.Random, candidate: datetime.date, meeting: datetime.date | None) -> list:
    steps = [
        ("candidate_designated", candidate),
        ("candidate_publicity", candidate + D(days=2)),
        ("sponsors_assigned", candidate + D(days=20)),
        ("political_review", candidate + D(days=45)),
        ("training_completed", candidate + D(days=50)),
    ]
    prereview = meeting - _days(rng, 10, 25) if meeting else candidate + D(days=80)
    meeting = meeting or prereview + _days(rng, 10, 25)
    steps += [
        ("committee_review", prereview - D(days=10)),
        ("prereview_passed", prereview),
        ("application_form", prereview + D(days=3)),
        ("admission_meeting", meeting),
        ("committee_talk", meeting + D(days=10)),
    ]
    return steps


def _probation_part(rng: random.Random, meeting: datetime.date) -> list:
    approved = meeting + _days(rng, 20, 60)
    return [
        ("admission_approved", approved),
        ("placed_in_branch", approved + D(days=5)),
        ("oath_taken", approved + _days(rng, 5, 28)),
        ("admission_filed", approved + D(days=14)),
        ("probation_evaluation", meeting + D(days=182)),
        ("conversion_applied", meeting + D(days=335)),
    ]


def history(rng: random.Random, stage: str, today: datetime.date, joined_on: datetime.date | None) -> list:
    """What a case at ``stage`` has on file today (only dates up to today): for an open case the records so far;
    for ``full`` the whole road to full membership; for ``withdrawn`` an application given up."""
    if stage == "applicant":
        application = today - _days(rng, 3, 150)
        talk = application + _days(rng, 7, 26)
        steps = [("application_received", application)]
        if talk <= today and rng.random() > 0.12:  # some talks not yet recorded: talk_overdue
            steps.append(("applicant_talk", talk))
        return steps
    if stage == "withdrawn":
        application = today - _days(rng, 60, 900)
        talk = application + _days(rng, 7, 26)
        return [("application_received", application), ("applicant_talk", talk), ("withdrawn", talk + D(days=30))]
    if stage == "activist":
        return _keep(_activist_part(rng, today - _days(rng, 10, 400), today), today)
    if stage == "candidate":
        candidate = today - _days(rng, 15, 150)
        activist = candidate - D(days=365) - _days(rng, 1, 30)
        return _keep(_activist_part(rng, activist, candidate) + _candidate_part(rng, candidate, None), today)
    meeting = joined_on  # probationary and full: admitted at the branch meeting on joined_on
    candidate = meeting - _days(rng, 100, 200)
    activist = candidate - D(days=365) - _days(rng, 1, 30)
    steps = _activist_part(rng, activist, candidate) + _candidate_part(rng, candidate, meeting)
    steps += _probation_part(rng, meeting)
    if stage == "full":
        conversion = meeting + D(days=366) + _days(rng, 0, 20)
        approved = conversion + _days(rng, 20, 60)
        steps += [
            ("probation_evaluation", meeting + D(days=364)),
            ("conversion_meeting", conversion),
            ("conversion_approved", approved),
            ("archived", approved + D(days=30)),
        ]
    return _keep(steps, today)


def _keep(steps: list, today: datetime.date) -> list:
    return sorted(((s, d) for s, d in steps if d <= today), key=lambda pair: pair[1])
