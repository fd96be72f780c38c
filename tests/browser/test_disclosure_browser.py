"""Publish a notice (admin), object to it (portal, member), resolve the objection (admin, secretary); screenshots of
the board, the admin queue and the printable PDF rendered to PNG."""

import shutil
import subprocess

import pytest
from django.utils import timezone

from apps.disclosure.models import Category, Notice, NoticeStatus, Objection
from apps.disclosure.services import notice_draft, notice_transition
from tests.browser.test_lifecycle_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_publish_object_resolve(browser, live_server, world, shot, tmp_path):
    base = live_server.url
    notice = notice_draft(
        actor=world.users["secretary_a"],
        node=world.branch_a,
        category=Category.objects.get(code="dues"),
        title="第一党支部2025年党费收缴使用情况",
        content="<p>全年收缴党费 <strong>12,345.00</strong> 元，上缴党委 12,345.00 元。</p>",
        opens_on=timezone.localdate(),
        scope="organisation",
    )
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")

    staff = _sign_in(browser, base, world.users["staff"])
    staff.goto(f"{base}/admin/disclosure/notice/?queue=approve")
    staff.check(f"input[name=_selected_action][value='{notice.pk}']")
    staff.select_option("select[name=action]", "approve_selected")
    staff.click("button[name=index]")
    staff.wait_for_selector(".messagelist")
    staff.goto(f"{base}/admin/disclosure/notice/?queue=publish")
    shot(staff, "disclosure_01_admin_queue")
    staff.check(f"input[name=_selected_action][value='{notice.pk}']")
    staff.select_option("select[name=action]", "publish_selected")
    staff.click("button[name=index]")
    staff.wait_for_selector(".messagelist")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED

    member = _sign_in(browser, base, world.users["member_a"], second_factor=False)
    member.goto(f"{base}/disclosure/")
    member.click(f"text={notice.title}")
    member.fill("textarea[name=content]", "上缴金额与收缴金额的核对依据未公开。")
    member.click("main form.stack button[type=submit]")
    member.wait_for_selector("text=您的异议已收到")
    shot(member, "disclosure_02_objection_sent")
    objection = Objection.objects.get(notice=notice)

    secretary = _sign_in(browser, base, world.users["secretary_a"])
    secretary.goto(f"{base}/admin/disclosure/objection/{objection.pk}/change/")
    assert world.people["member_a"].name in secretary.content()  # the handler sees the reporter
    secretary.select_option("select[name=outcome]", "unfounded")
    secretary.fill("textarea[name=resolution]", "经核对账目，金额无误。")
    secretary.fill("textarea[name=answer]", "感谢监督，已补充公开核对依据。")
    secretary.click("input[name=_save]")
    secretary.wait_for_selector(".messagelist")
    objection.refresh_from_db()
    assert objection.outcome == "unfounded"

    member.goto(f"{base}/disclosure/objections/")
    assert "感谢监督" in member.content()
    member.goto(f"{base}/disclosure/")
    shot(member, "disclosure_03_board")
    assert world.people["member_a"].name not in member.content()

    response = member.request.get(f"{base}/disclosure/{notice.pk}/print/?size=A4")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "board.pdf"
    pdf.write_bytes(response.body())
    if shutil.which("pdftoppm"):
        from tests.browser.conftest import ARTIFACTS

        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(ARTIFACTS / "disclosure_04_board_pdf")],
            check=True,
        )
        assert (ARTIFACTS / "disclosure_04_board_pdf.png").exists()
    assert Notice.objects.get(pk=notice.pk).versions.count() == 1
