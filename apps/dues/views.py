"""Party dues on the portal: my dues and my declaration; the branch's month of collection, ledger and arrears; a
member's ledger with payments, corrections, bases and exemptions; the committee's collection by organisation and
month, remittances and uses; imports and the two reports (the ledger and the collection summary)."""

from __future__ import annotations

import datetime
from html import escape
from io import BytesIO

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.organisations.choices import APPROVE, MANAGE_PEOPLE, VIEW_SCOPE, VIEW_SENSITIVE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers, has_any_scope, restrict
from apps.people.models import Person
from apps.people.selectors import can_see_sensitive, person_for_user
from apps.spreadsheets.export import xlsx_response

from .arrears import add_months, latest_closed, month_of, months_between
from .choices import BaseState, LineKind
from .forms import (
    BaseForm,
    CorrectForm,
    DecisionForm,
    DisclosureForm,
    ImportForm,
    LineCorrectForm,
    NodeMonthForm,
    NodeYearForm,
    PayForm,
    ReliefForm,
    RemittanceForm,
    ReturnForm,
    UseForm,
)
from .models import DuesBase, DuesUse, Payment, Relief, Remittance
from .selectors import (
    arrears_for,
    arrears_on,
    bases_of,
    branch_ledger,
    collection_table,
    current_base,
    month_rows,
    month_totals,
    paid_up_to,
    person_months,
    policy_on,
    reliefs_of,
    remittances_for,
    uses_for,
    waiting_base,
    waiting_bases,
    waiting_reliefs,
)
from .services import (
    base_confirm,
    base_declare,
    base_return,
    dues_disclosure_draft,
    dues_pay,
    dues_use_correct,
    dues_use_record,
    month_open,
    payment_correct,
    relief_decide,
    relief_propose,
    remittance_correct,
    remittance_record,
)

ROWS_PAGE = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLLECTING = (NodeKind.COMMITTEE, NodeKind.GENERAL_BRANCH, NodeKind.BRANCH, NodeKind.GROUP)


def _messages(exc) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]


def _form_errors(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


def _nodes(user, perm=VIEW_SCOPE):
    return restrict(OrgNode.objects.filter(kind__in=COLLECTING), user=user, perm=perm, path_field="path").order_by(
        "path"
    )


def _require_scope(user, perm=VIEW_SCOPE) -> None:
    if not has_any_scope(user, perm):
        raise PermissionDenied


def _xlsx(name: str, sheet_title: str, header: list, rows) -> HttpResponse:
    """Through the one export helper (every text cell escaped against formulas); amounts as numbers."""
    rows = ([float(v) if hasattr(v, "as_tuple") else v for v in row] for row in rows)
    return xlsx_response(filename=name, title=sheet_title[:31], header=header, rows=rows)


# --- the member ------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def mine(request):
    """My dues: the base, the months (due, paid, history), arrears; declare my base."""
    me = person_for_user(request.user)
    today = timezone.localdate()
    member = me is not None and me.is_member and me.is_active
    form = None
    status = 200
    if member:
        initial = {
            "applies_from": datetime.date(today.year, 1, 1)
            if current_base(me, today=today) is None
            else month_of(today)
        }
        form = BaseForm(request.POST or None, initial=initial)
        if request.method == "POST":
            if form.is_valid():
                try:
                    base_declare(actor=request.user, person=me, today=today, **form.cleaned_data)
                except (ValidationError, PermissionDenied) as exc:
                    for message in _messages(exc):
                        form.add_error(None, message)
                else:
                    messages.success(request, _("Declared. Your branch confirms it."))
                    return redirect("dues:mine")
            status = 422
    elif request.method == "POST":
        raise PermissionDenied
    policy = policy_on(today)
    context = {"me": me, "member": member, "form": form, "today": today, "policy": policy}
    if member:
        found = arrears_on(today, grace=policy.grace_months, people=[me.pk]) if policy else {}
        context.update(
            months=person_months(me, today=today, grace=policy.grace_months if policy else None)[:36],
            base=current_base(me, today=today),
            waiting=waiting_base(me),
            returned=DuesBase.objects.filter(person=me, state=BaseState.RETURNED).order_by("-decided_on").first(),
            arrears=found.get(me.pk),
            paid_up_to=paid_up_to(me),
        )
    return render(request, "dues/mine.html", context, status=status)


# --- the branch: the month, the ledger, arrears ------------------------------------------------------------------


def _node_month(request):
    nodes = _nodes(request.user)
    form = NodeMonthForm(request.GET or None, nodes=nodes)
    node = month = None
    if form.is_valid():
        node, month = form.cleaned_data.get("node"), form.cleaned_data.get("month")
    today = timezone.localdate()
    node = node or nodes.filter(kind=NodeKind.BRANCH).first() or nodes.first()
    return form, node, month or month_of(today), today


def collection(request):
    """The month's collection of an organisation: who owes what, who paid, declarations to confirm."""
    _require_scope(request.user)
    form, node, month, today = _node_month(request)
    rows = list(month_rows(node=node, month=month)) if node else []
    page = Paginator(rows, ROWS_PAGE).get_page(request.GET.get("page"))
    manages = node is not None and covers(request.user, MANAGE_PEOPLE, node.path)
    policy = policy_on(month)
    context = {
        "form": form,
        "node": node,
        "month": month,
        "today": today,
        "page": page,
        "totals": month_totals(rows),
        "manages": manages,
        "sensitive": node is not None and covers(request.user, VIEW_SENSITIVE, node.path),
        "waiting": list(waiting_bases(user=request.user, node=node)) if node else [],
        "can_open": manages and month <= month_of(today),
        "policy": policy,
        "previous": add_months(month, -1),
        "next": add_months(month, 1) if month < month_of(today) else None,
        "return_form": ReturnForm(),
    }
    return render(request, "dues/collection.html", context)


@require_POST
def month_open_view(request):
    _require_scope(request.user, MANAGE_PEOPLE)
    form = NodeMonthForm(request.POST, nodes=_nodes(request.user, MANAGE_PEOPLE))
    if not form.is_valid() or not form.cleaned_data.get("node") or not form.cleaned_data.get("month"):
        _form_errors(request, form)
        messages.error(request, _("Choose the organisation and the month."))
        return redirect("dues:collection")
    node, month = form.cleaned_data["node"], form.cleaned_data["month"]
    try:
        created = month_open(actor=request.user, node=node, month=month, today=timezone.localdate())
    except (ValidationError, PermissionDenied) as exc:
        for message in _messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)s members added to the month.") % {"n": created})
    return redirect(f"{reverse('dues:collection')}?node={node.pk}&month={month:%Y-%m}")


def _node_year(request):
    nodes = _nodes(request.user)
    form = NodeYearForm(request.GET or None, nodes=nodes)
    node = year = None
    if form.is_valid():
        node, year = form.cleaned_data.get("node"), form.cleaned_data.get("year")
    today = timezone.localdate()
    node = node or nodes.filter(kind=NodeKind.BRANCH).first() or nodes.first()
    return form, node, year or today.year, today


def ledger(request):
    """The ledger of an organisation for a year: its members, each month paid, due or exempt."""
    _require_scope(request.user)
    form, node, year, today = _node_year(request)
    months, lines = branch_ledger(node=node, year=year, today=today) if node else ([], [])
    for line in lines:  # 300 members × 12 months: the cells are joined here, not looped over in the template
        line.cells_html = mark_safe("".join(f'<td class="{escape(c)}">{escape(t)}</td>' for c, t in line.cells))
    context = {"form": form, "node": node, "year": year, "months": months, "lines": lines, "today": today}
    return render(request, "dues/ledger.html", context)


def ledger_export(request):
    """The dues ledger (report): one line per member and month of the year."""
    _require_scope(request.user)
    _form, node, year, today = _node_year(request)
    if node is None:
        raise Http404
    months, lines = branch_ledger(node=node, year=year, today=today)
    header = [_("Member"), *[f"{m:%Y-%m}" for m in months], _("Due (yuan)"), _("Paid (yuan)")]
    rows = ([line.person.name, *[text for _css, text in line.cells], line.due, line.paid] for line in lines)
    return _xlsx(f"dues-ledger-{year}.xlsx", str(_("Dues ledger")), header, rows)


def arrears(request):
    """Members with unpaid months whose deadline has passed; the run of each, and the flag of art. 9."""
    _require_scope(request.user)
    today = timezone.localdate()
    lines, policy = arrears_for(user=request.user, today=today)
    context = {
        "lines": lines,
        "policy": policy,
        "today": today,
        "last_closed": latest_closed(today, policy.grace_months) if policy else None,
    }
    return render(request, "dues/arrears.html", context)


# --- a member's ledger -------------------------------------------------------------------------------------------


def _person_for(request, pk: int, perm: str = VIEW_SCOPE) -> Person:
    """A person of the user's subtrees, or the user themselves."""
    people = restrict(
        Person.objects.select_related("node"),
        user=request.user,
        perm=perm,
        path_field="node__path",
        own=Q(user_id=request.user.pk) if perm == VIEW_SCOPE else None,
    )
    person = people.filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def person(request, pk: int):
    person = _person_for(request, pk)
    today = timezone.localdate()
    manages = covers(request.user, MANAGE_PEOPLE, person.node.path)
    policy = policy_on(today)
    found = arrears_on(today, grace=policy.grace_months, people=[person.pk]) if policy else {}
    context = {
        "person": person,
        "today": today,
        "months": person_months(person, today=today, grace=policy.grace_months if policy else None),
        "bases": bases_of(person),
        "reliefs": reliefs_of(person),
        "sensitive": can_see_sensitive(user=request.user, person=person),
        "manages": manages,
        "approves": covers(request.user, APPROVE, person.node.path),
        "arrears": found.get(person.pk),
        "policy": policy,
        "paid_up_to": paid_up_to(person),
        "pay_form": PayForm(initial={"first_month": month_of(today), "paid_on": today}) if manages else None,
        "base_form": BaseForm(initial={"applies_from": month_of(today)}) if manages else None,
        "relief_form": ReliefForm() if manages else None,
        "decision_form": DecisionForm(),
    }
    return render(request, "dues/person.html", context)


@require_POST
def person_action(request, pk: int, action: str):
    """Pay, correct, enter a base, propose an exemption — by the member's branch."""
    person = _person_for(request, pk, perm=MANAGE_PEOPLE)
    forms = {"pay": PayForm, "correct": CorrectForm, "base": BaseForm, "relief": ReliefForm}
    if action not in forms:
        raise Http404
    form = forms[action](request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("dues:person", pk=pk)
    data, now = form.cleaned_data, timezone.now()
    today = timezone.localdate(now)
    try:
        if action == "pay":
            months = months_between(data["first_month"], data["last_month"])
            dues_pay(
                actor=request.user,
                person=person,
                months=months,
                paid_on=data["paid_on"],
                method=data["method"],
                receipt=data.get("receipt") or "",
                amount=data.get("amount"),
                now=now,
            )
        elif action == "correct":
            payment = Payment.objects.filter(pk=data["payment"], month__person=person, kind=LineKind.ENTRY).first()
            if payment is None:
                raise Http404
            payment_correct(
                actor=request.user,
                payment=payment,
                amount=data["amount"],
                reason=data["reason"],
                receipt=data.get("receipt") or "",
                now=now,
            )
        elif action == "base":
            base_declare(actor=request.user, person=person, today=today, source="branch", **data)
        else:
            relief_propose(actor=request.user, person=person, today=today, **data)
    except (ValidationError, PermissionDenied) as exc:
        for message in _messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Recorded."))
    return redirect("dues:person", pk=pk)


@require_POST
def base_decide(request, pk: int, move: str):
    """The branch confirms a declaration, or returns it with the reason."""
    base = (
        restrict(
            DuesBase.objects.select_related("person__node"),
            user=request.user,
            perm=MANAGE_PEOPLE,
            path_field="person__node__path",
        )
        .filter(pk=pk)
        .first()
    )
    if base is None or move not in ("confirm", "return"):
        raise Http404
    today = timezone.localdate()
    try:
        if move == "confirm":
            base_confirm(actor=request.user, base=base, today=today)
        else:
            base_return(actor=request.user, base=base, reason=request.POST.get("reason", ""), today=today)
    except (ValidationError, PermissionDenied) as exc:
        for message in _messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Recorded."))
    back = request.POST.get("next", "")
    if back.startswith("/dues/") and "\n" not in back and "\r" not in back:
        return redirect(back)
    return redirect("dues:person", pk=base.person_id)


@require_POST
def relief_decide_view(request, pk: int, move: str):
    """The committee above approves or refuses an exemption or reduction."""
    relief = (
        restrict(
            Relief.objects.select_related("person__node"),
            user=request.user,
            perm=VIEW_SCOPE,
            path_field="person__node__path",
        )
        .filter(pk=pk)
        .first()
    )
    if relief is None or move not in ("approve", "refuse"):
        raise Http404
    try:
        relief_decide(
            actor=request.user,
            relief=relief,
            approve=move == "approve",
            decision=request.POST.get("decision", ""),
            today=timezone.localdate(),
        )
    except (ValidationError, PermissionDenied) as exc:
        for message in _messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Recorded."))
    return redirect("dues:person", pk=relief.person_id)


# --- the committee ------------------------------------------------------------------------------------------------


def _year(request, today) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year else today.year


def committee(request):
    """Collection by organisation and month, remittances, uses; the yearly disclosure draft."""
    _require_scope(request.user)
    today = timezone.localdate()
    year = _year(request, today)
    months, table = collection_table(user=request.user, year=year)
    manage_nodes = _nodes(request.user, MANAGE_PEOPLE).exclude(kind=NodeKind.GROUP)
    approve_nodes = _nodes(request.user, APPROVE).exclude(kind=NodeKind.GROUP)
    context = {
        "year": year,
        "years": list(range(today.year, max(2000, today.year - 5) - 1, -1)),
        "months": months,
        "table": table,
        "remittances": list(remittances_for(user=request.user, year=year)),
        "uses": list(uses_for(user=request.user, year=year)),
        "reliefs": list(waiting_reliefs(user=request.user)),
        "remittance_form": RemittanceForm(
            nodes=manage_nodes, initial={"month": add_months(month_of(today), -1), "remitted_on": today}
        )
        if manage_nodes
        else None,
        "use_form": UseForm(nodes=approve_nodes, initial={"spent_on": today}) if approve_nodes else None,
        "disclosure_form": DisclosureForm(nodes=manage_nodes, initial={"year": year}) if manage_nodes else None,
        "correct_form": LineCorrectForm(),
        "can_manage": bool(manage_nodes),
        "can_approve": bool(approve_nodes),
        "today": today,
    }
    return render(request, "dues/committee.html", context)


@require_POST
def committee_action(request, action: str):
    """Record a remittance or a use, correct one, or draft the yearly disclosure."""
    actions = {
        "remit": (RemittanceForm, MANAGE_PEOPLE),
        "remit_correct": (LineCorrectForm, MANAGE_PEOPLE),
        "use": (UseForm, APPROVE),
        "use_correct": (LineCorrectForm, APPROVE),
        "disclose": (DisclosureForm, MANAGE_PEOPLE),
    }
    if action not in actions:
        raise Http404
    form_class, perm = actions[action]
    _require_scope(request.user, perm)
    kwargs = {} if form_class is LineCorrectForm else {"nodes": _nodes(request.user, perm)}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("dues:committee")
    data, now = form.cleaned_data, timezone.now()
    try:
        if action == "remit":
            remittance_record(actor=request.user, now=now, **data)
        elif action == "use":
            dues_use_record(actor=request.user, now=now, **data)
        elif action == "remit_correct":
            line = restrict(Remittance.objects.all(), user=request.user, perm=VIEW_SCOPE, path_field="node__path")
            line = line.filter(pk=data["line"], kind=LineKind.ENTRY).first()
            if line is None:
                raise Http404
            remittance_correct(
                actor=request.user, remittance=line, amount=data["amount"], reason=data["reason"], now=now
            )
        elif action == "use_correct":
            line = restrict(DuesUse.objects.all(), user=request.user, perm=VIEW_SCOPE, path_field="node__path")
            line = line.filter(pk=data["line"], kind=LineKind.ENTRY).first()
            if line is None:
                raise Http404
            dues_use_correct(actor=request.user, use=line, amount=data["amount"], reason=data["reason"], now=now)
        else:
            notice = dues_disclosure_draft(actor=request.user, node=data["node"], year=data["year"], now=now)
            messages.success(request, _("Drafted: others check and approve it before it is published."))
            if request.user.is_staff:  # the disclosure queues (check, approve, publish) are in the admin
                return redirect("admin:disclosure_notice_change", notice.pk)
            return redirect("dues:committee")
    except (ValidationError, PermissionDenied) as exc:
        for message in _messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Recorded."))
    return redirect(f"{reverse('dues:committee')}?year={_year(request, timezone.localdate())}")


def summary_export(request):
    """The collection summary (report): paid and due per organisation and month of a year."""
    _require_scope(request.user)
    today = timezone.localdate()
    year = _year(request, today)
    months, table = collection_table(user=request.user, year=year)
    header = [_("Organisation"), *[f"{m:%Y-%m}" for m in months], _("Due (yuan)"), _("Paid (yuan)")]
    rows = (
        [line["name"], *[f"{c[0]}/{c[1]}" if c else "" for c in line["cells"]], line["due"], line["paid"]]
        for line in table
    )
    return _xlsx(f"dues-summary-{year}.xlsx", str(_("Collection summary")), header, rows)


# --- imports --------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_view(request):
    """Upload → dry run with each row's errors → import all rows or none (through the guarded services)."""
    import secrets

    from django.core.cache import cache

    from .importer import collection_commit, collection_parse, payroll_commit, payroll_parse

    _require_scope(request.user, MANAGE_PEOPLE)
    today = timezone.localdate()
    form = ImportForm(request.POST or None, request.FILES or None)
    rows, token, error, kind, applies_from = None, "", "", "", None
    if request.method == "POST":
        try:
            if request.POST.get("token"):
                key = f"dues-import:{request.user.pk}:{request.POST['token']}"
                stored = cache.get(key)
                if stored is None:
                    raise ValidationError(_("The preview has expired; upload the file again."))
                kind, content, applies_from = stored
                now = timezone.now()
                if kind == "payroll":
                    rows = payroll_parse(
                        user=request.user, uploaded=BytesIO(content), applies_from=applies_from, today=today
                    )
                    done = payroll_commit(actor=request.user, rows=rows, applies_from=applies_from, now=now)
                    messages.success(request, _("%(n)s bases imported and confirmed.") % {"n": done})
                else:
                    rows = collection_parse(user=request.user, uploaded=BytesIO(content), today=today)
                    done = collection_commit(actor=request.user, rows=rows, now=now)
                    messages.success(request, _("%(n)s months paid.") % {"n": done})
                cache.delete(key)
                return redirect("dues:import")
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            upload = form.cleaned_data["file"]
            if not upload.name.lower().endswith(".xlsx"):
                raise ValidationError(_("Choose an Excel workbook (.xlsx)."))
            if upload.size > 5 * 1024 * 1024:
                raise ValidationError(_("The file is larger than 5 MB."))
            kind = form.cleaned_data["kind"]
            applies_from = form.cleaned_data.get("applies_from") or datetime.date(today.year, 1, 1)
            content = upload.read()
            if kind == "payroll":
                rows = payroll_parse(
                    user=request.user, uploaded=BytesIO(content), applies_from=applies_from, today=today
                )
            else:
                rows = collection_parse(user=request.user, uploaded=BytesIO(content), today=today)
            if rows and not any(r.errors for r in rows):
                token = secrets.token_urlsafe(16)
                cache.set(f"dues-import:{request.user.pk}:{token}", (kind, content, applies_from), timeout=30 * 60)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    context = {
        "form": form,
        "rows": rows,
        "token": token,
        "error": error,
        "kind": kind,
        "applies_from": applies_from,
        "error_count": sum(1 for r in rows or [] if r.errors),
    }
    return render(request, "dues/import.html", context, status=422 if error else 200)
