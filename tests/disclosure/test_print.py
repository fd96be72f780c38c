"""The printable board fetches nothing but the portal's static files, and its parameters never reach a header."""

from __future__ import annotations

import datetime
import http.server
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse

from apps.disclosure.pdf import notice_pdf, page_size, static_file
from tests.conftest import sign_in
from tests.disclosure.test_board import notices  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("today")


@pytest.fixture
def listener():
    """A local HTTP server that counts the requests it receives (the renderer must send none)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_the_renderer_requests_no_url(listener):
    """The probe: a ``style`` attribute in a notice made WeasyPrint request a URL from the server."""
    base, hits = listener
    content = (
        f'<p style="background:url({base}/bg)">正文</p><img src="{base}/img">'
        f'<link rel="stylesheet" href="{base}/css"><img src="file:///etc/passwd">'
    )
    day = datetime.date(2026, 11, 2)
    version = SimpleNamespace(
        title="公示",
        content=content,
        opens_on=day,
        closes_on=day,
        number=1,
        published_at=datetime.datetime(2026, 11, 2),
    )
    notice = SimpleNamespace(case=None, node=SimpleNamespace(name="测试党委"))
    pdf = notice_pdf(notice=notice, version=version, size="A4", today=day)
    assert pdf.startswith(b"%PDF") and hits == []


def test_only_static_files_are_fetched(tmp_path):
    css = Path(settings.BASE_DIR, "static", "css", "portal.css").resolve()
    assert static_file(css.as_uri()) == css
    assert static_file("file:///etc/passwd") is None
    assert static_file(css.as_uri().replace("/css/portal.css", "/../partyportal/settings/base.py")) is None
    assert static_file("http://127.0.0.1/static/css/portal.css") is None
    assert static_file("data:text/css,body{}") is None
    outside = tmp_path / "x.css"
    outside.write_text("body{}")
    assert static_file(outside.as_uri()) is None


@pytest.mark.parametrize("size", ['A4"; filename="evil.html', "A4\r\nX-Injected: 1", "A4\n", "B5"])
def test_print_sizes_are_whitelisted(client, world, notices, size):  # noqa: F811
    """The probe: ``?size=`` reached the Content-Disposition header (a second file name; with CR/LF a 500)."""
    sign_in(client, world.users["member_a"])
    response = client.get(reverse("disclosure:print", args=[notices["unit"].pk]), {"size": size})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="notice-{notices["unit"].pk}-A4.pdf"'
    assert "X-Injected" not in response


def test_page_size():
    assert [page_size(s) for s in ("A3", "A4", None, "a3", "A3 ")] == ["A3", "A4", "A4", "A4", "A4"]
