"""Every workbook the portal writes goes through here, so that no cell of any export is read as a formula.

A text such as ``=HYPERLINK("http://…", "…")`` — a branch's name, a person's name, anything typed in — would be a
live formula in the spreadsheet program of whoever opens the export. Every text cell that starts with a character a
spreadsheet reads as the start of a formula (``= + - @``, a tab, a carriage return) is written with a leading
apostrophe, whatever its column (OWASP "CSV injection").
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable
from decimal import Decimal
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
    """One sheet written at constant memory to ``target`` (a path or a seekable binary file): ``columns`` are
    ``(header, width)`` pairs, the header row bold on a tinted fill and frozen, each column its width; dates stay
    dates (a date format), every text through ``cell_value``. A ``note`` is a first line above the header.
    ``on_row(n)`` is called after each row (progress). Returns the rows written.

    The sheet's XML is written here, a row at a time, into a temporary file, then packed with the few fixed parts of
    a workbook (ADR 15): openpyxl's write-only mode built and serialised a cell object per value (about 20 µs a cell:
    most of a 50,000-row roster's time); this writes each cell as one piece of text. The reader
    (``reader.sheet_rows``), openpyxl and spreadsheet programs read the result as any workbook."""
    import tempfile
    import zipfile

    columns = list(columns)
    letters = [_column_letter(i) for i in range(1, max(len(columns), 1) + 64)]
    written = 0
    widest = len(columns)
    with tempfile.TemporaryFile() as data:
        out = _Buffered(data)
        number = 0
        if note:
            number += 1
            out.write(f'<row r="{number}">{_cell("A", number, force_str(note), _STYLE_NOTE)}</row>')
        number += 1
        out.write(
            f'<row r="{number}">'
            + "".join(
                _cell(letters[i], number, cell_value(head), _STYLE_HEADER) for i, (head, _w) in enumerate(columns)
            )
            + "</row>"
        )
        for row in rows:
            number += 1
            cells = []
            for index, value in enumerate(row):
                if value is not None:
                    if index >= len(letters):
                        letters.extend(_column_letter(i) for i in range(len(letters) + 1, index + 65))
                    cells.append(_cell(letters[index], number, value))
            if cells:
                widest = max(widest, index + 1)  # the last column of the row (a value or None)
            out.write(f'<row r="{number}">{"".join(cells)}</row>')
            written += 1
            if on_row is not None:
                on_row(written)
        out.flush()
        frozen = number - written  # the note and the header
        head = (
            f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN_NS}">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'  # printed as wide as the page, as long as it runs
            f'<dimension ref="A1:{letters[max(widest, 1) - 1]}{number}"/>'
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{frozen}" topLeftCell="A{frozen + 1}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="A{frozen + 1}" sqref="A{frozen + 1}"/>'
            '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        )
        if columns:
            head += (
                "<cols>"
                + "".join(
                    f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
                    for i, (_h, width) in enumerate(columns, start=1)
                    if width
                )
                + "</cols>"
            )
        head = head.replace("<cols></cols>", "") + "<sheetData>"
        # printed on A4, landscape for a wide table, one page wide, the note and header repeated on every page,
        # "page / pages" at the foot
        orientation = "landscape" if len(columns) >= LANDSCAPE_FROM_COLUMNS else "portrait"
        tail = (
            "</sheetData>"
            '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
            f'<pageSetup paperSize="9" orientation="{orientation}" fitToWidth="1" fitToHeight="0"/>'
            "<headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>"
            "</worksheet>"
        )
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL) as archive:
            for name, text in _fixed_parts(_sheet_name(title), repeated=frozen):
                archive.writestr(name, text)
            info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = _ZIP_LEVEL
            with archive.open(info, "w") as sheet:
                sheet.write(head.encode())
                data.seek(0)
                while chunk := data.read(1 << 20):
                    sheet.write(chunk)
                sheet.write(tail.encode())
    return written


# --- the parts of the workbook ``xlsx_write`` writes ----------------------------------------------------------------

# A table of this many columns or more is printed landscape (a report's PDF follows the same rule).
LANDSCAPE_FROM_COLUMNS = 8
_ZIP_LEVEL = 1  # the XML is repetitive: the fastest level already packs it to about a tenth
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_STYLE_DATE, _STYLE_DATETIME, _STYLE_HEADER, _STYLE_NOTE = 1, 2, 3, 4  # indexes into cellXfs below
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
_EXCEL_EPOCH_DAY = _EXCEL_EPOCH.date().toordinal()
_CELL_CHARS = 32767  # the most a cell holds in a spreadsheet program
# characters XML 1.0 cannot carry at all (a spreadsheet cannot hold them either): left out
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME_CHARS = re.compile(r"[\[\]:*?/\\]")

_STYLES = (
    f'{_XML_DECLARATION}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><i/><sz val="11"/><color rgb="FFAA0000"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFF2DCDB"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
    '<alignment horizontal="center"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _fixed_parts(sheet_name: str, repeated: int = 0) -> list[tuple[str, str]]:
    """The workbook's fixed parts; ``repeated``: the first rows printed again on every page (its print titles)."""
    quoted = "'" + sheet_name.replace("'", "''") + "'"
    titles = (
        f'<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'
        f"{_escape(quoted)}!$1:${repeated}</definedName></definedNames>"
        if repeated
        else ""
    )
    return [
        (
            "[Content_Types].xml",
            f"{_XML_DECLARATION}"
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>",
        ),
        (
            "_rels/.rels",
            f'{_XML_DECLARATION}<Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        ),
        (
            "xl/workbook.xml",
            f'{_XML_DECLARATION}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            "<bookViews><workbookView/></bookViews>"
            f'<sheets><sheet name="{_escape(sheet_name, quote=True)}" sheetId="1" r:id="rId1"/></sheets>'
            f"{titles}</workbook>",
        ),
        (
            "xl/_rels/workbook.xml.rels",
            f'{_XML_DECLARATION}<Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>',
        ),
        ("xl/styles.xml", _STYLES),
    ]


class _Buffered:
    """Text gathered and written to the binary file in pieces of about a megabyte."""

    def __init__(self, handle):
        self.handle, self.parts, self.size = handle, [], 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size > 1 << 19:
            self.flush()

    def flush(self) -> None:
        self.handle.write("".join(self.parts).encode())
        self.parts, self.size = [], 0


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_name(title) -> str:
    return _SHEET_NAME_CHARS.sub(" ", force_str(title))[:31].strip("'") or "Sheet1"


def _escape(text: str, *, quote: bool = False) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        text = text.replace('"', "&quot;")
    return text


def _text_cell(ref: str, text: str, style: int) -> str:
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("", text)
    text = _escape(text[:_CELL_CHARS])
    if "\r" in text:
        text = text.replace("\r", "&#13;")  # a bare carriage return would be read back as a line feed
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _cell(letter: str, number: int, value, style: int = 0) -> str:
    """One cell's XML: text escaped against formulas (as ``cell_value`` does), numbers, booleans, dates, moments."""
    ref = f"{letter}{number}"
    kind = type(value)
    if kind is str:
        if value.startswith(FORMULA_STARTS):
            value = "'" + value
        return _text_cell(ref, value, style)
    if kind is datetime.date:
        return f'<c r="{ref}" s="{_STYLE_DATE}"><v>{value.toordinal() - _EXCEL_EPOCH_DAY}</v></c>'
    if (kind is int or kind is float) and math.isfinite(value):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime.datetime):
        serial = (value.replace(tzinfo=None) - _EXCEL_EPOCH) / datetime.timedelta(days=1)
        return f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, datetime.date):
        return _cell(letter, number, datetime.date(value.year, value.month, value.day), style)
    if isinstance(value, str):  # a subclass (a choice, a safe string): its text
        return _cell(letter, number, str.__str__(value), style)
    if isinstance(value, Promise):
        return _cell(letter, number, force_str(value), style)
    if isinstance(value, int) and kind is not int:
        return _cell(letter, number, int(value), style)
    if isinstance(value, float | Decimal) and math.isfinite(value):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return _text_cell(ref, str.__str__(str(value)), style)  # anything else (nan, a duration): as text
