"""A corrective action clicked through from the finding to its close: the secretary records a non-conformity and an
action owned by a member, cannot open it without a plan, writes the plan and opens it; the member finds the action
from the menu, notes the progress and submits it; the secretary returns it with a reason, the member submits it
again, and the secretary (not the owner) records the effectiveness check and closes it.
Screenshots in artifacts/screenshots/improvement_*.png."""

import pytest

from apps.improvement.models import CorrectiveAction
from tests.dates import TODAY

from .test_lifecycle_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_from_a_finding_to_a_closed_action(browser, live_server, world, shot, today):
    base = live_server.url

    # the secretary records the finding from the menu and an action on it, without a plan
    secretary = _sign_in(browser, base, world.users["secretary_a"])
    secretary.goto(f"{base}/")
    secretary.click("header a[href$='/improvement/']")
    secretary.wait_for_url("**/improvement/")
    secretary.click("main a[href$='/improvement/findings/']")
    secretary.select_option("select[name=node]", str(world.branch_a.pk))
    secretary.fill("input[name=found_on]", TODAY.isoformat())
    secretary.fill("textarea[name=description]", "支委会会议记录缺少议题")
    shot(secretary, "improvement_01_finding")
    secretary.click("main form button[type=submit]")
    secretary.wait_for_selector("text=已记录检查发现")
    secretary.fill("input[name=title]", "补齐支委会会议记录")
    secretary.select_option("select[name=owner]", str(world.people["member_a"].pk))
    secretary.fill("input[name=due_on]", TODAY.isoformat())
    secretary.click("main form button[type=submit]")
    secretary.wait_for_selector("text=已登记整改事项")
    action = CorrectiveAction.objects.get()

    # no plan: the action does not open; with the plan it does
    secretary.click("form[action$='/open/'] button")
    secretary.wait_for_selector("text=请先填写整改方案，再启动整改")
    assert CorrectiveAction.objects.get().state == "draft"
    secretary.fill("textarea[name=plan]", "逐次补记议题，每月由组织委员核对。")
    secretary.click("form[action$='/plan/'] button")
    secretary.wait_for_selector("text=逐次补记议题")
    secretary.click("form[action$='/open/'] button")
    secretary.wait_for_selector("text=整改中")
    shot(secretary, "improvement_02_open")

    # the owner finds it from the menu, notes the progress and submits it for the check
    owner = _sign_in(browser, base, world.users["member_a"], second_factor=False)
    owner.goto(f"{base}/")
    owner.click("header a[href$='/improvement/']")
    owner.click(f"main a[href$='/improvement/actions/{action.pk}/']")
    owner.fill("textarea[name=text]", "已补记近三个月议题")
    owner.click("form[action$='/note/'] button")
    owner.wait_for_selector("text=已补记近三个月议题")
    assert owner.query_selector("form[action$='/close/']") is None  # the owner never checks their own action
    owner.click("form[action$='/submit/'] button")
    owner.wait_for_selector("text=待验证整改效果")

    # returned with a reason, submitted again
    secretary.goto(f"{base}/improvement/actions/{action.pk}/")
    secretary.fill("form[action$='/return/'] textarea[name=reason]", "四月议题仍缺")
    secretary.click("form[action$='/return/'] button")
    secretary.wait_for_selector("text=已退回继续整改")
    owner.goto(f"{base}/improvement/actions/{action.pk}/")
    owner.wait_for_selector("text=四月议题仍缺")
    owner.click("form[action$='/submit/'] button")
    owner.wait_for_selector("text=待验证整改效果")

    # the secretary records the effectiveness check and closes it
    secretary.goto(f"{base}/improvement/actions/{action.pk}/")
    secretary.fill("form[action$='/close/'] textarea[name=reason]", "抽查三个月记录，议题齐全")
    secretary.click("form[action$='/close/'] button")
    secretary.wait_for_selector("text=验证后已销号")
    shot(secretary, "improvement_03_closed")
    action.refresh_from_db()
    assert action.state == "closed" and action.checked_by == world.users["secretary_a"]
