"""Entering a year's holiday arrangement (published each year by the State Council)."""

from __future__ import annotations

import datetime

from django.db import transaction

from apps.audit.services import audit_record

from .models import CalendarDay, CalendarYear, DayKind


@transaction.atomic
def calendar_year_load(
    *, actor, year: int, holidays: dict[datetime.date, str], workdays: dict[datetime.date, str], source: str
) -> CalendarYear:
    """Replace a year's exceptions with an arrangement; weekend holidays are implied and not stored."""
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=d, kind=DayKind.HOLIDAY, name=n)
            for d, n in holidays.items()
            if d.year == year and d.weekday() < 5
        ]
        + [CalendarDay(date=d, kind=DayKind.WORKDAY, name=n) for d, n in workdays.items() if d.year == year]
    )
    entry, _created = CalendarYear.objects.update_or_create(year=year, defaults={"source": source, "complete": True})
    audit_record(actor=actor, action="calendar.year_loaded", target=entry, note=source)
    return entry


def calendar_load_packaged_years(*, actor=None, years: range | None = None) -> list[int]:
    """Load the years the ``chinesecalendar`` package knows (2004 to its last year)."""
    import chinese_calendar

    known = {d.year for d in chinese_calendar.holidays}
    key = {holiday.value: holiday.name for holiday in chinese_calendar.Holiday}  # English name -> HolidayName
    loaded = []
    for year in sorted(known if years is None else set(years) & known):
        calendar_year_load(
            actor=actor,
            year=year,
            holidays={d: key.get(n, "") for d, n in chinese_calendar.holidays.items() if d.year == year},
            workdays={d: key.get(n, "") for d, n in chinese_calendar.workdays.items() if d.year == year},
            source="chinesecalendar 1.11.0",
        )
        loaded.append(year)
    return loaded
