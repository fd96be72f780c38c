"""Writing a report's table to a file: Excel at constant memory (through ``apps.spreadsheets.export``) or PDF
(WeasyPrint with the system's Noto CJK font; landscape for wide tables, page numbers, the organisation and the date
in the header, at most the policy's number of pages)."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from apps.spreadsheets.export import xlsx_write

from .catalogue import Column, Table

LANDSCAPE_FROM_COLUMNS = 8
ROWS_PER_PAGE_MOST = 60  # no page holds more rows than this: a table that cannot fit the cap is refused unrendered
# Column widths are fixed (``table-layout: fixed``: WeasyPrint's automatic layout measured every cell again for every
# page) and shared out by what the columns hold: the width most of a column's values need (this share of them fit
# on one line; the longest wrap), its header's up to HEADER_MOST (a longer header wraps), at least NARROWEST.
FITTING_SHARE = 0.95
HEADER_MOST = 8  # half-width characters (a Chinese character counts two)
NARROWEST = 4


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


def _text_width(value, kind: str) -> int:
    """What a value needs on one line, in half-width characters (a wide character, Chinese, counts two)."""
    if value is None:
        return 0
    if kind == "date":
        return 10
    text = str(value)
    return len(text) + sum(1 for ch in text if ord(ch) >= 0x1100 and unicodedata.east_asian_width(ch) in "WF")


def column_shares(columns: list[Column], rows: list) -> list[float]:
    """Each column's share of the table's width (per cent), from the widths its values and header need."""
    needs = []
    for index, column in enumerate(columns):
        widths = sorted(_text_width(row[index], column.kind) for row in rows) if rows else [column.width]
        most = widths[min(len(widths) - 1, int(len(widths) * FITTING_SHARE))]
        header = min(_text_width(str(column.title), "text"), HEADER_MOST)
        needs.append(max(most, header, NARROWEST) + 2)  # the cell's padding
    total = sum(needs) or 1
    return [round(100 * n / total, 2) for n in needs]


def _cell_text(value, kind: str) -> str:
    """A value as the template would print it (``{{ value }}``: localised, escaped), a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if kind == "date" and isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    return conditional_escape(localize(template_localtime(value)))


def _body(rows: list, kinds: list[str]) -> str:
    """The table's rows as HTML, built here rather than by the template's loop (a Django template tag costs tens of
    microseconds a cell; a 1,000-row roster has 15,000 cells)."""
    return mark_safe(  # every value is escaped by _cell_text
        "".join(
            "<tr>"
            + "".join(
                f'<td class="{kind}">{_cell_text(value, kind)}</td>' for value, kind in zip(row, kinds, strict=False)
            )
            + "</tr>"
            for row in rows
        )
    )


def write_pdf(
    path,
    *,
    title: str,
    columns: list[Column],
    table: Table,
    day: datetime.date,
    page_cap: int,
    on_row: Callable[[int], None],
    on_stage: Callable[[str], None] | None = None,
) -> int:
    """The table as one HTML table WeasyPrint breaks into pages (the header row repeated on each). ``on_stage`` is
    told when the pages are laid out ("layout") and when the file is written ("write"), the long steps after the
    rows are read."""
    from weasyprint import HTML

    if table.count > page_cap * ROWS_PER_PAGE_MOST:
        raise too_many_pages(page_cap)
    rows = []
    for n, row in enumerate(table.rows, start=1):
        rows.append(row)
        on_row(n)
    shares = column_shares(columns, rows)
    html = render_to_string(
        "reports/table.pdf.html",
        {
            "title": title,
            "columns": [{"title": c.title, "share": share} for c, share in zip(columns, shares, strict=True)],
            "body": _body(rows, [c.kind for c in columns]),
            "note": table.note,
            "organisation": table.organisation,
            "day": day,
            "landscape": len(columns) >= LANDSCAPE_FROM_COLUMNS,
        },
    )
    if on_stage is not None:
        on_stage("layout")
    document = HTML(string=html, base_url=None, url_fetcher=_fetcher()).render()
    if len(document.pages) > page_cap:
        raise too_many_pages(page_cap)
    if on_stage is not None:
        on_stage("write")
    document.write_pdf(path)
    return len(rows)
