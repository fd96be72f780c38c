"""Writes of the assessment: band sets, schemes (copy, edit, publish, new version), weights, bulk assignment, the
sheet's workflow (self-assessment, level-by-level review, return and resubmission), the half-year check, the
year-end result (facts frozen, sheets locked, reopened only with a reason), grades within quotas, and the 公示 of the
results. Each runs in one transaction, locks what it changes, returns early when nothing changes, is audited, and
takes the day or the moment from its caller."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.disclosure.models import Category as NoticeCategory
from apps.disclosure.services import notice_draft
from apps.documents.services import document_upload_for_node
from apps.notifications.services import reminders_notify, reminders_settle
from apps.organisations.choices import MANAGE_PEOPLE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers

from . import components, scoring
from .choices import TARGET, EventKind, Mode, SchemeStatus, SheetStatus, SnapshotKind
from .models import Band, BandSet, Column, Evidence, Indicator, Scheme, Sheet, SheetEvent, Snapshot, Weight
from .reminders import RETURNED, returned_due
from .selectors import (
    ASSESSING_KINDS,
    data_facts_for,
    review_levels,
    scheme_sheet,
    sheet_facts,
)

ASSESSED_KINDS = (NodeKind.BRANCH, NodeKind.GENERAL_BRANCH)
INDICATOR_FIELDS = [
    "parent",
    "code",
    "title",
    "order",
    "max_points",
    "standard",
    "check_method",
    "sample_size",
    "evidence_required",
    "mode",
    "params",
    "source",
    "responsible_post",
]
RESULTS_CATEGORY = "goals"  # 党建工作目标及完成情况, in the disclosure catalogue


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _refuse(message: str):
    raise ValidationError(message)


def require_assessor(actor, node: OrgNode) -> None:
    """The staff of an assessing organisation (a committee, or a general branch for its branches)."""
    if node.kind not in ASSESSING_KINDS or not covers(actor, MANAGE_PEOPLE, node.path):
        raise PermissionDenied(_("You cannot manage the assessment of %(node)s.") % {"node": node})


def _require_frozen_not(scheme: Scheme) -> None:
    if scheme.frozen:
        _refuse(_("The scheme is published and its indicators are frozen: make a new version, with the reason for it."))


# --- band sets ----------------------------------------------------------------------------------------------------


def bands_check(rows: list[dict]) -> list[scoring.Band]:
    """Refuse a band set with a gap or an overlap (translated), before anything is saved."""
    try:
        bands = [
            scoring.Band(str(r["grade"]).strip(), scoring.to_decimal(r["min_points"], what=_("a band's minimum")))
            for r in rows
        ]
        for r in rows:
            if (r.get("quota_numerator") is None) != (r.get("quota_denominator") is None):
                _refuse(_("A quota needs both its numbers, such as 1 out of 3."))
            if r.get("quota_denominator") == 0:
                _refuse(_("A quota needs both its numbers, such as 1 out of 3."))
        return scoring.check_bands(bands)
    except scoring.ScoringError as exc:
        raise ValidationError(str(exc)) from exc


@transaction.atomic
def band_set_save(*, actor, name: str, rows: list[dict], band_set: BandSet | None = None, is_star: bool = False):
    """Create or replace a band set (administrators: it is reference data every scheme may use)."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only administrators change band sets."))
    if not name.strip():
        _refuse(_("A band set needs a name."))
    bands_check(rows)
    if band_set is None:
        band_set = BandSet.objects.create(name=name.strip(), is_star=is_star)
        old = None
    else:
        band_set = BandSet.objects.select_for_update().get(pk=band_set.pk)
        old = [(b.grade, str(b.min_points)) for b in band_set.bands.all()]
        band_set.name, band_set.is_star = name.strip(), is_star
        band_set.save()
        band_set.bands.all().delete()
    Band.objects.bulk_create(
        [
            Band(
                band_set=band_set,
                grade=str(r["grade"]).strip(),
                min_points=Decimal(str(r["min_points"])),
                quota_numerator=r.get("quota_numerator"),
                quota_denominator=r.get("quota_denominator"),
            )
            for r in rows
        ]
    )
    audit_record(
        actor=_user(actor),
        action="assessment.bands_saved",
        target=band_set,
        changes={"bands": [old, [(str(r["grade"]), str(r["min_points"])) for r in rows]]},
    )
    return band_set


# --- schemes ------------------------------------------------------------------------------------------------------


@transaction.atomic
def scheme_create(*, actor, assessing_node: OrgNode, year: int, name: str, band_set: BandSet) -> Scheme:
    require_assessor(actor, assessing_node)
    if not name.strip():
        _refuse(_("A scheme needs a name."))
    if band_set.is_star:
        _refuse(_("The grades come from a grade band set, not a star band set."))
    if Scheme.objects.filter(assessing_node=assessing_node, year=year).exists():
        _refuse(
            _("%(node)s already has a scheme for %(year)s: edit it or make a new version.")
            % {"node": assessing_node, "year": year}
        )
    scheme = Scheme.objects.create(assessing_node=assessing_node, year=year, name=name.strip(), band_set=band_set)
    Weight.objects.create(scheme=scheme, part=TARGET, percent=Decimal(100))
    audit_record(actor=_user(actor), action="assessment.scheme_created", target=scheme, node=assessing_node)
    return scheme


def _copy_tree(source: Scheme, target: Scheme) -> None:
    mapping: dict[int, Indicator] = {}
    items = list(source.indicators.all())
    by_parent: dict[int | None, list[Indicator]] = {}
    for item in items:
        by_parent.setdefault(item.parent_id, []).append(item)

    def copy(parent_old: int | None, parent_new: Indicator | None):
        for item in sorted(by_parent.get(parent_old, []), key=lambda i: (i.order, i.pk)):
            old_pk = item.pk
            clone = Indicator.objects.create(
                scheme=target,
                parent=parent_new,
                **{f: getattr(item, f) for f in INDICATOR_FIELDS if f != "parent"},
            )
            mapping[old_pk] = clone
            copy(old_pk, clone)

    copy(None, None)
    Weight.objects.bulk_create([Weight(scheme=target, part=w.part, percent=w.percent) for w in source.weights.all()])


@transaction.atomic
def scheme_copy(*, actor, source: Scheme, year: int, assessing_node: OrgNode | None = None, name: str = "") -> Scheme:
    """Last year's scheme copied as this year's draft (indicators, weights, bands), to be edited and published."""
    source = Scheme.objects.select_related("band_set", "star_band_set").get(pk=source.pk)  # as stored, not as held
    node = assessing_node or source.assessing_node
    require_assessor(actor, node)
    if Scheme.objects.filter(assessing_node=node, year=year).exists():
        _refuse(
            _("%(node)s already has a scheme for %(year)s: edit it or make a new version.")
            % {"node": node, "year": year}
        )
    scheme = Scheme.objects.create(
        assessing_node=node,
        year=year,
        name=(name or source.name).strip(),
        band_set=source.band_set,
        star_band_set=source.star_band_set,
        copied_from=source,
    )
    _copy_tree(source, scheme)
    audit_record(actor=_user(actor), action="assessment.scheme_copied", target=scheme, node=node, note=str(source))
    return scheme


@transaction.atomic
def scheme_update(*, actor, scheme: Scheme, fields: dict) -> Scheme:
    """Name, bands, star bands and due dates; the band sets only while a draft."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    require_assessor(actor, scheme.assessing_node)
    allowed = {"name", "self_due_on", "review_due_on"} | ({"band_set", "star_band_set"} if not scheme.frozen else set())
    unknown = set(fields) - allowed
    if unknown:
        _require_frozen_not(scheme)
    changes = {}
    for name, value in fields.items():
        if getattr(scheme, name) != value:
            changes[name] = [str(getattr(scheme, name)), str(value)]
            setattr(scheme, name, value)
    if not changes:
        return scheme
    if scheme.band_set.is_star or (scheme.star_band_set and not scheme.star_band_set.is_star):
        _refuse(_("The grades come from a grade band set, not a star band set."))
    scheme.save()
    audit_record(
        actor=_user(actor),
        action="assessment.scheme_changed",
        target=scheme,
        node=scheme.assessing_node,
        changes=changes,
    )
    return scheme


def indicator_check(scheme: Scheme, values: dict) -> None:
    """A leaf's parameters checked by the scoring engine itself; a category needs no mode."""
    if values.get("max_points") is not None and values["max_points"] < 0:
        _refuse(_("%(code)s: the maximum points cannot be negative.") % {"code": values.get("code", "")})
    mode = values.get("mode") or ""
    if not mode:
        return
    grades = set(scheme.band_set.bands.values_list("grade", flat=True))
    item = scoring.Indicator(
        code=values.get("code", ""),
        max=values.get("max_points"),
        mode=mode,
        params=dict(values.get("params") or {}),
        source=values.get("source") or "",
    )
    try:
        scoring.check_leaf(item, grades)
    except scoring.ScoringError as exc:
        raise ValidationError(str(exc)) from exc
    if mode == Mode.DATA:
        from .sources import get as source_get

        if source_get(item.source) is None:
            _refuse(
                _("%(code)s: there is no indicator source “%(source)s”.") % {"code": item.code, "source": item.source}
            )
        if item.params.get("mode") == Mode.DATA:
            _refuse(_("%(code)s: a data indicator cannot be scored as data.") % {"code": item.code})


@transaction.atomic
def indicator_save(*, actor, scheme: Scheme, values: dict, indicator: Indicator | None = None) -> Indicator:
    """Add or change an indicator of a draft scheme; refused (nothing saved) when its parameters cannot be scored."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    require_assessor(actor, scheme.assessing_node)
    _require_frozen_not(scheme)
    current = {f: getattr(indicator, f) for f in INDICATOR_FIELDS} if indicator else {}
    merged = {**current, **values}
    if not str(merged.get("code") or "").strip():
        _refuse(_("An indicator has no code."))
    parent = merged.get("parent")
    if parent is not None and (parent.scheme_id != scheme.pk or parent.mode):
        _refuse(_("An indicator sits under a category or item of the same scheme."))
    indicator_check(scheme, merged)
    if indicator is None:
        indicator = Indicator(scheme=scheme)
    elif current == merged:
        return indicator
    for name, value in merged.items():
        setattr(indicator, name, value)
    indicator.full_clean()
    indicator.save()
    audit_record(
        actor=_user(actor),
        action="assessment.indicator_saved",
        target=indicator,
        node=scheme.assessing_node,
        changes={k: [str(current.get(k)), str(v)] for k, v in merged.items() if current.get(k) != v},
    )
    return indicator


@transaction.atomic
def indicator_delete(*, actor, indicator: Indicator) -> int:
    """Remove an indicator of a draft scheme, and those under it (a category takes its items along); audited with
    the codes removed. Returns how many."""
    scheme = Scheme.objects.select_for_update().get(pk=indicator.scheme_id)
    require_assessor(actor, scheme.assessing_node)
    _require_frozen_not(scheme)
    gone, level = [indicator.pk], [indicator.pk]
    while level:
        level = list(Indicator.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        gone += level
    codes = list(Indicator.objects.filter(pk__in=gone).order_by("order", "id").values_list("code", flat=True))
    if not codes:
        return 0
    Indicator.objects.filter(pk__in=gone).delete()
    audit_record(
        actor=_user(actor),
        action="assessment.indicator_deleted",
        target=scheme,
        node=scheme.assessing_node,
        note=", ".join(codes),
    )
    return len(codes)


def weights_check(weights: dict[str, Decimal]) -> None:
    for part, percent in weights.items():
        if part != TARGET and components.get(part) is None:
            _refuse(_("“%(part)s” is neither the target score nor a registered result component.") % {"part": part})
        if percent < 0 or percent > 100:
            _refuse(_("A weight is between 0 and 100 percent."))
    if TARGET not in weights:
        _refuse(_("The target score must be one of the weighted parts."))
    if sum(weights.values(), Decimal(0)) != 100:
        _refuse(_("The weights must sum to 100; they sum to %(sum)s.") % {"sum": sum(weights.values(), Decimal(0))})


@transaction.atomic
def weights_save(*, actor, scheme: Scheme, weights: dict[str, Decimal]) -> Scheme:
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    require_assessor(actor, scheme.assessing_node)
    _require_frozen_not(scheme)
    weights = {part: Decimal(str(v)) for part, v in weights.items() if Decimal(str(v)) != 0 or part == TARGET}
    weights_check(weights)
    old = {w.part: w.percent for w in scheme.weights.all()}
    if old == weights:
        return scheme
    scheme.weights.all().delete()
    Weight.objects.bulk_create([Weight(scheme=scheme, part=p, percent=v) for p, v in weights.items()])
    audit_record(
        actor=_user(actor),
        action="assessment.weights_saved",
        target=scheme,
        node=scheme.assessing_node,
        changes={"weights": [{k: str(v) for k, v in old.items()}, {k: str(v) for k, v in weights.items()}]},
    )
    return scheme


def scheme_problems(scheme: Scheme) -> list[str]:
    """What stops a scheme from being published (translated), checked by the scoring engine."""
    problems = []
    try:
        sheet = scheme_sheet(scheme)
        if not sheet.leaves():
            problems.append(_("The scheme has no indicator to score."))
    except scoring.ScoringError as exc:
        problems.append(str(exc))
    try:
        weights_check({w.part: w.percent for w in scheme.weights.all()})
    except ValidationError as exc:
        problems += exc.messages
    return problems


@transaction.atomic
def scheme_publish(*, actor, scheme: Scheme, now: datetime.datetime) -> Scheme:
    """Publish a draft: its indicators are frozen. A new version replaces the one it revises, and the sheets of that
    one move to it with their columns (facts of indicators no longer in the scheme are left out of the scores)."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    require_assessor(actor, scheme.assessing_node)
    if scheme.status == SchemeStatus.PUBLISHED:
        return scheme
    if scheme.status == SchemeStatus.SUPERSEDED:
        _refuse(_("This version was replaced by a newer one."))
    problems = scheme_problems(scheme)
    if problems:
        raise ValidationError(problems)
    scheme.status = SchemeStatus.PUBLISHED
    scheme.published_at, scheme.published_by = now, _user(actor)
    scheme.save()
    moved = 0
    if scheme.previous_id:
        previous = Scheme.objects.select_for_update().get(pk=scheme.previous_id)
        previous.status = SchemeStatus.SUPERSEDED
        previous.save()
        sheets = list(Sheet.objects.select_for_update().filter(scheme=previous))
        if any(s.locked for s in sheets):
            _refuse(_("A sheet of the previous version is locked with its year-end result: reopen it first."))
        Sheet.objects.filter(pk__in=[s.pk for s in sheets]).update(scheme=scheme, updated_at=now)
        SheetEvent.objects.bulk_create(
            [
                SheetEvent(sheet=s, kind=EventKind.MOVED, reason=scheme.change_reason, actor=_user(actor), at=now)
                for s in sheets
            ]
        )
        moved = len(sheets)
    audit_record(
        actor=_user(actor),
        action="assessment.scheme_published",
        target=scheme,
        node=scheme.assessing_node,
        changes={"status": ["draft", "published"]},
        note=_("%(count)s sheets moved to it") % {"count": moved} if moved else "",
    )
    return scheme


@transaction.atomic
def scheme_revise(*, actor, scheme: Scheme, reason: str) -> Scheme:
    """A new draft version of a published scheme, with the reason for the change; publishing it moves the sheets."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    require_assessor(actor, scheme.assessing_node)
    if scheme.status != SchemeStatus.PUBLISHED:
        _refuse(_("Only the published version of a scheme is revised; a draft is edited."))
    if not reason.strip():
        _refuse(_("Give the reason for the new version."))
    pending = Scheme.objects.filter(previous=scheme, status=SchemeStatus.DRAFT).first()
    if pending:
        return pending
    version = Scheme.objects.create(
        assessing_node=scheme.assessing_node,
        year=scheme.year,
        name=scheme.name,
        version=scheme.version + 1,
        band_set=scheme.band_set,
        star_band_set=scheme.star_band_set,
        previous=scheme,
        copied_from=scheme.copied_from,
        change_reason=reason.strip(),
        self_due_on=scheme.self_due_on,
        review_due_on=scheme.review_due_on,
    )
    _copy_tree(scheme, version)
    audit_record(
        actor=_user(actor), action="assessment.scheme_revised", target=version, node=scheme.assessing_node, note=reason
    )
    return version


@transaction.atomic
def sheets_assign(*, actor, scheme: Scheme, nodes, now: datetime.datetime) -> int:
    """A sheet for each organisation assessed (branches and general branches below the assessing one), in bulk."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    require_assessor(actor, scheme.assessing_node)
    if scheme.status != SchemeStatus.PUBLISHED:
        _refuse(_("Publish the scheme before assigning it."))
    nodes = list(nodes)
    outside = [
        n
        for n in nodes
        if n.kind not in ASSESSED_KINDS
        or not n.path.startswith(scheme.assessing_node.path)
        or n.pk == scheme.assessing_node_id
    ]
    if outside:
        _refuse(
            _("%(node)s is not a branch or general branch under %(assessing)s.")
            % {"node": outside[0], "assessing": scheme.assessing_node}
        )
    have = set(
        Sheet.objects.filter(scheme__assessing_node=scheme.assessing_node, scheme__year=scheme.year).values_list(
            "node_id", flat=True
        )
    )
    new = [Sheet(scheme=scheme, node=n, peer_group=n.kind, updated_at=now) for n in nodes if n.pk not in have]
    if not new:
        return 0
    Sheet.objects.bulk_create(new)
    audit_record(
        actor=_user(actor),
        action="assessment.sheets_assigned",
        target=scheme,
        node=scheme.assessing_node,
        note=", ".join(n.node.name for n in new[:20]) + ("…" if len(new) > 20 else ""),
        changes={"sheets": [len(have), len(have) + len(new)]},
    )
    return len(new)


# --- the sheet: columns and workflow -------------------------------------------------------------------------------


def _lock_sheet(sheet: Sheet) -> Sheet:
    return (
        Sheet.objects.select_for_update(of=("self",))
        .select_related("scheme__band_set", "scheme__assessing_node", "node")
        .get(pk=sheet.pk)
    )


def clean_column(sheet_def: scoring.Sheet, facts: dict) -> dict:
    """The entries of a column kept for the leaves a person fills (data indicators are read from their source),
    checked by the engine: a grade not offered, a negative deduction… refused with a translated error."""
    fillable = {leaf.code: leaf for leaf in sheet_def.leaves() if leaf.mode != Mode.DATA}
    clean = {}
    for code, value in (facts or {}).items():
        if code not in fillable or value in (None, {}, ""):
            continue
        clean[code] = value
    try:
        scoring.score(sheet_def, clean)
    except scoring.ScoringError as exc:
        raise ValidationError(str(exc)) from exc
    return clean


def _column_score(sheet_def, facts: dict, data: dict) -> tuple[Decimal, dict]:
    """The column's total and points per indicator (as text), with the data indicators' facts of the day."""
    merged = {**facts, **{code: f for code, f in data.items() if f is not None}}
    result = scoring.score(sheet_def, merged)
    return result.total, {code: str(v) for code, v in result.indicators.items()}


def _save_column(*, actor, sheet: Sheet, level: int, node: OrgNode, facts: dict, notes: dict, now, as_of) -> Column:
    sheet_def = scheme_sheet(sheet.scheme)
    clean = clean_column(sheet_def, facts)
    notes = {
        k: str(v).strip()
        for k, v in (notes or {}).items()
        if str(v).strip() and k in {leaf.code for leaf in sheet_def.leaves()}
    }
    column, created = Column.objects.select_for_update().get_or_create(
        sheet=sheet, level=level, defaults={"reviewer_node": node, "updated_at": now, "updated_by": _user(actor)}
    )
    if not created and column.facts == clean and column.notes == notes:
        return column
    old = column.facts
    column.facts, column.notes = clean, notes
    column.total, column.points = _column_score(sheet_def, clean, sheet_facts(sheet, as_of=as_of))
    column.updated_by, column.updated_at = _user(actor), now
    column.save()
    audit_record(
        actor=_user(actor),
        action="assessment.column_saved",
        target=sheet,
        node=sheet.node,
        changes={f"level {level}": [old, clean]},
    )
    return column


@transaction.atomic
def sheet_save_self(*, actor, sheet: Sheet, facts: dict, notes: dict, now: datetime.datetime) -> Sheet:
    """The assessed organisation's own column, saved as a draft (claimed events, grades, deductions, explanations)."""
    sheet = _lock_sheet(sheet)
    if not covers(actor, MANAGE_PEOPLE, sheet.node.path):
        raise PermissionDenied(_("You cannot fill the sheet of %(node)s.") % {"node": sheet.node})
    if sheet.status not in (SheetStatus.NOT_STARTED, SheetStatus.DRAFT, SheetStatus.RETURNED):
        _refuse(
            _("The sheet is %(status)s: the organisation's column can no longer be changed.")
            % {"status": sheet.get_status_display()}
        )
    _save_column(
        actor=actor,
        sheet=sheet,
        level=0,
        node=sheet.node,
        facts=facts,
        notes=notes,
        now=now,
        as_of=timezone.localdate(now),
    )
    if sheet.status == SheetStatus.NOT_STARTED:
        sheet.status = SheetStatus.DRAFT
    sheet.updated_at = now
    sheet.save()
    return sheet


def submission_problems(
    sheet: Sheet, *, as_of: datetime.date, data: dict | None = None, indicators=None, evidence_codes=None
) -> list[str]:
    """What stops a submission: a data indicator whose source has no data; evidence required and not attached.
    (The sheet page passes what it has read already: the facts, the indicators, the codes with evidence.)"""
    items = indicators if indicators is not None else list(sheet.scheme.indicators.all())
    if data is None:
        data = sheet_facts(sheet, as_of=as_of, leaves=items)
    problems = [
        _("%(code)s: no data from its source — the sheet cannot be submitted until the records exist.") % {"code": code}
        for code, facts in data.items()
        if facts is None
    ]
    required = {i.code for i in items if i.evidence_required and i.mode}
    have = set(evidence_codes) if evidence_codes is not None else set(sheet.evidence.values_list("code", flat=True))
    problems += [_("%(code)s: evidence is required.") % {"code": code} for code in sorted(required - have)]
    return problems


@transaction.atomic
def sheet_submit(*, actor, sheet: Sheet, now: datetime.datetime) -> Sheet:
    sheet = _lock_sheet(sheet)
    if not covers(actor, MANAGE_PEOPLE, sheet.node.path):
        raise PermissionDenied(_("You cannot fill the sheet of %(node)s.") % {"node": sheet.node})
    if sheet.status == SheetStatus.SUBMITTED:
        return sheet
    if sheet.status not in (SheetStatus.DRAFT, SheetStatus.RETURNED):
        _refuse(_("Only a draft or a returned sheet is submitted."))
    problems = submission_problems(sheet, as_of=timezone.localdate(now))
    if problems:
        raise ValidationError(problems)
    old = sheet.status
    sheet.status, sheet.level, sheet.updated_at = SheetStatus.SUBMITTED, 1, now
    sheet.save()
    SheetEvent.objects.create(sheet=sheet, kind=EventKind.SUBMITTED, level=0, actor=_user(actor), at=now)
    if old == SheetStatus.RETURNED:  # the news that it was returned is done with
        reminders_settle(now=now, source_codes=[RETURNED], subject_ids=[sheet.pk])
    audit_record(
        actor=_user(actor),
        action="assessment.sheet_submitted",
        target=sheet,
        node=sheet.node,
        changes={"status": [old, sheet.status]},
    )
    return sheet


def _require_reviewer(actor, sheet: Sheet) -> OrgNode:
    levels = review_levels(sheet)
    if sheet.status != SheetStatus.SUBMITTED or not 1 <= sheet.level <= len(levels):
        _refuse(_("The sheet is not waiting for a review."))
    node = levels[sheet.level - 1]
    if not covers(actor, MANAGE_PEOPLE, node.path) or covers_only_below(actor, sheet.node):
        raise PermissionDenied(_("You cannot review the sheet of %(node)s.") % {"node": sheet.node})
    return node


def covers_only_below(actor, node: OrgNode) -> bool:
    """True for someone whose scope starts at the assessed organisation (its own secretary): never its reviewer."""
    from apps.organisations.permissions import scope_paths

    paths = scope_paths(actor, MANAGE_PEOPLE)
    return paths is not None and not any(node.path.startswith(p) and len(p) < len(node.path) for p in paths)


@transaction.atomic
def sheet_review_save(*, actor, sheet: Sheet, facts: dict, notes: dict, now: datetime.datetime) -> Sheet:
    """The reviewing level's own column; the organisation's column and every earlier level's are kept beside it."""
    sheet = _lock_sheet(sheet)
    node = _require_reviewer(actor, sheet)
    _save_column(
        actor=actor,
        sheet=sheet,
        level=sheet.level,
        node=node,
        facts=facts,
        notes=notes,
        now=now,
        as_of=timezone.localdate(now),
    )
    sheet.updated_at = now
    sheet.save()
    return sheet


@transaction.atomic
def sheet_return(*, actor, sheet: Sheet, reason: str, now: datetime.datetime) -> Sheet:
    """Back to the organisation with a reason; it corrects its column and submits again. All columns are kept."""
    sheet = _lock_sheet(sheet)
    _require_reviewer(actor, sheet)
    if not reason.strip():
        _refuse(_("Give the reason for returning the sheet."))
    level = sheet.level
    sheet.status, sheet.level, sheet.return_reason, sheet.updated_at = SheetStatus.RETURNED, 0, reason.strip(), now
    sheet.save()
    SheetEvent.objects.create(
        sheet=sheet, kind=EventKind.RETURNED, level=level, reason=reason.strip(), actor=_user(actor), at=now
    )
    reminders_notify(source_code=RETURNED, dues=[returned_due(sheet, today=timezone.localdate(now))], now=now)
    audit_record(
        actor=_user(actor),
        action="assessment.sheet_returned",
        target=sheet,
        node=sheet.node,
        changes={"status": [SheetStatus.SUBMITTED, SheetStatus.RETURNED]},
        note=reason.strip(),
    )
    return sheet


@transaction.atomic
def sheet_accept(*, actor, sheet: Sheet, now: datetime.datetime) -> Sheet:
    """The reviewing level accepts: its column (the one below copied if it entered none) stands, and the sheet goes
    to the next level up, or is reviewed when the assessing organisation accepts it."""
    sheet = _lock_sheet(sheet)
    node = _require_reviewer(actor, sheet)
    level = sheet.level
    if not Column.objects.filter(sheet=sheet, level=level).exists():
        below = Column.objects.filter(sheet=sheet, level__lt=level).order_by("-level").first()
        facts = below.facts if below else {}
        total, points = _column_score(
            scheme_sheet(sheet.scheme), facts, sheet_facts(sheet, as_of=timezone.localdate(now))
        )
        Column.objects.create(
            sheet=sheet,
            level=level,
            reviewer_node=node,
            facts=facts,
            notes={},
            total=total,
            points=points,
            updated_by=_user(actor),
            updated_at=now,
        )
    levels = review_levels(sheet)
    if level < len(levels):
        sheet.level = level + 1
    else:
        sheet.status = SheetStatus.REVIEWED
    sheet.return_reason, sheet.updated_at = "", now
    sheet.save()
    SheetEvent.objects.create(sheet=sheet, kind=EventKind.ACCEPTED, level=level, actor=_user(actor), at=now)
    audit_record(actor=_user(actor), action="assessment.sheet_accepted", target=sheet, node=sheet.node, note=str(node))
    return sheet


@transaction.atomic
def evidence_add(*, actor, sheet: Sheet, code: str, uploaded, title: str, now: datetime.datetime) -> Evidence:
    """A file for an indicator, stored as a private document of the assessed organisation (its type checked)."""
    sheet = _lock_sheet(sheet)
    if not covers(actor, MANAGE_PEOPLE, sheet.node.path):
        raise PermissionDenied(_("You cannot fill the sheet of %(node)s.") % {"node": sheet.node})
    if sheet.status not in (SheetStatus.NOT_STARTED, SheetStatus.DRAFT, SheetStatus.RETURNED):
        _refuse(
            _("The sheet is %(status)s: the organisation's column can no longer be changed.")
            % {"status": sheet.get_status_display()}
        )
    if code not in {leaf.code for leaf in scheme_sheet(sheet.scheme).leaves()}:
        _refuse(_("The scheme has no indicator %(code)s.") % {"code": code})
    document = document_upload_for_node(actor=actor, node=sheet.node, uploaded=uploaded, title=title or code, now=now)
    evidence = Evidence.objects.create(sheet=sheet, code=code, document=document)
    audit_record(
        actor=_user(actor),
        action="assessment.evidence_added",
        target=sheet,
        node=sheet.node,
        note=f"{code}: {document.title}",
    )
    if sheet.status == SheetStatus.NOT_STARTED:
        sheet.status = SheetStatus.DRAFT
        sheet.save()
    return evidence


# --- checks and results ---------------------------------------------------------------------------------------------


def points_of(columns, sheet_def, data: dict) -> tuple[dict, scoring.Result | None]:
    """Points per column (level → {code: points, "total": …}) and the scored result of the last column."""
    points = {}
    result = None
    data_present = {code: f for code, f in data.items() if f is not None}
    for column in sorted(columns, key=lambda c: c.level):
        result = scoring.score(sheet_def, {**column.facts, **data_present})
        points[str(column.level)] = {code: str(v) for code, v in result.indicators.items()} | {
            "total": str(result.total)
        }
    return points, result


@transaction.atomic
def half_year_check(*, actor, sheet: Sheet, feedback: str, now: datetime.datetime) -> Snapshot:
    """The half-year tracking: a snapshot of every column with the assessing level's feedback, no grade."""
    sheet = _lock_sheet(sheet)
    require_assessor(actor, sheet.scheme.assessing_node)
    if sheet.locked:
        _refuse(_("The sheet is locked with its year-end result."))
    if not feedback.strip():
        _refuse(_("A half-year check gives its feedback."))
    sheet_def = scheme_sheet(sheet.scheme)
    data = sheet_facts(sheet, as_of=timezone.localdate(now))
    points, _result = points_of(sheet.columns.all(), sheet_def, data)
    snapshot = Snapshot.objects.create(
        sheet=sheet,
        kind=SnapshotKind.HALF_YEAR,
        taken_at=now,
        taken_by=_user(actor),
        data_facts=data,
        points=points,
        feedback=feedback.strip(),
    )
    SheetEvent.objects.create(
        sheet=sheet, kind=EventKind.HALF_YEAR, reason=feedback.strip(), actor=_user(actor), at=now
    )
    audit_record(
        actor=_user(actor), action="assessment.half_year_checked", target=sheet, node=sheet.node, note=feedback.strip()
    )
    return snapshot


def _ranks(values: list[tuple[int, Decimal]]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) by descending score."""
    ranks = {}
    ordered = sorted(values, key=lambda v: v[1], reverse=True)
    for index, (pk, value) in enumerate(ordered):
        ranks[pk] = ranks[ordered[index - 1][0]] if index and value == ordered[index - 1][1] else index + 1
    return ranks


@transaction.atomic
def results_compute(*, actor, scheme: Scheme, now: datetime.datetime) -> dict:
    """The year-end result of every reviewed sheet: the facts of the data indicators frozen with it, the target
    score of the last column, the components combined by the weights, the grade from the bands capped by vetoes,
    the star band, the rank in the peer group; the sheet is then locked. A sheet whose data source has no data or
    whose weighted component has no score yet waits (it is listed, nothing of it is saved)."""
    scheme = (
        Scheme.objects.select_for_update(of=("self",))
        .select_related("band_set", "star_band_set", "assessing_node")
        .get(pk=scheme.pk)
    )
    require_assessor(actor, scheme.assessing_node)
    today = timezone.localdate(now)
    sheets = list(
        Sheet.objects.select_for_update(of=("self",))
        .filter(scheme=scheme, status=SheetStatus.REVIEWED)
        .select_related("node")
    )
    if not sheets:
        return {"fixed": 0, "waiting": []}
    sheet_def = scheme_sheet(scheme)
    data = data_facts_for(scheme, [s.node for s in sheets], as_of=today)
    weights = {w.part: w.percent for w in scheme.weights.all()}
    node_ids = [s.node_id for s in sheets]
    parts_by = {
        part: components.scores_for(part, node_ids=node_ids, year=scheme.year) for part in weights if part != TARGET
    }
    stars = (
        scoring.check_bands([scoring.Band(b.grade, b.min_points) for b in scheme.star_band_set.bands.all()])
        if scheme.star_band_set
        else None
    )
    columns = {}
    for column in Column.objects.filter(sheet__in=sheets):
        columns.setdefault(column.sheet_id, []).append(column)
    waiting, fixed = [], []
    for sheet in sheets:
        sheet_data = data.get(sheet.node_id, {})
        missing = [code for code, f in sheet_data.items() if f is None]
        if missing:
            waiting.append((sheet, _("no data: %(codes)s") % {"codes": ", ".join(missing)}))
            continue
        points, result = points_of(columns.get(sheet.pk, []), sheet_def, sheet_data)
        if result is None:
            waiting.append((sheet, _("no column")))
            continue
        parts = {TARGET: result.total} | {part: parts_by[part].get(sheet.node_id) for part in parts_by}
        absent = [str(components.get(p).label) for p, v in parts.items() if v is None]
        if absent:
            waiting.append((sheet, _("waiting for %(parts)s") % {"parts": ", ".join(absent)}))
            continue
        combined = scoring.combine(parts, weights)
        grade = scoring.capped_grade(sheet_def, combined, result.capped_by)
        Snapshot.objects.filter(sheet=sheet, kind=SnapshotKind.YEAR_END, superseded=False).update(superseded=True)
        Snapshot.objects.create(
            sheet=sheet,
            kind=SnapshotKind.YEAR_END,
            taken_at=now,
            taken_by=_user(actor),
            data_facts=sheet_data,
            points=points,
            target_score=result.total,
            parts={k: str(v) for k, v in parts.items()},
            combined=combined,
            grade=grade or "",
            capped_by=result.capped_by,
        )
        sheet.grade = grade or ""
        sheet.star = (scoring.grade_for(stars, combined) or "") if stars else ""
        sheet.status, sheet.locked, sheet.updated_at = SheetStatus.FINAL, True, now
        fixed.append(sheet)
    for sheet in fixed:
        sheet.save(update_fields=["grade", "star", "status", "locked", "updated_at"])
        SheetEvent.objects.create(sheet=sheet, kind=EventKind.RESULT, actor=_user(actor), at=now, reason=sheet.grade)
    _rank(scheme)
    audit_record(
        actor=_user(actor),
        action="assessment.results_fixed",
        target=scheme,
        node=scheme.assessing_node,
        note=_("%(fixed)s results fixed, %(waiting)s waiting") % {"fixed": len(fixed), "waiting": len(waiting)},
    )
    return {"fixed": len(fixed), "waiting": [(s.node.name, why) for s, why in waiting]}


def _rank(scheme: Scheme) -> None:
    """Ranks of the organisations (never of people) within each peer group, by their current year-end result —
    only in a peer group whose every sheet has its result: while one is still open (or reopened), a rank would
    change under the others, so the group has none yet."""
    snapshots = Snapshot.objects.filter(
        sheet__scheme=scheme, kind=SnapshotKind.YEAR_END, superseded=False, sheet__locked=True
    ).values_list("sheet_id", "sheet__peer_group", "combined")
    open_groups = set(
        Sheet.objects.filter(scheme=scheme, locked=False).order_by().values_list("peer_group", flat=True).distinct()
    )
    groups: dict[str, list] = {}
    for sheet_id, group, combined in snapshots:
        if group not in open_groups:
            groups.setdefault(group, []).append((sheet_id, combined))
    Sheet.objects.filter(scheme=scheme).exclude(pk__in=[s for g in groups.values() for s, _c in g]).update(rank=None)
    for values in groups.values():
        for sheet_id, rank in _ranks(values).items():
            Sheet.objects.filter(pk=sheet_id).update(rank=rank)


def quota_problems(scheme: Scheme, grades: dict[int, str]) -> list[str]:
    """Every band over its quota within a peer group: at most ``numerator/denominator`` of the organisations graded
    there (rounded down)."""
    bands = {b.grade: b for b in scheme.band_set.bands.all()}
    sheets = Sheet.objects.filter(scheme=scheme, locked=True).values_list("pk", "peer_group", "grade")
    by_group: dict[str, list[str]] = {}
    for pk, group, grade in sheets:
        by_group.setdefault(group, []).append(grades.get(pk, grade))
    problems = []
    for group, given in sorted(by_group.items()):
        for grade, band in bands.items():
            if band.quota_numerator is None:
                continue
            allowed = len(given) * band.quota_numerator // band.quota_denominator
            count = given.count(grade)
            if count > allowed:
                problems.append(
                    _(
                        "At most %(allowed)s of the %(total)s organisations of the peer group “%(group)s” may be "
                        "graded %(grade)s (%(numerator)s out of %(denominator)s); %(count)s are."
                    )
                    % {
                        "allowed": allowed,
                        "total": len(given),
                        "group": NodeKind(group).label if group in NodeKind.values else group,
                        "grade": grade,
                        "numerator": band.quota_numerator,
                        "denominator": band.quota_denominator,
                        "count": count,
                    }
                )
    return problems


@transaction.atomic
def grades_fix(*, actor, scheme: Scheme, grades: dict[int, str], now: datetime.datetime) -> int:
    """The committee fixes the grades of the year-end results: never better than the bands and vetoes give, and
    within each band's quota in the peer group (refused as a whole, with the reason, when a quota is exceeded)."""
    scheme = Scheme.objects.select_for_update(of=("self",)).select_related("band_set").get(pk=scheme.pk)
    require_assessor(actor, scheme.assessing_node)
    if scheme.result_notice_id:
        _refuse(_("The results are in their 公示: reopen a sheet to change its grade."))
    order = [b.grade for b in scheme.band_set.bands.order_by("-min_points")]
    sheets = {s.pk: s for s in Sheet.objects.select_for_update().filter(scheme=scheme, pk__in=list(grades))}
    snapshots = dict(
        Snapshot.objects.filter(sheet__in=list(sheets), kind=SnapshotKind.YEAR_END, superseded=False).values_list(
            "sheet_id", "grade"
        )
    )
    changes = {}
    for pk, grade in grades.items():
        sheet = sheets.get(pk)
        if sheet is None or not sheet.locked:
            _refuse(_("Only a year-end result is graded."))
        if grade not in order:
            _refuse(_("“%(grade)s” is not a grade of the band set.") % {"grade": grade})
        ceiling = snapshots.get(pk) or order[-1]
        if order.index(grade) < order.index(ceiling):
            _refuse(
                _("%(node)s cannot be graded %(grade)s: its result gives at most %(ceiling)s.")
                % {"node": sheet.node, "grade": grade, "ceiling": ceiling}
            )
        if sheet.grade != grade:
            changes[pk] = (sheet.grade, grade)
    problems = quota_problems(scheme, grades)
    if problems:
        raise ValidationError(problems)
    for pk, (_old, new) in changes.items():
        Sheet.objects.filter(pk=pk).update(grade=new, updated_at=now)
    if changes:
        audit_record(
            actor=_user(actor),
            action="assessment.grades_fixed",
            target=scheme,
            node=scheme.assessing_node,
            changes={str(pk): list(v) for pk, v in changes.items()},
        )
    return len(changes)


@transaction.atomic
def sheet_reopen(*, actor, sheet: Sheet, reason: str, now: datetime.datetime) -> Sheet:
    """A locked result reopened, explicitly and with a reason (audited): back to reviewed, its year-end snapshot
    kept as superseded; the next result freezes the facts again."""
    sheet = _lock_sheet(sheet)
    require_assessor(actor, sheet.scheme.assessing_node)
    if not sheet.locked:
        return sheet
    if not reason.strip():
        _refuse(_("Give the reason for reopening the result."))
    Snapshot.objects.filter(sheet=sheet, kind=SnapshotKind.YEAR_END, superseded=False).update(superseded=True)
    old_grade = sheet.grade
    sheet.locked, sheet.status, sheet.grade, sheet.star, sheet.rank = False, SheetStatus.REVIEWED, "", "", None
    sheet.updated_at = now
    sheet.save()
    SheetEvent.objects.create(sheet=sheet, kind=EventKind.REOPENED, reason=reason.strip(), actor=_user(actor), at=now)
    audit_record(
        actor=_user(actor),
        action="assessment.sheet_reopened",
        target=sheet,
        node=sheet.node,
        changes={"locked": [True, False], "grade": [old_grade, ""]},
        note=reason.strip(),
    )
    _rank(sheet.scheme)
    return sheet


@transaction.atomic
def results_publish(*, actor, scheme: Scheme, today: datetime.date):
    """The results drafted as a 公示 of the assessing organisation (category 党建工作目标及完成情况), through the
    disclosure services: checked, approved and published there by others (four eyes), objections possible."""
    scheme = (
        Scheme.objects.select_for_update(of=("self",)).select_related("band_set", "assessing_node").get(pk=scheme.pk)
    )
    require_assessor(actor, scheme.assessing_node)
    if scheme.result_notice_id:
        return scheme.result_notice
    rows = list(
        Sheet.objects.filter(scheme=scheme, locked=True)
        .select_related("node")
        .order_by("peer_group", "rank", "node__path")
    )
    if not rows:
        _refuse(_("No year-end result is fixed yet."))
    if Sheet.objects.filter(scheme=scheme, locked=False).exists():
        _refuse(_("Some organisations have no year-end result yet: fix them all before the 公示."))
    problems = quota_problems(scheme, {})
    if problems:
        raise ValidationError(problems)
    combined = dict(
        Snapshot.objects.filter(sheet__in=rows, kind=SnapshotKind.YEAR_END, superseded=False).values_list(
            "sheet_id", "combined"
        )
    )
    groups: dict[str, list] = {}  # ranks and grades are within a peer group: one table each, in rank order
    for sheet in rows:
        groups.setdefault(sheet.peer_group, []).append((sheet, combined.get(sheet.pk)))
    content = render_to_string(
        "assessment/results_notice.html",
        {
            "scheme": scheme,
            "groups": [(group[0][0].peer_group_label, group) for group in groups.values()],
            "stars": any(sheet.star for sheet in rows),
        },
    )
    category = NoticeCategory.objects.filter(code=RESULTS_CATEGORY).first()
    notice = notice_draft(
        actor=actor,
        node=scheme.assessing_node,
        category=category,
        title=_("Results of the %(year)s assessment: %(name)s") % {"year": scheme.year, "name": scheme.name},
        content=content,
        opens_on=today,
        scope="organisation",
    )
    scheme.result_notice = notice
    scheme.save(update_fields=["result_notice"])
    audit_record(
        actor=_user(actor),
        action="assessment.results_published",
        target=scheme,
        node=scheme.assessing_node,
        note=str(notice.pk),
    )
    return notice
