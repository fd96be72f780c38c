"""The tree of the demo: one base committee with general branches, about 20 branches and party groups, their terms
(one ending soon, one overdue) and posts, and the logins. ``apps.portal``'s ``seed_demo`` composes it with the
people (``apps.people.demo``) and the development cases (``apps.lifecycle.demo``)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model

from .choices import NodeKind
from .models import OrgNode, Post, PostTitle, Term
from .services import access_sync_user, node_create, term_open

DEMO_PASSWORD = "demo-pass-2026"
COMMITTEE_NAME = "红星机械集团有限公司党委"

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


def seed_tree() -> dict[str, OrgNode]:
    """The committee, its general branches, branches and groups, by name."""
    committee = node_create(
        actor=None,
        parent=None,
        kind=NodeKind.COMMITTEE,
        name=COMMITTEE_NAME,
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


def seed_committees(
    *, rng: random.Random, nodes: dict[str, OrgNode], full_members: dict[int, list], today: datetime.date
) -> None:
    """Branch committees where a branch has 7 or more full members; one term expiring soon, one overdue.

    ``full_members``: the full members on the roll of each node (by node id), in the order they were created.
    """
    titles = {t.code: t for t in PostTitle.objects.all()}
    posts = []
    for kind, name, _parent, _w, _d in STRUCTURE:
        node = nodes[name]
        full = [p for n in nodes.values() if n.path.startswith(node.path) for p in full_members.get(n.pk, [])]
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
                Post(person=full[0], node=node, title=titles["secretary"], started_on=today - relativedelta(years=1))
            )
    for group in (n for n in nodes.values() if n.kind == NodeKind.GROUP):
        members = full_members.get(group.pk, [])
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
    committee = nodes[COMMITTEE_NAME]
    term_open(actor=None, node=committee, elected_on=today - relativedelta(years=2, months=3), today=today)


def seed_login(
    *,
    username: str,
    node: OrgNode | None,
    title_code: str | None,
    person_for: Callable[[OrgNode], object],
    today: datetime.date,
):
    """One demo login: the administrator when ``node`` is None; else the person holding ``title_code`` at ``node``
    or, when nobody does (or no title is given), ``person_for(node)``, who then takes the post."""
    user = get_user_model().objects.create_user(
        username=username, password=DEMO_PASSWORD, email=f"{username}@hongxing.example"
    )
    if node is None:
        user.is_staff = user.is_superuser = True
        user.save()
        return user
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
        person = person_for(node)
        if title_code:
            Post.objects.create(
                person=person,
                node=node,
                title=PostTitle.objects.get(code=title_code),
                started_on=today - relativedelta(years=1),
            )
    person.user = user
    person.email = person.email or user.email
    person.save(update_fields=["user", "email"])
    access_sync_user(user=user, today=today)
    return user
