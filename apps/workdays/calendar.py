"""Working-day arithmetic over the calendar held as data (pure: no database access here).

A working day is Monday to Friday unless it is a holiday, plus any weekend day marked as a working day (调休).
A result that passes through a year whose arrangement is not loaded is *provisional*.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

# How many calendar days to load for a count of working days. A plain week holds five working days (1.4 calendar days
# each, so ``3 * n`` leaves room for every holiday week inside a long window), and the margin covers the longest runs
# without a working day that the State Council arranges (Spring Festival and National Day: up to nine days off with
# the weekends around them) more than twice over. ``calendar_add_working_days`` checks its result against the span
# all the same, so a span too short could cost a second query, never a wrong date.
CALENDAR_DAYS_PER_WORKING_DAY = 3
CALENDAR_SPAN_MARGIN_DAYS = 40


def calendar_span_for(working_days: int) -> int:
    """Calendar days that certainly contain ``working_days`` working days from any start."""
    return working_days * CALENDAR_DAYS_PER_WORKING_DAY + CALENDAR_SPAN_MARGIN_DAYS


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[datetime.date] = field(default_factory=frozenset)
    workdays: frozenset[datetime.date] = field(default_factory=frozenset)
    known_years: frozenset[int] = field(default_factory=frozenset)

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: datetime.date, count: int) -> tuple[datetime.date, bool]:
        """The ``count``-th working day counting ``start`` itself if it is one; and whether it is provisional.

        A 公示 opened on Monday 2026-09-28 for 5 working days runs 9/28, 9/29, 9/30, 10/8 and 10/9.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        day, seen, provisional = start, 0, False
        while True:
            provisional = provisional or day.year not in self.known_years
            if self.is_working_day(day):
                seen += 1
                if seen == count:
                    return day, provisional
            day += datetime.timedelta(days=1)

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days from ``start`` to ``end``, both included."""
        days, day = 0, start
        while day <= end:
            days += self.is_working_day(day)
            day += datetime.timedelta(days=1)
        return days
