import time

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.middleware import LOGIN_AT_KEY
from apps.audit.models import AuditEntry

PASSWORD = "correct-horse-42"


def _login(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.9")


def test_login_and_logout_are_audited(client, world):
    response = _login(client, "member_a")
    assert response.status_code == 302
    client.post(reverse("accounts:logout"))
    actions = list(AuditEntry.objects.filter(actor=world.users["member_a"]).values_list("action", flat=True))
    assert "auth.login" in actions and "auth.logout" in actions


def test_failed_login_is_audited_with_a_translated_error(client, world):
    response = _login(client, "member_a", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert AuditEntry.objects.filter(action="auth.login_failed", target_repr="member_a").exists()


def test_lockout_after_five_failures(client, world):
    for _ in range(5):
        _login(client, "member_a", "wrong-password")
    response = _login(client, "member_a")  # even the right password is refused while locked
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()


def test_member_signs_in_without_second_factor(client, world):
    _login(client, "member_a")
    assert client.get(reverse("portal:home")).status_code == 200


def test_secretary_is_sent_to_two_factor_setup_then_verified(client, world):
    _login(client, "secretary_a")
    response = client.get(reverse("portal:person_list"))
    assert response.status_code == 302 and reverse("accounts:otp_verify") in response.url
    response = client.get(response.url)
    assert response.status_code == 302 and reverse("accounts:otp_setup") in response.url
    page = client.get(response.url)
    assert page.status_code == 200 and "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=world.users["secretary_a"], confirmed=False)
    # a wrong code is refused with a translated message
    page = client.post(reverse("accounts:otp_setup"), {"token": "000000", "next": "/people/"})
    assert "验证码错误" in page.content.decode()
    # the device throttles after a failure; a person would wait a second, the test resets the counter
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    device.refresh_from_db()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    page = client.post(reverse("accounts:otp_setup"), {"token": code, "next": "/people/"})
    assert page.status_code == 200 and len(page.context["codes"]) == 10
    assert client.get(reverse("portal:person_list")).status_code == 200
    assert AuditEntry.objects.filter(action="auth.otp_enrolled", actor=world.users["secretary_a"]).exists()


def test_admin_needs_the_second_factor(client, world):
    client.force_login(world.users["staff"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("accounts:otp_verify") in response.url


def test_backup_code_works_once(client, world):
    from django_otp.plugins.otp_static.models import StaticDevice

    user = world.users["secretary_a"]
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="backup")
    static.token_set.create(token="abcd1234")
    client.force_login(user)
    assert client.post(reverse("accounts:otp_verify"), {"token": "abcd1234"}).status_code == 302
    client.logout()
    client.force_login(user)
    page = client.post(reverse("accounts:otp_verify"), {"token": "abcd1234"})
    assert page.status_code == 200  # used up


@override_settings(SESSION_ABSOLUTE_SECONDS=60)
def test_absolute_session_limit(client, world):
    client.force_login(world.users["member_a"])
    assert client.get(reverse("portal:home")).status_code == 200
    session = client.session
    session[LOGIN_AT_KEY] = time.time() - 61
    session.save()
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert AuditEntry.objects.filter(action="auth.session_expired").exists()


def test_language_switch_is_saved_on_the_account(client, world):
    user = world.users["member_a"]
    client.force_login(user)
    assert "首页" in client.get(reverse("portal:home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    client.cookies.clear()  # even without the cookie the saved choice wins
    client.force_login(user)
    assert ">Home<" in client.get(reverse("portal:home")).content.decode()


def test_login_page_is_chinese_by_default(client, db):
    assert "登录" in client.get(reverse("accounts:login")).content.decode()


def test_denied_object_is_audited(client, world):
    from tests.conftest import sign_in

    sign_in(client, world.users["secretary_a"])
    client.get(reverse("portal:person_detail", args=[world.people["plain_b"].pk]))
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.actor == world.users["secretary_a"] and entry.target_id == str(world.people["plain_b"].pk)


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/"])
def test_two_factor_next_is_not_an_open_redirect(client, world, next_url):
    from tests.conftest import sign_in

    sign_in(client, world.users["member_a"])
    response = client.get(reverse("accounts:otp_verify"), {"next": next_url})
    assert response.status_code == 302 and "evil" not in response.url


def test_deactivated_user_is_signed_out_despite_the_user_cache(client, world):
    user = world.users["member_a"]
    client.force_login(user)
    assert client.get(reverse("portal:home")).status_code == 200  # the user is now cached
    user.is_active = False
    user.save()
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_password_change_elsewhere_ends_other_sessions(client, world):
    user = world.users["member_a"]
    client.force_login(user)
    assert client.get(reverse("portal:home")).status_code == 200
    user.set_password("another-long-password-9")
    user.save()
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302


@override_settings(SESSION_COOKIE_AGE=60)
def test_idle_session_limit(client, world):
    from apps.accounts.middleware import SEEN_AT_KEY

    client.force_login(world.users["member_a"])
    assert client.get(reverse("portal:home")).status_code == 200
    session = client.session
    session[SEEN_AT_KEY] = time.time() - 61
    session.save()
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
