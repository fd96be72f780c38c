"""The notification centre in a real browser: the count in the header, the list, opening a reminder, the settings
with the calendar address, and the operations page of the admin; screenshots go to artifacts/screenshots/."""

import datetime

import pytest
from django.utils import timezone

from apps.lifecycle.services import case_open
from apps.notifications.models import Reminder
from apps.notifications.services import reminders_sweep
from tests.browser.test_lifecycle_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_notification_centre(browser, live_server, world, shot):
    base = live_server.url
    case = case_open(
        actor=world.users["secretary_a"],
        person=world.people["applicant_a"],
        branch=world.branch_a,
        application_on=timezone.localdate() - datetime.timedelta(days=25),
        today=timezone.localdate(),
    )
    reminders_sweep(clock=timezone.now)
    reminder = Reminder.objects.get(person=world.people["secretary_a"])

    page = _sign_in(browser, base, world.users["secretary_a"])
    badge = page.locator("header .bell .count")
    assert badge.inner_text() == "1"
    shot(page, "notifications_01_header_count")
    page.click("header .bell")
    page.wait_for_selector("ul.reminders li.unread")
    assert reminder.title in page.content()
    shot(page, "notifications_02_centre")
    page.click(f"text={reminder.title}")
    page.wait_for_url(f"**/development/cases/{case.pk}/")
    assert page.locator("header .bell .count").count() == 0
    reminder.refresh_from_db()
    assert reminder.read_at is not None

    page.goto(f"{base}/notifications/settings/")
    page.check("input[name=email_mode][value=immediate]")
    page.click("text=保存")
    page.wait_for_selector("text=提醒偏好已保存")
    page.click("text=生成日历地址")
    url = page.locator("#calendar-url").input_value()
    assert "/notifications/calendar/" in url and url.endswith(".ics")
    shot(page, "notifications_03_settings")
    feed = page.request.get(url)
    assert feed.status == 200 and "BEGIN:VEVENT" in feed.text()
    page.click("text=停用日历地址")
    page.wait_for_selector("text=您的日历地址已停用")
    assert page.request.get(url).status == 404

    staff = _sign_in(browser, base, world.users["staff"])
    staff.goto(f"{base}/admin/notifications/reminder/status/")
    staff.wait_for_selector("text=队列与发件箱")
    shot(staff, "notifications_04_admin_operations")
    staff.goto(f"{base}/admin/notifications/reminderrule/")
    staff.wait_for_selector("text=换届提醒")
    shot(staff, "notifications_05_admin_rules")
