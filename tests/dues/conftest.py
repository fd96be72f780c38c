"""Helpers of the dues tests: bases, months and payments through the services, as the branch records them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from apps.dues.services import base_declare, dues_pay, month_open
from tests.dates import TODAY, at

D = datetime.date
JAN_2025 = D(2025, 1, 1)


class Dues:
    def __init__(self, world):
        self.world = world

    def base(self, person, category="employed", income="4500.00", applies_from=JAN_2025, who="secretary_a", **kw):
        return base_declare(
            actor=self.world.users[who],
            person=person,
            category=category,
            income=Decimal(income) if income is not None else None,
            applies_from=applies_from,
            today=TODAY,
            **kw,
        )

    def open(self, month, node=None, who="secretary_a", today=TODAY):
        return month_open(actor=self.world.users[who], node=node or self.world.branch_a, month=month, today=today)

    def pay(self, person, *months, paid_on, who="secretary_a", now=None, **kw):
        return dues_pay(
            actor=self.world.users[who],
            person=person,
            months=list(months),
            paid_on=paid_on,
            method=kw.pop("method", "cash"),
            now=now or at(max(paid_on, TODAY)),
            **kw,
        )


@pytest.fixture
def dues(world):
    return Dues(world)
