"""Party dues clicked through as people do: a member declares the base (with a Chinese comma), the secretary
confirms it, opens the month and collects it; months left unpaid bring the arrears reminder; the secretary drafts the
yearly disclosure. Screenshots in artifacts/screenshots/dues_*.png."""

import datetime
from decimal import Decimal

import pytest

from apps.dues.models import DuesBase, Payment
from apps.dues.services import month_open
from apps.notifications.sweep import sweep
from tests.dates import TODAY, at

from .test_lifecycle_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = datetime.date


def test_declare_collect_remind_disclose(browser, live_server, world, shot, today):
    base = live_server.url
    member = world.people["member_a"]

    # the member declares the base from the portal's menu
    me = _sign_in(browser, base, world.users["member_a"], second_factor=False)
    me.goto(f"{base}/")
    me.click("header a[href$='/dues/']")
    me.wait_for_url("**/dues/")
    me.select_option("select[name=category]", "employed")
    me.fill("input[name=income]", "4，500")
    me.fill("input[name=applies_from]", "2026-01")
    shot(me, "dues_01_declare")
    me.click("main form button[type=submit]")
    me.wait_for_selector("text=已申报，待支部核定")
    assert DuesBase.objects.get(person=member).income == Decimal("4500.00")

    # the secretary confirms it, opens November and records the payment
    secretary = _sign_in(browser, base, world.users["secretary_a"])
    secretary.goto(f"{base}/dues/")
    secretary.click("main a[href$='/dues/collection/']")
    secretary.wait_for_url("**/dues/collection/")
    secretary.click("form[action$='/confirm/'] button")
    secretary.wait_for_selector(".messages li")
    secretary.click("form[action$='/dues/collection/open/'] button")
    secretary.wait_for_selector("text=已为当月增加")
    row = f"tr:has(a:text-is('{member.name}'))"
    secretary.fill(f"{row} input[name=receipt]", "DF-2026-11-001")
    shot(secretary, "dues_02_collection")
    secretary.click(f"{row} button[type=submit]")
    secretary.wait_for_selector("text=已录入")
    payment = Payment.objects.get(month__person=member)
    assert (payment.month.month, payment.amount, payment.receipt) == (
        D(2026, 11, 1),
        Decimal("45.00"),
        "DF-2026-11-001",
    )

    # July to September unpaid: on 1 November the run reached three months
    for month in (7, 8, 9):
        month_open(actor=world.users["secretary_a"], node=world.group_a, month=D(2026, month, 1), today=TODAY)
    sweep(today=D(2026, 11, 1), now=at(D(2026, 11, 1)))
    me.goto(f"{base}/")
    me.click("header a[href$='/notifications/']")
    me.wait_for_selector("text=连续 3 个月未交纳党费")
    shot(me, "dues_03_reminder")
    me.click("text=连续 3 个月未交纳党费")
    me.wait_for_selector("text=3 个月未交（135.00 元）")

    # the yearly disclosure, drafted from the ledger into the disclosure workflow
    secretary.goto(f"{base}/dues/committee/")
    form = "form[action$='/committee/disclose/']"
    secretary.select_option(f"{form} select[name=node]", str(world.branch_a.pk))
    secretary.click(f"{form} button[type=submit]")
    secretary.wait_for_url("**/admin/disclosure/notice/**")
    shot(secretary, "dues_04_disclosure")
    from apps.disclosure.models import Notice

    notice = Notice.objects.get(category__code="dues")
    assert notice.status == "draft" and "2026 年度党费收缴、使用和管理情况" in notice.title
    assert "45.00" in notice.content and "4500" not in notice.content.replace(",", "")
