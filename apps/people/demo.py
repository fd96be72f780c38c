"""The people of the demo: a roll at every political status over the demo tree (``apps.organisations.demo``),
realistic names, ages and dates, and the person behind each demo login. ``apps.portal``'s ``seed_demo`` composes
them."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from apps.organisations.choices import NodeKind
from apps.organisations.demo import STRUCTURE
from apps.organisations.models import OrgNode

from .choices import Education, Gender, Occupation, PoliticalStatus
from .models import Person
from .validators import id_number_check_character

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万"
    "钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬建国志文辉鹏飞宇浩然欣怡婷雪梅琳晨阳宁海波斌晓东丹凯俊峰健亮佳慧颖"
    "思源博睿子轩雨萱梓涵一诺"
)
ETHNICITIES = ["汉族"] * 18 + ["回族", "满族", "壮族", "蒙古族"]

STATUS_WEIGHTS = [
    (PoliticalStatus.FULL, 62),
    (PoliticalStatus.PROBATIONARY, 6),
    (PoliticalStatus.CANDIDATE, 4),
    (PoliticalStatus.ACTIVIST, 7),
    (PoliticalStatus.APPLICANT, 6),
    (PoliticalStatus.MASSES, 15),
]

# username, post title code (or None), branch name (None = committee), political status, description
ACCOUNTS = [
    ("admin", None, None, None, "系统管理员 / administrator"),
    ("zuzhiyuan", "organiser", None, PoliticalStatus.FULL, "党委组织员 / committee organisation staff"),
    ("dangwei_shuji", "committee_secretary", None, PoliticalStatus.FULL, "党委书记 / committee secretary"),
    ("ganshi", "party_clerk", None, PoliticalStatus.FULL, "党务干事 / committee clerk (drafts the notices)"),
    ("shuji_yichejian", "secretary", "一车间党支部", PoliticalStatus.FULL, "支部书记 / branch secretary"),
    ("zuzhi_yichejian", "organisation_member", "一车间党支部", PoliticalStatus.FULL, "组织委员 / organisation member"),
    ("shuji_caiwu", "secretary", "财务资产部党支部", PoliticalStatus.FULL, "另一支部书记 / another branch secretary"),
    ("dangyuan", None, "一车间党支部", PoliticalStatus.FULL, "党员 / member"),
    ("shenqingren", None, "一车间党支部", PoliticalStatus.APPLICANT, "入党申请人 / applicant"),
    ("qunzhong", None, "一车间党支部", PoliticalStatus.MASSES, "群众 / non-member staff"),
]
SMALL_BRANCH = "青年创新党支部"  # too few full members, to show the warning
RETIRED_BRANCH = "离退休党支部"
LARGEST_BRANCH = "一车间党支部"  # takes whatever rounding leaves over
STAFF_BRANCH = "综合办公室党支部"  # where the committee's own staff are on the roll


def _occupation(branch: str, seq: int) -> str:
    if branch == RETIRED_BRANCH:
        return Occupation.RETIRED
    return (Occupation.WORKER, Occupation.ENTERPRISE, Occupation.PROFESSIONAL, Occupation.ENTERPRISE)[seq % 4]


def seed_people(*, rng: random.Random, nodes: dict[str, OrgNode], total: int, today: datetime.date) -> list[Person]:
    """``total`` people spread over the branches by their weight; full and probationary members in the groups."""
    branches = [(nodes[name], weight, dept) for kind, name, _p, weight, dept in STRUCTURE if kind == NodeKind.BRANCH]
    groups_of = {
        b.pk: [n for n in nodes.values() if n.kind == NodeKind.GROUP and n.path.startswith(b.path)]
        for b, _w, _d in branches
    }
    weight_sum = sum(w for _b, w, _d in branches)
    statuses, status_weights = zip(*STATUS_WEIGHTS, strict=True)
    batch, created = [], []
    seq = 0
    for branch, weight, dept in branches:
        share = max(3, round(total * weight / weight_sum)) if branch.name != SMALL_BRANCH else 4
        for _ in range(share):
            if seq >= total:
                break
            seq += 1
            status = rng.choices(statuses, status_weights)[0]
            if branch.name == SMALL_BRANCH:
                status = PoliticalStatus.FULL if seq % 2 else PoliticalStatus.ACTIVIST
            birth = datetime.date(1958, 1, 1) + datetime.timedelta(days=rng.randrange(0, 46 * 365))
            if branch.name == RETIRED_BRANCH:
                birth = datetime.date(1945, 1, 1) + datetime.timedelta(days=rng.randrange(0, 15 * 365))
            joined, full = _membership_dates(rng, status, birth, today)
            groups = groups_of[branch.pk]
            node = (
                groups[seq % len(groups)]
                if groups and status in (PoliticalStatus.FULL, PoliticalStatus.PROBATIONARY)
                else branch
            )
            batch.append(
                Person(
                    node=node,
                    name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                    gender=rng.choice(Gender.values),
                    birth_date=birth,
                    ethnicity=rng.choice(ETHNICITIES),
                    education=rng.choice(Education.values),
                    work_unit=dept,
                    job_title=rng.choice(["职员", "工程师", "技术员", "主管", "操作工", "经理"]),
                    # by the sequence, not the generator: the draws of the rest of the demo stay the same
                    occupation=_occupation(branch.name, seq),
                    phone=f"13{rng.randrange(100000000, 999999999)}",
                    email=f"user{seq}@hongxing.example",
                    political_status=status,
                    joined_on=joined,
                    full_member_on=full,
                    id_number=demo_id_number(seq, birth),
                )
            )
            if len(batch) >= 5000:
                created += Person.objects.bulk_create(batch)
                batch = []
    largest = nodes[LARGEST_BRANCH]
    while seq < total:
        seq += 1
        batch.append(
            Person(
                node=largest,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                political_status=PoliticalStatus.FULL,
                full_member_on=today - relativedelta(years=3),
                joined_on=today - relativedelta(years=4),
                id_number=demo_id_number(seq, datetime.date(1980, 1, 1)),
            )
        )
        if len(batch) >= 5000:
            created += Person.objects.bulk_create(batch)
            batch = []
    created += Person.objects.bulk_create(batch)
    return created


def demo_id_number(seq: int, birth: datetime.date) -> str:
    """A well-formed ID card number (GB 11643) for the ``seq``-th demo person: a Zhejiang address code and the
    sequence number, from ``seq``, keep it unique; the date is the person's; the check character is computed."""
    first17 = f"33{seq // 1000 % 10000:04d}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_number_check_character(first17)


def _membership_dates(rng: random.Random, status: str, birth: datetime.date, today: datetime.date):
    """(joined on, full member on) for a person of ``status`` born on ``birth``."""
    if status not in (PoliticalStatus.FULL, PoliticalStatus.PROBATIONARY):
        return None, None
    joined = min(
        today - datetime.timedelta(days=30),
        birth + relativedelta(years=22) + datetime.timedelta(days=rng.randrange(0, 20 * 365)),
    )
    if status == PoliticalStatus.PROBATIONARY:
        return today - datetime.timedelta(days=rng.randrange(30, 360)), None
    full = joined + relativedelta(years=1)
    if full > today:
        joined, full = today - relativedelta(years=2), today - relativedelta(years=1)
    return joined, full


def full_members_by_node(people: list[Person]) -> dict[int, list[Person]]:
    """The full members on the roll of each node (by node id), in the order given."""
    by_node = defaultdict(list)
    for person in people:
        if person.political_status == PoliticalStatus.FULL:
            by_node[person.node_id].append(person)
    return dict(by_node)


def login_person(node: OrgNode, *, username: str, status: str | None, nodes: dict[str, OrgNode]) -> Person:
    """The person behind a demo login at ``node``: someone of ``status`` on the branch's roll who holds no post and
    has no login yet (else a new record there); for the committee (whose staff are on no branch's roll of their own)
    a new record on the roll of the committee's own staff branch."""
    person = None
    if node.kind != NodeKind.COMMITTEE:
        person = (
            Person.objects.filter(
                node__path__startswith=node.path,
                political_status=status or PoliticalStatus.FULL,
                user__isnull=True,
            )
            .exclude(posts__isnull=False)
            .order_by("id")
            .first()
        )
    if person is None:  # a small demo roll has no one left there: a new record, on the branch's roll
        person = Person.objects.create(
            node=nodes[STAFF_BRANCH] if node.kind == NodeKind.COMMITTEE else node,
            name=f"{SURNAMES[len(username) % 40]}{GIVEN[len(username) % 50]}明",
            political_status=status or PoliticalStatus.FULL,
            full_member_on=datetime.date(2010, 7, 1),
            joined_on=datetime.date(2009, 7, 1),
            phone="13800000000",
            email=f"{username}@hongxing.example",
        )
    return person
