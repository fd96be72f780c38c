"""The portal pages: from a finding to a closed action through the pages (closing one's own refused with a translated
message), the list's query count that does not grow with actions, the Excel export, the Word documents, the
commitments at the bounds through the page."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.improvement.models import Commitment, CommitmentCategory, CorrectiveAction, InspectionTarget
from apps.improvement.services import (
    action_create,
    commitment_vet,
    commitments_submit,
    finding_record,
    inspection_plan,
)
from tests.conftest import sign_in
from tests.dates import TODAY

from .conftest import FOUND

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]


def _count(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_from_a_finding_to_a_closed_action_through_the_pages(client, world):
    sign_in(client, world.users["secretary_a"])
    data = {"node": world.branch_a.pk, "kind": "nonconformity", "found_on": FOUND.isoformat(), "description": "台账缺"}
    response = client.post(reverse("improvement:findings"), data)
    finding_url = response["Location"]
    data = {"title": "补齐台账", "owner": world.people["secretary_a"].pk, "plan": "",
            "due_on": (FOUND - datetime.timedelta(days=1)).isoformat()}  # fmt: skip
    refused = client.post(finding_url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 422 and not CorrectiveAction.objects.exists()
    response = client.post(finding_url, data | {"due_on": TODAY.isoformat()})
    action = CorrectiveAction.objects.get()
    url = reverse("improvement:action", args=[action.pk])
    assert response["Location"] == url
    # no plan: not opened
    response = client.post(reverse("improvement:action_post", args=[action.pk, "open"]), follow=True)
    assert "Write the action plan" in " ".join(_messages(response)) or "整改方案" in " ".join(_messages(response))
    client.post(reverse("improvement:action_post", args=[action.pk, "plan"]),
                {"plan": "逐月补记", "due_on": TODAY.isoformat()})  # fmt: skip
    client.post(reverse("improvement:action_post", args=[action.pk, "open"]))
    client.post(reverse("improvement:action_post", args=[action.pk, "note"]), {"text": "已补三个月"})
    client.post(reverse("improvement:action_post", args=[action.pk, "submit"]))
    response = client.post(reverse("improvement:action_post", args=[action.pk, "close"]), {"reason": "有效"},
                           follow=True)  # fmt: skip
    action.refresh_from_db()
    assert action.state == "submitted" and action.closed_on is None  # the owner does not check their own action
    assert _messages(response)
    sign_in(client, world.users["staff"])
    client.post(reverse("improvement:action_post", args=[action.pk, "close"]), {"reason": "抽查有效"})
    action.refresh_from_db()
    assert action.state == "closed" and action.checked_by == world.users["staff"]
    assert "抽查有效" in client.get(url).content.decode()


def _actions(world, n):
    for i in range(n):
        for key, who in (("a", "secretary_a"), ("b", "staff")):
            node = getattr(world, f"branch_{key}")
            finding = finding_record(actor=world.users[who], node=node, description=f"问题{i}", found_on=FOUND)
            action_create(actor=world.users[who], finding=finding, title=f"整改{i}",
                          owner=world.people[f"member_{key}"], due_on=TODAY - datetime.timedelta(days=i % 3),
                          plan="方案")  # fmt: skip


@pytest.mark.parametrize("role", ["staff", "secretary_a", "member_a"])
def test_the_action_list_does_not_grow_with_actions(client, world, role):
    sign_in(client, world.users[role])
    _actions(world, 1)
    url = reverse("improvement:home")
    _count(client, url)
    small = _count(client, url)
    _actions(world, 8)
    assert _count(client, url + "?overdue=1") <= small
    assert _count(client, url) == small
    assert small <= 12


def test_other_lists_do_not_grow(client, world):
    sign_in(client, world.users["staff"])
    _actions(world, 1)
    categories = list(CommitmentCategory.objects.all()[:2])
    commitments_submit(actor=world.users["secretary_a"], person=world.people["secretary_a"], year=TODAY.year,
                       items=[(c, "学习") for c in categories])  # fmt: skip
    urls = [reverse("improvement:findings"), reverse("improvement:inspections"), reverse("improvement:commitments")]
    for u in urls:
        _count(client, u)  # warm
    before = [_count(client, u) for u in urls]
    _actions(world, 5)
    for key in ("a", "b"):
        commitments_submit(actor=world.users[f"member_{key}"], person=world.people[f"member_{key}"], year=TODAY.year,
                           items=[(c, "学习") for c in categories])  # fmt: skip
        for i in range(3):
            inspection_plan(actor=world.users["staff"], node=getattr(world, f"branch_{key}"), title=f"检查{i}",
                            kind="regular", planned_on=TODAY)  # fmt: skip
    assert [_count(client, u) for u in urls] == before


def test_the_export_and_the_word_documents(client, world):
    from openpyxl import load_workbook

    _actions(world, 2)
    sign_in(client, world.users["secretary_a"])
    response = client.get(reverse("improvement:actions_export"))
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 2  # branch A's only
    inspection = inspection_plan(actor=world.users["staff"], node=world.general, title="专项检查", kind="ad_hoc",
                                 planned_on=TODAY)  # fmt: skip
    target = InspectionTarget.objects.create(inspection=inspection, node=world.branch_a)
    finding = finding_record(actor=world.users["staff"], node=world.branch_a, target=target, description="问题",
                             found_on=FOUND)  # fmt: skip
    action_create(actor=world.users["staff"], finding=finding, title="整改", owner=world.people["member_a"],
                  due_on=TODAY, plan="方案")  # fmt: skip
    sign_in(client, world.users["staff"])
    for kind in ("plan", "responsibilities"):
        response = client.get(reverse("improvement:inspection_word", args=[inspection.pk, kind]))
        assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client.get(reverse("improvement:inspection_word", args=[inspection.pk, "other"])).status_code == 404
    # the progress disclosed: a draft notice of the category 整改落实情况, through the disclosure's workflow
    from apps.disclosure.models import Notice

    response = client.post(reverse("improvement:inspection_notice", args=[inspection.pk]))
    notice = Notice.objects.get(category__code="corrections")
    # staff go on to the notice's page in the admin, where it is checked, approved and published
    assert response["Location"] == reverse("admin:disclosure_notice_change", args=[notice.pk])
    assert client.get(response["Location"]).status_code == 200
    assert notice.status == "draft" and "整改" in notice.content and notice.node == world.general


def test_a_secretary_who_drafts_the_commitments_notice_is_not_sent_to_a_page_they_cannot_open(client, world, today):
    """A draft is on no board yet: a branch secretary (not staff) stays on the commitments page, where the
    commitments read as sent to the board, not as published, until the notice is."""
    from apps.disclosure.models import Notice, NoticeStatus

    made = commitments_submit(actor=world.users["member_a"], person=world.people["member_a"], year=TODAY.year,
                              items=[(CommitmentCategory.objects.first(), "承诺一"),
                                     (CommitmentCategory.objects.first(), "承诺二")])  # fmt: skip
    secretary = world.users["secretary_a"]
    for c in made:
        commitment_vet(actor=secretary, commitment=c, approve=True)
    secretary.is_staff = False  # a secretary without the admin: the board's workflow is someone else's
    secretary.save(update_fields=["is_staff"])
    sign_in(client, secretary)
    response = client.post(reverse("improvement:commitments_publish", args=[world.branch_a.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("improvement:commitments")
    page = client.get(response["Location"]).content.decode()
    assert page.count("已送公开栏，待审核批准") == 2
    notice = Notice.objects.get(pk=Commitment.objects.get(pk=made[0].pk).notice_id)
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.PUBLISHED)
    assert Commitment.objects.select_related("notice").get(pk=made[0].pk).state_text == "已公开"


@pytest.mark.parametrize(("n", "saved"), [(1, 0), (2, 2), (5, 5)])
def test_commitments_through_the_page_at_the_bounds(client, world, n, saved):
    """The page offers as many lines as the policy allows commitments (five); fewer than two are refused (more than
    five, the service refuses: tests/improvement/test_services.py)."""
    sign_in(client, world.users["member_a"])
    page = client.get(reverse("improvement:commitments")).content.decode()
    assert 'name="text_4"' in page and 'name="text_5"' not in page
    category = CommitmentCategory.objects.first()
    data = {}
    for i in range(n):
        data[f"category_{i}"], data[f"text_{i}"] = category.pk, f"承诺{i}"
    response = client.post(reverse("improvement:commitments"), data)
    assert Commitment.objects.count() == saved
    if not saved:
        assert response.status_code == 422 and _messages(response)


def test_an_inspection_through_its_pages(client, world):
    """Planned with the checklist of a published scheme, drawn (the seed shown), a record, a finding on a checklist
    item and a file of evidence (a refused file saves nothing), read back on the page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.improvement.models import Finding, Inspection, InspectionEvidence
    from tests.assessment.conftest import build_scheme

    scheme = build_scheme(world, data=False)
    sign_in(client, world.users["staff"])
    data = {"node": world.committee.pk, "title": "年度党建检查", "kind": "regular", "planned_on": TODAY.isoformat(),
            "scheme": scheme.pk, "sample_size": "2"}  # fmt: skip
    response = client.post(reverse("improvement:inspections"), data)
    inspection = Inspection.objects.get()
    assert response["Location"] == reverse("improvement:inspection", args=[inspection.pk])
    assert inspection.checklist.count() == 5
    client.post(reverse("improvement:inspection_draw", args=[inspection.pk]))
    inspection.refresh_from_db()
    target = inspection.targets.order_by("pk").first()
    page = client.get(reverse("improvement:inspection", args=[inspection.pk])).content.decode()
    assert str(inspection.seed) in page and inspection.targets.count() == 2
    client.post(reverse("improvement:target_post", args=[target.pk, "record"]),
                {"inspected_on": TODAY.isoformat(), "summary": "查阅资料"})  # fmt: skip
    indicator = inspection.checklist.order_by("code").first()
    client.post(reverse("improvement:target_post", args=[target.pk, "finding"]),
                {"kind": "nonconformity", "indicator": indicator.pk, "found_on": TODAY.isoformat(),
                 "description": "缺少记录"})  # fmt: skip
    assert Finding.objects.get().indicator == indicator
    bad = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")
    client.post(reverse("improvement:target_post", args=[target.pk, "evidence"]), {"file": bad})
    assert not InspectionEvidence.objects.exists()
    good = SimpleUploadedFile("记录.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    client.post(reverse("improvement:target_post", args=[target.pk, "evidence"]), {"file": good, "title": "记录"})
    assert InspectionEvidence.objects.filter(target=target).count() == 1
    page = client.get(reverse("improvement:inspection", args=[inspection.pk])).content.decode()
    assert "缺少记录" in page and "查阅资料" in page and "记录" in page


def test_the_corrective_documents_through_the_report_catalogue(world, settings, tmp_path):
    import docx
    from django.core.exceptions import ValidationError

    from apps.reports.choices import RunStatus
    from apps.reports.models import ReportRun
    from apps.reports.services import run_execute, run_request
    from tests.dates import at

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    inspection = inspection_plan(actor=world.users["staff"], node=world.branch_a, title="专项检查", kind="ad_hoc",
                                 planned_on=TODAY)  # fmt: skip
    target = InspectionTarget.objects.create(inspection=inspection, node=world.branch_a)
    finding = finding_record(actor=world.users["staff"], node=world.branch_a, target=target, description="问题",
                             found_on=FOUND)  # fmt: skip
    action_create(actor=world.users["staff"], finding=finding, title="完善台账", owner=world.people["member_a"],
                  due_on=TODAY, plan="方案")  # fmt: skip
    for name in ("corrective_plan", "corrective_responsibilities"):
        run = run_request(actor=world.users["secretary_a"], report_name=name, params={"inspection": inspection.pk},
                          fmt="docx", now=at(TODAY))  # fmt: skip
        run = run_execute(run_id=run.pk, clock=lambda: at(TODAY))
        assert run.status == RunStatus.DONE, run.error
        text = "".join(p.text for p in docx.Document(tmp_path / run.file).paragraphs)
        text += "".join(c.text for t in docx.Document(tmp_path / run.file).tables for r in t.rows for c in r.cells)
        assert "完善台账" in text
    with pytest.raises(ValidationError):  # another branch's secretary does not see the inspection
        run_request(actor=world.users["secretary_b"], report_name="corrective_plan",
                    params={"inspection": inspection.pk}, fmt="docx", now=at(TODAY))  # fmt: skip
    assert ReportRun.objects.count() == 2


def test_the_branch_approves_a_members_set_of_commitments_at_once_all_or_none(client, world, today):
    made = commitments_submit(actor=world.users["member_a"], person=world.people["member_a"], year=TODAY.year,
                              items=[(CommitmentCategory.objects.first(), "承诺一"),
                                     (CommitmentCategory.objects.first(), "承诺二")])  # fmt: skip
    other = commitments_submit(actor=world.users["member_b"], person=world.people["member_b"], year=TODAY.year,
                               items=[(CommitmentCategory.objects.first(), "乙一"),
                                      (CommitmentCategory.objects.first(), "乙二")])  # fmt: skip
    sign_in(client, world.users["secretary_a"])
    page = client.get(reverse("improvement:commitments")).content.decode()
    assert page.count('name="commitment"') == 2  # branch A's to vet, each with its box
    url = reverse("improvement:commitments_vet")
    # one of another branch among them: nothing changes
    client.post(url, {"commitment": [made[0].pk, other[0].pk]})
    assert set(Commitment.objects.values_list("state", flat=True)) == {"submitted"}
    client.post(url, {"commitment": [c.pk for c in made]})
    assert set(Commitment.objects.filter(pk__in=[c.pk for c in made]).values_list("state", flat=True)) == {"approved"}
    assert set(Commitment.objects.filter(pk__in=[c.pk for c in other]).values_list("state", flat=True)) == {"submitted"}


def test_a_draft_action_past_its_due_date_says_so_without_counting_as_overdue(client, world, today):
    """Overdue counts from opening (the assessment's indicator counts so); a draft whose due date has passed still
    tells the reader it was never opened."""
    from apps.improvement.services import action_create, finding_record

    finding = finding_record(actor=world.users["secretary_a"], node=world.branch_a, found_on=today, description="台账")
    action = action_create(actor=world.users["secretary_a"], finding=finding, title="补齐台账",
                           owner=world.people["secretary_a"], due_on=today, plan="")  # fmt: skip
    CorrectiveAction.objects.filter(pk=action.pk).update(due_on=today - datetime.timedelta(days=3))
    sign_in(client, world.users["secretary_a"])
    for url in (reverse("improvement:home"), reverse("improvement:action", args=[action.pk])):
        assert "尚未启动" in client.get(url).content.decode(), url
    assert not CorrectiveAction.objects.get(pk=action.pk).is_overdue(today)
