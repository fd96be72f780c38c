"""The printable board: a notice as an A4 or A3 PDF with Chinese text (WeasyPrint + a CJK font from the system).

The renderer fetches nothing from the network or the disk but the portal's own static files: whatever a notice's
text holds, printing it makes no request (``StaticFilesFetcher``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string

SIZES = {"A4": "A4", "A3": "A3"}
DEFAULT_SIZE = "A4"


def page_size(value: str | None) -> str:
    """A size the board is printed in: one of ``SIZES``, A4 for anything else."""
    return value if value in SIZES else DEFAULT_SIZE


def static_roots() -> list[Path]:
    dirs = [d[1] if isinstance(d, (list, tuple)) else d for d in settings.STATICFILES_DIRS]
    return [Path(p).resolve() for p in [settings.STATIC_ROOT, *dirs] if p]


def static_file(url: str) -> Path | None:
    """The file a ``file:`` URL names, if it lies inside the static directories; None for any other URL."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    if any(path.is_relative_to(root) for root in static_roots()) and path.is_file():
        return path
    return None


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        """Refuses every URL but a ``file:`` URL inside the static directories (a refused resource is left out)."""

        def fetch(self, url, headers=None):
            path = static_file(url)
            if path is None:
                raise ValueError(f"not fetched: {url[:100]}")
            return URLFetcherResponse(path.as_uri(), path.read_bytes())

    return StaticFilesFetcher()


def notice_pdf(*, notice, version, size: str, today, request=None) -> bytes:
    from weasyprint import HTML

    from .selectors import public_html, public_text

    html = render_to_string(
        "disclosure/print.html",
        {
            "notice": notice,
            "version": version,
            "size": page_size(size),
            "title": public_text(notice, version.title, today),
            "content": public_html(notice, version.content, today),
            "today": today,
        },
        request=request,
    )
    return HTML(string=html, base_url=None, url_fetcher=_fetcher()).write_pdf()
