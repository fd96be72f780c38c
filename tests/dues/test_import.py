"""Imports: a payroll workbook (bases) and a collection sheet (payments) — a dry run with each row's errors, then all
rows or none, through the guarded services; limits of the reader."""

import datetime
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from apps.dues.importer import (
    _read_rows,
    collection_commit,
    collection_parse,
    payroll_commit,
    payroll_parse,
)
from apps.dues.models import DuesBase, Payment
from tests.dates import TODAY, at

D = datetime.date
JAN = D(2026, 1, 1)


def _book(*rows) -> BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _payroll(world, *rows, who="secretary_a"):
    return payroll_parse(
        user=world.users[who],
        uploaded=_book(("身份证号", "姓名", "类别", "月收入"), *rows),
        applies_from=JAN,
        today=TODAY,
    )


def test_a_payroll_workbook_is_checked_then_imported_whole(world):
    member, plain = world.people["member_a"], world.people["plain_a"]
    rows = _payroll(
        world,
        (member.id_number, member.name, "在职", "4，500"),  # a Chinese comma between thousands: 4500
        (plain.id_number, None, "离退休", 6000),
    )
    assert [r.errors for r in rows] == [[], []]
    assert [r.amount for r in rows] == [Decimal("45.00"), Decimal("60.00")]
    assert not DuesBase.objects.exists()  # the dry run wrote nothing
    assert payroll_commit(actor=world.users["secretary_a"], rows=rows, applies_from=JAN, now=at(TODAY)) == 2
    bases = {b.person_id: b for b in DuesBase.objects.all()}
    assert bases[member.pk].state == "confirmed" and bases[member.pk].source == "import"
    assert bases[member.pk].income == Decimal("4500.00")


def test_a_payroll_with_unknown_people_or_bad_values_saves_nothing(world):
    member = world.people["member_a"]
    rows = _payroll(
        world,
        (member.id_number, member.name, "在职", "4500"),
        ("110000000000000000", "陌生人", "在职", "3000"),  # nobody with this number
        (world.people["member_b"].id_number, None, "在职", "3000"),  # another branch's member
        (world.people["plain_a"].id_number, "别人", "在职", "-3000"),  # a wrong name, a negative income
        (world.people["organiser_a"].id_number, None, "宇航员", "3000"),
        (member.id_number, None, "学生", None),  # twice in the file
    )
    assert rows[0].errors == []
    assert all(r.errors for r in rows[1:])
    assert "身份证号" in rows[1].errors[0] and rows[2].errors == rows[1].errors
    assert len(rows[3].errors) == 2
    with pytest.raises(ValidationError, match="5"):
        payroll_commit(actor=world.users["secretary_a"], rows=rows, applies_from=JAN, now=at(TODAY))
    assert not DuesBase.objects.exists()


def test_a_collection_sheet_pays_months_and_refuses_a_month_paid_already(world, dues):
    member, plain = world.people["member_a"], world.people["plain_a"]
    dues.base(member)
    dues.base(plain, category="student", income=None)
    dues.pay(member, D(2026, 9, 1), paid_on=D(2026, 9, 5))
    header = ("身份证号", "月份", "至月份", "交纳日期", "金额", "方式", "收据号")
    sheet = _book(
        header,
        (member.id_number, "2026-10", "2026-12", "2026-11-20", None, "现金", "DF-7"),
        (plain.id_number, D(2026, 10, 1), None, D(2026, 11, 2), "0.20", "transfer", None),
    )
    rows = collection_parse(user=world.users["secretary_a"], uploaded=sheet, today=TODAY)
    assert [r.errors for r in rows] == [[], []]
    assert collection_commit(actor=world.users["secretary_a"], rows=rows, now=at(TODAY)) == 4
    lines = Payment.objects.filter(month__person=member).order_by("month__month")
    assert [(p.month.month, p.advance) for p in lines][1:] == [
        (D(2026, 10, 1), False),
        (D(2026, 11, 1), False),
        (D(2026, 12, 1), True),
    ]
    again = collection_parse(
        user=world.users["secretary_a"],
        uploaded=_book(header, (member.id_number, "2026-10", None, "2026-11-21", None, None, None)),
        today=TODAY,
    )
    assert "2026-10" in again[0].errors[0]
    with pytest.raises(ValidationError):
        collection_commit(actor=world.users["secretary_a"], rows=again, now=at(TODAY))
    assert Payment.objects.count() == 5


def test_a_collection_sheet_with_twice_the_same_month_or_a_future_day_is_refused(world, dues):
    member = world.people["member_a"]
    dues.base(member)
    rows = collection_parse(
        user=world.users["secretary_a"],
        uploaded=_book(
            ("身份证号", "月份", "交纳日期", "方式"),
            (member.id_number, "2026-10", "2026-11-01", None),
            (member.id_number, "2026-10", "2026-11-02", None),
            (member.id_number, "2026-11", "2027-01-01", "支票"),
            (member.id_number, "十月", "2026-11-01", None),
        ),
        today=TODAY,
    )
    assert rows[0].errors == [] and all(r.errors for r in rows[1:])
    assert len(rows[2].errors) == 2  # a future day and an unknown way of paying
    assert not Payment.objects.exists()


def test_the_reader_refuses_what_is_not_a_workbook_or_too_big(world):
    with pytest.raises(ValidationError):
        _read_rows(BytesIO(b"not a zip"))
    bomb = BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "A" * (21 * 1024 * 1024))
    bomb.seek(0)
    with pytest.raises(ValidationError, match="unpacked|解压|太大"):
        _read_rows(bomb)
    with pytest.raises(ValidationError):
        _read_rows(_book(*[("x",)] * 5002))
    with pytest.raises(ValidationError):
        _read_rows(_book(("x" * 201,)))
    with pytest.raises(ValidationError):
        _read_rows(_book(tuple(range(31))))
    assert _read_rows(_book(("a", None), (None, None), (1, 2))) == [["a", None], [1, 2]]


def test_unknown_columns_and_missing_ones_are_named(world):
    with pytest.raises(ValidationError):
        payroll_parse(
            user=world.users["secretary_a"], uploaded=_book(("身份证号", "工资条")), applies_from=JAN, today=TODAY
        )
    with pytest.raises(ValidationError):
        collection_parse(user=world.users["secretary_a"], uploaded=_book(("身份证号",)), today=TODAY)
