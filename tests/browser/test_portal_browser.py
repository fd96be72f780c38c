"""A secretary and a member use the portal in a real browser; screenshots go to artifacts/screenshots/."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-42"


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


def _current_code(user) -> str:
    device = TOTPDevice.objects.filter(user=user).order_by("-id").first()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_secretary_sets_up_two_factor_and_sees_only_her_branch(page, live_server, world, shot):
    base = live_server.url
    _login(page, base, "secretary_a")
    page.wait_for_url("**/two-factor/setup/**")
    assert page.locator("img.qr").is_visible()
    shot(page, "secretary_2fa_setup")
    page.fill("input[name=token]", _current_code(world.users["secretary_a"]))
    page.click("main button[type=submit]")
    page.wait_for_selector("text=备用码")
    page.click("text=继续")
    page.wait_for_selector(f"text={world.branch_a.name}")
    assert world.branch_b.name not in page.content()
    shot(page, "secretary_home")

    page.click("nav >> text=人员")
    page.wait_for_selector("table")
    body = page.content()
    assert world.people["plain_a"].name in body and world.people["plain_b"].name not in body
    shot(page, "secretary_people")

    page.click(f"text={world.people['plain_a'].name}")
    page.wait_for_selector("text=身份证号")
    shot(page, "secretary_person_detail")

    response = page.goto(f"{base}/people/{world.people['plain_b'].pk}/")
    assert response.status == 404
    assert "未找到" in page.content()


def test_member_on_a_phone_updates_contact_details(browser, live_server, world, shot):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    base = live_server.url
    _login(page, base, "member_a")
    page.wait_for_selector(f"text={world.people['member_a'].name}")
    assert world.branch_b.name not in page.content()
    shot(page, "member_home_375")
    assert not page.locator("#mainnav").is_visible()
    page.click(".nav-toggle")
    assert page.locator("#mainnav").is_visible()
    shot(page, "member_menu_375")
    page.click("nav >> text=个人资料")
    page.fill("input[name=phone]", "13712345678")
    page.fill("input[name=email]", "member@intranet")  # passes the browser's check, not the server's
    page.click("text=保存")
    page.wait_for_selector(".errorlist")
    shot(page, "member_profile_error_375")
    page.fill("input[name=email]", "member@example.org")
    page.click("text=保存")
    page.wait_for_selector("text=联系方式已保存")
    world.people["member_a"].refresh_from_db()
    assert world.people["member_a"].phone == "13712345678"
    # the page is no wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_language_switch_to_english(page, live_server, world, shot):
    _login(page, live_server.url, "member_a")
    page.wait_for_selector("text=首页")
    page.select_option("#lang-select", "en")
    page.wait_for_selector("nav >> text=Home")
    assert "My profile" in page.content()
    shot(page, "member_home_en")
