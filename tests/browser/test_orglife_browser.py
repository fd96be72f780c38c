"""A general meeting from the plan to the compliance cell turning green, clicked from the home page as people do:
the secretary plans and arranges it and sends the notice, a member asks for leave, the secretary approves, records
the attendance and the minutes. Screenshots in artifacts/screenshots/orglife_*.png."""

import pytest
from django.utils import timezone

from apps.orglife.models import Attendee, LeaveRequest, Meeting

from .test_lifecycle_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _quarter(day) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _general_cell(page, day):
    return page.locator(f"tr[data-kind='general_meeting'] [data-period='{_quarter(day)}']")


def test_plan_notice_leave_attendance_minutes_then_the_cell_is_green(browser, live_server, world, shot):
    base = live_server.url
    today = timezone.localdate()
    branch, member = world.branch_a, world.people["member_a"]

    # the secretary: home → organisational life → the branch's year; the quarter's general meeting is still to hold
    secretary = _sign_in(browser, base, world.users["secretary_a"])
    secretary.goto(f"{base}/")
    secretary.click("header a[href$='/orglife/']")
    secretary.wait_for_url("**/orglife/")
    secretary.click(f"main a[href$='/orglife/organisations/{branch.pk}/']")
    secretary.wait_for_selector("section[data-section=compliance]")
    assert _general_cell(secretary, today).get_attribute("data-state") == "in_progress"
    shot(secretary, "orglife_01_year_before")

    # plan → arrange → notice
    assert secretary.locator("section[data-section=plan] details").get_attribute("open") is not None  # no plan yet
    secretary.fill("form.plan-form input[name=planned_on]", today.isoformat())
    secretary.check("form.plan-form input[name=kinds][value=general_meeting]")
    secretary.fill("form.plan-form input[name=topic]", "学习党章，讨论季度工作")
    secretary.click("form.plan-form button[type=submit]")
    secretary.wait_for_selector("section[data-section=plan] tr[data-plan]")
    secretary.click("section[data-section=plan] tr[data-plan] a")
    secretary.wait_for_selector("form.meeting-form")
    secretary.fill("form.meeting-form input[name=place]", "党员活动室")
    shot(secretary, "orglife_02_arrange")
    secretary.click("form.meeting-form button[type=submit]")
    secretary.wait_for_url("**/orglife/meetings/*/")
    meeting = Meeting.objects.get()
    assert meeting.plan_item is not None and meeting.kind_codes == ["general_meeting"]
    secretary.click(f"form[action$='/orglife/meetings/{meeting.pk}/notify/'] button")
    secretary.wait_for_selector("text=通知已发送给全体应到人员")
    meeting.refresh_from_db()
    assert meeting.status == "notified"

    # the member: home → organisational life → the meeting → asks for leave
    guest = _sign_in(browser, base, world.users["member_a"], second_factor=False)
    guest.goto(f"{base}/")
    guest.click("header a[href$='/orglife/']")
    guest.click(f"section[data-section=upcoming] a[href$='/orglife/meetings/{meeting.pk}/']")
    guest.fill("form.leave-form input[name=reason]", "外出培训")
    shot(guest, "orglife_03_leave")
    guest.click("form.leave-form button[type=submit]")
    guest.wait_for_selector("text=您的请假申请已提交书记")
    assert LeaveRequest.objects.get(person=member).state == "requested"

    # the secretary approves, records the attendance (the member on leave) and the minutes
    secretary.goto(f"{base}/orglife/")
    secretary.click(f"main a[href$='/orglife/meetings/{meeting.pk}/']")
    secretary.click("section[data-section=leaves] form[action$='/approve/'] button")
    secretary.wait_for_selector(".messages li")
    assert LeaveRequest.objects.get(person=member).state == "approved"
    secretary.click(f"a[href$='/orglife/meetings/{meeting.pk}/attendance/']")
    secretary.wait_for_selector("form.attendance-form")
    for row in secretary.locator("form.attendance-form tr[data-person]").all():
        if row.get_attribute("data-person") != str(member.pk):
            row.locator("input[value=present]").check()
    assert secretary.locator(f"tr[data-person='{member.pk}'] input[value=leave]").is_checked()
    shot(secretary, "orglife_04_attendance")
    secretary.click("form.attendance-form button[type=submit]")
    secretary.wait_for_selector("text=考勤已录入")
    assert Attendee.objects.get(meeting=meeting, person=member).presence == "leave"
    secretary.fill("form.minutes-form textarea[name=minutes]", "<p>一、学习党章。</p><p>二、讨论第四季度工作。</p>")
    secretary.fill("form.minutes-form textarea[name=decisions]", "按计划开展主题党日。")
    secretary.click("form.minutes-form button[type=submit]")
    secretary.wait_for_selector("text=会议记录已保存")
    shot(secretary, "orglife_05_meeting")

    # the cell of the quarter's general meeting is green now
    secretary.click(f"main a[href*='/orglife/organisations/{branch.pk}/']")
    secretary.wait_for_selector("section[data-section=compliance]")
    assert _general_cell(secretary, today).get_attribute("data-state") == "held"
    assert "cell-held" in _general_cell(secretary, today).get_attribute("class")
    shot(secretary, "orglife_06_year_after")
