"""Everyone changes their password in the portal's own pages, in their language; the admin's stays for staff."""

import pytest
from django.urls import reverse

from apps.audit.models import AuditEntry
from tests.conftest import sign_in

pytestmark = pytest.mark.usefixtures("today")

OLD = "correct-horse-42"


def test_a_member_changes_the_password_in_the_portals_page(client, world):
    user = world.users["member_a"]
    sign_in(client, user)
    page = client.get(reverse("portal:my_profile")).content.decode()
    assert reverse("accounts:password_change") in page
    response = client.get(reverse("accounts:password_change"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "registration/portal_password_change.html" in [t.name for t in response.templates]
    assert "Django" not in body and 'href="/admin/' not in body
    assert "旧密码" in body and "你的密码必须包含至少 10 个字符。" in body

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": OLD, "new_password1": "a-new-long-pass-2026", "new_password2": "a-new-long-pass-2026"},
    )
    assert response.status_code == 302 and response.url == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password("a-new-long-pass-2026")
    assert AuditEntry.objects.filter(action="auth.password_changed", target_id=str(user.pk)).count() == 1
    # still signed in on this browser
    assert client.get(reverse("accounts:password_change_done")).status_code == 200


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short-1", "密码太短"),
        ("password123", "这个密码太常见了。"),
        ("84736251904", "密码只包含数字。"),
        ("member_a_2026", "密码跟 用户名 太相似了。"),
    ],
)
def test_password_rules_speak_chinese(client, world, new, message):
    sign_in(client, world.users["member_a"])
    response = client.post(
        reverse("accounts:password_change"), {"old_password": OLD, "new_password1": new, "new_password2": new}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert "This password" not in body
    assert f'value="{new}"' not in body  # passwords are not echoed back
    world.users["member_a"].refresh_from_db()
    assert world.users["member_a"].check_password(OLD)


def test_a_wrong_current_password_is_refused_in_chinese(client, world):
    sign_in(client, world.users["member_a"])
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "a-new-long-pass-2026", "new_password2": "a-new-long-pass-2026"},
    )
    assert "你的旧密码不正确。请重新输入。" in response.content.decode()


def test_the_admin_does_not_send_a_signed_in_member_round_in_circles(client, world):
    sign_in(client, world.users["member_a"])
    response = client.get(reverse("admin:password_change"), follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1


def test_staff_signed_in_are_sent_on_from_the_admins_login(client, world):
    sign_in(client, world.users["staff"])
    response = client.get(reverse("admin_login_redirect"), {"next": reverse("admin:password_change")})
    assert response.status_code == 302 and response.url == reverse("admin:password_change")
    response = client.get(reverse("admin_login_redirect"), {"next": "https://elsewhere.example/"})
    assert response.url == reverse("admin:index")
    # and the admin keeps its own password page for them
    assert "admin/base_site.html" in [t.name for t in client.get(reverse("admin:password_change")).templates]


def test_anonymous_visitors_of_the_admin_are_sent_to_the_portals_login(client, world):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
