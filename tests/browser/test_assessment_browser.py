"""The assessment cycle clicked from the home page, as people do: the committee's staff copies last year's scheme,
publishes it and assigns it; the branch secretary fills the sheet with evidence and submits; the committee returns
it with a reason; the branch resubmits; both review levels accept; the committee fixes the result and drafts its
公示. Screenshots in artifacts/screenshots/assessment_*.png."""

import pytest
from django.utils import timezone

from apps.assessment.models import Scheme, Sheet
from tests.assessment.conftest import build_scheme

from .test_lifecycle_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n% evidence\n"


def test_copy_publish_self_assess_return_resubmit_review_result_notice(browser, live_server, world, shot, tmp_path):
    base = live_server.url
    year = timezone.localdate().year
    last = build_scheme(world, year=year - 1, publish=False, data=False)
    last.status = "published"
    last.save()

    # the committee's staff: home → assessment → last year's scheme → copy → publish → assign
    staff = _sign_in(browser, base, world.users["staff"])
    staff.goto(f"{base}/")
    staff.click("header a[href$='/assessment/']")
    staff.wait_for_url("**/assessment/")
    staff.click(f"#schemes a[href$='/assessment/schemes/{last.pk}/']")
    staff.click("details:has(form[action$='/copy/']) summary")
    staff.fill("form[action$='/copy/'] input[name=year]", str(year))
    shot(staff, "assessment_01_copy")
    staff.click("form[action$='/copy/'] button[type=submit]")
    staff.wait_for_selector("form[action$='/publish/']")
    current = Scheme.objects.get(year=year)
    assert current.copied_from == last and current.status == "draft"
    staff.click("form[action$='/publish/'] button[type=submit]")
    staff.wait_for_selector("form[action$='/assign/']", state="attached")
    staff.click("details:has(form[action$='/assign/']) summary")
    staff.check(f"form[action$='/assign/'] input[name=nodes][value='{world.branch_a.pk}']")
    staff.click("form[action$='/assign/'] button[type=submit]")
    staff.wait_for_load_state()
    shot(staff, "assessment_02_published")
    sheet = Sheet.objects.get(scheme__year=year, node=world.branch_a)

    # the branch secretary: home → assessment → my sheet → entries, evidence, submit
    secretary = _sign_in(browser, base, world.users["secretary_a"])
    secretary.goto(f"{base}/")
    secretary.click("header a[href$='/assessment/']")
    secretary.click(f"#my-sheets a[href$='/assessment/sheets/{sheet.pk}/']")
    secretary.fill("#f_A1", "一季度党员大会未开")
    secretary.select_option("#f_A2", "好")
    secretary.fill("#f_A3", "创新案例获推广")
    secretary.select_option("#f_B1", "好")
    secretary.click("#sheet-form button[type=submit]:not(#submit-sheet)")
    secretary.wait_for_selector("#evidence form")
    evidence = tmp_path / "班子建设.pdf"
    evidence.write_bytes(PDF)
    secretary.select_option("#evidence select[name=code]", "A2")
    secretary.set_input_files("#evidence input[name=file]", str(evidence))
    secretary.click("#evidence button[type=submit]")
    secretary.wait_for_selector("a[href*='/documents/']")
    shot(secretary, "assessment_03_self")
    asked = []  # the submit asks first (it cannot be changed until returned): declined, nothing is submitted
    secretary.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    secretary.click("#submit-sheet")
    assert asked and Sheet.objects.get(pk=sheet.pk).status == "draft"
    secretary.on("dialog", lambda dialog: dialog.accept())
    secretary.click("#submit-sheet")
    secretary.wait_for_load_state()
    sheet.refresh_from_db()
    assert sheet.status == "submitted"

    # the committee: home → assessment → review queue → the sheet → return with a reason
    staff.goto(f"{base}/")
    staff.click("header a[href$='/assessment/']")
    staff.click("a[href$='/assessment/queue/']")
    staff.click(f"a[href$='/assessment/sheets/{sheet.pk}/']")
    staff.fill("#review textarea[name=reason]", "请补充一季度党员大会未开的说明。")
    staff.click("#return-sheet")
    staff.wait_for_load_state()
    sheet.refresh_from_db()
    assert sheet.status == "returned"

    # the branch reads the reason and resubmits
    secretary.goto(f"{base}/assessment/")
    secretary.click(f"#my-sheets a[href$='/assessment/sheets/{sheet.pk}/']")
    assert "请补充一季度党员大会未开的说明" in secretary.inner_text("#return-reason")
    shot(secretary, "assessment_04_returned")
    secretary.fill("#n_A1", "因疫情改为线上学习，已补开")
    secretary.click("#submit-sheet")
    secretary.wait_for_load_state()
    sheet.refresh_from_db()
    assert sheet.status == "submitted"

    # both levels accept (the general branch's, then the committee's), keeping every column
    for _level in (1, 2):
        staff.goto(f"{base}/assessment/queue/")
        staff.click(f"a[href$='/assessment/sheets/{sheet.pk}/']")
        staff.click("#accept-sheet")
        staff.wait_for_load_state()
    sheet.refresh_from_db()
    assert sheet.status == "reviewed" and sheet.columns.count() == 3
    shot(staff, "assessment_05_reviewed")

    # the year-end result, then the 公示 drafted through the disclosure services
    staff.click(f"a[href$='/assessment/schemes/{current.pk}/progress/']")
    staff.check("form[action$='/results/'] input[name=confirm]")
    staff.click("form[action$='/results/'] button[type=submit]")
    staff.wait_for_selector("form[action$='/disclose/']")
    sheet.refresh_from_db()
    assert sheet.locked and sheet.grade == "好"
    # the quota (at most 1 in 3 好, rounded down) refuses the 公示 of one 好 among one organisation
    staff.click("form[action$='/disclose/'] button[type=submit]")
    staff.wait_for_selector(".messages li")
    shot(staff, "assessment_06_quota")
    current.refresh_from_db()
    assert current.result_notice is None
    staff.select_option(f"select[name=grade_{sheet.pk}]", "较好")
    staff.check("form[action$='/grades/'] input[name=confirm]")
    staff.click("form[action$='/grades/'] button[type=submit]")
    staff.wait_for_selector("form[action$='/disclose/']")
    sheet.refresh_from_db()
    assert sheet.grade == "较好"
    staff.click("form[action$='/disclose/'] button[type=submit]")
    staff.wait_for_load_state()
    current.refresh_from_db()
    assert current.result_notice is not None and current.result_notice.status == "draft"
    shot(staff, "assessment_07_result")
