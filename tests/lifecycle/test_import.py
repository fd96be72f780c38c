import datetime
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from apps.audit.models import AuditEntry
from apps.lifecycle.importer import import_commit, import_parse
from apps.lifecycle.models import DevelopmentCase, StepRecord
from apps.lifecycle.steps import Stage
from apps.people.choices import PoliticalStatus
from tests.conftest import sign_in
from tests.dates import TODAY


def _workbook(rows, header=("身份证号", "递交入党申请书", "党组织派人谈话", "确定为入党积极分子")):
    book = Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("cases.xlsx", buffer.getvalue())


def _person(world, key):
    person = world.people[key]
    person.political_status = PoliticalStatus.MASSES
    person.save()
    return person


def test_dry_run_then_import_all(world):
    a, b = _person(world, "plain_a"), _person(world, "applicant_a")
    upload = _workbook(
        [(a.id_number, "2024-01-08", "2024-01-20", datetime.date(2024, 3, 4)), (b.id_number, "2025-06-01", None, None)]
    )
    rows = import_parse(user=world.users["secretary_a"], uploaded=upload, today=TODAY)
    assert [r.errors for r in rows] == [[], []]
    assert not DevelopmentCase.objects.exists()  # the dry run writes nothing
    cases = import_commit(actor=world.users["secretary_a"], rows=rows, today=TODAY)
    assert {c.stage for c in cases} == {Stage.ACTIVIST, Stage.APPLICANT}
    assert StepRecord.objects.filter(after_the_fact=True).count() == 4
    a.refresh_from_db()
    assert a.political_status == PoliticalStatus.ACTIVIST
    assert AuditEntry.objects.filter(action="lifecycle.case_imported").count() == 2


def test_row_errors_and_all_or_nothing(world):
    a = _person(world, "plain_a")
    outside = _person(world, "plain_b")
    upload = _workbook(
        [
            (a.id_number, "2024-01-08", "2024-01-01", None),  # talk before the application
            (outside.id_number, "2024-01-08", None, None),  # not in the secretary's branch
            ("999", "2024-01-08", None, None),
            (a.id_number, "2099-01-01", None, None),  # twice, and in the future
            (world.people["member_a"].id_number, "not a date", None, None),
        ]
    )
    rows = import_parse(user=world.users["secretary_a"], uploaded=upload, today=TODAY)
    assert all(r.errors for r in rows)
    with pytest.raises(ValidationError, match="5"):
        import_commit(actor=world.users["secretary_a"], rows=rows, today=TODAY)
    assert not DevelopmentCase.objects.exists()


def test_not_a_workbook(world):
    with pytest.raises(ValidationError):
        import_parse(user=world.users["secretary_a"], uploaded=SimpleUploadedFile("x.xlsx", b"no"), today=TODAY)


def test_admin_import_flow(client, world):
    a = _person(world, "plain_a")
    sign_in(client, world.users["secretary_a"])
    url = reverse("admin:lifecycle_developmentcase_import")
    response = client.post(url, {"file": _workbook([(a.id_number, "2024-01-08", "2024-01-20", None)])})
    assert response.status_code == 200 and response.context["token"]
    assert not DevelopmentCase.objects.exists()
    response = client.post(url, {"token": response.context["token"]})
    assert response.status_code == 302
    assert DevelopmentCase.objects.filter(person=a).exists()
    assert client.get(reverse("admin:lifecycle_developmentcase_import_template")).status_code == 200
