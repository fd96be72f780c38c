"""Holiday names are keys with translated labels, not the calendar package's English names."""

import datetime
import importlib

import chinese_calendar
import pytest
from django.urls import reverse
from django.utils import translation

from apps.workdays.models import CalendarDay, HolidayName
from apps.workdays.services import calendar_year_load
from tests.conftest import sign_in


def test_every_holiday_of_the_package_has_a_translated_name():
    keys = importlib.import_module("apps.workdays.migrations.0003_holiday_names").KEYS
    assert {h.value: h.name for h in chinese_calendar.Holiday} == keys
    assert set(keys.values()) == set(HolidayName.values)


def test_national_day_reads_in_the_users_language(db):
    day = CalendarDay.objects.get(date=datetime.date(2026, 10, 1))
    assert day.name == HolidayName.NATIONAL_DAY
    with translation.override("zh-hans"):
        assert day.get_name_display() == "国庆节"
    with translation.override("en"):
        assert day.get_name_display() == "National Day"
    workday = CalendarDay.objects.get(date=datetime.date(2026, 10, 10))  # the Saturday worked for National Day
    assert workday.name == HolidayName.NATIONAL_DAY


@pytest.mark.usefixtures("today")
def test_the_admins_calendar_shows_chinese_holiday_names(client, world):
    sign_in(client, world.users["admin"])
    page = client.get(reverse("admin:workdays_calendarday_changelist"), {"date__year": "2026"}).content.decode()
    assert "国庆节" in page and "春节" in page
    assert "National Day" not in page and "Spring Festival" not in page


def test_a_years_arrangement_loaded_by_hand_keeps_its_names(db):
    entry = calendar_year_load(
        actor=None,
        year=2030,
        holidays={datetime.date(2030, 10, 1): HolidayName.NATIONAL_DAY},
        workdays={},
        source="国务院办公厅通知",
    )
    assert entry.year == 2030
    assert CalendarDay.objects.get(date=datetime.date(2030, 10, 1)).get_name_display() in ("国庆节", "National Day")
