"""Writing a report's table to a file: Excel at constant memory (through ``apps.spreadsheets.export``) or PDF
(``pdf_table``, with the system's Noto CJK font embedded; landscape for wide tables, page numbers, the organisation
and the date in the header, at most the policy's number of pages)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from apps.spreadsheets.export import LANDSCAPE_FROM_COLUMNS, xlsx_write

from .catalogue import Column, Table

ROWS_PER_PAGE_MOST = 60  # no page holds more rows than this: a table that cannot fit the cap is refused unrendered


class TooManyPages(ValidationError):
    pass


def too_many_pages(cap: int) -> TooManyPages:
    return TooManyPages(
        _("The PDF would have more than %(cap)s pages. Choose Excel for a report this long.") % {"cap": cap}
    )


def write_xlsx(
    path, *, title: str, columns: list[Column], table: Table, on_row: Callable[[int], None], caption: str = ""
) -> int:
    """The workbook: its first line says what it is of (the title, the organisation, ``caption``), its marking and
    note; then the header and the rows (the roster's import finds the header below that line)."""
    empty = _("Nothing to report for these parameters.") if table.count == 0 else ""
    head = (title, table.organisation, caption, table.marking, table.note, empty)
    return xlsx_write(
        path,
        title=title,
        columns=[(c.title, c.width) for c in columns],
        rows=table.rows,
        note=" · ".join(str(part) for part in head if part),
        on_row=on_row,
    )


def _plain(value, kind: str) -> str:
    """A value as the page prints it (localised), a date as YYYY-MM-DD, a moment as YYYY-MM-DD HH:MM."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):  # a moment: local time, as the dates are written (ISO)
        return template_localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    return str(localize(value))


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
    caption: str = "",
) -> int:
    """The table on A4 pages (``pdf_table``: the header row repeated on each, landscape from
    LANDSCAPE_FROM_COLUMNS columns). ``on_stage`` is told when the pages are laid out ("layout") and when the file is
    written ("write"), the steps after the rows are read."""
    from .pdf_table import write_table

    if table.count > page_cap * ROWS_PER_PAGE_MOST:
        raise too_many_pages(page_cap)
    kinds = [c.kind for c in columns]
    rows = []
    for n, row in enumerate(table.rows, start=1):
        rows.append([_plain(value, kind) for value, kind in zip(row, kinds, strict=False)])
        on_row(n)
    if on_stage is not None:
        on_stage("layout")
    write_table(
        path,
        title=title,
        headers=[str(c.title) for c in columns],
        kinds=kinds,
        rows=rows,
        caption=caption,
        note=str(table.note or ""),
        marking=str(table.marking or ""),
        empty=_("Nothing to report for these parameters."),
        organisation=str(table.organisation or ""),
        day=day.strftime("%Y-%m-%d"),
        landscape=len(columns) >= LANDSCAPE_FROM_COLUMNS,
        page_cap=page_cap,
        too_many_pages=lambda: too_many_pages(page_cap),
        on_stage=on_stage,
    )
    return len(rows)
