"""Boards: who reads which notice, the reporter's identity, name retention, the printable PDF."""

import datetime
import shutil
import subprocess

import pytest
from django.urls import reverse

from apps.disclosure.models import Category, Objection, Scope
from apps.disclosure.services import (
    notice_draft,
    notice_transition,
    objection_file,
    objection_resolve,
)
from tests.conftest import sign_in
from tests.dates import TODAY, at

pytestmark = pytest.mark.usefixtures("today")  # the views see the suite's day


def _publish(world, node, scope, title, opens_on=None, category="meetings"):
    notice = notice_draft(
        actor=world.users["staff"],
        node=node,
        category=Category.objects.get(code=category),
        title=title,
        content="<p>内容</p>",
        opens_on=opens_on or TODAY,
        scope=scope,
    )
    notice_transition(actor=world.users["admin"], notice=notice, move="check")
    notice_transition(actor=world.users["admin"], notice=notice, move="approve")  # not the author
    # published on the day its window opens (a window already begun is not published: workflow.TRANSITIONS)
    return notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=at(notice.opens_on))


@pytest.fixture
def notices(world):
    return {
        "unit": _publish(world, world.committee, Scope.UNIT, "全单位公示"),
        "org_a": _publish(world, world.branch_a, Scope.ORGANISATION, "第一支部党内公开"),
        "org_b": _publish(world, world.branch_b, Scope.BRANCH, "第二支部党内公开"),
    }


def _titles(client):
    return client.get(reverse("disclosure:board")).content.decode()


def test_board_scopes(client, world, notices):
    sign_in(client, world.users["masses_b"])  # a non-member of the unit
    body = _titles(client)
    assert "全单位公示" in body and "第一支部党内公开" not in body and "第二支部党内公开" not in body
    sign_in(client, world.users["member_a"])
    body = _titles(client)
    assert "全单位公示" in body and "第一支部党内公开" in body and "第二支部党内公开" not in body
    sign_in(client, world.users["member_b"])
    assert "第二支部党内公开" in _titles(client)
    assert client.get(reverse("disclosure:notice", args=[notices["org_a"].pk])).status_code == 404


def test_reporter_identity_hidden_from_subject_board_and_members(client, world, notices):
    objection = objection_file(
        actor=world.users["member_a"],
        notice=notices["org_a"],
        content="有意见",
        reporter=world.people["member_a"],
        today=TODAY,
    )
    for who in ("member_b", "masses_b", "propaganda_a"):
        sign_in(client, world.users[who])
        for url in (reverse("disclosure:board"), reverse("disclosure:objections_mine")):
            assert world.people["member_a"].name not in client.get(url).content.decode()
    # the handlers see it
    from apps.disclosure.selectors import objections_for_handler

    assert objection in objections_for_handler(user=world.users["secretary_a"])
    assert objection not in objections_for_handler(user=world.users["secretary_b"])
    assert objection not in objections_for_handler(user=world.users["propaganda_a"])


def test_member_objects_and_reads_the_answer(client, world, notices):
    sign_in(client, world.users["member_a"])
    response = client.post(
        reverse("disclosure:object", args=[notices["org_a"].pk]), {"content": "数字有误"}, follow=True
    )
    assert "已收到" in response.content.decode()
    objection = Objection.objects.get()
    assert objection.reporter == world.people["member_a"] and objection.due_on > objection.received_on
    objection_resolve(
        actor=world.users["secretary_a"],
        objection=objection,
        outcome="founded_rectify",
        resolution="已核实并更正",
        answer="感谢反映，已更正。",
        today=TODAY,
    )
    assert "感谢反映" in client.get(reverse("disclosure:objections_mine")).content.decode()


def test_objection_after_the_window_is_refused(world):
    notice = _publish(world, world.branch_a, Scope.ORGANISATION, "旧公示", opens_on=TODAY - datetime.timedelta(days=30))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        objection_file(
            actor=world.users["member_a"], notice=notice, content="晚了", reporter=world.people["member_a"], today=TODAY
        )
    assert not Objection.objects.exists()


def test_name_leaves_the_board_after_retention(client, world, case, record):
    from tests.lifecycle.conftest import take_to_candidate

    take_to_candidate(world, case, record)  # publicity of 2025-10: long past, name hidden now
    sign_in(client, world.users["member_b"])
    body = _titles(client)
    name = world.people["applicant_a"].name
    assert name not in body and name[0] + "某某" in body


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils is not installed")
def test_printable_board_embeds_a_cjk_font(client, world, notices, tmp_path):
    sign_in(client, world.users["member_a"])
    for size in ("A4", "A3"):
        response = client.get(reverse("disclosure:print", args=[notices["unit"].pk]), {"size": size})
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        path = tmp_path / f"board-{size}.pdf"
        path.write_bytes(response.content)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        assert "CJK" in fonts or "WenQuanYi" in fonts, fonts


def test_periodic_disclosures_due(client, world, notices):
    from apps.disclosure.selectors import periodic_due_for

    due = {
        (node.name, category.code)
        for node, category, _p, _d in periodic_due_for(user=world.users["staff"], today=TODAY)
    }
    assert (world.branch_b.name, "appraisal") in due  # never published
    assert (world.branch_a.name, "meetings") not in due  # published today
    assert (world.branch_b.name, "meetings") not in due
    assert (world.committee.name, "dues") in due
    assert not any(n == world.branch_b.name for n, _c in periodic_due_for_names(world, "secretary_a"))
    sign_in(client, world.users["secretary_a"])
    assert client.get(reverse("disclosure:due")).status_code == 200


def periodic_due_for_names(world, who):
    from apps.disclosure.selectors import periodic_due_for

    return [(n.name, c.code) for n, c, _p, _d in periodic_due_for(user=world.users[who], today=TODAY)]


def test_attachment_is_hashed_and_readable_from_the_board(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.disclosure.services import notice_attach

    notice = notice_draft(
        actor=world.users["staff"],
        node=world.committee,
        category=Category.objects.get(code="dues"),
        title="党费使用明细",
        content="",
        opens_on=TODAY,
        scope=Scope.UNIT,
    )
    document = notice_attach(
        actor=world.users["staff"],
        notice=notice,
        uploaded=SimpleUploadedFile("明细.pdf", b"%PDF-1.4 detail"),
        now=at(TODAY),
    )
    notice_transition(actor=world.users["admin"], notice=notice, move="check")
    notice_transition(actor=world.users["admin"], notice=notice, move="approve")  # not the author
    notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=at(TODAY))
    assert notice.versions.get().attachment_digests == [document.sha256]
    sign_in(client, world.users["masses_b"])  # a non-member of the unit reads the unit's board and its attachment
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 200


def test_hold_and_resume(world, notices):
    from django.core.exceptions import PermissionDenied

    from apps.disclosure.models import NoticeStatus

    with pytest.raises(PermissionDenied):
        notice_transition(actor=world.users["secretary_a"], notice=notices["org_a"], move="hold", note="异议较大")
    held = notice_transition(actor=world.users["staff"], notice=notices["org_a"], move="hold", note="异议较大")
    assert held.status == NoticeStatus.HELD and held.board_status(TODAY) == "held"
    assert notice_transition(actor=world.users["staff"], notice=held, move="resume").status == NoticeStatus.PUBLISHED


def test_admin_drafts_a_notice_with_an_attachment(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("admin:disclosure_notice_add"),
        {
            "node": world.branch_a.pk,
            "category": Category.objects.get(code="meetings").pk,
            "scope": "organisation",
            "title": "第四季度三会一课情况",
            "content": "<p>召开支部党员大会1次</p><script>x</script>",
            "opens_on": TODAY.isoformat(),
            "closes_on": "",
            "attachment": SimpleUploadedFile("记录.pdf", b"%PDF-1.4 minutes"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    from apps.disclosure.models import Notice

    notice = Notice.objects.get(title="第四季度三会一课情况")
    assert notice.status == "draft" and "<script>" not in notice.content and notice.attachments.count() == 1


def test_named_notice_reaches_only_the_named(client, world):
    notice = notice_draft(
        actor=world.users["staff"],
        node=world.committee,
        category=Category.objects.get(code="goals"),
        title="致特定同志的通知",
        content="",
        opens_on=TODAY,
        scope=Scope.NAMED,
        named=[world.people["member_b"]],
    )
    notice_transition(actor=world.users["admin"], notice=notice, move="check")
    notice_transition(actor=world.users["admin"], notice=notice, move="approve")  # not the author
    notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=at(TODAY))
    sign_in(client, world.users["member_b"])
    assert "致特定同志的通知" in _titles(client)
    sign_in(client, world.users["member_a"])
    assert "致特定同志的通知" not in _titles(client)


def test_objection_cannot_be_received_in_the_future(world, notices):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="2026-11-23"):
        objection_file(
            actor=world.users["staff"],
            notice=notices["org_a"],
            content="来信",
            reporter=world.people["member_a"],
            received_on=TODAY + datetime.timedelta(days=1),
            today=TODAY,
        )
    assert not Objection.objects.exists()
