"""The embedded default as a small committee runs it: DEBUG off unless asked for, friendly 404 and 500 pages in the
portal's style, static files served anyway, and no 500 from the static files handler."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import path

ROOT = Path(__file__).resolve().parent.parent.parent


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", _boom)]


def _local_settings_debug(**env) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"} | env
    code = "import partyportal.settings.local as s; print(s.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_debug_is_off_unless_asked_for():
    """The probe: with DEBUG on by default, a 404 listed every URL pattern and a 500 showed the settings."""
    assert _local_settings_debug() == "False"
    assert _local_settings_debug(DJANGO_DEBUG="1") == "True"


@pytest.mark.django_db
def test_the_404_page_is_the_portals(client):
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "/static/css/portal.css" in body and "未找到" in body and "partyportal.urls" not in body


@override_settings(ROOT_URLCONF=__name__)
def test_the_500_page_is_the_portals(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "/static/css/portal.css" in body and "服务器错误" in body and "a bug" not in body


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture(params=["", "1"], ids=["debug-off", "debug-on"])
def embedded_server(request, tmp_path):
    """``runserver`` as ``bin/serve`` starts it, on the embedded default's settings (SQLite, no Redis)."""
    serve = (ROOT / "bin" / "serve").read_text()
    flags = re.search(r'manage\.py runserver "\$HOST:\$PORT" (.*)$', serve, re.MULTILINE).group(1).split()
    assert "--nostatic" in flags  # runserver's own static handler answered a 500 to /static/%2e%2e/
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_DEBUG")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "partyportal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": request.param or "0",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", *flags],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Up to a minute: on a loaded machine, runserver's start (settings, checks, the autoreloader off) is slow.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_embedded_server_serves_static_files_and_refuses_traversal(embedded_server):
    assert _get(embedded_server + "/static/css/portal.css")[0] == 200
    assert _get(embedded_server + "/static/admin/css/base.css")[0] == 200
    for probe in ("/static/%2e%2e/manage.py", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/..%2fmanage.py"):
        status, body = _get(embedded_server + probe)
        assert status == 404, probe
        assert "DJANGO_SECRET_KEY" not in body and "import" not in body
