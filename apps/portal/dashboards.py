"""Dashboards: the figures people would rather look at than read, drawn from the selectors the pages and reports use
(never a second count), scoped like every page.

For committee staff and secretaries (view scope): the membership structure, the development funnel with overdue
cases, meeting compliance as a heatmap (organisations × months), the dues collection rate. For a member: their own
year (meetings, study hours, dues, commitments). Each chart carries its numbers as a table (``charts.Chart``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.assessment.choices import SchemeStatus, SheetStatus
from apps.assessment.selectors import progress, schemes_for
from apps.dues.selectors import collection_table
from apps.improvement.choices import Outcome
from apps.improvement.models import Commitment
from apps.lifecycle.selectors import pipeline_counts, pipeline_for
from apps.lifecycle.steps import OPEN_STAGES, Stage
from apps.orglife.choices import Presence
from apps.orglife.compliance import STATE_LABELS, State
from apps.orglife.selectors import attendance_of, compliance_branches_for, compliance_reports, study_ledger
from apps.reports import charts
from apps.reports.definitions import structure_table

# Organisations in the dashboard's heatmap; the compliance grid pages through the rest.
HEATMAP_ROWS = 40
FILLS = {
    State.HELD: "#a5d6a7",
    State.MISSING: "#e57373",
    State.IN_PROGRESS: "#ffe082",
    State.LATER: "#eeeeee",
    State.NOT_OWED: "#ffffff",
}
MONTHS = range(1, 13)


@dataclass
class Section:
    key: str
    title: str
    charts: list[charts.Chart] = field(default_factory=list)
    note: str = ""
    link: tuple[str, str] | None = None  # (url name, text): where the figures come from, to drill down


def _age_order(line: tuple[str, int]) -> int:
    """Age bands in their order (by the first number of the label: 30 and under, 31–35 … 61 and over), "not
    recorded" last."""
    digits = "".join(ch if ch.isdigit() else " " for ch in line[0]).split()
    return int(digits[0]) if digits else 1000


def structure_section(*, user, year: int, today: datetime.date) -> Section:
    """The members by standing, gender, age band and education: the rows of the membership structure report
    (``reports.definitions.structure_table``), drawn."""
    table = structure_table(user=user, params={"year": year}, today=today)
    total = table.totals["members"]
    by_dimension: dict[str, list[tuple[str, int]]] = {}
    for dimension, value, n, _share in table.rows:
        by_dimension.setdefault(str(dimension), []).append((str(value), n))
    section = Section(
        "structure", _("Membership structure"), note=_("%(n)d members on %(day)s") % {"n": total, "day": today}
    )
    for key, title in (
        (_("Party standing"), _("By standing")),
        (_("Gender"), _("By gender")),
        (_("Age"), _("By age")),
        (_("Education"), _("By education")),
    ):
        lines = by_dimension.get(str(key), [])
        if key == _("Age"):
            lines = sorted(lines, key=_age_order)
        section.charts.append(charts.bars(title, lines, headers=[title, _("Members")], small=True))
    section.link = ("reports:home", _("Reports"))
    return section


def funnel_section(*, user, today: datetime.date) -> Section:
    counts = {row["stage"]: row for row in pipeline_counts(pipeline_for(user=user), today=today)}
    lines = []
    for stage in OPEN_STAGES:
        row = counts.get(stage, {"n": 0, "overdue": 0})
        lines.append((str(Stage(stage).label), [row["n"] - row["overdue"], row["overdue"]]))
    on_time, overdue = _("On time"), _("Overdue")
    chart = charts.stacked(
        _("Development cases by stage"), lines, [on_time, overdue], headers=[_("Stage"), on_time, overdue, _("Total")]
    )
    total = sum(sum(v) for _l, v in lines)
    late = sum(v[1] for _l, v in lines)
    note = _("%(n)d open cases, %(late)d past a time limit") % {"n": total, "late": late}
    return Section("funnel", _("Development of members"), [chart], note, ("lifecycle:pipeline", _("Pipeline")))


def compliance_section(*, user, year: int, today: datetime.date) -> Section:
    nodes = list(compliance_branches_for(user=user)[: HEATMAP_ROWS + 1])
    more = len(nodes) > HEATMAP_ROWS
    nodes = nodes[:HEATMAP_ROWS]
    reports = compliance_reports(nodes=nodes, year=year, as_of=today)
    lines = []
    for node in nodes:
        report = reports.get(node.pk)
        if report is None:
            continue
        states = [report.month_state(m) for m in MONTHS]
        lines.append((node.name, [(s, str(STATE_LABELS[s])) for s in states]))
    chart = charts.heatmap(
        _("Meetings held as required, %(year)d") % {"year": year},
        [f"{m}" for m in MONTHS],
        lines,
        FILLS,
        legend=[(state, str(STATE_LABELS[state])) for state in FILLS],
    )
    note = _("The first %(n)d organisations; the compliance grid shows them all.") % {"n": HEATMAP_ROWS} if more else ""
    return Section("compliance", _("Organisational life"), [chart], note, ("orglife:grid", _("Compliance grid")))


def dues_section(*, user, year: int) -> Section:
    _months, table = collection_table(user=user, year=year)
    lines = []
    due = paid = Decimal(0)
    for line in table:
        due += line["due"]
        paid += line["paid"]
        if line["due"]:
            lines.append((line["name"], (line["paid"] * 100 / line["due"]).quantize(Decimal("0.1"))))
    chart = charts.bars(
        _("Dues collected of dues owed, %(year)d") % {"year": year},
        lines,
        unit="%",
        maximum=100,
        headers=[_("Organisation"), _("Collected")],
    )
    rate = (paid * 100 / due).quantize(Decimal("0.1")) if due else None
    note = _("%(rate)s%% of the dues owed collected") % {"rate": rate} if rate is not None else _("No dues owed yet.")
    return Section("dues", _("Party dues"), [chart], note, ("dues:committee", _("Collection summary")))


def assessment_sections(*, user, year: int) -> list[Section]:
    """For those who see a published scheme of the year whole (its assessing organisation's staff and leaders):
    where the sheets stand, and the mean points per category against the category's maximum — the progress page's
    comparison (``assessment.selectors.progress``), summed over the organisations that have a column."""
    sections = []
    schemes = schemes_for(user=user).filter(year=year, status=SchemeStatus.PUBLISHED).order_by("assessing_node__path")
    for scheme in schemes[:3]:
        report = progress(scheme=scheme)
        states = [(str(label), report.counts.get(value, 0)) for value, label in SheetStatus.choices]
        means = []
        for k, category in enumerate(report.categories):
            points = [values[k] for _sheet, values in report.comparison]
            mean = (sum(points, Decimal(0)) / len(points)).quantize(Decimal("0.1")) if points else Decimal(0)
            means.append((f"{category.code} {category.title}", mean, category.max_points))
        section = Section("assessment", _("Assessment: %(scheme)s") % {"scheme": scheme.name})
        section.charts.append(charts.bars(_("Sheets by state"), states, headers=[_("State"), _("Sheets")], small=True))
        section.charts.append(
            charts.bars(
                _("Mean points per category"),
                [(label, mean) for label, mean, _max in means],
                headers=[_("Category"), _("Mean points")],
                maximum=max([m for _l, _mean, m in means if m] or [1]),
                small=True,  # beside the sheets' states, half the page: drawn for that width, its text readable
            )
        )
        section.note = _("%(n)d organisations assessed") % {"n": len(report.rows)}
        section.link = ("assessment:home", _("Assessment"))
        sections.append(section)
    return sections


def committee_dashboard(*, user, year: int, today: datetime.date) -> list[Section]:
    return [
        structure_section(user=user, year=year, today=today),
        funnel_section(user=user, today=today),
        compliance_section(user=user, year=year, today=today),
        dues_section(user=user, year=year),
        *assessment_sections(user=user, year=year),
    ]


def my_year(*, person, year: int) -> Section:
    """A member's own year: meetings by attendance, study hours against the required hours, dues months paid."""
    from apps.dues.models import DuesMonth

    attended = attendance_of(person=person, year=year)
    by_presence = [(str(label), sum(1 for a in attended if a.presence == code)) for code, label in Presence.choices]
    ledger = study_ledger(person=person, year=year)
    months = list(DuesMonth.objects.filter(person=person, month__year=year).values_list("due", "paid", "exempt"))
    settled = sum(1 for due, paid, exempt in months if exempt or (due is not None and paid >= due))
    section = Section("mine", _("My year %(year)d") % {"year": year})
    section.charts.append(
        charts.bars(_("Meetings by attendance"), by_presence, headers=[_("Attendance"), _("Meetings")], small=True)
    )
    section.charts.append(
        charts.bars(
            _("Study hours"),
            [
                (pgettext("study hours", "Earned"), ledger.total),
                (pgettext("study hours", "Required"), Decimal(ledger.required or 0)),
            ],
            headers=["", _("Hours")],
            small=True,
        )
    )
    section.charts.append(
        charts.bars(
            _("Dues months"),
            [(_("Paid"), settled), (_("Not yet paid"), len(months) - settled)],
            headers=["", _("Months")],
            small=True,
        )
    )
    section.charts.append(_my_commitments(person=person, year=year))
    section.link = ("orglife:home", _("Organisational life"))
    return section


def _my_commitments(*, person, year: int) -> charts.Chart:
    """The member's commitments of the year (承诺 → 践诺 → 评诺): how many, how many quarters of progress recorded,
    and the year-end outcomes (one query)."""
    rows = list(
        Commitment.objects.filter(person=person, year=year)
        .annotate(quarters=Count("progress"))
        .values_list("outcome", "quarters")
    )
    outcomes = [(str(label), sum(1 for outcome, _q in rows if outcome == code)) for code, label in Outcome.choices]
    return charts.bars(
        _("My commitments"),
        [
            (_("Made"), len(rows)),
            (_("Quarters of progress recorded"), sum(q for _o, q in rows)),
            *outcomes,
        ],
        headers=["", _("Number")],
        small=True,
    )
