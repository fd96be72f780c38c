from __future__ import annotations

import datetime

from .calendar import WorkCalendar
from .models import CalendarDay, CalendarYear, DayKind


def calendar_load(*, start: datetime.date | None = None, end: datetime.date | None = None) -> WorkCalendar:
    """The calendar between two dates (all of it when not given), in two queries."""
    days = CalendarDay.objects.all()
    if start is not None:
        days = days.filter(date__gte=start)
    if end is not None:
        days = days.filter(date__lte=end)
    holidays, workdays = set(), set()
    for date, kind in days.values_list("date", "kind"):
        (holidays if kind == DayKind.HOLIDAY else workdays).add(date)
    years = set(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(years))
