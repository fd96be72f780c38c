"""Months and arrears, pure: when a month's dues fall due, and the run of consecutive unpaid months (党章 第九条).

A month counts as unpaid when its due amount is not fully paid by the end of the ``grace`` months after it (a policy
value: 1, the end of the following month). Exempt months do not count: they neither add to a run nor break it. A
partly paid month is unpaid. The run is the current one: it ends with the latest month whose deadline has passed,
and a paid month (or a month the member owed nothing, not being on a roll) ends it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta

PAID, UNPAID, EXEMPT = "paid", "unpaid", "exempt"
ONE_DAY = datetime.timedelta(days=1)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    return month_of(month) + relativedelta(months=n)


def month_end(month: datetime.date) -> datetime.date:
    return add_months(month, 1) - ONE_DAY


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every month from ``first`` to ``last``, both included."""
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def deadline(month: datetime.date, grace: int) -> datetime.date:
    """The last day on which the month's dues are paid on time."""
    return month_end(add_months(month, grace))


def latest_closed(today: datetime.date, grace: int) -> datetime.date:
    """The latest month whose deadline has passed on ``today``."""
    return add_months(month_of(today), -(grace + 1))


def status(*, due: Decimal | None, paid: Decimal, exempt: bool) -> str:
    """A month's standing: exempt; paid when the due amount is paid in full (a month whose amount is not known yet
    counts as paid once something was paid for it); unpaid otherwise."""
    if exempt:
        return EXEMPT
    if due is None:
        return PAID if paid > 0 else UNPAID
    return PAID if paid >= due else UNPAID


def current_run(statuses: dict[datetime.date, str], last_closed: datetime.date) -> list[datetime.date]:
    """The unpaid months of the run ending with ``last_closed``, oldest first. ``statuses`` holds the months the
    member owed (a month missing from it was not owed and ends the run)."""
    run = []
    month = last_closed
    while month in statuses:
        if statuses[month] == PAID:
            break
        if statuses[month] == UNPAID:
            run.append(month)
        month = add_months(month, -1)
    return run[::-1]


def reached_on(run: list[datetime.date], months: int, grace: int) -> datetime.date | None:
    """The day the run reached ``months`` unpaid months: the day after the deadline of its ``months``-th month."""
    if months < 1 or len(run) < months:
        return None
    return deadline(run[months - 1], grace) + ONE_DAY


@dataclass
class Arrears:
    """One member's arrears on a day: the unpaid months whose deadline has passed, the current run, what is owed."""

    person_id: int
    unpaid: list[datetime.date]
    run: list[datetime.date]
    owed: Decimal

    def reached(self, months: int, grace: int) -> datetime.date | None:
        return reached_on(self.run, months, grace)


def arrears_of(
    rows: Iterable[tuple[int, datetime.date, Decimal | None, Decimal, bool]], *, last_closed: datetime.date
) -> dict[int, Arrears]:
    """``rows``: (person id, month, due, paid, exempt) of the months up to ``last_closed`` that are unpaid or exempt
    (paid months may be left out: a month missing from the rows ends a run). Returns the members with arrears."""
    by_person: dict[int, dict[datetime.date, str]] = {}
    owed: dict[int, Decimal] = {}
    for person_id, month, due, paid, exempt in rows:
        if month > last_closed:
            continue
        standing = status(due=due, paid=paid, exempt=exempt)
        by_person.setdefault(person_id, {})[month] = standing
        if standing == UNPAID:
            owed[person_id] = owed.get(person_id, Decimal(0)) + max((due or Decimal(0)) - paid, Decimal(0))
    result = {}
    for person_id, statuses in by_person.items():
        unpaid = sorted(m for m, s in statuses.items() if s == UNPAID)
        if unpaid:
            result[person_id] = Arrears(person_id, unpaid, current_run(statuses, last_closed), owed[person_id])
    return result
