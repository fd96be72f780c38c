"""Reads of the assessment, restricted to the user's subtree: the schemes an organisation runs, the sheets it fills
or reviews, the progress across organisations, the comparison by category, the published results members read.

A sheet's data indicators read their facts from the indicator sources (``sources``) for the sheet's year up to the
day asked, unless the sheet is locked: then the facts frozen with its year-end result are read, never the records of
today (a meeting backfilled later does not change a locked result)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from apps.disclosure.selectors import BOARD_STATUSES
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers, restrict, scope_paths

from . import scoring, sources
from .choices import Mode, SchemeStatus, SheetStatus, SnapshotKind
from .models import Column, Indicator, Scheme, Sheet, Snapshot

ASSESSING_KINDS = (NodeKind.COMMITTEE, NodeKind.GENERAL_BRANCH)
STEP = 4


def _params(item: Indicator) -> dict:
    return dict(item.params or {})


def scheme_sheet(scheme: Scheme, indicators: list[Indicator] | None = None, bands=None) -> scoring.Sheet:
    """The scheme as the scoring engine's sheet (raises ``ScoringError`` on what cannot be scored)."""
    items = indicators if indicators is not None else list(scheme.indicators.all())
    band_rows = bands if bands is not None else list(scheme.band_set.bands.all())
    bands = scoring.check_bands([scoring.Band(b.grade, b.min_points) for b in band_rows])
    grades = {b.grade for b in bands}
    by_parent: dict[int | None, list[Indicator]] = defaultdict(list)
    for item in items:
        by_parent[item.parent_id].append(item)

    def build(parent_id):
        out = []
        for item in sorted(by_parent.get(parent_id, []), key=lambda i: (i.order, i.pk)):
            node = scoring.Indicator(
                code=item.code,
                title=item.title,
                max=item.max_points,
                mode=item.mode,
                params=_params(item),
                source=item.source,
            )
            node.children = build(item.pk)
            if node.children and node.mode:
                raise scoring.ScoringError(
                    _("%(code)s: an indicator with children has no scoring mode.") % {"code": item.code}
                )
            if not node.children and node.mode:
                scoring.check_leaf(node, grades)
            out.append(node)
        return out

    return scoring.Sheet(bands=bands, indicators=build(None))


def review_levels(sheet: Sheet) -> list[OrgNode]:
    """The organisations that review the sheet, nearest first: every level between the assessed organisation
    (exclusive) and the assessing one (inclusive) — 一级考核一级."""
    top = sheet.scheme.assessing_node
    path = sheet.node.path
    prefixes = [path[:i] for i in range(len(top.path), len(path), STEP)]
    nodes = {n.path: n for n in OrgNode.objects.filter(path__in=prefixes)}
    return [nodes[p] for p in reversed(prefixes) if p in nodes]


def data_facts_for(
    scheme: Scheme, nodes: list[OrgNode], *, as_of: datetime.date, leaves=None, cached: bool = False
) -> dict[int, dict]:
    """{node id: {data indicator code: facts or None (no data)}} — one call of each source for all the nodes.
    ``cached``: a page's read, through the facts cached per data version (``sources.cached_facts_for``)."""
    leaves = leaves if leaves is not None else [i for i in scheme.indicators.all() if i.mode == Mode.DATA]
    out: dict[int, dict] = {n.pk: {} for n in nodes}
    by_source: dict[str, list[str]] = defaultdict(list)
    for leaf in leaves:
        if leaf.mode == Mode.DATA:
            by_source[leaf.source].append(leaf.code)
    read = sources.cached_facts_for if cached else sources.facts_by_source
    found_by_source = read(list(by_source), nodes=nodes, year=scheme.year, as_of=as_of)
    for code, indicator_codes in by_source.items():
        found = found_by_source[code]
        for node in nodes:
            for indicator_code in indicator_codes:
                out[node.pk][indicator_code] = found.get(node.pk)
    return out


def year_end_snapshot(sheet: Sheet) -> Snapshot | None:
    return Snapshot.objects.filter(sheet=sheet, kind=SnapshotKind.YEAR_END, superseded=False).first()


def sheet_facts(
    sheet: Sheet, *, as_of: datetime.date, snapshot: Snapshot | None = None, leaves=None, cached: bool = False
) -> dict:
    """The facts of the sheet's data indicators: frozen once locked, from the sources otherwise (``leaves``: the
    scheme's indicators when the caller has them already; ``cached``: the page's read, see ``data_facts_for``)."""
    if sheet.locked:
        snapshot = snapshot or year_end_snapshot(sheet)
        if snapshot is not None:
            return snapshot.data_facts
    as_of = min(as_of, datetime.date(sheet.scheme.year, 12, 31))
    return data_facts_for(sheet.scheme, [sheet.node], as_of=as_of, leaves=leaves, cached=cached).get(sheet.node_id, {})


# --- who sees what -------------------------------------------------------------------------------------------------


def schemes_for(*, user) -> QuerySet[Scheme]:
    """The schemes of the assessing organisations the user sees the whole of: its staff, who run them
    (``assesses``), and its leaders and committee members, who read them, their progress and their results (the
    assessed organisations' secretaries see their own sheets, not the scheme's)."""
    return restrict(
        Scheme.objects.select_related("assessing_node", "band_set"),
        user=user,
        perm=VIEW_SCOPE,
        path_field="assessing_node__path",
    )


def scheme_get_for(*, user, pk) -> Scheme:
    scheme = schemes_for(user=user).filter(pk=pk).first()
    if scheme is None:
        raise Http404
    return scheme


def assesses(user, scheme: Scheme) -> bool:
    """May the user run this scheme (its assessing organisation's staff)? The assessed secretaries may not."""
    paths = scope_paths(user, MANAGE_PEOPLE)
    return paths is None or any(scheme.assessing_node.path.startswith(p) for p in paths)


def sheets_for(*, user) -> QuerySet[Sheet]:
    """Sheets of the organisations in the user's subtree (the assessed organisation's own, and those it reviews or
    leads): read by whoever sees the organisation's records, as its documents are; filling, reviewing and running
    them are the page's and the services' checks."""
    return restrict(
        Sheet.objects.select_related("scheme__assessing_node", "scheme__band_set", "node"),
        user=user,
        perm=VIEW_SCOPE,
        path_field="node__path",
    )


def sheet_get_for(*, user, pk) -> Sheet:
    sheet = sheets_for(user=user).filter(pk=pk).first()
    if sheet is None:
        raise Http404
    return sheet


def my_sheets(*, user) -> list[Sheet]:
    """The sheets the user fills: of the organisations where the user's scope starts (its own branch)."""
    paths = scope_paths(user, MANAGE_PEOPLE)
    if not paths:
        return []
    return list(
        Sheet.objects.filter(node__path__in=paths, scheme__status=SchemeStatus.PUBLISHED)
        .select_related("scheme", "node")
        .order_by("-scheme__year", "node__path")
    )


FILL_STATES = (SheetStatus.RETURNED, SheetStatus.DRAFT, SheetStatus.NOT_STARTED)


def sheets_waiting(*, user, limit: int = 200) -> tuple[list[Sheet], list[Sheet]]:
    """In one query, what waits for the user in the assessment: (the submitted sheets waiting for a level the user
    covers, never the user's own organisation's; the own organisations' sheets still to fill, submit or resubmit in
    a published scheme — returned first, then by the date the scheme sets)."""
    paths = scope_paths(user, MANAGE_PEOPLE)
    if paths is not None and not paths:
        return [], []
    waiting = Q(status=SheetStatus.SUBMITTED)
    if paths is not None:
        under = Q(*[Q(node__path__startswith=p) for p in paths], _connector=Q.OR)
        waiting &= under & ~Q(node__path__in=paths)
        waiting |= Q(node__path__in=paths, scheme__status=SchemeStatus.PUBLISHED, status__in=FILL_STATES)
    rows = (
        Sheet.objects.filter(waiting)
        .select_related("scheme__assessing_node", "node")
        .order_by("scheme__year", "node__path")[:limit]
    )
    review, fill = [], []
    for sheet in rows:
        if sheet.status == SheetStatus.SUBMITTED:
            if paths is None or any(_level_path(sheet).startswith(p) for p in paths):
                review.append(sheet)
        else:
            fill.append(sheet)
    fill.sort(key=lambda s: (s.status != SheetStatus.RETURNED, s.scheme.self_due_on or datetime.date.max, s.node.path))
    return review, fill


def review_queue(*, user, limit: int = 200) -> list[Sheet]:
    """Submitted sheets waiting for a level the user covers (never the user's own organisation's)."""
    return sheets_waiting(user=user, limit=limit)[0]


def _level_path(sheet: Sheet) -> str:
    """The path of the organisation reviewing the sheet now (level 1: the one just above the assessed)."""
    return sheet.node.path[: len(sheet.node.path) - STEP * sheet.level]


@dataclass
class Progress:
    scheme: Scheme
    rows: list[Sheet]
    counts: dict[str, int] = field(default_factory=dict)
    totals: dict[int, Decimal | None] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)  # the top-level categories compared
    categories: list[Indicator] = field(default_factory=list)
    comparison: list[tuple[Sheet, list[Decimal]]] = field(default_factory=list)


def progress(*, scheme: Scheme) -> Progress:
    """Every sheet of the scheme with its state and latest total, and the points per top-level category of its
    latest column — as scored when the column was last saved (the data indicators with the facts of that day), or
    as frozen with the year-end result. Four queries however many organisations; no source is read here (the
    sheet's own page shows today's facts)."""
    rows = list(
        Sheet.objects.filter(scheme=scheme)
        .select_related("node")
        .prefetch_related(Prefetch("columns", queryset=Column.objects.only("sheet_id", "level", "total", "points")))
        .order_by("peer_group", "node__path")
    )
    counts = dict.fromkeys(SheetStatus.values, 0)
    for sheet in rows:
        counts[sheet.status] += 1
    snapshots = {
        sheet_id: (combined, points)
        for sheet_id, combined, points in Snapshot.objects.filter(
            sheet__scheme=scheme, kind=SnapshotKind.YEAR_END, superseded=False
        ).values_list("sheet_id", "combined", "points")
    }
    categories = [
        i for i in scheme.indicators.filter(parent__isnull=True).order_by("order", "pk") if i.mode != Mode.VETO
    ]
    totals, compared = {}, []
    for sheet in rows:
        columns = sorted(sheet.columns.all(), key=lambda c: c.level)
        frozen = snapshots.get(sheet.pk)
        totals[sheet.pk] = frozen[0] if frozen else (columns[-1].total if columns else None)
        if not columns:
            continue
        points = columns[-1].points or {}
        if sheet.locked and frozen:
            points = frozen[1].get(str(columns[-1].level)) or points
        compared.append((sheet, [Decimal(points.get(c.code, "0")) for c in categories]))
    return Progress(scheme, rows, counts, totals, [c.code for c in categories], categories, compared)


def published_results_for(*, user, person) -> list[tuple[Sheet, Snapshot | None]]:
    """The results a member reads: those of the member's own organisation and the ones above it, once their 公示
    is on the board (published, closed or archived). Never a draft, never another branch's sheet."""
    if person is None or person.node_id is None:
        return []
    path = person.node.path
    prefixes = [path[:i] for i in range(STEP, len(path) + 1, STEP)]
    sheets = list(
        Sheet.objects.filter(node__path__in=prefixes, locked=True, scheme__result_notice__status__in=BOARD_STATUSES)
        .select_related("scheme__result_notice", "node")
        .order_by("-scheme__year", "node__path")
    )
    snapshots = {
        s.sheet_id: s for s in Snapshot.objects.filter(sheet__in=sheets, kind=SnapshotKind.YEAR_END, superseded=False)
    }
    return [(s, snapshots.get(s.pk)) for s in sheets]


def results_final(scheme: Scheme) -> bool:
    """Final once the 公示 has closed with no objection left open (an objection answered stays on record)."""
    notice = scheme.result_notice
    if notice is None or notice.status not in ("closed", "archived"):
        return False
    return not notice.objections.filter(outcome="").exists()


def assessing_nodes_for(*, user) -> QuerySet[OrgNode]:
    return restrict(
        OrgNode.objects.filter(kind__in=ASSESSING_KINDS, is_active=True),
        user=user,
        perm=MANAGE_PEOPLE,
        path_field="path",
    ).order_by("path")


def assessable_nodes(scheme: Scheme) -> QuerySet[OrgNode]:
    return OrgNode.objects.filter(
        path__startswith=scheme.assessing_node.path,
        kind__in=(NodeKind.BRANCH, NodeKind.GENERAL_BRANCH),
        is_active=True,
    ).exclude(pk=scheme.assessing_node_id)


def can_view_scope(user, node: OrgNode) -> bool:
    return covers(user, VIEW_SCOPE, node.path)
