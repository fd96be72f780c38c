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
from apps.lifecycle.steps import ANCESTORS, KIND_BY_CODE, STAGE_ORDER, STEPS, Stage
from apps.organisations.choices import MANAGE_PEOPLE
from apps.people.choices import PoliticalStatus
from tests.conftest import sign_in
from tests.dates import TODAY, at


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
    cases = import_commit(actor=world.users["secretary_a"], rows=rows, now=at(TODAY))
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
        import_commit(actor=world.users["secretary_a"], rows=rows, now=at(TODAY))
    assert not DevelopmentCase.objects.exists()


def test_admin_import_says_how_many_rows_have_errors(client, world):
    a = _person(world, "plain_a")
    sign_in(client, world.users["secretary_a"])
    upload = _workbook([(a.id_number, "2024-01-08", None, None), ("999", "2024-01-08", None, None)])
    response = client.post(reverse("admin:lifecycle_developmentcase_import"), {"file": upload})
    assert "文件共 2 行，其中 1 行有错误：改正之前不能导入。" in response.content.decode()
    assert not response.context["token"]


def test_not_a_workbook(world):
    with pytest.raises(ValidationError):
        import_parse(user=world.users["secretary_a"], uploaded=SimpleUploadedFile("x.xlsx", b"no"), today=TODAY)


def test_admin_import_flow(client, world):
    a = _person(world, "plain_a")
    sign_in(client, world.users["secretary_a"])
    url = reverse("admin:lifecycle_developmentcase_import")
    response = client.post(url, {"file": _workbook([(a.id_number, "2024-01-08", "2024-01-20", None)])})
    assert response.status_code == 200 and response.context["token"]
    assert "文件共 1 行，全部无误，可以导入。" in response.content.decode()  # a sentence, not "已检查 1 行"
    assert not DevelopmentCase.objects.exists()
    response = client.post(url, {"token": response.context["token"]})
    assert response.status_code == 302
    assert DevelopmentCase.objects.filter(person=a).exists()
    assert client.get(reverse("admin:lifecycle_developmentcase_import_template")).status_code == 200


# --- the import is not a side door (the same guarded services, the importer's rights) --------------------------


def _full_history(application="2020-01-06"):
    """Every step of the plan (the 公示 aside), each after the steps it follows: a history to the archive."""
    lags = {"candidate_designated": 380, "conversion_applied": 330, "conversion_meeting": 40}
    start = datetime.date.fromisoformat(application)
    history = {}
    for step in STEPS:
        if step.automatic or step.code == "candidate_filed":  # 2026: 公示 instead of the filing
            continue
        base = max((history[a] for a in step.after if a in history), default=start)
        history[step.code] = base + datetime.timedelta(days=lags.get(step.code, 7)) if step.after else start
    return history


def _history_workbook(id_number, history):
    return _workbook([(id_number, *history.values())], header=("身份证号", *history))


def test_a_branch_secretary_cannot_make_a_full_member_by_import(world):
    """The probe: a branch secretary imported every step up to the conversion approval for a non-member."""
    person = _person(world, "plain_a")
    rows = import_parse(
        user=world.users["secretary_a"], uploaded=_history_workbook(person.id_number, _full_history()), today=TODAY
    )
    refused = {e for e in rows[0].errors if "不能为" in e or "cannot record" in e}
    assert len(refused) >= 5  # filings, pre-review, approvals, political review, training: the committee's
    with pytest.raises(ValidationError):
        import_commit(actor=world.users["secretary_a"], rows=rows, now=at(TODAY))
    person.refresh_from_db()
    assert person.political_status == PoliticalStatus.MASSES
    assert not DevelopmentCase.objects.exists()


def test_an_import_never_turns_a_member_back(world):
    """The probe: a row with only the application for existing full members made them applicants."""
    member = world.people["member_a"]
    assert member.political_status == PoliticalStatus.FULL
    rows = import_parse(
        user=world.users["secretary_a"], uploaded=_workbook([(member.id_number, "2024-01-08", None, None)]), today=TODAY
    )
    assert any("正式党员" in e for e in rows[0].errors), rows[0].errors
    member.refresh_from_db()
    assert member.political_status == PoliticalStatus.FULL


def test_a_committee_imports_a_full_members_history_as_warnings(world):
    member = world.people["member_a"]
    history = _full_history()
    rows = import_parse(user=world.users["staff"], uploaded=_history_workbook(member.id_number, history), today=TODAY)
    assert rows[0].errors == []
    [case] = import_commit(actor=world.users["staff"], rows=rows, now=at(TODAY))
    assert case.stage == Stage.FULL
    records = StepRecord.objects.filter(case=case)
    assert records.count() == len(history) and all(r.after_the_fact for r in records)
    assert {r.entered_by_id for r in records} == {world.users["staff"].pk}
    member.refresh_from_db()
    assert member.political_status == PoliticalStatus.FULL
    assert member.joined_on == history["admission_meeting"]
    # rules warn: no vote counts, no training length, no documents were imported
    assert {"training_short", "documents_missing"} <= set(case.warnings.values_list("code", flat=True))


def test_a_person_with_a_case_is_never_touched(world, case):
    rows = import_parse(
        user=world.users["staff"],
        uploaded=_workbook([(case.person.id_number, "2024-01-08", None, None)]),
        today=TODAY,
    )
    assert rows[0].errors


@pytest.mark.parametrize("who", ["secretary_a", "organiser_a", "staff", "member_a", "admin", "secretary_b"])
def test_every_record_kind_by_every_role(world, who):
    """Each kind of the plan, imported by each role, is refused exactly when the role may not record it by hand."""
    from apps.organisations.permissions import covers

    user, path = world.users[who], world.branch_a.path
    person = _person(world, "plain_a")
    history = _full_history()

    def may(code):
        perms = [MANAGE_PEOPLE] if code == "application_received" else KIND_BY_CODE[code].recorders
        return any(covers(user, p, path) for p in perms if p != "self")

    for code in history:
        kind = KIND_BY_CODE[code]
        wanted = {code, "application_received", *ANCESTORS[code]}
        for mover in STEPS:  # and the steps that bring the case to the kind's stage
            if mover.moves_to and STAGE_ORDER[mover.moves_to] <= STAGE_ORDER[kind.stage]:
                wanted |= {mover.code, *ANCESTORS[mover.code]}
        row_steps = {c: d for c, d in history.items() if c in wanted}
        [row] = import_parse(user=user, uploaded=_history_workbook(person.id_number, row_steps), today=TODAY)
        if not covers(user, MANAGE_PEOPLE, path):
            assert row.errors  # the person is not in the user's organisations at all
            continue
        refused = [e for e in row.errors if "不能为" in e]
        assert len(refused) == sum(not may(c) for c in row_steps), (who, code, row.errors)
        assert (str(KIND_BY_CODE[code].label) in " ".join(refused)) is not may(code)
