import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from apps.assessment.models import BandSet
from apps.assessment.services import indicator_save, scheme_create, scheme_publish, sheets_assign
from tests.dates import TODAY, at
from tests.orglife.conftest import held, meet  # noqa: F401  (meetings recorded through the services)

D = datetime.date
YEAR = TODAY.year


def build_scheme(world, *, year=YEAR, publish=True, data=True, veto=True):
    """The committee's scheme: A (20, its children may exceed it) → A1 deduct, A2 graded, A3 bonus, A4 veto;
    B (80) → B1 graded; with a data indicator D1 (meetings owed and not held) under A when ``data``."""
    staff = world.users["staff"]
    scheme = scheme_create(
        actor=staff,
        assessing_node=world.committee,
        year=year,
        name="基层党组织党建工作目标责任制考核",
        band_set=BandSet.objects.get(name="好/较好/一般/较差"),
    )
    a = indicator_save(
        actor=staff, scheme=scheme, values={"code": "A", "title": "组织建设", "max_points": Decimal(20), "order": 1}
    )
    b = indicator_save(
        actor=staff, scheme=scheme, values={"code": "B", "title": "作用发挥", "max_points": Decimal(80), "order": 2}
    )
    leaves = [
        (
            a,
            {
                "code": "A1",
                "title": "三会一课",
                "max_points": Decimal(10),
                "mode": "deduct",
                "params": {"points": "0.5"},
            },
        ),
        (
            a,
            {
                "code": "A2",
                "title": "支部班子",
                "max_points": Decimal(5),
                "mode": "graded",
                "params": {"grades": {"好": 5, "较好": 4, "一般": 2, "较差": 0}},
                "evidence_required": True,
            },
        ),
        (
            a,
            {
                "code": "A3",
                "title": "创新加分",
                "max_points": Decimal(3),
                "mode": "bonus",
                "params": {"points": 1, "cap": 3},
            },
        ),
        (
            b,
            {
                "code": "B1",
                "title": "作用发挥",
                "max_points": Decimal(80),
                "mode": "graded",
                "params": {"grades": {"好": 80, "较好": 64, "一般": 48, "较差": 0}},
            },
        ),
    ]
    if veto:
        leaves.append((a, {"code": "A4", "title": "违纪", "mode": "veto", "params": {"caps_grade_at": "一般"}}))
    if data:
        leaves.append(
            (
                a,
                {
                    "code": "D1",
                    "title": "会议按时召开",
                    "max_points": Decimal(5),
                    "mode": "data",
                    "source": "orglife.meetings_missing",
                    "params": {"mode": "deduct", "points": "0.5"},
                },
            )
        )
    for order, (parent, values) in enumerate(leaves):
        indicator_save(actor=staff, scheme=scheme, values={**values, "parent": parent, "order": order})
    if publish:
        scheme = scheme_publish(actor=staff, scheme=scheme, now=at(TODAY))
        sheets_assign(actor=staff, scheme=scheme, nodes=[world.branch_a, world.branch_b], now=at(TODAY))
    return scheme


@pytest.fixture(autouse=True)
def _english():
    """The services' refusals read in English here (the site's default language is zh-Hans)."""
    with translation.override("en"):
        yield


@pytest.fixture
def scheme(world):
    return build_scheme(world)


@pytest.fixture
def plain_scheme(world):
    """No data indicator: nothing waits for records."""
    return build_scheme(world, data=False)
