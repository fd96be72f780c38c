"""The admin reads in Chinese: its header, and the sections of the sign-in packages."""

import pytest
from django.urls import reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.usefixtures("today")


def test_the_admin_index_names_everything_in_chinese(client, world):
    sign_in(client, world.users["admin"])
    page = client.get(reverse("admin:index")).content.decode()
    assert "<title>管理后台 | 党建门户</title>" in page
    assert "PartyPortal" not in page
    for name in ("登录限制", "登录尝试", "双因素登录：身份验证器", "双因素登录：备用码", "备用码"):
        assert name in page, name
    for english in ("Axes", "Otp_Totp", "Otp_Static", "TOTP devices", "static devices", "access attempts"):
        assert english not in page, english


def test_the_admin_in_english_says_partyportal(client, world):
    user = world.users["admin"]
    user.language = "en"
    user.save(update_fields=["language"])
    sign_in(client, user)
    page = client.get(reverse("admin:index")).content.decode()
    assert "PartyPortal" in page and "Sign-in throttling" in page
