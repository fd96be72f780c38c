"""The printable board: a notice as an A4 or A3 PDF with Chinese text (WeasyPrint + a CJK font from the system)."""

from __future__ import annotations

from django.template.loader import render_to_string

SIZES = {"A4": "A4", "A3": "A3"}


def notice_pdf(*, notice, version, size: str, today, request=None) -> bytes:
    from weasyprint import HTML

    from .selectors import public_text

    html = render_to_string(
        "disclosure/print.html",
        {
            "notice": notice,
            "version": version,
            "size": SIZES.get(size, "A4"),
            "title": public_text(notice, version.title, today),
            "content": public_text(notice, version.content, today),
            "today": today,
        },
        request=request,
    )
    return HTML(string=html, base_url=None).write_pdf()
