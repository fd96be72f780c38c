"""The assessment's pages: the flow through the forms, the data indicator's facts with links, the Excel export,
members reading published results only, bad input answered without a 500, and query counts that do not grow with
the number of organisations."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.assessment.choices import SheetStatus
from apps.assessment.models import Column, Sheet
from apps.assessment.services import sheet_save_self, sheets_assign
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.factories import make_node

from .conftest import YEAR, build_scheme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]
PDF = b"%PDF-1.4 evidence"


def _post(client, url, data=None, **extra):
    return client.post(url, data or {}, **extra)


def test_the_branch_fills_submits_and_the_committee_returns_through_the_pages(client, world, plain_scheme):
    sheet = Sheet.objects.get(scheme=plain_scheme, node=world.branch_a)
    sign_in(client, world.users["secretary_a"])
    home = client.get(reverse("assessment:home"))
    assert reverse("assessment:sheet", args=[sheet.pk]) in home.content.decode()
    page = client.get(reverse("assessment:sheet", args=[sheet.pk]))
    assert 'name="f_A2"' in page.content.decode() and "f_D1" not in page.content.decode()
    form = {"f_A1": "一季度党员大会\n一季度党员大会", "f_A2": "好", "f_A3": "创新案例", "f_B1": "好", "n_A1": "未开"}
    response = _post(client, reverse("assessment:sheet_action", args=[sheet.pk, "submit"]), form, follow=True)
    assert "A2: evidence is required" in response.content.decode() or "A2" in response.content.decode()
    assert Sheet.objects.get(pk=sheet.pk).status == SheetStatus.DRAFT
    assert Column.objects.get(sheet=sheet, level=0).facts["A1"] == {
        "events": [{"key": "一季度党员大会"}, {"key": "一季度党员大会"}]
    }
    bad = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")
    _post(client, reverse("assessment:sheet_action", args=[sheet.pk, "evidence"]), {"code": "A2", "file": bad})
    assert not sheet.evidence.exists()
    good = SimpleUploadedFile("班子.pdf", PDF, content_type="application/pdf")
    _post(client, reverse("assessment:sheet_action", args=[sheet.pk, "evidence"]), {"code": "A2", "file": good})
    assert sheet.evidence.count() == 1
    _post(client, reverse("assessment:sheet_action", args=[sheet.pk, "submit"]), form)
    assert Sheet.objects.get(pk=sheet.pk).status == SheetStatus.SUBMITTED
    sign_in(client, world.users["staff"])
    assert reverse("assessment:sheet", args=[sheet.pk]) in client.get(reverse("assessment:queue")).content.decode()
    _post(client, reverse("assessment:sheet_action", args=[sheet.pk, "return"]), {"reason": "请补充材料"})
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.RETURNED and sheet.return_reason == "请补充材料"
    sign_in(client, world.users["secretary_a"])
    assert "请补充材料" in client.get(reverse("assessment:sheet", args=[sheet.pk])).content.decode()


@pytest.mark.parametrize(
    "form",
    [{"f_A2": "优秀"}, {"f_A1": "x\n" * 600}, {"f_A2": "好", "n_A2": "x" * 5000}],
)
def test_bad_input_on_the_sheet_is_answered_without_a_500(client, world, plain_scheme, form):
    sheet = Sheet.objects.get(scheme=plain_scheme, node=world.branch_a)
    sign_in(client, world.users["secretary_a"])
    response = _post(client, reverse("assessment:sheet_action", args=[sheet.pk, "save"]), form)
    assert response.status_code == 302
    if "n_A2" not in form:
        assert not Column.objects.filter(sheet=sheet).exists()


def test_junk_actions_and_parameters(client, world, plain_scheme):
    sheet = Sheet.objects.get(scheme=plain_scheme, node=world.branch_a)
    sign_in(client, world.users["staff"])
    assert _post(client, reverse("assessment:sheet_action", args=[sheet.pk, "explode"])).status_code == 404
    assert _post(client, reverse("assessment:scheme_action", args=[plain_scheme.pk, "explode"])).status_code == 404
    response = _post(client, reverse("assessment:scheme_action", args=[plain_scheme.pk, "grades"]), {"grade_x": "好"})
    assert response.status_code == 302
    response = _post(client, reverse("assessment:scheme_action", args=[plain_scheme.pk, "copy"]), {"year": "abc"})
    assert response.status_code == 302


def test_the_data_indicator_shows_no_data_then_its_facts_with_links(client, world, scheme, held):
    sheet = Sheet.objects.get(scheme=scheme, node=world.branch_a)
    sign_in(client, world.users["secretary_a"])
    page = client.get(reverse("assessment:sheet", args=[sheet.pk])).content.decode()
    assert "D1: no data" in page or "D1" in page
    held(datetime.date(YEAR, 1, 15))
    page = client.get(reverse("assessment:sheet", args=[sheet.pk])).content.decode()
    assert reverse("orglife:node_year", args=[world.branch_a.pk]) in page


def test_export_is_a_workbook(client, world, plain_scheme):
    sign_in(client, world.users["staff"])
    response = client.get(reverse("assessment:export", args=[plain_scheme.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")


def _count(client, url):
    """The page's queries with the frame's cached parts warm (the user's grants, the unread count: the page itself
    caches nothing), as ``make bench`` counts them."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def _grow(world, scheme, n, start):
    """n more branches with a sheet each, submitted and accepted at the first level."""
    staff = world.users["staff"]
    nodes = [make_node(parent=world.committee, name=f"考核支部{start + i}") for i in range(n)]
    sheets_assign(actor=staff, scheme=scheme, nodes=nodes, now=at(TODAY))
    for sheet in Sheet.objects.filter(scheme=scheme, node__in=nodes):
        sheet_save_self(
            actor=staff, sheet=sheet, facts={"A2": {"grade": "好"}, "B1": {"grade": "较好"}}, notes={}, now=at(TODAY)
        )
        Sheet.objects.filter(pk=sheet.pk).update(status=SheetStatus.SUBMITTED, level=1)


@pytest.mark.parametrize(
    ("role", "page"),
    [
        ("staff", "progress"),
        ("staff", "home"),
        ("staff", "queue"),
        ("member_a", "home"),
        ("secretary_a", "home"),
    ],
)
def test_query_counts_do_not_grow_with_the_organisations(client, world, role, page):
    scheme = build_scheme(world, data=True)
    _grow(world, scheme, 2, 0)
    sign_in(client, world.users[role])
    url = {
        "progress": reverse("assessment:progress", args=[scheme.pk]),
        "home": reverse("assessment:home"),
        "queue": reverse("assessment:queue"),
    }[page]
    _count(client, url)
    small = _count(client, url)
    _grow(world, scheme, 6, 10)
    large = _count(client, url)
    assert large == small, f"{url}: {small} queries with few sheets, {large} with more"
    assert page != "progress" or small <= 10, f"progress: {small} queries"


def test_the_sheet_page_stays_within_its_queries(client, world, scheme, held):
    held(datetime.date(YEAR, 1, 15))  # the data indicator's source reads its meetings (5 queries)
    sheet = Sheet.objects.get(scheme=scheme, node=world.branch_a)
    sheet_save_self(
        actor=world.users["secretary_a"], sheet=sheet, facts={"A2": {"grade": "好"}}, notes={}, now=at(TODAY)
    )
    sign_in(client, world.users["staff"])
    url = reverse("assessment:sheet", args=[sheet.pk])
    _count(client, url)
    assert _count(client, url) <= 15


def test_the_sheet_page_caches_its_facts_until_their_records_change(client, world, scheme, held):
    """ADR 4: the sources' facts are cached under the data version of the tables they read; a meeting recorded (a
    write to orglife_) shows on the next request, and a page in another language gets its own labels."""
    held(datetime.date(YEAR, 1, 15))
    sheet = Sheet.objects.get(scheme=scheme, node=world.branch_a)
    sign_in(client, world.users["staff"])
    url = reverse("assessment:sheet", args=[sheet.pk])

    def read():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url).content.decode()
        return page, any('"orglife_meeting"' in q["sql"] for q in ctx.captured_queries)

    first, queried = read()
    assert queried
    second, queried = read()
    assert not queried and second.count("orglife") == first.count("orglife")  # from the cache
    missing = first.count("not held in") + first.count("未召开")
    held(datetime.date(YEAR, 4, 15))  # another meeting: its write bumps the source's version
    third, queried = read()
    assert queried
    assert third.count("not held in") + third.count("未召开") < missing


def test_the_committee_secretary_reads_the_scheme_its_progress_and_the_sheets_without_running_them(
    client, world, plain_scheme
):
    """The committee's leader (view scope, not the staff's manage scope) reads the scheme, its progress and each
    sheet from the links there, with no action to take; a posted action is refused and changes nothing."""
    from tests.conftest import _person_with_login
    from tests.factories import give_post

    leader = _person_with_login("leader", world.branch_b)
    give_post(person=leader, node=world.committee, title_code="committee_secretary")
    sign_in(client, leader.user)
    home = client.get(reverse("assessment:home")).content.decode()
    assert reverse("assessment:scheme", args=[plain_scheme.pk]) in home
    scheme_page = client.get(reverse("assessment:scheme", args=[plain_scheme.pk])).content.decode()
    assert "scheme_action" not in scheme_page and reverse("assessment:progress", args=[plain_scheme.pk]) in scheme_page
    assert reverse("assessment:scheme_action", args=[plain_scheme.pk, "assign"]) not in scheme_page
    progress = client.get(reverse("assessment:progress", args=[plain_scheme.pk]))
    assert progress.status_code == 200
    text = progress.content.decode()
    assert reverse("assessment:scheme_action", args=[plain_scheme.pk, "results"]) not in text
    sheet = Sheet.objects.get(scheme=plain_scheme, node=world.branch_a)
    assert reverse("assessment:sheet", args=[sheet.pk]) in text
    page = client.get(reverse("assessment:sheet", args=[sheet.pk]))
    assert page.status_code == 200 and 'name="f_A2"' not in page.content.decode()
    assert client.get(reverse("assessment:export", args=[plain_scheme.pk])).status_code == 200
    client.post(reverse("assessment:scheme_action", args=[plain_scheme.pk, "results"]), {"confirm": "1"})
    assert not Sheet.objects.filter(scheme=plain_scheme, locked=True).exists()


def test_the_review_queue_is_offered_to_reviewing_organisations_only(client, world, plain_scheme):
    """A branch reviews no one's sheet: its secretary is not offered an always-empty review queue."""
    queue = reverse("assessment:queue")
    sign_in(client, world.users["secretary_a"])
    assert queue not in client.get(reverse("assessment:home")).content.decode()
    sign_in(client, world.users["staff"])
    assert queue in client.get(reverse("assessment:home")).content.decode()
