"""Reports clicked through as a branch secretary does: from the home page to the reports page, the roster asked
for, its progress bar moving while a thread of the web process writes it (the embedded default: no broker), then
the download. Screenshots in artifacts/screenshots/reports_*.png."""

from pathlib import Path

import pytest

from apps.people.choices import PoliticalStatus
from apps.people.models import Person
from apps.reports.models import ReportRun

from .test_lifecycle_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_run_a_roster_watch_its_progress_and_download_it(browser, live_server, world, shot, settings, today, tmp_path):
    settings.REPORTS_IN_THREAD = True
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    # enough members for the bar to be seen moving
    Person.objects.bulk_create(
        Person(node=world.branch_a, name=f"党员批{i}", political_status=PoliticalStatus.FULL) for i in range(6000)
    )
    base = live_server.url
    page = _sign_in(browser, base, world.users["secretary_a"])
    page.goto(f"{base}/")
    page.click("header a[href$='/reports/']")
    page.wait_for_url("**/reports/")
    page.click("main a[href$='?report=roster']")
    page.wait_for_selector("form[data-report-form]")
    shot(page, "reports_01_form")
    page.click("form[data-report-form] button[type=submit]")
    page.wait_for_selector("text=报表正在生成")
    row = page.locator("tr[data-run]").first
    shot(page, "reports_02_progress")
    link = row.locator("[data-download] a")
    link.wait_for(timeout=60000)
    shot(page, "reports_03_done")
    run = ReportRun.objects.get()
    assert run.status == "done" and run.rows == 6000 + 5
    with page.expect_download() as info:
        link.click()
    download = info.value
    path = download.path()
    assert Path(path).read_bytes()[:2] == b"PK"
    assert download.suggested_filename == run.filename
