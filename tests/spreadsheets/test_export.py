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
