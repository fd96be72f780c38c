"""Helpers of the appraisal tests: a branch of members on the roll, an appraisal, a survey and a report opened by
the secretary through the services."""

from __future__ import annotations

import datetime

import pytest

from apps.appraisal.services import appraisal_open, report_open, survey_open
from apps.people.choices import PoliticalStatus
from tests.conftest import _person_with_login
from tests.dates import TODAY

D = datetime.date
OPENS = TODAY - datetime.timedelta(days=2)
CLOSES = TODAY + datetime.timedelta(days=5)


class Ballots:
    def __init__(self, world):
        self.world = world

    def voters(self, n: int, node=None, prefix="voter"):
        """``n`` more full members with a login in branch A (or ``node``)."""
        node = node or self.world.branch_a
        return [_person_with_login(f"{prefix}{i}", node, PoliticalStatus.FULL) for i in range(n)]

    def appraisal(self, who="secretary_a", node=None, **kw):
        return appraisal_open(
            actor=self.world.users[who],
            node=node or self.world.branch_a,
            year=kw.pop("year", 2026),
            held_on=kw.pop("held_on", OPENS),
            opens_on=kw.pop("opens_on", OPENS),
            closes_on=kw.pop("closes_on", CLOSES),
            **kw,
        )

    def survey(self, who="secretary_a", node=None, **kw):
        return survey_open(
            actor=self.world.users[who],
            node=node or self.world.branch_a,
            year=kw.pop("year", 2026),
            title=kw.pop("title", "2026年度党支部工作满意度测评"),
            audience=kw.pop("audience", "members"),
            opens_on=kw.pop("opens_on", OPENS),
            closes_on=kw.pop("closes_on", CLOSES),
            questions=kw.pop("questions", ["支部班子建设", "三会一课开展"]),
            **kw,
        )

    def report(self, who="secretary_a", node=None, **kw):
        return report_open(
            actor=self.world.users[who],
            node=node or self.world.branch_a,
            year=kw.pop("year", 2026),
            reporter=kw.pop("reporter", self.world.people["secretary_a"]),
            held_on=kw.pop("held_on", OPENS),
            opens_on=kw.pop("opens_on", OPENS),
            closes_on=kw.pop("closes_on", CLOSES),
            **kw,
        )


@pytest.fixture
def ballots(world):
    return Ballots(world)
