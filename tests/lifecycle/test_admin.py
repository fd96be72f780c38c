import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.lifecycle.models import RuleSet, StepRecord
from tests.conftest import sign_in
from tests.lifecycle.conftest import TODAY, take_to_candidate

D = datetime.date


def test_admin_records_a_step_through_the_service(client, world, case):
    sign_in(client, world.users["secretary_a"])
    url = reverse("admin:lifecycle_developmentcase_record", args=[case.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"step": "applicant_talk", "on": "2024-09-20", "body": "branch"})
    assert response.status_code == 302
    assert StepRecord.objects.filter(case=case, step="applicant_talk").exists()
    # a refused step shows the rule and writes nothing
    response = client.post(url, {"step": "activist_designated", "on": "2024-09-01", "body": "branch_committee"})
    assert response.status_code == 200
    assert "不能早于" in response.content.decode()
    assert not StepRecord.objects.filter(case=case, step="activist_designated").exists()


def test_change_page_shows_the_timeline(client, world, case):
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("admin:lifecycle_developmentcase_change", args=[case.pk])).content.decode()
    assert "参考计划" in body and "录入决定" in body


def test_committee_queue_filter(client, world, case, record):
    take_to_candidate(world, case, record)
    sign_in(client, world.users["staff"])
    url = reverse("admin:lifecycle_developmentcase_changelist")
    assert world.people["applicant_a"].name not in client.get(url, {"queue": "prereview"}).content.decode()
    assert world.people["applicant_a"].name in client.get(url, {"stage": "candidate"}).content.decode()


def test_export_to_excel(client, world, case):
    from io import BytesIO

    from openpyxl import load_workbook

    sign_in(client, world.users["staff"])
    response = client.post(
        reverse("admin:lifecycle_developmentcase_changelist"),
        {"action": "export_xlsx", "_selected_action": [case.pk]},
    )
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[1][1] == world.people["applicant_a"].name


def test_the_export_of_every_filtered_case_is_imported_again_as_it_is(client, world, case, record):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    from apps.audit.models import AuditEntry
    from apps.lifecycle.importer import import_parse
    from apps.lifecycle.models import DevelopmentCase
    from apps.lifecycle.services import case_open
    from apps.people.choices import PoliticalStatus

    # given: two cases, one with steps; "select all" ticked with only the other one on the page selected
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    other_person = world.people["plain_b"]
    other_person.political_status = PoliticalStatus.MASSES
    other_person.save()
    other = case_open(
        actor=world.users["staff"],
        person=other_person,
        branch=world.branch_b,
        application_on=D(2026, 3, 2),
        today=TODAY,
    )
    sign_in(client, world.users["staff"])
    response = client.post(
        reverse("admin:lifecycle_developmentcase_changelist"),
        {"action": "export_xlsx", "_selected_action": [other.pk], "select_across": "1", "index": "0"},
    )
    # then: every filtered case is in the file, in the importer's columns
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[0][:4] == ("身份证号", "姓名", "支部代码", "规则版本")
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {world.people["applicant_a"].name, other_person.name}
    assert AuditEntry.objects.filter(action="lifecycle.cases_exported", changes={"cases": [None, 2]}).exists()
    # and the file is imported again as it is (once the cases are gone: the import never touches a case)
    DevelopmentCase.objects.filter(pk__in=[case.pk, other.pk]).delete()
    for person in (world.people["applicant_a"], other_person):
        person.political_status = PoliticalStatus.MASSES
        person.save()
    parsed = import_parse(
        user=world.users["staff"], uploaded=SimpleUploadedFile("cases.xlsx", response.content), today=TODAY
    )
    assert [r.errors for r in parsed] == [[], []]
    steps = {r.person.pk: r.steps for r in parsed}
    assert steps[world.people["applicant_a"].pk] == {
        "application_received": D(2024, 9, 2),
        "applicant_talk": D(2024, 9, 20),
        "activist_designated": D(2024, 10, 8),
    }


def test_the_export_leaves_out_id_numbers_the_user_may_not_see(client, world, case):
    from io import BytesIO

    from django.contrib.auth.models import Permission
    from openpyxl import load_workbook

    from apps.organisations.models import OrgNodeUserObjectPermission
    from tests.factories import UserFactory

    reader = UserFactory(username="reader", is_staff=True)
    OrgNodeUserObjectPermission.objects.create(
        user=reader,
        permission=Permission.objects.get(content_type__app_label="organisations", codename="view_scope"),
        content_object=world.committee,
    )
    for user, shown in ((reader, ""), (world.users["staff"], world.people["applicant_a"].id_number)):
        sign_in(client, user)
        response = client.post(
            reverse("admin:lifecycle_developmentcase_changelist"),
            {"action": "export_xlsx", "_selected_action": [case.pk]},
        )
        row = list(load_workbook(BytesIO(response.content)).active.values)[1]
        assert (row[0] or "") == shown and row[1] == world.people["applicant_a"].name


def test_local_rule_set_may_not_loosen(client, world):
    sign_in(client, world.users["staff"])
    national = RuleSet.objects.get(edition="2026.05")
    data = {f.name: getattr(national, f.name) for f in RuleSet._meta.concrete_fields if f.name not in ("id",)}
    data.update(
        edition="local-1", name="本地规则", base=national.pk, is_default="", activist_min_months=6, issued_on=""
    )
    data = {k: ("on" if v is True else "" if v is False else v) for k, v in data.items() if v is not None}
    response = client.post(reverse("admin:lifecycle_ruleset_add"), data, follow=True)
    assert not RuleSet.objects.filter(edition="local-1").exists()
    assert "全国规则" in response.content.decode()
    data["activist_min_months"] = 18
    client.post(reverse("admin:lifecycle_ruleset_add"), data)
    assert RuleSet.objects.filter(edition="local-1", activist_min_months=18).exists()


def _local(world, **values):
    from apps.lifecycle.services import rule_set_save

    national = RuleSet.objects.get(edition="2026.05")
    return rule_set_save(
        actor=world.users["staff"],
        rule_set=None,
        values={"edition": "local-2", "name": "本地规则", "base": national, "activist_min_months": 18, **values},
    )


def test_rule_set_service_audits_old_and_new(world):
    from apps.audit.models import AuditEntry
    from apps.lifecycle.services import rule_set_save

    local = _local(world)
    rule_set_save(actor=world.users["staff"], rule_set=local, values={"activist_min_months": 24})
    entry = AuditEntry.objects.filter(action="lifecycle.rule_set_changed").latest("pk")
    assert entry.changes == {"activist_min_months": [18, 24]}


def test_national_editions_are_read_only_except_for_administrators(client, world):
    from apps.lifecycle.services import rule_set_save

    national = RuleSet.objects.get(edition="2026.05")
    with pytest.raises(ValidationError):
        rule_set_save(actor=world.users["staff"], rule_set=national, values={"candidate_publicity": False})
    national.refresh_from_db()
    assert national.candidate_publicity is True
    sign_in(client, world.users["staff"])
    data = {"base": national.pk, "edition": national.edition, "name": national.name}
    response = client.post(reverse("admin:lifecycle_ruleset_change", args=[national.pk]), data)
    assert response.status_code == 403
    national.refresh_from_db()
    assert national.base_id is None and national.candidate_publicity is True


def test_the_base_of_a_local_set_is_fixed_and_national(world):
    from apps.lifecycle.services import rule_set_save

    local = _local(world)
    other = RuleSet.objects.get(edition="2014")
    with pytest.raises(ValidationError):
        rule_set_save(actor=world.users["staff"], rule_set=local, values={"base": other})
    with pytest.raises(ValidationError):
        rule_set_save(actor=world.users["admin"], rule_set=local, values={"base": local})
    with pytest.raises(ValidationError):
        _local(world, edition="local-3", base=local)  # a local set tightens a national edition
    with pytest.raises(ValidationError):
        _local(world, edition="local-4", activist_min_months=6)  # looser than the national rule
    local.refresh_from_db()
    assert local.base.edition == "2026.05"
