"""Load the bench data set, one base committee at a time (one transaction each, so memory stays bounded by the
largest committee whatever the total size), every table through COPY (``tables.Table``), then check it, refresh
the planner's statistics, make the bench's logins and run the reminder sweep once.

Tree paths are built directly (treebeard's materialised path: four base-36 characters a level) instead of one
``add_child`` per node, and checked afterwards (``checks.tree_problems``).
"""

from __future__ import annotations

import datetime
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Q

from apps.disclosure.models import ChainHead
from apps.lifecycle.steps import OPEN_STAGES
from apps.notifications.sweep import sweep
from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode, Post
from apps.organisations.overview_cache import org_data_changed
from apps.organisations.services import access_sync_user
from apps.people.models import Person

from . import shape
from .cases import cases
from .checks import dangling_references, tree_problems
from .notices import disclosures
from .run import Run, Totals
from .units import people, posts, tree

PASSWORD = "bench-pass-2026"


def committee(run: Run, index: int, plan: shape.CommitteePlan) -> None:
    with transaction.atomic():
        nodes, branches = tree(run, index, plan)
        by_branch = people(run, nodes, branches)
        posts(run, nodes, by_branch)
        cases(run, nodes[0], branches, by_branch)
        disclosures(run, nodes)
        run.t.flush()


def accounts(*, today: datetime.date, busiest: OrgNode) -> dict[str, str]:
    """The logins the bench measures with: the superuser, the organiser (组织员) of the busiest base committee, and
    the secretary of that committee's branch with the most open cases."""
    User = get_user_model()
    User.objects.create_superuser(username="admin", password=PASSWORD, email="admin@bench.example")
    organiser = Post.objects.filter(node=busiest, title__code="organiser").select_related("person").order_by("pk")[0]
    branch = (
        OrgNode.objects.filter(kind=NodeKind.BRANCH, path__startswith=busiest.path)
        .annotate(n=Count("development_cases", filter=Q(development_cases__stage__in=OPEN_STAGES)))
        .order_by("-n", "pk")[0]
    )
    secretary = Post.objects.filter(node=branch, title__code="secretary").select_related("person")[0]
    made = {"admin": "superuser"}
    for username, person, where in (
        ("bench_committee", organiser.person, busiest.name),
        ("bench_secretary", secretary.person, branch.name),
    ):
        user = User.objects.create_user(username=username, password=PASSWORD, email=f"{username}@bench.example")
        Person.objects.filter(pk=person.pk).update(user=user)
        access_sync_user(user=user, today=today)
        made[username] = f"{person.name}, {where}"
    return made


def _without_constraint_triggers() -> bool:
    """Load with the foreign-key triggers off, as pg_restore --disable-triggers does (they cost more than the
    inserts at commit); ``dangling_references`` checks the same afterwards in one query per key. Needs a
    superuser: otherwise the triggers stay on and the load is just slower."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SET session_replication_role = replica")
    return True


def build(*, members: int, seed: int, today: datetime.date, now: datetime.datetime, log, fast: bool = True) -> Totals:
    """Load the data set into an empty, migrated database. ``fast``: foreign-key triggers off during the load,
    every reference checked afterwards."""
    started = time.monotonic()
    run = Run(seed=seed, today=today, now=now)
    plans = shape.plan_tree(run.rng, members)
    unchecked = fast and _without_constraint_triggers()
    try:
        for index, plan in enumerate(plans, start=1):
            committee(run, index, plan)
            if index % 25 == 0:
                log(
                    f"  {index}/{len(plans)} committees, {run.totals.people} people, {time.monotonic() - started:.0f} s"
                )
    finally:
        if unchecked:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
    ChainHead.objects.update_or_create(key="head", defaults={"hash": run.chain, "count": run.totals.versions})
    org_data_changed()
    problems = tree_problems()
    if unchecked:
        problems.update(dangling_references(t.model for t in run.t.all()))
    if any(problems.values()):
        raise RuntimeError(f"the data set is not valid: { {k: v for k, v in problems.items() if v} }")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have them on a live database
    busiest = OrgNode.objects.get(pk=max(run.open_by_committee, key=run.open_by_committee.get))
    logins = accounts(today=today, busiest=busiest)
    reminders = sweep(today=today, now=now).created
    log(f"Loaded {run.totals.line()}, {reminders} reminders in {time.monotonic() - started:.1f} s.")
    log(f"Busiest base committee: {busiest.name} ({busiest.code}), {run.open_by_committee[busiest.pk]} open cases")
    for username, who in logins.items():
        log(f"  login {username} (password {PASSWORD}): {who}")
    return run.totals
