"""The bench data set: the shape the bench measures against, a valid tree, every reference and the archive chain
intact, the same data for the same seed."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from apps.disclosure.chain import chain_breaks
from apps.disclosure.models import ChainHead, Notice, NoticeVersion
from apps.lifecycle.models import CaseWarning, DevelopmentCase, Vote
from apps.lifecycle.steps import OPEN_STAGES
from apps.notifications.models import Reminder
from apps.organisations.choices import VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import scope_paths
from apps.people.models import Person
from bench.dataset import shape
from bench.dataset.build import build
from bench.dataset.checks import dangling_references, tree_problems
from bench.dataset.run import Tables
from tests.dates import TODAY, at

MEMBERS = 1200


@pytest.fixture
def loaded(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the bench data set loads through PostgreSQL's COPY")
    return build(members=MEMBERS, seed=7, today=TODAY, now=at(TODAY), log=lambda line: None, fast=False)


def _people_per_branch() -> Counter:
    sizes = Counter()
    for kind, path in Person.objects.values_list("node__kind", "node__path"):
        sizes[path if kind == NodeKind.BRANCH else path[: -OrgNode.steplen]] += 1
    return sizes


def test_the_tree_is_valid_and_shaped_like_a_real_one(loaded):
    assert OrgNode.objects.find_problems() == ([], [], [], [], [])
    assert set(tree_problems().values()) == {0}
    kinds = Counter(OrgNode.objects.values_list("kind", flat=True))
    assert kinds[NodeKind.COMMITTEE] >= 1 and kinds[NodeKind.GENERAL_BRANCH] >= 1 and kinds[NodeKind.GROUP] >= 1
    assert abs(kinds[NodeKind.BRANCH] - MEMBERS / 35) <= MEMBERS / 35 * 0.3
    sizes = _people_per_branch()
    assert sum(sizes.values()) == Person.objects.count() == MEMBERS
    assert min(sizes.values()) >= 3 and max(sizes.values()) <= 100 + 2


def test_cases_at_every_stage_with_their_records_and_notices(loaded):
    stages = set(DevelopmentCase.objects.values_list("stage", flat=True))
    assert set(OPEN_STAGES) | {"full", "withdrawn"} <= stages
    assert not DevelopmentCase.objects.filter(stage__in=OPEN_STAGES, closed_on__isnull=False).exists()
    assert not DevelopmentCase.objects.exclude(stage__in=OPEN_STAGES).filter(closed_on__isnull=True).exists()
    # every case starts with its application; a probationary member's case has the approval on file
    assert not DevelopmentCase.objects.exclude(records__step="application_received").exists()
    assert not DevelopmentCase.objects.filter(stage="probationary").exclude(records__step="admission_approved").exists()
    assert Vote.objects.filter(due__gt=0, due__lte=100).count() == Vote.objects.count() > 0
    assert DevelopmentCase.objects.filter(stage__in=OPEN_STAGES, next_due_on__isnull=False).exists()
    assert CaseWarning.objects.exists() and Reminder.objects.exists()
    assert (
        Notice.objects.filter(kind="lifecycle").count()
        == DevelopmentCase.objects.filter(records__step="candidate_publicity").count()
    )


def test_every_reference_and_the_archive_chain_hold(loaded):
    assert set(dangling_references(t.model for t in Tables().all()).values()) == {0}
    head = ChainHead.objects.get(key="head")
    versions = NoticeVersion.objects.order_by("id")
    assert head.count == versions.count() > Notice.objects.exclude(status="draft").count() - 1
    assert list(chain_breaks(versions.iterator(), head.hash)) == []


def test_the_bench_logins_cover_the_busiest_committee(loaded):
    from django.contrib.auth import get_user_model

    committees = OrgNode.objects.filter(kind=NodeKind.COMMITTEE)
    busiest = max(
        committees,
        key=lambda c: DevelopmentCase.objects.filter(stage__in=OPEN_STAGES, branch__path__startswith=c.path).count(),
    )
    organiser = get_user_model().objects.get(username="bench_committee")
    assert scope_paths(organiser, VIEW_SCOPE) == [busiest.path]
    secretary = get_user_model().objects.get(username="bench_secretary")
    (path,) = scope_paths(secretary, VIEW_SCOPE)
    assert path.startswith(busiest.path) and OrgNode.objects.get(path=path).kind == NodeKind.BRANCH


def test_the_same_seed_gives_the_same_shape():
    first, second = shape.plan_tree(random.Random(3), 20_000), shape.plan_tree(random.Random(3), 20_000)
    assert first == second
    assert sum(c.people for c in first) == 20_000
    branches = [b for c in first for b in c.branches]
    assert abs(len(branches) - 20_000 / 35) < 60
    assert all(3 <= b.size <= 100 for b in branches)
    assert max(len(c.branches) for c in first) <= shape.COMMITTEE_BRANCHES_MAX
    rng = random.Random(5)
    assert shape.history(rng, "applicant", TODAY, None)[0][0] == "application_received"
