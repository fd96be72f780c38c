"""Helpers of the improvement tests: a finding at branch A and corrective actions on it, through the services."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from apps.improvement.services import action_create, action_move, finding_record
from tests.dates import TODAY

FOUND = TODAY - datetime.timedelta(days=30)


class Loop:
    def __init__(self, world):
        self.world = world

    def finding(self, who="secretary_a", node=None, found_on=FOUND, **kw):
        return finding_record(
            actor=self.world.users[who],
            node=node or self.world.branch_a,
            description=kw.pop("description", "三会一课记录不全"),
            found_on=found_on,
            **kw,
        )

    def action(self, who="secretary_a", owner="member_a", due_on=None, plan="补齐会议记录，每月检查。", finding=None):
        finding = finding or self.finding(who=who)
        return action_create(
            actor=self.world.users[who],
            finding=finding,
            title="补齐三会一课记录",
            owner=self.world.people[owner],
            due_on=due_on or TODAY + datetime.timedelta(days=10),
            plan=plan,
        )

    def opened(self, **kw):
        action = self.action(**kw)
        return action_move(actor=self.world.users[kw.get("who", "secretary_a")], action=action, move="open",
                           today=FOUND)  # fmt: skip


@pytest.fixture
def loop(world):
    return Loop(world)


@pytest.fixture(autouse=True)
def _english():
    """The services' refusals read in English here (the site's default language is zh-Hans)."""
    with translation.override("en"):
        yield
