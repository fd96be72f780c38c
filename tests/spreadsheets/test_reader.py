"""The one reader of uploaded workbooks: the values openpyxl would give, and every limit refused before the
offending part is built."""

from __future__ import annotations

import datetime
import resource
import time
import zipfile
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from apps.spreadsheets.reader import Limits, sheet_rows

LIMITS = Limits(rows=100, columns=10, cell_chars=50)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)
SHEET_OPEN = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_CLOSE = "</sheetData></worksheet>"


def _package(sheet_parts, shared: str | None = None, prologue: str = "") -> BytesIO:
    """A minimal .xlsx written by hand; ``sheet_parts`` (strings) are streamed into the sheet, so a test can write
    a member far larger than it keeps in memory."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", shared)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write((prologue + SHEET_OPEN).encode())
            for part in sheet_parts:
                sheet.write(part.encode())
            sheet.write(SHEET_CLOSE.encode())
    buffer.seek(0)
    return buffer


def _openpyxl_workbook() -> BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "递交入党申请书", "count", "flag"])
    sheet.append(["110101199001011234", datetime.date(2024, 1, 8), 3, True])
    sheet.append(["=not a formula?", "2024-01-08", 2.5, None])
    sheet.append([])
    sheet.append([None, None, None, "last"])
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_reads_what_openpyxl_reads():
    upload = _openpyxl_workbook()
    expected = [
        tuple(row)
        for row in load_workbook(BytesIO(upload.getvalue()), read_only=True, data_only=True).active.iter_rows(
            values_only=True
        )
    ]
    rows = list(sheet_rows(upload, limits=LIMITS))
    assert rows == [_trim(row) for row in expected]
    assert rows[1] == ("110101199001011234", datetime.datetime(2024, 1, 8), 3, True)
    assert rows[3] == ()  # an empty row keeps its place: the line numbers of the rows after it stay right


def _trim(row: tuple) -> tuple:
    values = list(row)
    while values and values[-1] is None:
        values.pop()
    return tuple(values)


def test_shared_and_inline_strings_and_gaps():
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>甲</t></si><si><r><t>乙</t></r><r><t>丙</t></r><rPh><t>yi</t></rPh></si></sst>"
    )
    upload = _package(
        [
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>',
            '<row r="3"><c r="B3" t="inlineStr"><is><t>inline</t></is></c></row>',
        ],
        shared=shared,
    )
    assert list(sheet_rows(upload, limits=LIMITS)) == [("甲", None, "乙丙"), (), (None, "inline")]


def test_too_many_rows_is_refused():
    rows = [f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x</t></is></c></row>' for i in range(1, 103)]
    with pytest.raises(ValidationError, match="100"):
        list(sheet_rows(_package(rows), limits=LIMITS))
    # empty rows (formatted only) far below count for nothing
    fine = [*rows[:101], '<row r="1000000" ht="20" customHeight="1"/>']
    assert len(list(sheet_rows(_package(fine), limits=LIMITS))) == 101


def test_too_many_columns_is_refused():
    with pytest.raises(ValidationError, match="10"):
        list(sheet_rows(_package(['<row r="1"><c r="K1"><v>1</v></c></row>']), limits=LIMITS))


def test_a_long_cell_is_refused_without_keeping_it():
    cell = '<row r="1"><c r="A1" t="inlineStr"><is><t>' + "长" * 51 + "</t></is></c></row>"
    with pytest.raises(ValidationError, match="A1"):
        list(sheet_rows(_package([cell]), limits=LIMITS))
    shared = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>' + "x" * 51
    shared += "</t></si><si><t>ok</t></si></sst>"
    unused = _package(['<row r="1"><c r="A1" t="s"><v>1</v></c></row>'], shared=shared)
    assert list(sheet_rows(unused, limits=LIMITS)) == [("ok",)]  # a long text nobody uses refuses nothing
    used = _package(['<row r="1"><c r="A1" t="s"><v>0</v></c></row>'], shared=shared)
    with pytest.raises(ValidationError, match="A1"):
        list(sheet_rows(used, limits=LIMITS))


def test_one_huge_inline_string_is_refused_at_once():
    """The probe: a small upload holding one string of tens of millions of characters."""
    chunk = "A" * 1_000_000
    parts = ['<row r="1"><c r="A1" t="inlineStr"><is><t>', *([chunk] * 70), "</t></is></c></row>"]
    upload = _package(parts)
    assert len(upload.getvalue()) < 200_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="MB"):
        list(sheet_rows(upload, limits=LIMITS))
    assert time.perf_counter() - started < 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 20_000  # KiB


def test_a_huge_string_under_the_size_limit_is_refused_at_its_limit():
    chunk = "A" * 1_000_000
    parts = ['<row r="1"><c r="A1" t="inlineStr"><is><t>', *([chunk] * 30), "</t></is></c></row>"]
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="A1"):
        list(sheet_rows(_package(parts), limits=LIMITS))
    assert time.perf_counter() - started < 1  # refused at its 51st character, not after reading it


@pytest.mark.parametrize(
    "content",
    [b"not a zip", b"PK\x03\x04 broken"],
)
def test_not_a_workbook(content):
    with pytest.raises(ValidationError):
        list(sheet_rows(BytesIO(content), limits=LIMITS))


def test_a_document_type_declaration_is_refused():
    prologue = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
    with pytest.raises(ValidationError):
        list(sheet_rows(_package(['<row r="1"><c r="A1"><v>1</v></c></row>'], prologue=prologue), limits=LIMITS))
