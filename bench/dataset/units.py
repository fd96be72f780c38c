"""The organisations of one base committee, its people, and the posts and terms of its committees."""

from __future__ import annotations

import datetime
from collections import defaultdict

from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode

from . import shape
from .run import Run

D = datetime.timedelta


def tree(run: Run, index: int, plan: shape.CommitteePlan) -> tuple[list[dict], list[tuple[dict, shape.BranchPlan]]]:
    """The committee's nodes with their materialised paths; ``nodes[0]`` is the committee."""
    code = f"BC{index:04d}"
    committee = _node(
        None,
        index,
        NodeKind.COMMITTEE,
        plan.name,
        len(plan.direct) + len(plan.generals),
        code=code,
        unit_name=plan.unit_name,
        established_on=datetime.date(1980 + index % 40, 7, 1),
    )
    nodes, branches = [committee], []

    def branch(parent: dict, position: int, bp: shape.BranchPlan) -> None:
        number = len(branches) + 1
        node = _node(
            parent,
            position,
            NodeKind.BRANCH,
            bp.name,
            bp.groups,
            code=f"{code}-{number:03d}",
            unit_name=bp.unit_name,
            established_on=datetime.date(1990 + number % 30, 1 + number % 12, 1),
        )
        nodes.append(node)
        branches.append((node, bp))
        for g in range(1, bp.groups + 1):
            name = f"{bp.name.removesuffix('党支部')}第{shape.ORDINALS[g - 1]}党小组"
            nodes.append(_node(node, g, NodeKind.GROUP, name, 0))

    for position, gp in enumerate(plan.generals, start=1):
        general = _node(
            committee,
            position,
            NodeKind.GENERAL_BRANCH,
            gp.name,
            len(gp.branches),
            code=f"{code}-G{position:02d}",
            unit_name=plan.unit_name,
        )
        nodes.append(general)
        for child, bp in enumerate(gp.branches, start=1):
            branch(general, child, bp)
    for position, bp in enumerate(plan.direct, start=len(plan.generals) + 1):
        branch(committee, position, bp)
    for node, pk in zip(nodes, run.t.node.ids(len(nodes)), strict=True):
        node["id"] = pk
        run.t.node.add(node)
    run.t.policy.add({"committee_id": committee["id"]})
    run.totals.nodes += len(nodes)
    return nodes, branches


def _node(parent: dict | None, position: int, kind: str, name: str, numchild: int, **fields) -> dict:
    """A node's row: its path is the parent's plus its position among the siblings (1, 2, … in base 36)."""
    depth = parent["depth"] + 1 if parent else 1
    path = OrgNode._get_path(parent["path"] if parent else None, depth, position)
    return {"path": path, "depth": depth, "numchild": numchild, "kind": kind, "name": name, **fields}


def people(run: Run, nodes: list[dict], branches) -> dict[int, list[dict]]:
    """Everyone of the committee, by branch id; the members of a branch with party groups sit in a group."""
    groups_of = defaultdict(list)
    for node in nodes:
        if node["kind"] == NodeKind.GROUP:
            groups_of[node["path"][: -OrgNode.steplen]].append(node["id"])
    by_branch = {}
    for node, bp in branches:
        statuses = shape.statuses_for(run.rng, bp.size)
        ids = run.t.person.ids(len(statuses))
        people = by_branch[node["id"]] = []
        for i, (status, pk) in enumerate(zip(statuses, ids, strict=True)):
            run.seq += 1
            person = _person(run, pk, status, node, groups_of.get(node["path"]), i, bp.unit_name)
            run.t.person.add(person)
            people.append(person)
            if person["joined_on"]:  # a member on the roll: their membership period since the admission (ADR 8)
                run.t.period.add(_period(person))
    run.totals.people += sum(len(p) for p in by_branch.values())
    return by_branch


def _person(run: Run, pk: int, status: str, branch: dict, groups, i: int, department: str) -> dict:
    rng, today = run.rng, run.today
    member = status in ("full", "probationary")
    age = rng.randint(23 * 366, 68 * 365) if member else rng.randint(21 * 366, 40 * 365)  # in days
    birth = today - D(days=age)
    joined = full = None
    if status == "full":
        latest = max(min(40 * 365, age - 4 * 365 - 1), 22 * 365)  # most joined more than four years ago
        joined = min(birth + D(days=rng.randint(22 * 365, latest)), today - D(days=480))
        if rng.random() < 0.04:  # admitted lately: the closed case is on file
            joined = today - D(days=rng.randint(480, shape.CLOSED_FULL_YEARS * 365))
        full = joined + D(days=365)
    elif status == "probationary":
        joined = today - D(days=rng.randint(65, 360))
    return {
        "id": pk,
        "node_id": groups[i % len(groups)] if groups and member else branch["id"],
        "name": shape.person_name(rng),
        "gender": rng.choice("mf"),
        "birth_date": birth,
        "ethnicity": "汉族" if rng.random() < 0.9 else rng.choice(("回族", "满族", "壮族", "蒙古族")),
        "education": rng.choice(("secondary", "college", "bachelor", "bachelor", "master", "doctor")),
        "work_unit": department,
        "job_title": rng.choice(("职员", "工程师", "技术员", "主管", "操作工", "经理", "教师", "医生")),
        "phone": f"13{rng.randrange(100000000, 999999999)}",
        "email": f"u{run.seq}@bench.example",
        "political_status": status,
        "joined_on": joined,
        "full_member_on": full,
        "id_number": f"33{run.seq:07d}{birth:%Y%m%d}X",
        "created_at": run.now,
    }


def _period(person: dict) -> dict:
    return {
        "person_id": person["id"],
        "node_id": person["node_id"],
        "started_on": person["joined_on"],
        "ended_on": None,
        "began": "migrated",
        "ended": "",
        "decision": "",
        "transfer_id": None,
    }


def posts(run: Run, nodes: list[dict], by_branch: dict[int, list[dict]]) -> None:
    """Committee, general branch and branch committees (a branch of 7 or more full members elects one, §2018
    regulations), a secretary for the smaller ones, a leader for each party group; terms, a few past due."""
    rng, today, step = run.rng, run.today, OrgNode.steplen
    path_of = {n["id"]: n["path"] for n in nodes}
    full_under, full_in = defaultdict(list), defaultdict(list)
    for branch_id, people in by_branch.items():
        path = path_of[branch_id]
        for person in people:
            if person["political_status"] == "full":
                full_in[person["node_id"]].append(person["id"])
                for end in range(step, len(path) + 1, step):
                    full_under[path[:end]].append(person["id"])

    def hold(node, codes, people, started):
        for code, person in zip(codes, people, strict=False):
            run.t.post.add(
                {"person_id": person, "node_id": node["id"], "title_id": run.titles[code], "started_on": started}
            )

    def term(node, years):
        elected = today - D(days=rng.randint(30, years * 365 + 60))  # a few are past their end: elections due
        expires = datetime.date(elected.year + years, elected.month, min(elected.day, 28))
        run.t.term.add(
            {
                "node_id": node["id"],
                "number": rng.randint(2, 9),
                "elected_on": elected,
                "term_years": years,
                "expires_on": expires,
            }
        )
        return elected

    for node in nodes:
        full = full_under.get(node["path"], [])
        if node["kind"] == NodeKind.COMMITTEE:
            codes = ["committee_secretary", "committee_deputy"] + ["committee_member"] * 5
            codes += ["organiser", "organiser", "party_clerk"]
            hold(node, codes, rng.sample(full, min(len(codes), len(full))), term(node, 5))
        elif node["kind"] == NodeKind.GENERAL_BRANCH:
            hold(node, ["secretary", "organisation_member", "propaganda_member"], rng.sample(full, 3), term(node, 3))
        elif node["kind"] == NodeKind.BRANCH and len(full) >= 7:
            codes = ["secretary", "organisation_member", "propaganda_member"]
            codes += ["discipline_member", "branch_member"] if len(full) >= 15 else []
            hold(node, codes, full, term(node, 3))
        elif node["kind"] == NodeKind.BRANCH:
            hold(node, ["secretary"], full, today - D(days=rng.randint(60, 900)))
        else:
            hold(node, ["group_leader"], full_in[node["id"]], today - D(days=rng.randint(60, 900)))
