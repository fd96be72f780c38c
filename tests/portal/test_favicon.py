"""The portal and the admin name their icon (no external asset)."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.usefixtures("today")
ICON = '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">'


def test_the_icon_is_a_static_file():
    path = finders.find("img/favicon.svg")
    assert path and Path(path).read_text().startswith("<svg")


def test_portal_login_portal_and_admin_pages_link_the_icon(client, world):
    assert ICON in client.get(reverse("accounts:login")).content.decode()
    sign_in(client, world.users["admin"])
    assert ICON in client.get(reverse("portal:home")).content.decode()
    assert ICON in client.get(reverse("admin:index")).content.decode()
