"""Dashboards: each chart's numbers are those of the page it stands for (the same selectors), scoped like it, with
a text alternative; the SVG is drawn on the server and escapes what it shows."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from apps.lifecycle.selectors import pipeline_counts, pipeline_for
from apps.portal.dashboards import committee_dashboard, my_year
from apps.reports import charts
from apps.reports.definitions import structure_table
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.factories import PersonFactory

pytestmark = pytest.mark.usefixtures("today")


def _section(sections, key):
    return next(s for s in sections if s.key == key)


def _structure(user, day=TODAY):
    return structure_table(user=user, params={"year": day.year}, today=day)


def test_the_structure_charts_are_the_structure_report(world):
    """Each bar of the structure charts is a row of the membership structure report (the same numbers)."""
    table = _structure(world.users["staff"])
    total = table.totals["members"]
    assert total > 0
    section = _section(committee_dashboard(user=world.users["staff"], year=TODAY.year, today=TODAY), "structure")
    report = {(str(d), str(v)): n for d, v, n, _s in table.rows}
    for chart, dimension in zip(section.charts, ("Party standing", "Gender", "Age", "Education"), strict=True):
        assert sum(int(n) for _l, n in chart.rows) == total, dimension
        from django.utils.translation import gettext

        for label, n in chart.rows:
            assert report[(gettext(dimension), label)] == int(n)


def test_age_bands_are_drawn_in_their_order(world):
    for years in (30, 31, 61):
        born = TODAY.replace(year=TODAY.year - years)
        PersonFactory(
            node=world.branch_a, political_status="full", birth_date=born, full_member_on=datetime.date(2020, 1, 1)
        )
    section = _section(committee_dashboard(user=world.users["staff"], year=TODAY.year, today=TODAY), "structure")
    age = [label for label, _n in section.charts[2].rows]
    numbered = [label for label in age if any(ch.isdigit() for ch in label)]
    firsts = [int("".join(ch if ch.isdigit() else " " for ch in label).split()[0]) for label in numbered]
    assert firsts == sorted(firsts) and firsts[0] == 30 and firsts[-1] == 61


def test_the_funnel_equals_the_pipeline_page(client, world):
    sign_in(client, world.users["secretary_a"])
    page = client.get(reverse("lifecycle:pipeline"))
    counts = pipeline_counts(pipeline_for(user=world.users["secretary_a"]), today=TODAY)
    assert page.context["total"] == sum(r["n"] for r in counts)
    assert page.context["overdue"] == sum(r["overdue"] for r in counts)
    funnel = _section(committee_dashboard(user=world.users["secretary_a"], year=TODAY.year, today=TODAY), "funnel")
    rows = funnel.charts[0].rows
    assert sum(int(r[-1]) for r in rows) == page.context["total"]
    assert sum(int(r[2]) for r in rows) == page.context["overdue"]


def test_the_heatmap_equals_the_compliance_grid(client, world):
    sign_in(client, world.users["staff"])
    grid = client.get(reverse("orglife:grid"))
    expected = {node.name: [label for _s, label, _t in cells] for node, _r, cells, _c, _m in grid.context["rows"]}
    heat = _section(committee_dashboard(user=world.users["staff"], year=TODAY.year, today=TODAY), "compliance")
    assert {row[0]: row[1:] for row in heat.charts[0].rows} == expected


def test_the_dues_rate_equals_the_collection_summary(client, world):
    from apps.dues.selectors import collection_table

    _months, table = collection_table(user=world.users["staff"], year=TODAY.year)
    dues = _section(committee_dashboard(user=world.users["staff"], year=TODAY.year, today=TODAY), "dues")
    owed = [line for line in table if line["due"]]
    assert [r[0] for r in dues.charts[0].rows] == [line["name"] for line in owed]


def test_a_secretary_sees_only_their_subtree(client, world):
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("portal:dashboards")).content.decode()
    assert world.branch_a.name in body and world.branch_b.name not in body
    staff = _structure(world.users["staff"]).totals["members"]
    mine = _structure(world.users["secretary_a"]).totals["members"]
    assert 0 < mine < staff


def test_a_member_sees_their_own_year_only(client, world):
    sign_in(client, world.users["member_a"])
    response = client.get(reverse("portal:dashboards"))
    keys = re.findall(r'data-section="(\w+)"', response.content.decode())
    assert keys == ["mine"]
    section = my_year(person=world.people["member_a"], year=TODAY.year)
    assert [c.title for c in section.charts] and all(c.rows for c in section.charts)


def test_a_members_year_counts_their_commitments_and_their_progress(world):
    from apps.improvement.models import CommitmentCategory
    from apps.improvement.services import commitment_progress, commitment_vet, commitments_submit

    member = world.people["member_a"]
    category = CommitmentCategory.objects.first()
    made = commitments_submit(
        actor=world.users["member_a"], person=member, year=TODAY.year, items=[(category, "一"), (category, "二")]
    )
    for c in made:
        commitment_vet(actor=world.users["secretary_a"], commitment=c, approve=True)
    commitment_progress(actor=world.users["member_a"], commitment=made[0], text="学习", now=at(TODAY))
    with translation.override("zh-hans"):
        chart = next(c for c in my_year(person=member, year=TODAY.year).charts if c.title == "我的承诺")
    rows = dict(chart.rows)
    assert rows["已作承诺"] == "2" and rows["践诺记录（季）"] == "1"


def test_every_chart_has_a_title_and_its_numbers_as_a_table(client, world):
    sign_in(client, world.users["staff"])
    body = client.get(reverse("portal:dashboards")).content.decode()
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", body, re.S)
    assert len(svgs) >= 6  # the structure (4), the funnel, the heatmap; dues only where dues are owed
    for svg in svgs:
        assert 'role="img"' in svg and "<title>" in svg and "aria-label=" in svg
    assert body.count('<details class="chart-table">') == len(svgs)


def test_labels_are_escaped_in_the_svg():
    chart = charts.bars("t<script>", [("<b>x</b>&", 3)])
    assert "<script>" not in chart.svg and "&lt;b&gt;" in chart.svg
    heat = charts.heatmap("t", ["1"], [("<i>", [("held", "<x>")])], {"held": "#fff"})
    assert "<i>" not in heat.svg and "<x>" not in heat.svg


def test_staff_with_a_person_record_switch_to_their_own_year(client, world):
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("portal:dashboards")).content.decode()
    assert 'data-section="mine"' not in body and 'href="?view=mine&amp;year=' in body
    body = client.get(reverse("portal:dashboards") + "?view=mine").content.decode()
    assert re.findall(r'data-section="(\w+)"', body) == ["mine"]


def test_a_year_out_of_range_falls_back_to_this_year(client, world):
    sign_in(client, world.users["staff"])
    for raw in ("1900", "abc", str(TODAY.year + 1)):
        response = client.get(reverse("portal:dashboards") + f"?year={raw}")
        assert response.status_code == 200 and response.context["year"] == TODAY.year


def test_the_cached_dashboard_shows_a_change_on_the_next_request(client, world):
    """Cached per data version: a new member (a service), a meeting held (a raw update), a payment — each shows at
    once."""
    from django.core.cache import cache

    cache.clear()
    sign_in(client, world.users["secretary_a"])
    url = reverse("portal:dashboards")

    def members():
        body = client.get(url).content.decode()
        return int(re.search(r"党员共(\d+)名", body).group(1))

    before = members()
    assert members() == before  # from the cache
    PersonFactory(node=world.branch_a, political_status="full", full_member_on=datetime.date(2020, 1, 1))
    assert members() == before + 1
    from apps.people.models import Person

    def female():
        body = client.get(url).content.decode()
        found = re.search(r"<th scope=\"row\">(女|Female)</th><td>(\d+)</td>", body)
        return int(found.group(2)) if found else 0

    assert female() == 0
    changed = Person.objects.filter(node=world.branch_a, political_status="full").update(gender="f")
    assert changed and female() == changed  # a raw update bumps the version too


def test_the_assessment_section_is_the_progress_pages_comparison(world):
    from apps.assessment.models import Sheet
    from apps.assessment.selectors import progress
    from apps.assessment.services import sheet_save_self
    from tests.assessment.conftest import build_scheme
    from tests.dates import at

    scheme = build_scheme(world, data=False)
    sheet = Sheet.objects.get(scheme=scheme, node=world.branch_a)
    facts = {"A1": {"events": [{"key": "a"}, {"key": "b"}]}, "A2": {"grade": "较好"}, "B1": {"grade": "好"}}
    sheet_save_self(actor=world.users["secretary_a"], sheet=sheet, facts=facts, notes={}, now=at(TODAY))
    sections = committee_dashboard(user=world.users["staff"], year=scheme.year, today=TODAY)
    section = _section(sections, "assessment")
    report = progress(scheme=scheme)
    states, means = section.charts
    assert sum(int(n) for _l, n in states.rows) == len(report.rows)
    for k, (label, mean) in enumerate(means.rows):
        points = [values[k] for _s, values in report.comparison]
        assert label.startswith(report.categories[k].code)
        assert float(mean) == pytest.approx(float(sum(points) / len(points)), abs=0.05)
    # a branch secretary runs no scheme: no assessment section for them
    assert not [s for s in committee_dashboard(user=world.users["secretary_a"], year=scheme.year, today=TODAY)
                if s.key == "assessment"]  # fmt: skip
