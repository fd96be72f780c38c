"""One person from application to full member, through the portal (secretary, applicant) and the admin (committee
staff), in a real browser. Screenshots in artifacts/screenshots/lifecycle_*.png."""

import datetime

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.lifecycle.models import DevelopmentCase
from apps.people.choices import PoliticalStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-42"


def _code(user) -> str:
    device = TOTPDevice.objects.filter(user=user).order_by("-id").first()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _sign_in(browser, base, user, second_factor=True):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    if second_factor:
        page.wait_for_url("**/two-factor/**")
        page.fill("input[name=token]", _code(user))
        page.click("main button[type=submit]")
        page.wait_for_selector("text=备用码")
        page.click("text=继续")
    page.wait_for_load_state()
    return page


def _portal_record(page, base, case, step, on, **fields):
    search = "?people_q=" + "党员" if "people" in fields else ""  # the test people are all called 党员N
    page.goto(f"{base}/development/cases/{case.pk}/{search}")
    page.select_option("select[name=step]", step)
    page.fill("input[name=on]", on)
    for name, value in fields.items():
        if name == "people":
            page.select_option("select[name=people]", [str(p.pk) for p in value])
        elif name in ("body", "passed"):
            page.select_option(f"select[name={name}]", value)
        else:
            page.fill(f"[name={name}]", str(value))
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector(".messages li")
    message = page.inner_text(".messages li")
    assert "已录入" in message, f"{step}: {message}"


def _admin_record(page, base, case, step, on, **fields):
    page.goto(f"{base}/admin/lifecycle/developmentcase/{case.pk}/record/")
    page.select_option("select[name=step]", step)
    page.fill("input[name=on]", on)
    for name, value in fields.items():
        if name in ("body",):
            page.select_option(f"select[name={name}]", value)
        else:
            page.fill(f"[name={name}]", str(value))
    page.click("input[type=submit]")
    page.wait_for_url(f"**/developmentcase/{case.pk}/change/")


def test_application_to_full_member(browser, live_server, world, shot):
    base = live_server.url
    applicant = world.people["applicant_a"]
    applicant.political_status = PoliticalStatus.MASSES
    applicant.save()
    secretary = _sign_in(browser, base, world.users["secretary_a"])
    staff = _sign_in(browser, base, world.users["staff"])

    # the secretary records the application in the portal
    secretary.goto(f"{base}/development/cases/new/")
    secretary.select_option("select[name=person]", str(applicant.pk))
    secretary.fill("input[name=application_on]", "2023-06-01")
    secretary.click("main form button[type=submit]")
    secretary.wait_for_selector("text=发展档案已建立")
    case = DevelopmentCase.objects.get(person=applicant)
    shot(secretary, "lifecycle_01_case_opened")

    _portal_record(secretary, base, case, "applicant_talk", "2023-06-15", body="branch")
    _portal_record(secretary, base, case, "activist_designated", "2023-08-01", body="branch_committee")
    _portal_record(
        secretary,
        base,
        case,
        "contacts_assigned",
        "2023-08-01",
        people=[world.people["member_a"], world.people["organiser_a"]],
    )
    _admin_record(staff, base, case, "activist_filed", "2023-08-10", body="base_committee")
    _portal_record(secretary, base, case, "activist_evaluation", "2024-02-01")

    # too early as candidate: the rule says why, nothing is saved
    secretary.goto(f"{base}/development/cases/{case.pk}/")
    secretary.select_option("select[name=step]", "candidate_designated")
    secretary.fill("input[name=on]", "2024-07-01")
    secretary.click("form.record-form button[type=submit]")
    secretary.wait_for_selector("form.record-form .errorlist")
    assert "最早 2024-08-01" in secretary.inner_text("form.record-form .errorlist")
    assert secretary.input_value("input[name=on]") == "2024-07-01"  # what was typed is still there
    shot(secretary, "lifecycle_02_refused_too_early")

    _portal_record(secretary, base, case, "candidate_designated", "2024-08-05", body="branch_committee")
    _portal_record(
        secretary,
        base,
        case,
        "sponsors_assigned",
        "2024-08-20",
        people=[world.people["secretary_a"], world.people["organiser_a"]],
    )
    _admin_record(staff, base, case, "political_review", "2024-09-01", conclusion="政治审查合格")
    _admin_record(staff, base, case, "training_completed", "2024-09-10", training_days=3)
    _portal_record(secretary, base, case, "committee_review", "2024-09-15", body="branch_committee")
    _admin_record(staff, base, case, "prereview_passed", "2024-09-20", body="base_committee")
    _portal_record(secretary, base, case, "application_form", "2024-09-25")
    _portal_record(secretary, base, case, "admission_meeting", "2024-10-10", present=4, yes=4, passed="1")
    _admin_record(staff, base, case, "committee_talk", "2024-10-20")
    _admin_record(staff, base, case, "admission_approved", "2024-11-05", body="base_committee")
    shot(staff, "lifecycle_03_admin_case")
    _admin_record(staff, base, case, "oath_taken", "2024-11-20")
    _portal_record(secretary, base, case, "placed_in_branch", "2024-11-10")
    applicant.refresh_from_db()
    assert applicant.political_status == PoliticalStatus.PROBATIONARY

    # the probationary member hands in the application for full membership in the portal
    member = _sign_in(browser, base, world.users["applicant_a"], second_factor=False)
    member.goto(f"{base}/development/")
    shot(member, "lifecycle_04_my_development")
    member.select_option("select[name=kind]", "conversion_applied")
    member.set_input_files(
        "input[name=file]",
        files=[{"name": "转正申请.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 conversion"}],
    )
    member.click("main form button[type=submit]")
    member.wait_for_selector("text=已提交")

    today = timezone.localdate().isoformat()
    _portal_record(secretary, base, case, "conversion_meeting", today, present=4, yes=4, passed="1")
    _admin_record(staff, base, case, "conversion_approved", today, body="base_committee")
    applicant.refresh_from_db()
    assert applicant.political_status == PoliticalStatus.FULL
    assert applicant.full_member_on == datetime.date(2025, 10, 10)
    secretary.goto(f"{base}/development/cases/{case.pk}/")
    shot(secretary, "lifecycle_05_full_member")
    secretary.goto(f"{base}/development/pipeline/")
    shot(secretary, "lifecycle_06_pipeline")


def test_secretary_clicks_from_home_to_a_case_and_records_a_step(browser, live_server, world, case, shot):
    """As a person does: the home page, the pipeline in the menu, the applicant's name, the record form."""
    base = live_server.url
    secretary = _sign_in(browser, base, world.users["secretary_a"])
    secretary.goto(f"{base}/")
    secretary.click("header a[href$='/development/pipeline/']")
    secretary.wait_for_url("**/development/pipeline/")
    secretary.click(f"main a:has-text('{case.person.name}')")
    secretary.wait_for_url(f"**/development/cases/{case.pk}/")
    secretary.select_option("select[name=step]", "applicant_talk")
    assert secretary.is_hidden("p.field-present")  # a talk has no vote
    secretary.select_option("select[name=step]", "withdrawn")
    assert secretary.is_visible("p.field-confirm")  # closing the case asks for a confirmation
    secretary.select_option("select[name=step]", "applicant_talk")
    secretary.fill("input[name=on]", "2024-09-20")
    shot(secretary, "lifecycle_00_record_form")
    secretary.click("form.record-form button[type=submit]")
    secretary.wait_for_selector(".messages li")
    assert "已录入" in secretary.inner_text(".messages li")
    assert case.records.filter(step="applicant_talk").exists()
