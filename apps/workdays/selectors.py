from __future__ import annotations

import datetime

from .calendar import WorkCalendar, calendar_span_for
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


def calendar_add_working_days(*, start: datetime.date, count: int) -> tuple[datetime.date, bool]:
    """The ``count``-th working day counting ``start`` (``WorkCalendar.add_working_days``) and whether it is
    provisional, loading only the span of the calendar it needs."""
    end = start + datetime.timedelta(days=calendar_span_for(count))
    day, provisional = calendar_load(start=start, end=end).add_working_days(start, count)
    if day > end:  # the span was too short after all: a date past it would ignore its holidays, so load them all
        day, provisional = calendar_load(start=start).add_working_days(start, count)
    return day, provisional
