"""Load the official holiday arrangements the chinesecalendar package carries (2004 to 2026).

Later years are entered by staff when the State Council publishes them; until then dates over them are provisional.
"""

import datetime

from django.db import migrations


def load(apps, schema_editor):
    import chinese_calendar

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    years = sorted({d.year for d in chinese_calendar.holidays})
    days = []
    # the package's holiday names are English; the key of its Holiday enum is stored (labels in HolidayName, 0003)
    key = {holiday.value: holiday.name for holiday in chinese_calendar.Holiday}
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            days.append(CalendarDay(date=day, kind="holiday", name=key.get(name, "")))
    for day, name in chinese_calendar.workdays.items():
        days.append(CalendarDay(date=day, kind="workday", name=key.get(name, "")))
    CalendarDay.objects.bulk_create(days, ignore_conflicts=True)
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source="chinesecalendar 1.11.0", complete=True) for y in years], ignore_conflicts=True
    )
    assert datetime.date(2026, 10, 10) in chinese_calendar.workdays


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
