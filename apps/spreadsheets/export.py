"""Every workbook the portal writes goes through here, so that no cell of any export is read as a formula.

A text such as ``=HYPERLINK("http://…", "…")`` — a branch's name, a person's name, anything typed in — would be a
live formula in the spreadsheet program of whoever opens the export. Every text cell that starts with a character a
spreadsheet reads as the start of a formula (``= + - @``, a tab, a carriage return) is written with a leading
apostrophe, whatever its column (OWASP "CSV injection").
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from django.http import HttpResponse
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.http import content_disposition_header

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_value(value):
    """The value as a cell receives it: text that could start a formula is escaped; numbers and dates as they are."""
    if isinstance(value, Promise):
        value = force_str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_bytes(*, title: str, header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """One sheet, written row by row (openpyxl write-only mode), every cell through ``cell_value``."""
    return xlsx_sheets_bytes([(title, header, rows)])


def xlsx_sheets_bytes(sheets: Iterable[tuple[str, Iterable, Iterable[Iterable]]]) -> bytes:
    """Several sheets, each ``(title, header, rows)``, written row by row, every cell through ``cell_value``."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(force_str(title)[:31])
        sheet.append([cell_value(h) for h in header])
        for row in rows:
            sheet.append([cell_value(v) for v in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(*, filename: str, title: str, header: Iterable, rows: Iterable[Iterable]) -> HttpResponse:
    """The workbook as a download (the file name goes through Django's header builder, never into a format string)."""
    return xlsx_sheets_response(filename=filename, sheets=[(title, header, rows)])


def xlsx_sheets_response(*, filename: str, sheets: Iterable[tuple[str, Iterable, Iterable[Iterable]]]) -> HttpResponse:
    """A workbook of several sheets as a download."""
    response = HttpResponse(xlsx_sheets_bytes(sheets), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def cell_read(value):
    """A cell's value as an import reads it back: the apostrophe ``cell_value`` put before a formula-like text is
    taken off again (so an export read back gives the text that was exported)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def xlsx_write(
    target,
    *,
    title: str,
    columns: Iterable[tuple],
    rows: Iterable[Iterable],
    note: str = "",
    on_row=None,
) -> int:
    """One sheet written at constant memory (openpyxl write-only: each row goes to a temporary file as it comes) to
    ``target`` (a path or a binary file): ``columns`` are ``(header, width)`` pairs, the header row bold and frozen,
    each column its width; dates stay dates (a date format), every text through ``cell_value``. A ``note`` is a
    first line above the header. ``on_row(n)`` is called after each row (progress). Returns the rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(force_str(title)[:31])
    columns = list(columns)
    for index, (_header, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3" if note else "A2"
    if note:
        cell = WriteOnlyCell(sheet, value=cell_value(note))
        cell.font = Font(italic=True, color="AA0000")
        sheet.append([cell])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F2DCDB")
    header = []
    for head, _width in columns:
        cell = WriteOnlyCell(sheet, value=cell_value(head))
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(horizontal="center")
        header.append(cell)
    sheet.append(header)
    written = 0
    for row in rows:
        sheet.append([cell_value(v) for v in row])
        written += 1
        if on_row is not None:
            on_row(written)
    workbook.save(target)
    return written
