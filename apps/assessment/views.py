"""The assessment on the portal: the landing page (my sheets and results for a branch, schemes and the review queue
for the assessing staff, published results for members), a scheme with its tree and actions, the progress across
organisations with the comparison by category (an SVG chart and its table) and its Excel export, the review queue,
and a sheet with every column side by side."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE
from apps.organisations.permissions import covers, has_any_scope
from apps.people.selectors import person_for_user
from apps.reports import charts
from apps.spreadsheets.export import xlsx_response

from . import components, scoring, sources
from .choices import CheckMethod, EventKind, Mode, SchemeStatus, SheetStatus, SnapshotKind
from .forms import AssignForm, CopyForm, EvidenceForm, FeedbackForm, ReasonForm, column_from_post
from .models import Scheme, Snapshot
from .selectors import (
    STEP,
    assessable_nodes,
    assesses,
    assessing_nodes_for,
    my_sheets,
    progress,
    published_results_for,
    results_final,
    review_queue,
    scheme_get_for,
    scheme_sheet,
    schemes_for,
    sheet_facts,
    sheet_get_for,
    year_end_snapshot,
)
from .services import (
    covers_only_below,
    evidence_add,
    grades_fix,
    half_year_check,
    results_compute,
    results_publish,
    scheme_copy,
    scheme_problems,
    scheme_publish,
    scheme_revise,
    sheet_accept,
    sheet_reopen,
    sheet_return,
    sheet_review_save,
    sheet_save_self,
    sheet_submit,
    sheets_assign,
    submission_problems,
)

CHECKED = (EventKind.HALF_YEAR, EventKind.RESULT, EventKind.REOPENED)  # the events that leave a snapshot
CHART_ROWS = 60


def _messages(exc) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]


def _confirmed(request, refusal: str) -> None:
    """A decision taken for many organisations at once asks for a ticked confirmation first: nothing is done
    without it."""
    if request.POST.get("confirm") != "1":
        raise ValidationError(refusal)


def _refused(request, exc) -> None:
    for message in _messages(exc):
        messages.error(request, message)


# --- the landing page ----------------------------------------------------------------------------------------------


@login_required
def home(request):
    me = person_for_user(request.user)
    staff_schemes = list(schemes_for(user=request.user).exclude(status=SchemeStatus.SUPERSEDED)[:50])
    mine = my_sheets(user=request.user)
    history = {
        s.sheet_id: s for s in Snapshot.objects.filter(sheet__in=mine, kind=SnapshotKind.YEAR_END, superseded=False)
    }
    context = {
        "results": published_results_for(user=request.user, person=me),
        "mine": [(s, history.get(s.pk)) for s in mine],
        "schemes": staff_schemes,
        "queue_count": len(review_queue(user=request.user)) if has_any_scope(request.user, MANAGE_PEOPLE) else 0,
        "officials": has_any_scope(request.user, MANAGE_PEOPLE),
        "sources": sources.all_sources() if staff_schemes else [],
    }
    return render(request, "assessment/home.html", context)


@login_required
def queue(request):
    # Whoever the menu shows it to (a view scope); the queue holds the sheets the user reviews (managing people
    # over the level reviewing them), so it may be empty.
    if not has_any_scope(request.user, VIEW_SCOPE):
        raise PermissionDenied
    return render(request, "assessment/queue.html", {"sheets": review_queue(user=request.user)})


# --- schemes -----------------------------------------------------------------------------------------------------


def _tree_rows(scheme: Scheme):
    """The indicators in tree order with their depth (one query, the parameters shown as the engine reads them)."""
    items = list(scheme.indicators.select_related("responsible_post"))
    by_parent: dict = {}
    for item in items:
        by_parent.setdefault(item.parent_id, []).append(item)
    rows = []

    def walk(parent, depth):
        for item in sorted(by_parent.get(parent, []), key=lambda i: (i.order, i.pk)):
            rows.append((item, depth))
            walk(item.pk, depth + 1)

    walk(None, 0)
    return rows, items


def _rule_sentence(mode: str, params: dict) -> str:
    """A scoring mode's parameters as a sentence staff can read (never the stored JSON)."""
    p = params or {}
    if mode == Mode.DEDUCT:
        return _("%(points)s points deducted per event (the same case counts once), down to 0.") % {
            "points": p.get("points", "—")
        }
    if mode == Mode.BONUS:
        if p.get("cap") is not None:
            return _("%(points)s points per event, at most %(cap)s.") % {
                "points": p.get("points", "—"),
                "cap": p["cap"],
            }
        return _("%(points)s points per event.") % {"points": p.get("points", "—")}
    if mode == Mode.GRADED:
        table = p.get("grades") or {}
        return "; ".join(_("%(grade)s: %(points)s points") % {"grade": g, "points": n} for g, n in table.items())
    if mode == Mode.VETO:
        return _("When it applies, the grade is at most %(grade)s.") % {"grade": p.get("caps_grade_at", "—")}
    if mode == Mode.MULTIPLIER:
        return _("The deduction found elsewhere × %(factor)s, down to 0.") % {"factor": p.get("factor", "—")}
    return ""


def scoring_text(item) -> dict:
    """What the scheme page says of an indicator's scoring: its mode, its source by name and definition, the rule."""
    if not item.mode:
        return {}
    params = dict(item.params or {})
    if item.mode == Mode.DATA:
        source = sources.get(item.source)
        scored_as = params.get("mode", "")
        return {
            "source": source.label if source else _("an indicator source that is not installed"),
            "definition": source.definition if source else "",
            "rule": _rule_sentence(scored_as, params),
        }
    return {"rule": _rule_sentence(item.mode, params)}


def _part_label(part: str) -> str:
    component = components.get(part)
    return str(component.label) if component else part


@login_required
def scheme(request, pk):
    obj = scheme_get_for(user=request.user, pk=pk)
    rows, _items = _tree_rows(obj)
    context = {
        "scheme": obj,
        "is_assessor": assesses(request.user, obj),
        "rows": [(item, depth, scoring_text(item)) for item, depth in rows],
        "weights": [(w, _part_label(w.part)) for w in obj.weights.all()],
        "bands": list(obj.band_set.bands.all()),
        "problems": scheme_problems(obj) if obj.status == SchemeStatus.DRAFT else [],
        "copy_form": CopyForm(
            nodes=assessing_nodes_for(user=request.user),
            initial={"year": obj.year + 1, "assessing_node": obj.assessing_node_id},
        ),
        "assign_form": AssignForm(nodes=assessable_nodes(obj).order_by("path"))
        if obj.status == SchemeStatus.PUBLISHED
        else None,
        "reason_form": ReasonForm(),
        "sheet_count": obj.sheets.count(),
        "draft_version": Scheme.objects.filter(previous=obj, status=SchemeStatus.DRAFT).first(),
        "final": results_final(obj),
    }
    return render(request, "assessment/scheme.html", context)


@login_required
@require_POST
def scheme_action(request, pk, action):
    obj = scheme_get_for(user=request.user, pk=pk)
    now = timezone.now()
    target = redirect("assessment:scheme", obj.pk)
    try:
        if action == "publish":
            scheme_publish(actor=request.user, scheme=obj, now=now)
            messages.success(request, _("Published: the indicators are frozen."))
        elif action == "revise":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give the reason for the new version."))
            version = scheme_revise(actor=request.user, scheme=obj, reason=form.cleaned_data["reason"])
            messages.success(request, _("A new version was drafted: edit it, then publish it."))
            target = redirect("assessment:scheme", version.pk)
        elif action == "copy":
            form = CopyForm(request.POST, nodes=assessing_nodes_for(user=request.user))
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            copy = scheme_copy(
                actor=request.user,
                source=obj,
                year=form.cleaned_data["year"],
                assessing_node=form.cleaned_data["assessing_node"],
            )
            messages.success(request, _("Copied as a draft: edit its indicators, then publish it."))
            target = redirect("assessment:scheme", copy.pk)
        elif action == "assign":
            form = AssignForm(request.POST, nodes=assessable_nodes(obj))
            if not form.is_valid():
                raise ValidationError(_("Choose the organisations assessed."))
            count = sheets_assign(actor=request.user, scheme=obj, nodes=form.cleaned_data["nodes"], now=now)
            messages.success(request, _("%(count)s sheets assigned.") % {"count": count})
        elif action == "results":
            _confirmed(request, _("Tick the box to confirm the year-end results: the sheets are then locked."))
            outcome = results_compute(actor=request.user, scheme=obj, now=now)
            messages.success(request, _("%(count)s year-end results fixed and locked.") % {"count": outcome["fixed"]})
            for name, why in outcome["waiting"]:
                messages.warning(request, f"{name}: {why}")
            target = redirect("assessment:progress", obj.pk)
        elif action == "grades":
            _confirmed(request, _("Tick the box to confirm the grades."))
            grades = {
                int(key[6:]): value
                for key, value in request.POST.items()
                if key.startswith("grade_") and key[6:].isdigit() and value
            }
            grades_fix(actor=request.user, scheme=obj, grades=grades, now=now)
            messages.success(request, _("Grades fixed."))
            target = redirect("assessment:progress", obj.pk)
        elif action == "disclose":
            notice = results_publish(actor=request.user, scheme=obj, today=timezone.localdate(now))
            messages.success(
                request,
                _("The 公示 of the results was drafted (%(title)s): others check and approve it, then it is published.")
                % {"title": notice.title},
            )
            target = redirect("assessment:progress", obj.pk)
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
        if action in ("results", "grades", "disclose"):
            target = redirect("assessment:progress", obj.pk)
    return target


# --- progress, comparison and export -------------------------------------------------------------------------------


def _chart(codes, rows, categories) -> str:
    """A stacked horizontal bar per organisation (points per category), on the scale of the full marks; the same
    numbers are in the table beside it."""
    lines = [(sheet.node.name, list(values)) for sheet, values in rows[:CHART_ROWS]]
    maximum = sum((c.max_points or 0) for c in categories) or 100
    return charts.stacked(_("Points per category and organisation"), lines, list(codes), maximum=maximum).svg


@login_required
def progress_view(request, pk):
    obj = scheme_get_for(user=request.user, pk=pk)
    report = progress(scheme=obj)
    rows, categories = report.comparison, report.categories
    codes = [f"{c.code} {c.title}" for c in categories]  # the categories by their names, as the scheme reads
    grades = [b.grade for b in obj.band_set.bands.all()]
    context = {
        "scheme": obj,
        "report": report,
        "rows": [(s, report.totals.get(s.pk)) for s in report.rows],
        "states": [(value, label, report.counts.get(value, 0)) for value, label in SheetStatus.choices],
        "codes": codes,
        "comparison": rows,
        "chart": mark_safe(_chart(codes, rows, categories)) if rows else "",  # every text escaped in _chart
        "chart_cut": len(rows) > CHART_ROWS,
        "grades": grades,
        "is_assessor": assesses(request.user, obj),
        "locked_any": any(s.locked for s in report.rows),
        "final": results_final(obj),
    }
    return render(request, "assessment/progress.html", context)


@login_required
def export(request, pk):
    obj = scheme_get_for(user=request.user, pk=pk)
    report = progress(scheme=obj)
    rows = report.comparison
    codes = [f"{c.code} {c.title}" for c in report.categories]
    by_sheet = {s.pk: values for s, values in rows}
    header = [
        _("Organisation"),
        _("Peer group"),
        _("Status"),
        *codes,
        _("Result as last saved"),
        _("Grade"),
        _("Rank"),
        _("Star band"),
    ]
    data = []
    for sheet in report.rows:
        total = report.totals.get(sheet.pk)
        values = by_sheet.get(sheet.pk, [None] * len(codes))
        data.append(
            [
                sheet.node.name,
                sheet.peer_group_label,
                sheet.get_status_display(),
                *[float(v) if v is not None else None for v in values],
                float(total) if total is not None else None,
                sheet.grade,
                sheet.rank,
                sheet.star,
            ]
        )
    return xlsx_response(filename=f"assessment-{obj.year}-{obj.pk}.xlsx", title=str(obj.year), header=header, rows=data)


# --- the sheet -----------------------------------------------------------------------------------------------------


def _sheet_context(request, sheet):
    today = timezone.localdate()
    obj = sheet.scheme
    rows, items = _tree_rows(obj)
    bands = list(obj.band_set.bands.all())
    sheet_def = scheme_sheet(obj, items, bands)
    titles = {item.code: item.title for item in items}
    snapshot = year_end_snapshot(sheet) if sheet.locked else None
    data = sheet_facts(sheet, as_of=today, snapshot=snapshot, leaves=items, cached=True)
    present = {code: f for code, f in data.items() if f is not None}
    columns = sorted(sheet.columns.select_related("reviewer_node"), key=lambda c: c.level)
    level_count = (len(sheet.node.path) - len(obj.assessing_node.path)) // STEP  # 一级考核一级: the levels above
    scored = [(c, scoring.score(sheet_def, {**c.facts, **present})) for c in columns]
    evidence = list(sheet.evidence.select_related("document"))
    is_reviewer = (
        sheet.status == SheetStatus.SUBMITTED
        and 1 <= sheet.level <= level_count
        and covers(request.user, MANAGE_PEOPLE, sheet.node.path[: len(sheet.node.path) - STEP * sheet.level])
        and not covers_only_below(request.user, sheet.node)
    )
    can_fill = sheet.status in (SheetStatus.NOT_STARTED, SheetStatus.DRAFT, SheetStatus.RETURNED) and covers(
        request.user, MANAGE_PEOPLE, sheet.node.path
    )
    editing = None
    if can_fill:
        editing = next((c for c in columns if c.level == 0), None)
    elif is_reviewer:
        editing = next((c for c in columns if c.level == sheet.level), None) or next(
            (c for c in reversed(columns) if c.level < sheet.level), None
        )
    events = list(sheet.events.all())
    leaves = {leaf.code: leaf for leaf in sheet_def.leaves()}  # once, not per row
    lines = []
    for item, depth in rows:
        leaf = leaves.get(item.code) if item.mode else None
        cells = [
            (c, r.indicators.get(item.code), (c.notes or {}).get(item.code, ""), _entered(c.facts.get(item.code)))
            for c, r in scored
        ]
        if item.mode == Mode.VETO:
            cells = [
                (c, _("triggered") if item.code in r.capped_by else "—", (c.notes or {}).get(item.code, ""), "")
                for c, r in scored
            ]
        value = ""
        if editing is not None and item.mode and item.mode != Mode.DATA:
            value = _form_value(leaf, editing.facts.get(item.code))
        lines.append(
            {
                "item": item,
                "depth": depth,
                "leaf": leaf,
                "data": data.get(item.code, "absent") if item.mode == Mode.DATA else "absent",
                "cells": cells,
                "evidence": [e for e in evidence if e.code == item.code],
                "value": value,
                "note": (editing.notes or {}).get(item.code, "") if editing else "",
                "grades": list((leaf.params.get("grades") or {}).keys())
                if leaf and leaf.scoring_mode == Mode.GRADED
                else [],
                "source": sources.get(item.source) if item.mode == Mode.DATA else None,
            }
        )
    return {
        "sheet": sheet,
        "scheme": obj,
        "lines": lines,
        "columns": scored,
        "level_count": level_count,
        "column_names": [_column_name(c) for c, _r in scored],
        "can_fill": can_fill,
        "is_reviewer": is_reviewer,
        "is_assessor": assesses(request.user, obj),
        "problems": submission_problems(
            sheet, as_of=today, data=data, indicators=items, evidence_codes=[e.code for e in evidence]
        )
        if can_fill
        else [],
        "evidence_form": EvidenceForm(
            codes=[
                (leaf.code, f"{leaf.code} {titles.get(leaf.code, '')}".strip())
                for leaf in sheet_def.leaves()
                if leaf.mode != Mode.VETO
            ]
        )
        if can_fill
        else None,
        "reason_form": ReasonForm(),
        "feedback_form": FeedbackForm(),
        # a half-year check shows once, as its snapshot (its points and the feedback)
        "events": [e for e in events if e.kind != EventKind.HALF_YEAR],
        "snapshots": list(sheet.snapshots.all()) if any(e.kind in CHECKED for e in events) else [],
        "snapshot": snapshot,
        "check_methods": dict(CheckMethod.choices),
    }


def _column_name(column) -> str:
    if column.level == 0:
        return _("Self-assessment")
    return _("Review: %(node)s") % {"node": column.reviewer_node.name}


def _entered(facts) -> str:
    if not facts:
        return ""
    if "events" in facts:
        return "; ".join(str(e.get("key", "")) for e in facts["events"])
    if "grade" in facts:
        return str(facts["grade"])
    if "deducted" in facts:
        return _("deducted %(n)s") % {"n": facts["deducted"]}
    return ""


def _form_value(leaf, facts) -> str:
    if not facts or leaf is None:
        return ""
    if "events" in facts:
        return "\n".join(str(e.get("key", "")) for e in facts["events"])
    if "grade" in facts:
        return str(facts["grade"])
    if "deducted" in facts:
        return str(facts["deducted"])
    if facts.get("triggered"):
        return "on"
    return ""


@login_required
def sheet_view(request, pk):
    sheet = sheet_get_for(user=request.user, pk=pk)
    return render(request, "assessment/sheet.html", _sheet_context(request, sheet))


@login_required
@require_POST
def sheet_action(request, pk, action):
    sheet = sheet_get_for(user=request.user, pk=pk)
    now = timezone.now()
    user = request.user
    try:
        if action in ("save", "submit", "review_save"):
            facts, notes = column_from_post(scheme_sheet(sheet.scheme), request.POST)
            if action == "review_save":
                sheet_review_save(actor=user, sheet=sheet, facts=facts, notes=notes, now=now)
                messages.success(request, _("Your column was saved."))
            else:
                sheet_save_self(actor=user, sheet=sheet, facts=facts, notes=notes, now=now)
                if action == "submit":
                    sheet_submit(actor=user, sheet=sheet, now=now)
                    messages.success(request, _("Submitted for review."))
                else:
                    messages.success(request, _("Draft saved."))
        elif action == "evidence":
            form = EvidenceForm(
                request.POST, request.FILES, codes=[leaf.code for leaf in scheme_sheet(sheet.scheme).leaves()]
            )
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            evidence_add(
                actor=user,
                sheet=sheet,
                code=form.cleaned_data["code"],
                uploaded=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                now=now,
            )
            messages.success(request, _("Evidence added."))
        elif action in ("return", "half_year", "reopen"):
            form = ReasonForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            if action == "return":
                sheet_return(actor=user, sheet=sheet, reason=reason, now=now)
                messages.success(request, _("Returned to the organisation with the reason."))
            elif action == "half_year":
                half_year_check(actor=user, sheet=sheet, feedback=reason, now=now)
                messages.success(request, _("Half-year check recorded."))
            else:
                sheet_reopen(actor=user, sheet=sheet, reason=reason, now=now)
                messages.success(request, _("The result was reopened."))
        elif action == "accept":
            sheet_accept(actor=user, sheet=sheet, now=now)
            messages.success(request, _("Accepted."))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    return redirect("assessment:sheet", sheet.pk)
