"""Writing a report's table to a file: Excel at constant memory (through ``apps.spreadsheets.export``) or PDF
(WeasyPrint with the system's Noto CJK font; landscape for wide tables, page numbers, the organisation and the date
in the header, at most the policy's number of pages)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from apps.spreadsheets.export import xlsx_write

from .catalogue import Column, Table

LANDSCAPE_FROM_COLUMNS = 8
ROWS_PER_PAGE_MOST = 60  # no page holds more rows than this: a table that cannot fit the cap is refused unrendered
# The table is laid out in pieces of this many rows, a page each, with fixed column widths: WeasyPrint's automatic
# table layout measures every cell again for every page (a 279-row roster took minutes; pieces take seconds).
ROWS_PER_PIECE = {True: 26, False: 40}  # landscape, portrait


class TooManyPages(ValidationError):
    pass


def too_many_pages(cap: int) -> TooManyPages:
    return TooManyPages(
        _("The PDF would have more than %(cap)s pages. Choose Excel for a report this long.") % {"cap": cap}
    )


def write_xlsx(path, *, title: str, columns: list[Column], table: Table, on_row: Callable[[int], None]) -> int:
    return xlsx_write(
        path,
        title=title,
        columns=[(c.title, c.width) for c in columns],
        rows=table.rows,
        note=table.note,
        on_row=on_row,
    )


def _fetcher():
    from weasyprint.urls import URLFetcher

    class Refuse(URLFetcher):
        """A report's page names no resource: anything asked for is refused (and left out)."""

        def fetch(self, url, headers=None):
            raise ValueError(f"not fetched: {url[:100]}")

    return Refuse()


def write_pdf(
    path,
    *,
    title: str,
    columns: list[Column],
    table: Table,
    day: datetime.date,
    page_cap: int,
    on_row: Callable[[int], None],
) -> int:
    from weasyprint import HTML

    if table.count > page_cap * ROWS_PER_PAGE_MOST:
        raise too_many_pages(page_cap)
    kinds = [c.kind for c in columns]
    rows = []
    for n, row in enumerate(table.rows, start=1):
        rows.append(list(zip(row, kinds, strict=False)))
        on_row(n)
    landscape = len(columns) >= LANDSCAPE_FROM_COLUMNS
    per = ROWS_PER_PIECE[landscape]
    total_width = sum(c.width for c in columns) or 1
    shares = [{"title": c.title, "share": round(100 * c.width / total_width, 2)} for c in columns]
    html = render_to_string(
        "reports/table.pdf.html",
        {
            "title": title,
            "columns": shares,
            "chunks": [rows[i : i + per] for i in range(0, len(rows), per)] or [[]],
            "note": table.note,
            "organisation": table.organisation,
            "day": day,
            "landscape": landscape,
        },
    )
    document = HTML(string=html, base_url=None, url_fetcher=_fetcher()).render()
    if len(document.pages) > page_cap:
        raise too_many_pages(page_cap)
    document.write_pdf(path)
    return len(rows)
