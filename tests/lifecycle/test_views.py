"""Portal pages of the development workflow: content by role, errors shown, constant queries."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.lifecycle.models import CasePerson, CaseRole, DevelopmentCase, StepRecord
from apps.lifecycle.services import case_open
from apps.people.choices import PoliticalStatus
from tests.conftest import sign_in
from tests.factories import PersonFactory
from tests.lifecycle.conftest import TODAY, take_to_candidate

D = datetime.date


def _grow(world, n):
    for _ in range(n):
        for branch in (world.branch_a, world.branch_b):
            person = PersonFactory(node=branch, political_status=PoliticalStatus.MASSES)
            case = case_open(
                actor=world.users["staff"], person=person, branch=branch, application_on=D(2026, 1, 5), today=TODAY
            )
            StepRecord.objects.create(case=case, step="applicant_talk", on=D(2026, 1, 20))


def _count(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("secretary_a", lambda w, c: reverse("lifecycle:pipeline")),
        ("staff", lambda w, c: reverse("lifecycle:pipeline")),
        ("staff", lambda w, c: reverse("lifecycle:compliance")),
        ("secretary_a", lambda w, c: reverse("lifecycle:case_detail", args=[c.pk])),
        ("applicant_a", lambda w, c: reverse("lifecycle:my_development")),
    ],
)
def test_query_count_does_not_grow(client, world, case, record, role, url):
    sign_in(client, world.users[role])
    _grow(world, 1)
    target = url(world, case)
    _count(client, target)  # warm up (the session's first save)
    small = _count(client, target)
    _grow(world, 5)
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    record(case, "activist_evaluation", D(2025, 4, 8))
    record(case, "activist_evaluation", D(2025, 10, 8))
    large = _count(client, target)
    assert large == small, f"{target}: {small} → {large}"
    assert small <= 20


def test_pipeline_shows_only_the_subtree_with_overdue_badges(client, world, case):
    other = case_open(
        actor=world.users["staff"],
        person=world.people["masses_b"],
        branch=world.branch_b,
        application_on=D(2026, 1, 5),
        today=TODAY,
    )
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("lifecycle:pipeline")).content.decode()
    assert world.people["applicant_a"].name in body and other.person.name not in body
    assert "超期" in body  # the talk was due a month after the 2024 application


def test_pipeline_pages_a_hundred_and_counts_them_all(client, world, case):
    for _ in range(105):
        person = PersonFactory(node=world.branch_a, political_status=PoliticalStatus.MASSES)
        case_open(actor=world.users["staff"], person=person, branch=world.branch_a, application_on=TODAY, today=TODAY)
    sign_in(client, world.users["secretary_a"])
    first = client.get(reverse("lifecycle:pipeline"))
    second = client.get(reverse("lifecycle:pipeline") + "?page=2")
    assert first.context["total"] == 106 and first.context["overdue"] == 1  # the fixture's case: talk overdue
    assert len(first.context["page"]) == 100 and len(second.context["page"]) == 6
    assert {stage: n for stage, _shown, n in first.context["by_stage"]}["applicant"] == 106
    assert f'href="/development/cases/{case.pk}/"' in first.content.decode()  # overdue first


def test_pipeline_is_the_subtree_not_the_cases_one_accompanies(client, world, case):
    other = case_open(
        actor=world.users["staff"],
        person=world.people["masses_b"],
        branch=world.branch_b,
        application_on=D(2026, 1, 5),
        today=TODAY,
    )
    CasePerson.objects.create(case=other, person=world.people["secretary_a"], role=CaseRole.CONTACT, since=TODAY)
    sign_in(client, world.users["secretary_a"])
    assert other.person.name not in client.get(reverse("lifecycle:pipeline")).content.decode()
    assert client.get(reverse("lifecycle:case_detail", args=[other.pk])).status_code == 200


def test_pipeline_says_which_next_date_is_a_deadline(client, world, case, record):
    # given: the applicant's talk is due within a month of the recorded application (a deadline, now overdue);
    # a second case whose next date comes from the reference plan only
    plain = world.people["plain_a"]
    plain.political_status = PoliticalStatus.MASSES
    plain.save()
    other = case_open(
        actor=world.users["staff"],
        person=plain,
        branch=world.branch_a,
        application_on=D(2026, 11, 2),
        today=TODAY,
    )
    record(other, "applicant_talk", D(2026, 11, 10))
    case.refresh_from_db()
    other.refresh_from_db()
    assert case.next_due_step == "applicant_talk" and case.next_due_is_limit
    assert other.next_due_step == "activist_designated" and not other.next_due_is_limit
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("lifecycle:pipeline")).content.decode()
    # then: the column names what it shows, and "deadline"/"overdue" only for a legal limit
    assert "下一步 / 日期" in body and "下一步截止" not in body
    assert "党组织派人谈话 · 2024-10-02" in body and "超期" in body
    assert f"确定为入党积极分子 · {other.next_due_on:%Y-%m-%d}" in body and "参考计划日期，不是截止日期" in body
    assert client.get(reverse("lifecycle:pipeline")).context["overdue"] == 1


def test_a_member_without_a_case_is_not_told_to_apply(client, world, today):
    member = world.people["member_a"]
    member.full_member_on = D(2013, 7, 1)
    member.save()
    sign_in(client, world.users["member_a"])
    body = client.get(reverse("lifecycle:my_development")).content.decode()
    assert "2013-07-01" in body and "正式党员" in body
    assert "入党申请书" not in body  # "hand your application letter to your branch" is for non-members
    sign_in(client, world.users["masses_b"])
    assert "入党申请书" in client.get(reverse("lifecycle:my_development")).content.decode()


def test_case_page_marks_a_late_entry_as_its_help_text_says(client, world, case, record):
    record(case, "applicant_talk", D(2024, 9, 20))  # entered in 2026: long after the decision
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("lifecycle:case_detail", args=[case.pk])).content.decode()
    assert "事后录入" in body and "补录" not in body
    assert "在决定作出" in body  # the badge's title says what it means
    assert "中国共产党发展党员工作细则（2026年修订）" in body and "(2026.05)" not in body


def test_a_recorded_message_names_the_decision_date(client, world, case, today):
    sign_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("lifecycle:case_record", args=[case.pk]),
        {"step": "applicant_talk", "on": "2024-09-20", "body": "branch"},
        follow=True,
    )
    assert "决定日期 2024-09-20" in response.content.decode()
    response = client.post(
        reverse("lifecycle:case_record", args=[case.pk]),
        {"step": "activist_designated", "on": "2026-12-01", "body": "branch_committee"},
    )
    assert "决定日期 2026-12-01 晚于今天（2026-11-22）" in response.content.decode()


def test_case_page_shows_three_tracks(client, world, case, record):
    take_to_candidate(world, case, record)
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("lifecycle:case_detail", args=[case.pk])).content.decode()
    assert "2025-10-08" in body  # earliest designation as candidate (one year as activist)
    assert "参考计划" in body and "最迟" in body
    assert "发展对象公示" in body


def test_recording_with_a_broken_rule_shows_the_reason_and_saves_nothing(client, world, case, record):
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    record(case, "contacts_assigned", D(2024, 10, 8), people=[world.people["member_a"]])
    sign_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("lifecycle:case_record", args=[case.pk]),
        {"step": "candidate_designated", "on": "2025-03-01", "body": "branch_committee"},
        follow=True,
    )
    assert "最早 2025-10-08" in response.content.decode()
    assert not StepRecord.objects.filter(case=case, step="candidate_designated").exists()


def test_secretary_opens_a_case_in_the_portal(client, world, today):
    person = world.people["plain_a"]
    person.political_status = PoliticalStatus.MASSES
    person.save()
    sign_in(client, world.users["secretary_a"])
    response = client.post(reverse("lifecycle:case_new"), {"person": person.pk, "application_on": "2026-11-01"})
    assert response.status_code == 302
    assert DevelopmentCase.objects.filter(person=person).exists()
    # somebody outside the subtree is not even offered
    response = client.post(
        reverse("lifecycle:case_new"), {"person": world.people["masses_b"].pk, "application_on": "2026-11-01"}
    )
    assert response.status_code == 200 and not DevelopmentCase.objects.filter(person=world.people["masses_b"]).exists()


def test_new_case_form_offers_nobody_with_an_open_case_and_shows_each_error_once(client, world, case, today):
    # given: applicant_a has an open case (the ``case`` fixture); plain_a has none and no date of birth
    plain = world.people["plain_a"]
    plain.political_status, plain.birth_date = PoliticalStatus.MASSES, None
    plain.save()
    sign_in(client, world.users["secretary_a"])
    # when: the form is opened
    form = client.get(reverse("lifecycle:case_new")).context["form"]
    # then: only people without an open case are offered
    offered = set(form.fields["person"].queryset.values_list("pk", flat=True))
    assert plain.pk in offered and world.people["applicant_a"].pk not in offered
    # a posted choice of someone with an open case is refused by the form, once
    body = client.post(
        reverse("lifecycle:case_new"), {"person": world.people["applicant_a"].pk, "application_on": "2026-11-01"}
    ).content.decode()
    assert body.count("请选择本组织中没有进行中发展档案的人") == 1
    # the service's refusal shows once too, with the input kept
    response = client.post(reverse("lifecycle:case_new"), {"person": plain.pk, "application_on": "2026-11-01"})
    body = response.content.decode()
    assert body.count("请先填写出生日期") == 1 and 'value="2026-11-01"' in body
    assert not DevelopmentCase.objects.filter(person=plain).exists()


def test_applicant_sees_own_timeline_and_hands_in_a_thought_report(client, world, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, world.users["applicant_a"])
    body = client.get(reverse("lifecycle:my_development")).content.decode()
    assert "下一步" in body and "党组织派人谈话" in body
    upload = SimpleUploadedFile("汇报.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    response = client.post(reverse("lifecycle:submit", args=[case.pk]), {"kind": "thought_report", "file": upload})
    assert response.status_code == 302
    report = StepRecord.objects.get(case=case, step="thought_report")
    assert report.documents.count() == 1


def test_plan_calculator_page(client, world):
    sign_in(client, world.users["member_a"])
    response = client.post(
        reverse("lifecycle:plan"),
        {
            "edition": "2026.05",
            "birth_date": "2000-05-01",
            "application_received": "2025-01-06",
            "activist_designated": "2025-03-03",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "2026-03-03" in body  # earliest candidate designation


def test_political_review_only_for_sensitive_roles(client, world, case, record):
    take_to_candidate(world, case, record)
    from apps.disclosure.models import Notice

    notice = Notice.objects.get(case=case)
    after = notice.closes_on + datetime.timedelta(days=1)
    record(case, "political_review", after, who="staff", conclusion="本人政治立场坚定，审查合格", today=after)
    sign_in(client, world.users["propaganda_a"])
    assert "审查合格" not in client.get(reverse("lifecycle:case_detail", args=[case.pk])).content.decode()
    sign_in(client, world.users["organiser_a"])
    assert "审查合格" in client.get(reverse("lifecycle:case_detail", args=[case.pk])).content.decode()


def test_record_forms_propose_today_as_an_iso_date(client, world, case, today):
    """A date input takes YYYY-MM-DD whatever the language (zh-Hans formats dates with slashes)."""
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("lifecycle:case_detail", args=[case.pk])).content.decode()
    assert f'name="on" value="{today.isoformat()}"' in body
    sign_in(client, world.users["staff"])
    body = client.get(reverse("admin:lifecycle_developmentcase_record", args=[case.pk])).content.decode()
    assert f'name="on" value="{today.isoformat()}"' in body


# --- what a newcomer hits first (the pipeline's links, refused input kept, fields per kind, closing and reopening) --


def _pdf(name="表.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4 signed", content_type="application/pdf")


def test_every_name_on_the_pipeline_opens_its_case(client, world, case, today):
    sign_in(client, world.users["secretary_a"])
    response = client.get(reverse("lifecycle:pipeline"))
    link = reverse("lifecycle:case_detail", args=[case.pk])
    assert f'href="{link}"' in response.content.decode()
    assert client.get(link).status_code == 200


def test_a_refused_record_keeps_what_was_typed(client, world, case, record, today):
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    record(case, "contacts_assigned", D(2024, 10, 8), people=[world.people["member_a"]])
    sign_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("lifecycle:case_record", args=[case.pk]),
        {"step": "candidate_designated", "on": "2025-03-01", "body": "branch_committee", "decision": "支委会研究同意"},
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "最早 2025-10-08" in body
    assert 'value="2025-03-01"' in body and "支委会研究同意" in body
    assert 'value="candidate_designated" selected' in body
    assert not StepRecord.objects.filter(case=case, step="candidate_designated").exists()


def test_the_form_marks_the_fields_of_each_kind(client, world, case, record, today):
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("lifecycle:case_detail", args=[case.pk])).content.decode()
    assert 'class="field-present" data-kinds="' in body  # vote fields: only for the meetings
    vote_kinds = body.split('class="field-present" data-kinds="')[1].split('"')[0].split()
    assert "applicant_talk" not in vote_kinds
    assert 'class="field-decision"' in body and 'class="field-decision" data-kinds' not in body  # every kind
    assert "<optgroup" in body  # closing decisions apart from the steps


def test_a_closing_decision_needs_a_confirmation(client, world, case, today):
    sign_in(client, world.users["secretary_a"])
    url = reverse("lifecycle:case_record", args=[case.pk])
    response = client.post(url, {"step": "withdrawn", "on": "2026-11-20", "decision": "本人申请撤回"})
    assert response.status_code == 422 and "确认" in response.content.decode()
    case.refresh_from_db()
    assert case.is_open
    response = client.post(url, {"step": "withdrawn", "on": "2026-11-20", "decision": "本人申请撤回", "confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "withdrawn"


def test_the_committee_reopens_a_case_closed_by_mistake(world, case, record):
    from apps.audit.models import AuditEntry

    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    record(case, "withdrawn", D(2026, 11, 20), decision="误操作")
    case.refresh_from_db()
    assert case.stage == "withdrawn" and case.closed_on == D(2026, 11, 20)
    with pytest.raises(PermissionDenied):
        record(case, "reopened", D(2026, 11, 21), decision="撤回录入错误")  # the branch cannot
    with pytest.raises(ValidationError):
        record(case, "reopened", D(2026, 11, 21), who="staff")  # a reason is required
    record(case, "reopened", D(2026, 11, 21), who="staff", decision="撤回录入错误，恢复")
    case.refresh_from_db()
    assert case.stage == "activist" and case.closed_on is None
    world.people["applicant_a"].refresh_from_db()
    assert world.people["applicant_a"].political_status == PoliticalStatus.ACTIVIST
    entry = AuditEntry.objects.filter(action="lifecycle.step_recorded").latest("pk")
    assert entry.changes["stage"] == ["withdrawn", "activist"]


def test_a_step_takes_its_archive_document_now_or_later(client, world, case, today):
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("lifecycle:case_detail", args=[case.pk])).content.decode()
    assert "Missing for the archive" in body or "归档缺少" in body  # the application letter of step 1
    first = case.records.get(step="application_received")
    url = reverse("lifecycle:record_document", args=[case.pk, first.pk])
    client.post(url, {"file": _pdf("入党申请书.pdf")})
    assert first.documents.count() == 1
    assert not case.warnings.filter(code="documents_missing").exists()
    # the member's own page offers no upload for a record they cannot record
    sign_in(client, world.users["applicant_a"])
    assert client.post(url, {"file": _pdf()}).status_code == 404


def test_a_document_comes_with_the_record(client, world, case, record, today):
    take_to_candidate(world, case, record)
    sign_in(client, world.users["staff"])
    response = client.post(
        reverse("lifecycle:case_record", args=[case.pk]),
        {"step": "political_review", "on": "2025-11-10", "conclusion": "政治审查合格", "document": _pdf("政审.pdf")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    review = StepRecord.objects.get(case=case, step="political_review")
    assert review.documents.count() == 1


def test_the_case_page_offers_the_publicity_on_the_board_in_word_and_as_pdf(client, world, case, record, today):
    """The 公示 of a step is offered where the case is shown: its page on the board, its Word document in the official
    layout and its print, each opening for the case's secretary."""
    import io

    from docx import Document

    from apps.disclosure.models import Notice

    take_to_candidate(world, case, record)
    notice = Notice.objects.get(case=case)
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("lifecycle:case_detail", args=[case.pk])).content.decode()
    for name in ("disclosure:notice", "disclosure:word", "disclosure:print"):
        assert reverse(name, args=[notice.pk]) in body
    word = client.get(reverse("disclosure:word", args=[notice.pk]))
    assert word.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    # (the name is masked by now: the window closed more than the category's retention ago)
    assert case.person.name[0] + "某某" in text and "列为发展对象" in text and "递交入党申请书" in text
