"""Demo data: one base committee with general branches, about 20 branches, groups, people at every stage,
posts and terms (one expiring soon), and one login per role. ``--members N`` scales the people."""

from __future__ import annotations

import datetime
import random
import time

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.lifecycle.demo import seed_cases
from apps.lifecycle.services import case_refresh_all
from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode, Post, PostTitle, Term
from apps.organisations.overview_cache import org_data_changed
from apps.organisations.services import access_sync_user, node_create, term_open
from apps.people.choices import Education, Gender, PoliticalStatus
from apps.people.models import Person

DEMO_PASSWORD = "demo-pass-2026"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万"
    "钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬建国志文辉鹏飞宇浩然欣怡婷雪梅琳晨阳宁海波斌晓东丹凯俊峰健亮佳慧颖"
    "思源博睿子轩雨萱梓涵一诺"
)
ETHNICITIES = ["汉族"] * 18 + ["回族", "满族", "壮族", "蒙古族"]

# (kind, name, parent name or None for the committee, weight of people, department)
STRUCTURE = [
    (NodeKind.GENERAL_BRANCH, "机关党总支", None, 0, ""),
    (NodeKind.BRANCH, "综合办公室党支部", "机关党总支", 4, "综合办公室"),
    (NodeKind.BRANCH, "财务资产部党支部", "机关党总支", 3, "财务资产部"),
    (NodeKind.BRANCH, "人力资源部党支部", "机关党总支", 3, "人力资源部"),
    (NodeKind.BRANCH, "纪检审计党支部", "机关党总支", 1, "纪检审计部"),
    (NodeKind.GENERAL_BRANCH, "生产制造党总支", None, 0, ""),
    (NodeKind.BRANCH, "一车间党支部", "生产制造党总支", 9, "一车间"),
    (NodeKind.BRANCH, "二车间党支部", "生产制造党总支", 8, "二车间"),
    (NodeKind.BRANCH, "三车间党支部", "生产制造党总支", 6, "三车间"),
    (NodeKind.BRANCH, "装配车间党支部", "生产制造党总支", 7, "装配车间"),
    (NodeKind.BRANCH, "设备动力党支部", "生产制造党总支", 3, "设备动力部"),
    (NodeKind.GENERAL_BRANCH, "研发中心党总支", None, 0, ""),
    (NodeKind.BRANCH, "研发中心第一党支部", "研发中心党总支", 6, "研发一所"),
    (NodeKind.BRANCH, "研发中心第二党支部", "研发中心党总支", 5, "研发二所"),
    (NodeKind.BRANCH, "质量检测党支部", "研发中心党总支", 3, "质量检测中心"),
    (NodeKind.BRANCH, "市场营销党支部", None, 5, "市场营销部"),
    (NodeKind.BRANCH, "物资供应党支部", None, 3, "物资供应部"),
    (NodeKind.BRANCH, "后勤服务党支部", None, 3, "后勤服务中心"),
    (NodeKind.BRANCH, "安全环保党支部", None, 2, "安全环保部"),
    (NodeKind.BRANCH, "信息技术党支部", None, 3, "信息技术部"),
    (NodeKind.BRANCH, "离退休党支部", None, 6, "离退休管理处"),
    (NodeKind.BRANCH, "青年创新党支部", None, 1, "青年创新工作室"),
]
GROUPS_FOR = {"一车间党支部": 3, "二车间党支部": 2, "装配车间党支部": 2, "离退休党支部": 2, "研发中心第一党支部": 2}

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
    ("shuji_yichejian", "secretary", "一车间党支部", PoliticalStatus.FULL, "支部书记 / branch secretary"),
    ("zuzhi_yichejian", "organisation_member", "一车间党支部", PoliticalStatus.FULL, "组织委员 / organisation member"),
    ("shuji_caiwu", "secretary", "财务资产部党支部", PoliticalStatus.FULL, "另一支部书记 / another branch secretary"),
    ("dangyuan", None, "一车间党支部", PoliticalStatus.FULL, "党员 / member"),
    ("shenqingren", None, "一车间党支部", PoliticalStatus.APPLICANT, "入党申请人 / applicant"),
    ("qunzhong", None, "一车间党支部", PoliticalStatus.MASSES, "群众 / non-member staff"),
]


class Command(BaseCommand):
    help = "Load demo data (one base committee, ~20 branches, people at every stage, one login per role)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=400, help="How many people to create (default 400).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if an organisation exists.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, members: int, if_empty: bool, seed: int, **options):
        if OrgNode.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already loaded.")
                self._print_accounts()
                return
            self.stderr.write("Organisations exist already; use a fresh database.")
            return
        started = time.monotonic()
        rng = random.Random(seed)
        with transaction.atomic():
            nodes = self._tree()
            people = self._people(rng, nodes, members)
            self._committees(rng, nodes, people)
            self._accounts(nodes)
            cases = seed_cases(rng=rng, today=timezone.localdate())
            audit_record(actor=None, action="demo.seeded", note=f"{members} people, {cases} development cases")
            org_data_changed()
        if cases <= 2000:
            case_refresh_all(today=timezone.localdate())
        else:
            self.stdout.write("The warnings of the development cases come with the nightly sweep (lifecycle-refresh).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(nodes)} organisations, {members} people and {cases} development cases "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
        self._print_accounts()

    def _tree(self) -> dict[str, OrgNode]:
        committee = node_create(
            actor=None,
            parent=None,
            kind=NodeKind.COMMITTEE,
            name="红星机械集团有限公司党委",
            code="HX-DW",
            unit_name="红星机械集团有限公司",
            established_on=datetime.date(1985, 7, 1),
        )
        nodes = {committee.name: committee}
        for i, (kind, name, parent, _weight, dept) in enumerate(STRUCTURE, start=1):
            parent_node = nodes[parent] if parent else committee
            parent_node.refresh_from_db()
            nodes[name] = node_create(
                actor=None,
                parent=parent_node,
                kind=kind,
                name=name,
                code=f"HX-{i:03d}",
                unit_name=dept,
                established_on=datetime.date(2000 + i % 20, 1 + i % 12, 1),
            )
        for branch, count in GROUPS_FOR.items():
            for g in range(1, count + 1):
                parent_node = nodes[branch]
                parent_node.refresh_from_db()
                name = f"{branch.removesuffix('党支部')}第{'一二三四'[g - 1]}党小组"
                nodes[name] = node_create(actor=None, parent=parent_node, kind=NodeKind.GROUP, name=name)
        return nodes

    def _people(self, rng, nodes, total) -> list[Person]:
        today = timezone.localdate()
        branches = [
            (nodes[name], weight, dept) for kind, name, _p, weight, dept in STRUCTURE if kind == NodeKind.BRANCH
        ]
        groups_of = {
            b.pk: [n for n in nodes.values() if n.kind == NodeKind.GROUP and n.path.startswith(b.path)]
            for b, _w, _d in branches
        }
        weight_sum = sum(w for _b, w, _d in branches)
        statuses, status_weights = zip(*STATUS_WEIGHTS, strict=True)
        batch, created = [], []
        seq = 0
        for branch, weight, dept in branches:
            share = max(3, round(total * weight / weight_sum)) if branch.name != "青年创新党支部" else 4
            for _ in range(share):
                if seq >= total:
                    break
                seq += 1
                status = rng.choices(statuses, status_weights)[0]
                if branch.name == "青年创新党支部":  # a branch with too few full members, to show the warning
                    status = PoliticalStatus.FULL if seq % 2 else PoliticalStatus.ACTIVIST
                birth = datetime.date(1958, 1, 1) + datetime.timedelta(days=rng.randrange(0, 46 * 365))
                if branch.name == "离退休党支部":
                    birth = datetime.date(1945, 1, 1) + datetime.timedelta(days=rng.randrange(0, 15 * 365))
                joined = full = None
                if status in (PoliticalStatus.FULL, PoliticalStatus.PROBATIONARY):
                    joined = min(
                        today - datetime.timedelta(days=30),
                        birth + relativedelta(years=22) + datetime.timedelta(days=rng.randrange(0, 20 * 365)),
                    )
                    if status == PoliticalStatus.PROBATIONARY:
                        joined = today - datetime.timedelta(days=rng.randrange(30, 360))
                    else:
                        full = joined + relativedelta(years=1)
                        if full > today:
                            joined, full = today - relativedelta(years=2), today - relativedelta(years=1)
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
                        phone=f"13{rng.randrange(100000000, 999999999)}",
                        email=f"user{seq}@hongxing.example",
                        political_status=status,
                        joined_on=joined,
                        full_member_on=full,
                        id_number=f"33{seq:07d}{birth:%Y%m%d}X",
                    )
                )
                if len(batch) >= 5000:
                    created += Person.objects.bulk_create(batch)
                    batch = []
        # Whatever rounding left over goes to the largest branch.
        largest = nodes["一车间党支部"]
        while seq < total:
            seq += 1
            batch.append(
                Person(
                    node=largest,
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    political_status=PoliticalStatus.FULL,
                    full_member_on=today - relativedelta(years=3),
                    joined_on=today - relativedelta(years=4),
                    id_number=f"33{seq:07d}19800101X",
                )
            )
            if len(batch) >= 5000:
                created += Person.objects.bulk_create(batch)
                batch = []
        created += Person.objects.bulk_create(batch)
        return created

    def _committees(self, rng, nodes, people) -> None:
        """Branch committees where a branch has 7 or more full members; one term expiring soon."""
        today = timezone.localdate()
        titles = {t.code: t for t in PostTitle.objects.all()}
        by_branch: dict[int, list[Person]] = {}
        for person in people:
            by_branch.setdefault(person.node_id, []).append(person)
        posts = []
        for kind, name, _parent, _w, _d in STRUCTURE:
            node = nodes[name]
            subtree_people = [
                p for n in nodes.values() if n.path.startswith(node.path) for p in by_branch.get(n.pk, [])
            ]
            full = [p for p in subtree_people if p.political_status == PoliticalStatus.FULL]
            if not full:
                continue
            if kind == NodeKind.GENERAL_BRANCH or len(full) >= 7:
                elected = today - relativedelta(years=rng.randrange(0, 3), months=rng.randrange(0, 11))
                if name == "二车间党支部":  # a term ending in about 40 days, to show the reminder
                    elected = today + datetime.timedelta(days=40) - relativedelta(years=3)
                if name == "市场营销党支部":  # an overdue election
                    elected = today - relativedelta(years=3, months=2)
                Term.objects.create(
                    node=node,
                    number=rng.randrange(2, 8),
                    elected_on=elected,
                    term_years=3,
                    expires_on=elected + relativedelta(years=3),
                )
                codes = ["secretary", "organisation_member", "propaganda_member", "discipline_member", "branch_member"]
                for code, person in zip(codes[: 3 if len(full) < 15 else 5], full, strict=False):
                    posts.append(Post(person=person, node=node, title=titles[code], started_on=elected))
            else:
                posts.append(
                    Post(
                        person=full[0], node=node, title=titles["secretary"], started_on=today - relativedelta(years=1)
                    )
                )
        for group in (n for n in nodes.values() if n.kind == NodeKind.GROUP):
            members = [p for p in by_branch.get(group.pk, []) if p.political_status == PoliticalStatus.FULL]
            if members:
                posts.append(
                    Post(
                        person=members[0],
                        node=group,
                        title=titles["group_leader"],
                        started_on=today - relativedelta(years=1),
                    )
                )
        Post.objects.bulk_create(posts)
        committee = next(n for n in nodes.values() if n.kind == NodeKind.COMMITTEE)
        term_open(actor=None, node=committee, elected_on=today - relativedelta(years=2, months=3), today=today)

    def _accounts(self, nodes) -> None:
        User = get_user_model()
        committee = next(n for n in nodes.values() if n.kind == NodeKind.COMMITTEE)
        titles = {t.code: t for t in PostTitle.objects.all()}
        today = timezone.localdate()
        for username, title_code, branch, status, _desc in ACCOUNTS:
            user = User.objects.create_user(
                username=username, password=DEMO_PASSWORD, email=f"{username}@hongxing.example"
            )
            if username == "admin":
                user.is_staff = user.is_superuser = True
                user.save()
                continue
            node = nodes[branch] if branch else committee
            holder = None
            if title_code:
                holder = (
                    Post.objects.filter(node=node, title__code=title_code, ended_on__isnull=True)
                    .select_related("person")
                    .first()
                )
            if holder is not None:
                person = holder.person
            else:
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
                if person is None or (branch is None and node.kind == NodeKind.COMMITTEE):
                    person = Person.objects.create(
                        node=nodes["综合办公室党支部"],
                        name=f"{SURNAMES[len(username) % 40]}{GIVEN[len(username) % 50]}明",
                        political_status=status or PoliticalStatus.FULL,
                        full_member_on=datetime.date(2010, 7, 1),
                        joined_on=datetime.date(2009, 7, 1),
                        phone="13800000000",
                        email=f"{username}@hongxing.example",
                    )
                if title_code:
                    Post.objects.create(
                        person=person, node=node, title=titles[title_code], started_on=today - relativedelta(years=1)
                    )
            person.user = user
            person.email = person.email or user.email
            person.save(update_fields=["user", "email"])
            access_sync_user(user=user, today=today)

    def _print_accounts(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        for username, _t, _b, _s, desc in ACCOUNTS:
            self.stdout.write(f"  {username:<18} {desc}")
