"""The roster's round trip: an export for exchange imported again changes nothing; a change goes through the people
services, all rows or none; a masked export, unknown columns or unknown people are refused with nothing saved."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from apps.audit.models import AuditEntry
from apps.people.models import Person
from apps.reports.definitions import ROSTER_FIELDS
from apps.reports.roster_import import roster_import
from apps.reports.services import run_execute, run_request
from tests.dates import at

PHONE, BRANCH = ROSTER_FIELDS.index("phone"), ROSTER_FIELDS.index("branch")

DAY = datetime.date(2026, 3, 2)


def _export(user, storage, exchange=True) -> bytes:
    params = {"exchange": "on"} if exchange else {}
    run = run_request(actor=user, report_name="roster", params=params, fmt="xlsx", now=at(DAY))
    run = run_execute(run_id=run.pk, clock=lambda: at(DAY))
    assert run.downloadable, run.error
    return (Path(storage) / run.file).read_bytes()


def _edit(data: bytes, edit) -> io.BytesIO:
    book = load_workbook(io.BytesIO(data))
    edit(book.active)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


@pytest.fixture
def ids(world):
    for i, key in enumerate(("secretary_a", "member_a", "plain_a", "organiser_a", "propaganda_a")):
        person = world.people[key]
        person.id_number = f"11010119900307{i:03d}X"[:18]
        person.save()
    world.people["member_a"].name = "=cmd|' /C calc'!A0"
    world.people["member_a"].save()
    return world


def _state():
    return list(Person.objects.order_by("pk").values())


@pytest.mark.django_db
def test_export_then_import_changes_nothing(ids, private_storage):
    user = ids.users["secretary_a"]
    data = _export(user, private_storage)
    before, audit = _state(), AuditEntry.objects.count()
    result = roster_import(actor=user, upload=io.BytesIO(data), today=DAY, dry_run=False)
    assert result.errors == [] and result.rows >= 5 and result.changed == 0
    assert _state() == before and AuditEntry.objects.count() == audit


@pytest.mark.django_db
def test_a_member_without_an_id_number_is_found_by_name_and_a_shared_name_is_an_error(ids, private_storage):
    """A record that never had its ID number still goes round (it is matched by its name, which only it bears among
    the members without one); two such people of one name cannot be told apart: a row error, nothing saved."""
    from apps.people.choices import PoliticalStatus
    from tests.factories import PersonFactory

    user = ids.users["secretary_a"]
    PersonFactory(node=ids.branch_a, political_status=PoliticalStatus.FULL, id_number="", name="无证号甲")
    result = roster_import(actor=user, upload=io.BytesIO(_export(user, private_storage)), today=DAY, dry_run=True)
    assert result.errors == [] and result.changed == 0
    PersonFactory(node=ids.branch_a, political_status=PoliticalStatus.FULL, id_number="", name="无证号甲")
    result = roster_import(actor=user, upload=io.BytesIO(_export(user, private_storage)), today=DAY, dry_run=False)
    assert len(result.errors) == 2 and all("无证号" not in e and "身份证" in e for e in result.errors), result.errors


@pytest.mark.django_db
def test_a_changed_phone_is_saved_through_the_services_and_a_dry_run_saves_nothing(ids, private_storage):
    user = ids.users["secretary_a"]
    data = _export(user, private_storage)
    member = ids.people["plain_a"]

    def edit(sheet):
        for row in sheet.iter_rows(min_row=2):
            if row[3].value == member.id_number:
                row[PHONE].value = "13900000000"

    dry = roster_import(actor=user, upload=_edit(data, edit), today=DAY, dry_run=True)
    assert dry.errors == [] and dry.changed == 1 and not dry.saved
    member.refresh_from_db()
    assert member.phone != "13900000000"
    result = roster_import(actor=user, upload=_edit(data, edit), today=DAY, dry_run=False)
    assert result.saved
    member.refresh_from_db()
    assert member.phone == "13900000000"
    assert AuditEntry.objects.filter(action="people.updated", target_id=str(member.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["unknown_column", "unknown_person", "fixed_column", "one_bad_row"])
def test_bad_rows_save_nothing(ids, private_storage, case):
    user = ids.users["secretary_a"]
    data = _export(user, private_storage)

    def edit(sheet):
        rows = list(sheet.iter_rows(min_row=2))
        if case == "unknown_column":
            sheet.cell(row=1, column=20, value="颜色")
        elif case == "unknown_person":
            rows[0][3].value = "110101190001010000"
        elif case == "fixed_column":
            rows[0][BRANCH].value = "别的支部"
        else:  # one good change and one row of an unknown person: neither is saved
            rows[0][PHONE].value = "13911111111"
            rows[1][3].value = "110101190001010000"

    before = _state()
    result = roster_import(actor=user, upload=_edit(data, edit), today=DAY, dry_run=False)
    assert result.errors and not result.saved
    assert _state() == before


@pytest.mark.django_db
def test_a_masked_export_cannot_be_imported(ids, private_storage):
    user = ids.users["secretary_a"]
    data = _export(user, private_storage, exchange=False)
    result = roster_import(actor=user, upload=io.BytesIO(data), today=DAY, dry_run=False)
    assert result.errors and "不能再导入" in result.errors[0]


@pytest.mark.django_db
def test_not_a_workbook(ids):
    result = roster_import(actor=ids.users["secretary_a"], upload=io.BytesIO(b"nope"), today=DAY, dry_run=True)
    assert result.errors
