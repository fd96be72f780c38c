"""List pages and reports: adding rows does not add queries."""

import datetime

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.services import audit_record
from apps.documents.models import Document
from apps.organisations.choices import NodeKind
from apps.organisations.models import Post, PostTitle, Term
from apps.people.choices import PoliticalStatus
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.factories import PersonFactory, make_node

pytestmark = pytest.mark.usefixtures("today")  # the pages see the suite's day


def _grow(world, n):
    """Add people, branches with committees and terms, documents and audit entries under both branches."""
    title = PostTitle.objects.get(code="branch_member")
    today = TODAY
    for i in range(n):
        for parent in (world.branch_a, world.branch_b):
            person = PersonFactory(node=parent)
            PersonFactory(node=parent, political_status=PoliticalStatus.ACTIVIST)
            Post.objects.create(person=person, node=parent, title=title, started_on=datetime.date(2024, 1, 1))
            doc = Document(
                node=parent,
                person=person,
                title="x",
                original_name="x.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                uploaded_at=at(TODAY),
            )
            doc.file.save("x", ContentFile(b"%PDF-"), save=False)
            doc.save()
            audit_record(actor=None, action="test.row", node=parent, target=person)
        for parent in (world.general, world.committee):
            branch = make_node(parent=parent, name=f"新支部{parent.pk}-{i}-{n}")
            PersonFactory(node=branch)
            Term.objects.create(
                node=branch, number=1, elected_on=today, term_years=3, expires_on=today + datetime.timedelta(days=30)
            )
        group = make_node(parent=world.branch_a, kind=NodeKind.GROUP, name=f"小组{i}-{n}")
        PersonFactory(node=group)


def _count(client, url):
    cache.clear()  # measure the uncached path: cached overviews would hide a growing count
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


PAGES = [
    ("secretary_a", lambda w: reverse("portal:home")),
    ("staff", lambda w: reverse("portal:home")),
    ("admin", lambda w: reverse("portal:home")),
    ("member_a", lambda w: reverse("portal:home")),
    ("staff", lambda w: reverse("portal:org_tree")),
    ("staff", lambda w: reverse("portal:node_detail", args=[w.committee.pk])),
    ("secretary_a", lambda w: reverse("portal:node_detail", args=[w.branch_a.pk])),
    ("secretary_a", lambda w: reverse("portal:person_list")),
    ("staff", lambda w: reverse("portal:person_list") + "?political_status=full"),
    ("secretary_a", lambda w: reverse("portal:person_detail", args=[w.people["plain_a"].pk])),
    ("secretary_a", lambda w: reverse("admin:people_person_changelist")),
    ("staff", lambda w: reverse("admin:people_person_changelist") + f"?node={w.branch_a.pk}"),
    ("staff", lambda w: reverse("admin:organisations_orgnode_changelist")),
    ("staff", lambda w: reverse("admin:organisations_term_changelist")),
    ("staff", lambda w: reverse("admin:organisations_post_changelist")),
    ("staff", lambda w: reverse("admin:audit_auditentry_changelist")),
    ("staff", lambda w: reverse("admin:documents_document_changelist")),
    ("admin", lambda w: reverse("admin:people_person_changelist")),
    # organisational life (meetings added as well: tests/orglife/test_views.py)
    ("member_a", lambda w: reverse("orglife:home")),
    ("secretary_a", lambda w: reverse("orglife:home")),
    ("secretary_a", lambda w: reverse("orglife:node_year", args=[w.branch_a.pk])),
    ("staff", lambda w: reverse("orglife:grid")),
    ("staff", lambda w: reverse("portal:dashboards")),
    ("secretary_a", lambda w: reverse("portal:dashboards")),
    ("member_a", lambda w: reverse("portal:dashboards")),
    ("secretary_a", lambda w: reverse("portal:dashboards") + "?view=mine"),
    ("staff", lambda w: reverse("admin:orglife_meeting_changelist")),
    ("staff", lambda w: reverse("admin:orglife_organisationcompliance_changelist")),
    # appraisal and surveys (ballots, members and votes added as well: tests/appraisal/test_views.py)
    ("member_a", lambda w: reverse("appraisal:home")),
    ("staff", lambda w: reverse("appraisal:home")),
    ("staff", lambda w: reverse("admin:appraisal_appraisal_changelist")),
    ("staff", lambda w: reverse("admin:appraisal_survey_changelist")),
    ("staff", lambda w: reverse("admin:appraisal_report_changelist")),
    # inspections and improvement (their rows added: tests/improvement/test_views.py)
    ("member_a", lambda w: reverse("improvement:home")),
    ("staff", lambda w: reverse("improvement:home")),
    ("staff", lambda w: reverse("improvement:findings")),
    ("staff", lambda w: reverse("improvement:inspections")),
    ("staff", lambda w: reverse("improvement:commitments")),
    ("staff", lambda w: reverse("admin:improvement_correctiveaction_changelist")),
    ("staff", lambda w: reverse("admin:improvement_commitment_changelist")),
    # reports (their tables: tests/reports/test_views.py)
    ("staff", lambda w: reverse("reports:home")),
    ("staff", lambda w: reverse("reports:home") + "?report=roster"),
    ("admin", lambda w: reverse("admin:reports_reportrun_changelist")),
]


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[f"{r}:{i}" for i, (r, _u) in enumerate(PAGES)])
def test_query_count_does_not_grow(client, world, role, url):
    sign_in(client, world.users[role])
    _grow(world, 1)
    target = url(world)
    _count(client, target)  # warm caches (content types, sessions)
    small = _count(client, target)
    _grow(world, 6)
    large = _count(client, target)
    assert large == small, f"{target}: {small} queries with few rows, {large} with more"
    # the home of an official with an empty cache: one query per to-do list (six lists, the assessment's sheets to
    # review and the commitments to vet the last), the header's unread count, the menu's standing (member or not);
    # warm, the home page makes none (tests/portal/test_page_cache.py). The dashboards with an empty cache: the
    # figures of six selectors (warm, the cached body makes none)
    assert small <= (21 if "/dashboards/" in target else 20 if target == "/" else 18), f"{target}: {small} queries"
