"""The reports page: run, progress, download; query counts of the page and of every report's table."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.services import audit_record
from apps.people.choices import PoliticalStatus
from apps.reports import catalogue
from apps.reports.choices import RunStatus
from apps.reports.models import ReportRun
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.factories import PersonFactory

pytestmark = pytest.mark.usefixtures("today")

PARAMS = {
    "roster": {},
    "development_stats": {"year": None},
    "membership_structure": {"year": 2026},
    "disclosure_archive": {"since": datetime.date(2020, 1, 1), "until": datetime.date(2030, 1, 1)},
    "audit_extract": {"since": datetime.date(2020, 1, 1), "until": datetime.date(2030, 1, 1)},
    "dues_collection": {"year": 2026},
    "meeting_compliance": {"year": 2026},
}


def test_every_report_is_in_the_query_count_test():
    # the tables (an official document is one record: tests/reports/test_documents.py)
    assert {r.name for r in catalogue.all_reports() if r.rows is not None} <= set(PARAMS)


@pytest.mark.django_db
def test_dues_and_compliance_totals_equal_their_pages(world, today):
    from apps.dues.selectors import collection_table
    from apps.orglife.selectors import compliance_branches_for, compliance_reports

    user = world.users["staff"]
    table = catalogue.get("dues_collection").rows(user=user, params={"year": today.year}, today=today)
    _months, lines = collection_table(user=user, year=today.year)
    assert table.totals == {"due": sum(li["due"] for li in lines), "paid": sum(li["paid"] for li in lines)}
    table = catalogue.get("meeting_compliance").rows(user=user, params={"year": today.year}, today=today)
    nodes = list(compliance_branches_for(user=user))
    reports = compliance_reports(nodes=nodes, year=today.year, as_of=today)
    assert table.totals == {
        "organisations": len(reports),
        "compliant": sum(bool(r.compliant) for r in reports.values()),
    }
    assert len(list(table.rows)) == len(reports) > 0


def _grow(world, n):
    for _i in range(n):
        for branch in (world.branch_a, world.branch_b):
            person = PersonFactory(node=branch, political_status=PoliticalStatus.FULL)
            audit_record(actor=None, action="test.row", node=branch, target=person)


def _queries(report, user, today):
    with CaptureQueriesContext(connection) as ctx:
        table = report.rows(user=user, params=PARAMS[report.name], today=today)
        list(table.rows)
    return len(ctx)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PARAMS))
def test_a_report_table_reads_in_a_constant_number_of_queries(world, today, name):
    report = catalogue.get(name)
    user = world.users["admin"]
    _grow(world, 1)
    _queries(report, user, today)
    small = _queries(report, user, today)
    _grow(world, 8)
    assert _queries(report, user, today) == small


@pytest.mark.django_db(transaction=False)
def test_run_from_the_page_and_download(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.users["secretary_a"])
    home = client.get(reverse("portal:home"))
    assert reverse("reports:home") in home.content.decode()
    page = client.get(reverse("reports:home") + "?report=roster")
    assert page.status_code == 200 and 'name="p-exchange"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:home"), {"report": "roster", "fmt": "xlsx"})
    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert run.status == RunStatus.DONE, run.error
    status = client.get(reverse("reports:run_status", args=[run.pk])).json()
    assert status["progress"] == 100 and status["download"] == reverse("reports:download", args=[run.pk])
    download = client.get(status["download"])
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body.startswith(b"PK") and download["X-Content-SHA256"] == run.sha256
    listing = client.get(reverse("reports:home")).content.decode()
    assert reverse("reports:download", args=[run.pk]) in listing


@pytest.mark.django_db
def test_bad_form_input_is_a_translated_message_and_nothing_saved(client, world):
    sign_in(client, world.users["staff"])
    response = client.post(
        reverse("reports:home"),
        {"report": "audit_extract", "fmt": "xlsx", "p-since": "1926-01-01", "p-until": "2026-01-01"},
        follow=True,
    )
    assert response.status_code == 200
    assert not ReportRun.objects.exists()
    assert "3700" in response.content.decode()


@pytest.mark.django_db
def test_a_member_cannot_open_the_reports_page(client, world):
    sign_in(client, world.users["member_a"])
    assert client.get(reverse("reports:home")).status_code == 403
    assert reverse("reports:home") not in client.get(reverse("portal:home")).content.decode()


def test_the_page_lists_the_users_own_schedules_and_marks_their_runs(client, world):
    """Schedules are kept in the admin; their owner sees them (read only) on the reports page, and nobody else's."""
    from apps.reports.models import ReportSchedule

    mine = ReportSchedule.objects.create(
        owner=world.users["staff"], report="roster", fmt="xlsx", next_on=datetime.date(2026, 12, 1)
    )
    other = ReportSchedule.objects.create(
        owner=world.users["secretary_a"], report="roster", fmt="pdf", next_on=datetime.date(2026, 12, 1)
    )
    ReportRun.objects.create(
        user=world.users["staff"], report="roster", fmt="xlsx", schedule=mine, requested_at=at(TODAY)
    )
    sign_in(client, world.users["staff"])
    page = client.get(reverse("reports:home")).content.decode()
    assert f'data-schedule="{mine.pk}"' in page and f'data-schedule="{other.pk}"' not in page
    assert "2026-12-01" in page and "(按计划)" in page
    sign_in(client, world.users["secretary_b"])
    page = client.get(reverse("reports:home")).content.decode()
    assert 'data-section="schedules"' not in page
