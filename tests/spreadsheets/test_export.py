"""Every export goes through one writer that escapes every text cell a spreadsheet would read as a formula."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from apps.spreadsheets.export import cell_value, xlsx_bytes, xlsx_response
from tests.conftest import sign_in

INJECTIONS = ['=HYPERLINK("http://evil.example/","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_text_that_starts_a_formula_is_escaped(text):
    assert cell_value(text) == "'" + text


def test_other_values_are_kept():
    day = datetime.date(2026, 1, 5)
    assert [cell_value(v) for v in ("张三", "a=b", 3, -3, 2.5, day, None)] == ["张三", "a=b", 3, -3, 2.5, day, None]
    assert cell_value(gettext_lazy("Name")) == "姓名"


def test_no_cell_of_a_workbook_is_a_formula():
    content = xlsx_bytes(title="t", header=["=head"], rows=[[text, "ok", 1] for text in INJECTIONS])
    sheet = load_workbook(BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert sheet["A2"].value == "'" + INJECTIONS[0]


def test_the_file_name_goes_through_the_header_builder():
    response = xlsx_response(filename='a"; filename="evil.html', title="t", header=[], rows=[])
    assert response["Content-Disposition"] == 'attachment; filename="a\\"; filename=\\"evil.html"'


def test_the_case_export_escapes_every_column(client, world, case):
    """The probe: a name ``=HYPERLINK(…)`` was written as a live formula. The export (the importer's columns: ID card
    number, name, branch code, edition, dates) goes through the one helper that escapes every text cell."""
    person = case.person
    person.name = INJECTIONS[0]
    person.save()
    sign_in(client, world.users["staff"])
    response = client.post(
        reverse("admin:lifecycle_developmentcase_changelist"),
        {"action": "export_xlsx", "_selected_action": [case.pk]},
    )
    assert response["Content-Disposition"] == 'attachment; filename="development-cases.xlsx"'
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet["B2"].value == "'" + INJECTIONS[0] and sheet["B2"].data_type == "s"


def test_the_streamed_workbook_reads_back_as_written():
    """``xlsx_write`` writes the sheet's XML itself: openpyxl and the import's reader read every kind of value back,
    formula-like text escaped (and unescaped by ``cell_read``), a carriage return kept, characters XML cannot carry
    left out, the note and the header above the frozen rows."""
    from decimal import Decimal

    from apps.spreadsheets.export import cell_read, xlsx_write
    from apps.spreadsheets.reader import Limits, sheet_rows

    moment = datetime.datetime(2026, 3, 4, 10, 30)
    rows = [
        ["=1+1", "a\rb", "x\x01y", " padded ", "<&>", 7, 2.5, True],
        [None, datetime.date(2026, 1, 5), moment, Decimal("1.25"), gettext_lazy("Name"), None, -3, False],
    ]
    target = BytesIO()
    written = xlsx_write(
        target, title="名单[1]", columns=[("=head", 12), ("B", 20)], rows=iter(rows), note="+note", on_row=None
    )
    assert written == 2
    book = load_workbook(BytesIO(target.getvalue()))
    sheet = book.active
    assert sheet.title == "名单 1 " and sheet.freeze_panes == "A3" and sheet.column_dimensions["B"].width == 20
    assert sheet["A1"].value == "'+note" and sheet["A2"].value == "'=head" and sheet["A2"].font.b
    assert [c.value for c in sheet[3]] == ["'=1+1", "a\rb", "xy", " padded ", "<&>", 7, 2.5, True]
    assert sheet["B4"].is_date and sheet["B4"].value == datetime.datetime(2026, 1, 5)
    assert sheet["C4"].value == moment and sheet["D4"].value == 1.25 and sheet["E4"].value == "姓名"
    assert sheet["A4"].value is None and sheet["H4"].value is False
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    read = list(sheet_rows(BytesIO(target.getvalue()), limits=Limits(rows=10, header=2)))
    assert [cell_read(v) for v in read[2]] == ["=1+1", "a\rb", "xy", " padded ", "<&>", 7, 2.5, True]
    assert read[3][1] == datetime.datetime(2026, 1, 5) and read[3][2] == moment


def test_an_empty_table_is_a_workbook_with_its_header():
    from apps.spreadsheets.export import xlsx_write

    target = BytesIO()
    assert xlsx_write(target, title="t", columns=[("A", 10)], rows=[]) == 0
    sheet = load_workbook(BytesIO(target.getvalue())).active
    assert [c.value for c in sheet[1]] == ["A"] and sheet.freeze_panes == "A2"


@pytest.mark.parametrize(("columns", "orientation"), [(3, "portrait"), (8, "landscape")])
def test_the_workbook_prints_one_page_wide_its_note_and_header_on_every_page(columns, orientation):
    """A4, landscape for a wide table, fitted to the page's width, the rows above the data repeated on each page
    (print titles), "page / pages" at the foot; a sheet name with a quote keeps its print titles."""
    from apps.spreadsheets.export import xlsx_write

    target = BytesIO()
    xlsx_write(target, title="O'Brien 名单", columns=[(f"列{i}", 10) for i in range(columns)], rows=[[1] * columns],
               note="说明")  # fmt: skip
    sheet = load_workbook(BytesIO(target.getvalue())).active
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == orientation and str(sheet.page_setup.paperSize) == "9"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and str(sheet.page_setup.fitToHeight) == "0"
    assert sheet.oddFooter.center.text == "&P / &N"
