"""Working-day arithmetic over the calendar held as data (pure: no database access here).

A working day is Monday to Friday unless it is a holiday, plus any weekend day marked as a working day (调休).
A result that passes through a year whose arrangement is not loaded is *provisional*.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


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
