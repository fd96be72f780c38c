"""The drawn PDF table (``apps.reports.pdf_table``): lines broken by the font's glyph advances, every value on the
page (searchable through the embedded font's ToUnicode map), the header row and the page's head and foot on every
page, rows never split, the page cap refused before anything is written."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError

from apps.reports.catalogue import Column, Table
from apps.reports.formats import write_pdf
from apps.reports.pdf_table import BODY_SIZE, break_lines, column_needs, column_widths, face, fitting_size

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")

DAY = datetime.date(2026, 3, 2)
COLUMNS = [
    Column("org", "组织", 12),
    Column("text", "说明", 30),
    Column("n", "人数", 8, "int"),
    Column("on", "日期", 10, "date"),
]
ADDRESS = "浙江省杭州市西湖区文三路一百二十八号某某小区三幢二单元五零一室，and some English words that wrap"


def _pages(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def _write(path, rows, *, columns=COLUMNS, cap=50, note="", organisation="第一党委"):
    return write_pdf(
        path,
        title="测试报表",
        columns=columns,
        table=Table(count=len(rows), rows=iter(rows), note=note, organisation=organisation),
        day=DAY,
        page_cap=cap,
        on_row=lambda n: None,
    )


def test_a_line_is_broken_within_its_width_and_no_character_is_lost():
    font = face()
    width = 120
    lines = break_lines(ADDRESS, width, BODY_SIZE, font)
    assert len(lines) > 2
    assert all(font.width(line, BODY_SIZE) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == ADDRESS.replace(" ", "")
    assert not any(line.startswith("，") for line in lines)  # a closing mark stays with what it closes
    assert "English" in " ".join(lines).split()  # a Latin word is not cut where it fits


def test_a_word_wider_than_its_cell_is_broken_and_a_hard_break_kept():
    font = face()
    lines = break_lines("x" * 80, 60, BODY_SIZE, font)
    assert len(lines) > 1 and "".join(lines) == "x" * 80
    assert all(font.width(line, BODY_SIZE) <= 60 for line in lines)
    assert break_lines("第一行\n第二行", 200, BODY_SIZE, font) == ["第一行", "第二行"]


def test_a_number_column_is_as_wide_as_its_widest_value():
    font = face()
    rows = [["甲", ADDRESS * 3, "1234567", "2026-03-02"]] * 3
    widths = column_widths(
        column_needs(["组织", "说明", "人数", "日期"], ["text", "text", "int", "date"], rows, font), BODY_SIZE, 500
    )
    assert round(sum(widths), 3) == 500
    assert widths[2] >= font.width("1234567", BODY_SIZE) and widths[3] >= font.width("2026-03-02", BODY_SIZE)
    # a short value among many shorter ones (蒙古族 among 汉族) still fits its column on one line
    rows = [["汉族", ADDRESS]] * 40 + [["蒙古族", ADDRESS]]
    widths = column_widths(column_needs(["民族", "地址"], ["text", "text"], rows, font), BODY_SIZE, 500)
    assert break_lines("蒙古族", widths[0] - 6, BODY_SIZE, font) == ["蒙古族"]


def test_every_value_is_on_the_pages_with_header_and_page_numbers_on_each(tmp_path):
    rows = [(f"第{n:03d}支部", ADDRESS if n % 3 == 0 else f"说明{n}", n, DAY) for n in range(120)]
    path = tmp_path / "t.pdf"
    assert _write(path, rows, note="已遮蔽：不能再导入") == 120
    pages = _pages(path)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "说明" in page and "人数" in page and "第一党委" in page and "2026-03-02" in page
        assert re.search(rf"\b{number}\s*/\s*{len(pages)}\b", page), page[-80:]
    assert "测试报表" in pages[0] and "已遮蔽" in pages[0] and "测试报表" not in pages[1]
    text = "".join(pages)
    for n in range(120):  # each row once: none lost at a page break, none repeated
        assert text.count(f"第{n:03d}支部") == 1, n
    assert "2026-03-02" in text and "119" in text


def test_a_wide_register_is_set_smaller_before_its_names_wrap_and_codes_never_break():
    font = face()
    headers = [f"列{i}" for i in range(12)]
    rows = [["财务资产部党支部", "330000196101060111", *["一车间第一党小组"] * 10]] * 5
    needs = column_needs(headers, ["text", "code", *["text"] * 10], rows, font)
    size = fitting_size(needs, 770)
    assert 7 <= size < BODY_SIZE
    widths = column_widths(needs, size, 770)
    assert widths[1] >= font.width("330000196101060111", size)
    assert break_lines("财务资产部党支部", widths[0] - 6, size, font) == ["财务资产部党支部"]


def test_narrow_tables_are_portrait_and_wide_ones_landscape(tmp_path):
    narrow, wide = tmp_path / "n.pdf", tmp_path / "w.pdf"
    _write(narrow, [("甲", "乙", 1, DAY)])
    _write(wide, [tuple(range(9))], columns=[Column(f"c{i}", f"列{i}", 6, "int") for i in range(9)])

    def size(path):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups()
        return float(width), float(height)

    assert size(narrow)[0] < size(narrow)[1] and size(wide)[0] > size(wide)[1]


def test_over_the_page_cap_nothing_is_written(tmp_path):
    path = tmp_path / "t.pdf"
    rows = [(f"第{n}支部", ADDRESS, n, DAY) for n in range(100)]
    with pytest.raises(ValidationError, match="Excel"):
        _write(path, rows, cap=2)
    assert not path.exists()


def test_an_empty_table_is_its_header_and_a_missing_glyph_no_failure(tmp_path):
    path = tmp_path / "t.pdf"
    assert _write(path, []) == 0
    assert "人数" in _pages(path)[0] and "没有可列出的记录" in _pages(path)[0]
    assert _write(path, [("\U0001f600 甲", "乙", None, None)]) == 1
    assert "甲" in _pages(path)[0]
