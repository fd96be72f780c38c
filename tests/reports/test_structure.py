"""The membership structure report: each dimension in the order of the annual Party statistics, and who came onto
and went off the roll of the runner's organisations in the year, from the membership history."""

from __future__ import annotations

import datetime

import pytest
from django.utils.translation import gettext as _

from apps.membership.choices import PeriodEnd, PeriodStart
from apps.membership.models import MembershipPeriod
from apps.membership.selectors import roll_changes_for
from apps.reports import catalogue
from tests.factories import PersonFactory

YEAR = 2026
DAY = datetime.date(YEAR, 11, 22)
D = datetime.date


def _table(user, year=YEAR):
    table = catalogue.get("membership_structure").rows(user=user, params={"year": year}, today=DAY)
    return table, list(table.rows)


def _period(person, node, start, end=None, began=PeriodStart.MIGRATED, ended=""):
    return MembershipPeriod.objects.create(
        person=person, node=node, started_on=start, ended_on=end, began=began, ended=ended
    )


def _person(node, **fields):
    return PersonFactory(node=node, membership=False, **fields)


@pytest.fixture
def history(world):
    """In branch A: an admission in March, a death the day before the year and one on its first day; a member
    moved from branch A to branch B within the committee on 1 June (the period in A ends the day before)."""
    admitted = _person(world.branch_a, joined_on=D(YEAR, 3, 1), full_member_on=None, political_status="probationary")
    _period(admitted, world.branch_a, D(YEAR, 3, 1), began=PeriodStart.ADMISSION)
    before = _person(world.branch_a, is_active=False)
    _period(before, world.branch_a, D(2010, 7, 1), D(YEAR - 1, 12, 31), ended=PeriodEnd.DEATH)
    first_day = _person(world.branch_a, is_active=False)
    _period(first_day, world.branch_a, D(2010, 7, 1), D(YEAR, 1, 1), ended=PeriodEnd.DEATH)
    moved = _person(world.branch_b)
    _period(moved, world.branch_a, D(2010, 7, 1), D(YEAR, 5, 31), ended=PeriodEnd.TRANSFER)
    _period(moved, world.branch_b, D(YEAR, 6, 1), began=PeriodStart.TRANSFER)
    return world


@pytest.mark.django_db
def test_joined_and_left_in_the_year_come_from_the_membership_history(history):
    staff = history.users["staff"]
    base = roll_changes_for(user=staff, since=D(YEAR, 1, 1), until=D(YEAR, 12, 31))
    # the committee: the admission and the death on 1 January; the move between its branches changes no roll
    assert base.joined.get(PeriodStart.ADMISSION) == 1 and PeriodStart.TRANSFER not in base.joined
    assert base.left == {PeriodEnd.DEATH: 1}
    # the year before holds the death of 31 December
    assert roll_changes_for(user=staff, since=D(YEAR - 1, 1, 1), until=D(YEAR - 1, 12, 31)).left == {PeriodEnd.DEATH: 1}
    # branch A sees the member leave by the transfer, branch B sees them come
    branch_a = roll_changes_for(user=history.users["secretary_a"], since=D(YEAR, 1, 1), until=D(YEAR, 12, 31))
    branch_b = roll_changes_for(user=history.users["secretary_b"], since=D(YEAR, 1, 1), until=D(YEAR, 12, 31))
    assert branch_a.left == {PeriodEnd.DEATH: 1, PeriodEnd.TRANSFER: 1}
    assert branch_b.joined == {PeriodStart.TRANSFER: 1} and branch_b.left == {}


@pytest.mark.django_db
def test_the_report_shows_the_year_totals_and_each_way(history):
    table, rows = _table(history.users["secretary_a"])
    joined = [r for r in rows if r[0] == _("Came onto the roll in the year")]
    left = [r for r in rows if r[0] == _("Left in the year")]
    assert joined[0][1:3] == (_("Total"), table.totals["joined"])
    assert left[0][1:3] == (_("Total"), table.totals["left"]) and table.totals["left"] == 2
    assert sum(r[2] for r in left[1:]) == table.totals["left"]
    assert {r[1]: r[2] for r in left[1:]} == {str(PeriodEnd.DEATH.label): 1, str(PeriodEnd.TRANSFER.label): 1}


@pytest.mark.django_db
def test_a_year_without_leavers_still_says_so(world):
    table, rows = _table(world.users["staff"], year=2015)
    left = [r for r in rows if r[0] == _("Left in the year")]
    assert left == [(_("Left in the year"), _("Total"), 0, None)] and table.totals["left"] == 0


@pytest.mark.django_db
def test_each_dimension_in_its_order_not_by_count(world):
    for born, gender in ((D(1960, 1, 1), "f"), (D(1961, 1, 1), "f"), (D(1962, 1, 1), "m"), (None, "")):
        PersonFactory(node=world.branch_a, birth_date=born, gender=gender)  # more women, more old, one unknown
    _table_, rows = _table(world.users["staff"])
    ages = [r[1] for r in rows if r[0] == _("Age")]
    assert ages[-1] == _("Not recorded")
    bands = [a for a in ages if a != _("Not recorded")]
    assert bands == sorted(bands, key=lambda a: int("".join(c if c.isdigit() else " " for c in a).split()[0]))
    genders = [r[1] for r in rows if r[0] == _("Gender")]
    assert genders[-1] == _("Not recorded") and genders.index(_("Male")) < genders.index(_("Female"))
