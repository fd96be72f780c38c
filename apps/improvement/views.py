"""Inspections, corrective actions and commitments on the portal. Views read the clock once and pass the day on;
every write is a service; a refusal is shown as a translated message and nothing is saved."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.assessment.models import Indicator, Scheme
from apps.disclosure.selectors import notice_draft_url
from apps.documents.official import DOCX_TYPE
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers, has_any_scope, restrict
from apps.people.choices import MEMBER_STATUSES
from apps.people.models import Person
from apps.people.selectors import person_for_user
from apps.spreadsheets.export import xlsx_response

from .choices import TRANSITIONS, ActionState, CommitmentState, FindingKind
from .forms import (
    ActionForm,
    CommitmentsForm,
    EvaluationForm,
    EvidenceForm,
    FindingForm,
    InspectionForm,
    NoteForm,
    OrgCommitmentForm,
    PlanForm,
    ReasonForm,
    TargetFindingForm,
    TargetForm,
)
from .models import Commitment
from .selectors import (
    action_counts,
    action_get_for,
    action_list_for,
    commitment_get_for,
    commitment_list_for,
    finding_get_for,
    finding_list_for,
    inspection_actions,
    inspection_get_for,
    inspection_list_for,
    target_get_for,
)
from .services import (
    action_create,
    action_move,
    action_note_add,
    action_plan_save,
    answers_for,
    commitment_evaluate,
    commitment_progress,
    commitment_vet,
    commitments_publish,
    commitments_submit,
    commitments_vet_many,
    corrections_notice_draft,
    finding_record,
    inspection_draw,
    inspection_plan,
    manages,
    may_move,
    organisation_commitment_add,
    policy_for,
    target_evidence_add,
    target_record,
)
from .word import action_plan_docx, responsibility_list_docx

PAGE_SIZE = 50
LIST_LIMIT = 100


def _flash(request, exc) -> None:
    for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
        messages.error(request, message)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


def _managed_nodes(user):
    return restrict(OrgNode.objects.filter(is_active=True), user=user, perm=MANAGE_PEOPLE, path_field="path")


def _commitment_nodes(user):
    """The organisations whose own commitments the user records: those they run, a Party group excepted."""
    return _managed_nodes(user).exclude(kind=NodeKind.GROUP).order_by("path")


def _people_under(node):
    """Who may own a corrective action of ``node``: the Party members on its roll (its groups' members included)."""
    return (
        Person.objects.filter(node__path__startswith=node.path, is_active=True, political_status__in=MEMBER_STATUSES)
        .select_related("node")
        .order_by("name", "id")
    )


def _post_holders(user):
    """The people holding a post in the user's organisations: who may answer for an organisation's commitment."""
    return restrict(
        Person.objects.filter(
            is_active=True, political_status__in=MEMBER_STATUSES, posts__ended_on__isnull=True
        ).distinct(),
        user=user,
        perm=MANAGE_PEOPLE,
        path_field="node__path",
    ).order_by("name")


def _visible_inspection(user, finding):
    """The inspection a finding came from, if the user may open it (a branch sees its findings, not always the
    committee's inspection plan)."""
    inspection = finding.target.inspection if finding.target_id else None
    return inspection if inspection is not None and covers(user, VIEW_SCOPE, inspection.node.path) else None


def _official(user) -> bool:
    return has_any_scope(user, MANAGE_PEOPLE)


# --- corrective actions ---------------------------------------------------------------------------------------------


def _action_rows(request, today):
    state = request.GET.get("state", "")
    overdue = request.GET.get("overdue") == "1"
    rows = action_list_for(user=request.user, state=state, overdue_on=today if overdue else None)
    return rows, state, overdue


@require_GET
def actions(request):
    """The corrective actions of the user's organisations (and their own), with the open, overdue and closed counts;
    a page at a time."""
    today = timezone.localdate()
    rows, state, overdue = _action_rows(request, today)
    page = Paginator(rows.order_by("due_on", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "today": today,
        "page": page,
        "counts": action_counts(action_list_for(user=request.user), today=today),
        "state": state,
        "overdue": overdue,
        "states": ActionState.choices,
        "official": _official(request.user),
        "query": request.GET.copy(),
    }
    return render(request, "improvement/actions.html", context)


@require_GET
def actions_export(request):
    today = timezone.localdate()
    rows, _state, _overdue = _action_rows(request, today)
    header = [_("Organisation"), _("Finding"), _("Corrective action"), _("Owner"), _("Due on"), _("State"),
              _("Overdue"), _("Closed on")]  # fmt: skip
    labels = dict(ActionState.choices)
    data = (
        (
            a.node.name,
            a.finding.description,
            a.title,
            a.owner.name,
            a.due_on,
            str(labels[a.state]),
            _("yes") if a.is_overdue(today) else "",
            a.closed_on or "",
        )  # fmt: skip
        for a in rows.order_by("node__path", "due_on", "pk").iterator(chunk_size=2000)
    )
    return xlsx_response(filename=f"corrective-actions-{today}.xlsx", title=_("Corrective actions"), header=header,
                         rows=data)  # fmt: skip


@require_GET
def action_detail(request, pk: int):
    today = timezone.localdate()
    action = action_get_for(user=request.user, pk=pk, request=request)
    moves = [move for (state, move) in TRANSITIONS if state == action.state and may_move(request.user, action, move)]
    is_owner = action.owner.user_id == request.user.pk
    context = {
        "action": action,
        "today": today,
        "overdue": action.is_overdue(today),
        "notes": action.notes.select_related("author"),
        "moves": moves,
        "manages": manages(request.user, action.node),
        # the owner who also runs the organisation's improvement writes the plan while it is drafted, no more
        "may_plan": manages(request.user, action.node) and not (is_owner and action.state != ActionState.DRAFT),
        "may_note": action.state != ActionState.CLOSED
        and (manages(request.user, action.node) or action.owner.user_id == request.user.pk),
        "plan_form": PlanForm(initial={"plan": action.plan, "due_on": action.due_on}, owner=is_owner),
        "note_form": NoteForm(),
        "reason_form": ReasonForm(),
        "inspection": _visible_inspection(request.user, action.finding),
    }
    return render(request, "improvement/action.html", context)


@require_POST
def action_post(request, pk: int, move: str):
    """A move of the transition table, a progress note or the plan."""
    action = action_get_for(user=request.user, pk=pk, request=request)
    now = timezone.now()
    try:
        if move == "note":
            form = NoteForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("A progress note needs some text."))
            action_note_add(actor=request.user, action=action, text=form.cleaned_data["text"], now=now)
        elif move == "plan":
            owner = action.owner.user_id == request.user.pk
            form = PlanForm(request.POST, initial={"due_on": action.due_on}, owner=owner)
            if not form.is_valid():
                _form_errors(request, form)
                return redirect("improvement:action", pk=action.pk)
            action_plan_save(
                actor=request.user, action=action, plan=form.cleaned_data["plan"], due_on=form.cleaned_data["due_on"]
            )
        elif move in ("open", "submit", "return", "close"):
            action_move(
                actor=request.user,
                action=action,
                move=move,
                today=timezone.localdate(now),
                reason=request.POST.get("reason", ""),
            )
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("improvement:action", pk=action.pk)


# --- findings -------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def findings(request):
    """The findings of the user's organisations; record one (officials)."""
    if not _official(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    refused = False
    form = FindingForm(request.POST or None, nodes=_managed_nodes(request.user), initial={"found_on": today})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                finding = finding_record(
                    actor=request.user,
                    node=data["node"],
                    description=data["description"],
                    found_on=data["found_on"],
                    kind=data["kind"],
                )
            except (ValidationError, PermissionDenied) as exc:
                _flash(request, exc)
                refused = True
            else:
                messages.success(request, _("Finding recorded."))
                return redirect("improvement:finding", pk=finding.pk)
        else:
            _form_errors(request, form)
    rows = finding_list_for(user=request.user)[:LIST_LIMIT]
    return render(request, "improvement/findings.html", {"form": form, "findings": rows, "official": True},
                  status=422 if form.errors or refused else 200)  # fmt: skip


@require_http_methods(["GET", "POST"])
def finding_detail(request, pk: int):
    """A finding, its corrective actions; a new action on a non-conformity."""
    finding = finding_get_for(user=request.user, pk=pk, request=request)
    may_act = manages(request.user, finding.node) and finding.kind == FindingKind.NONCONFORMITY
    refused = False
    form = ActionForm(request.POST or None, people=_people_under(finding.node), initial={"due_on": finding.found_on})
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                action = action_create(
                    actor=request.user,
                    finding=finding,
                    title=data["title"],
                    owner=data["owner"],
                    due_on=data["due_on"],
                    plan=data["plan"],
                )
            except (ValidationError, PermissionDenied) as exc:
                _flash(request, exc)
                refused = True
            else:
                messages.success(request, _("Corrective action recorded."))
                return redirect("improvement:action", pk=action.pk)
        else:
            _form_errors(request, form)
    context = {
        "finding": finding,
        "actions": finding.actions.select_related("owner"),
        "form": form if may_act else None,
        "inspection": _visible_inspection(request.user, finding),
        "official": _official(request.user),
    }
    return render(request, "improvement/finding.html", context, status=422 if form.errors or refused else 200)


# --- inspections ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def inspections(request):
    """The inspection plans of the user's organisations; plan one (officials)."""
    if not _official(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    nodes = _managed_nodes(request.user).exclude(kind=NodeKind.GROUP)
    schemes = Scheme.objects.exclude(status="draft").select_related("assessing_node")
    schemes = restrict(schemes, user=request.user, perm=MANAGE_PEOPLE, path_field="assessing_node__path")
    refused = False
    form = InspectionForm(request.POST or None, nodes=nodes, schemes=schemes, initial={"planned_on": today})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection = inspection_plan(
                    actor=request.user,
                    node=data["node"],
                    title=data["title"],
                    kind=data["kind"],
                    planned_on=data["planned_on"],
                    scheme=data["scheme"],
                    sample_size=data["sample_size"],
                )
            except (ValidationError, PermissionDenied) as exc:
                _flash(request, exc)
                refused = True
            else:
                messages.success(request, _("Inspection planned."))
                return redirect("improvement:inspection", pk=inspection.pk)
        else:
            _form_errors(request, form)
    rows = inspection_list_for(user=request.user)[:LIST_LIMIT]
    return render(request, "improvement/inspections.html", {"form": form, "inspections": rows, "official": True},
                  status=422 if form.errors or refused else 200)  # fmt: skip


@require_GET
def inspection_detail(request, pk: int):
    inspection = inspection_get_for(user=request.user, pk=pk, request=request)
    today = timezone.localdate()
    targets = list(inspection.targets.select_related("node").prefetch_related("findings", "evidence__document"))
    indicators = Indicator.objects.filter(pk__in=inspection.checklist.values("pk")).order_by("order", "pk")
    context = {
        "inspection": inspection,
        "targets": targets,
        "checklist": list(indicators),
        "manages": manages(request.user, inspection.node),
        "target_form": TargetForm(initial={"inspected_on": today}),
        "finding_form": TargetFindingForm(indicators=indicators, initial={"found_on": today}),
        "evidence_form": EvidenceForm(),
        "actions": list(inspection_actions(inspection)),
    }
    return render(request, "improvement/inspection.html", context)


@require_POST
def inspection_draw_view(request, pk: int):
    inspection = inspection_get_for(user=request.user, pk=pk, request=request)
    try:
        inspection_draw(actor=request.user, inspection=inspection, now=timezone.now())
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Organisations to inspect chosen."))
    return redirect("improvement:inspection", pk=inspection.pk)


@require_POST
def target_post(request, pk: int, action: str):
    """The record of one organisation inspected: the day and summary, a finding, a file of evidence."""
    target = target_get_for(user=request.user, pk=pk, request=request)
    now = timezone.now()
    try:
        if action == "record":
            form = TargetForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give the day of the inspection."))
            target_record(actor=request.user, target=target, **form.cleaned_data)
        elif action == "finding":
            indicators = Indicator.objects.filter(pk__in=target.inspection.checklist.values("pk"))
            form = TargetFindingForm(request.POST, indicators=indicators)
            if not form.is_valid():
                raise ValidationError(_("A finding needs its day and a description."))
            finding_record(actor=request.user, node=target.node, target=target, **form.cleaned_data)
        elif action == "evidence":
            form = EvidenceForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError(_("Choose a file."))
            target_evidence_add(
                actor=request.user, target=target, uploaded=form.cleaned_data["file"],
                title=form.cleaned_data["title"], now=now,
            )  # fmt: skip
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("improvement:inspection", pk=target.inspection_id)


@require_POST
def inspection_notice(request, pk: int):
    """Draft the board notice of the progress of the inspection's corrective actions."""
    inspection = inspection_get_for(user=request.user, pk=pk, request=request)
    try:
        notice = corrections_notice_draft(actor=request.user, inspection=inspection, today=timezone.localdate())
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
        return redirect("improvement:inspection", pk=inspection.pk)
    messages.success(
        request, _("A notice of the corrections' progress is drafted: the board's staff check and approve it.")
    )
    url = notice_draft_url(user=request.user, notice=notice)
    return redirect(url) if url else redirect("improvement:inspection", pk=inspection.pk)


WORD = {"plan": action_plan_docx, "responsibilities": responsibility_list_docx}


@require_GET
def inspection_word(request, pk: int, kind: str):
    """The 整改方案 or the 整改责任清单 of an inspection as an official document in Word."""
    if kind not in WORD:
        raise Http404
    inspection = inspection_get_for(user=request.user, pk=pk, request=request)
    body = WORD[kind](inspection, actions=list(inspection_actions(inspection)), today=timezone.localdate())
    response = HttpResponse(body, content_type=DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{kind}-{inspection.pk}.docx")
    return response


# --- commitments ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def commitments(request):
    """The member's commitments of the year (make them, see the branch's vetting), and for officials those of their
    organisations: to vet, to publish, the organisations' own."""
    today = timezone.localdate()
    me = person_for_user(request.user)
    mine = (
        list(Commitment.objects.filter(person=me, year=today.year).select_related("category", "notice")) if me else []
    )
    member = me is not None and me.is_active and me.political_status in MEMBER_STATUSES
    may_make = member and (not mine or all(c.state == CommitmentState.RETURNED for c in mine))
    refused = False
    policy = policy_for(me.node) if me else None
    form = CommitmentsForm(request.POST or None, lines=policy.member_max if policy else None) if may_make else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                commitments_submit(actor=request.user, person=me, year=today.year, items=form.items())
            except (ValidationError, PermissionDenied) as exc:
                _flash(request, exc)
                refused = True
            else:
                messages.success(request, _("Commitments submitted to the branch."))
                return redirect("improvement:commitments")
        else:
            _form_errors(request, form)
    official = _official(request.user)
    rows = []
    nodes = []
    if official:
        rows = list(
            commitment_list_for(user=request.user)
            .filter(year=today.year)
            .order_by("node__path", "person__name", "pk")[:LIST_LIMIT]
        )
        vetted = set(
            commitment_list_for(user=request.user)
            .filter(year=today.year, state=CommitmentState.APPROVED)
            .values_list("node__path", flat=True)
            .distinct()
        )
        branches = _managed_nodes(request.user).filter(kind__in=(NodeKind.BRANCH, NodeKind.GENERAL_BRANCH))
        nodes = [n for n in branches.order_by("path")[:LIST_LIMIT] if any(p.startswith(n.path) for p in vetted)]
    context = {
        "today": today,
        "mine": mine,
        "form": form,
        "policy": policy,
        "official": official,
        "rows": rows,
        "to_vet": [c for c in rows if c.state == CommitmentState.SUBMITTED and not answers_for(request.user, c)],
        "nodes": nodes,
        "org_form": OrgCommitmentForm(nodes=_commitment_nodes(request.user), people=_post_holders(request.user))
        if official
        else None,
    }
    status = 422 if refused or (form is not None and form.errors) else 200
    return render(request, "improvement/commitments.html", context, status=status)


@require_POST
def commitments_publish_view(request, pk: int):
    today = timezone.localdate()
    node = _managed_nodes(request.user).filter(pk=pk).first()
    if node is None:
        raise Http404
    try:
        notice = commitments_publish(actor=request.user, node=node, year=today.year, today=today)
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("A notice of the commitments is drafted: the board's staff check and approve it."))
        url = notice_draft_url(user=request.user, notice=notice)
        if url:
            return redirect(url)
    return redirect("improvement:commitments")


@require_POST
def commitments_vet_view(request):
    """Approve the commitments ticked in the list awaiting vetting, all or none (a return, with its reason, is made
    on the commitment's own page)."""
    if not _official(request.user):
        raise PermissionDenied
    ids = [int(v) for v in request.POST.getlist("commitment") if v.isdigit()]
    rows = list(
        commitment_list_for(user=request.user).filter(pk__in=ids, state=CommitmentState.SUBMITTED).order_by("pk")
    )
    if not ids or len(rows) != len(set(ids)):
        messages.error(request, _("Tick the commitments awaiting vetting to approve."))
        return redirect("improvement:commitments")
    try:
        count = commitments_vet_many(actor=request.user, commitments=rows)
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        messages.success(
            request, ngettext("%(n)d commitment approved.", "%(n)d commitments approved.", count) % {"n": count}
        )
    return redirect("improvement:commitments")


@require_POST
def org_commitment_add(request):
    if not _official(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    form = OrgCommitmentForm(request.POST, nodes=_commitment_nodes(request.user), people=_post_holders(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            organisation_commitment_add(
                actor=request.user, node=data["node"], year=today.year, category=data["category"], text=data["text"],
                owner=data["owner"], deadline=data["deadline"],
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Saved."))
    else:
        _form_errors(request, form)
    return redirect("improvement:commitments")


@require_GET
def commitment_detail(request, pk: int):
    commitment = commitment_get_for(user=request.user, pk=pk, request=request)
    responsible = commitment.person or commitment.owner
    context = {
        "c": commitment,
        # vetting and the evaluation are another official's when the user answers for the commitment
        "manages": manages(request.user, commitment.node) and not answers_for(request.user, commitment),
        "may_progress": responsible.user_id == request.user.pk or manages(request.user, commitment.node),
        "note_form": NoteForm(),
        "reason_form": ReasonForm(),
        "evaluation_form": EvaluationForm(),
    }
    return render(request, "improvement/commitment.html", context)


@require_POST
def commitment_post(request, pk: int, action: str):
    commitment = commitment_get_for(user=request.user, pk=pk, request=request)
    now = timezone.now()
    try:
        if action == "approve":
            commitment_vet(actor=request.user, commitment=commitment, approve=True)
        elif action == "return":
            commitment_vet(actor=request.user, commitment=commitment, approve=False,
                           reason=request.POST.get("reason", ""))  # fmt: skip
        elif action == "progress":
            commitment_progress(actor=request.user, commitment=commitment, text=request.POST.get("text", ""), now=now)
        elif action == "evaluate":
            form = EvaluationForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose the outcome."))
            commitment_evaluate(actor=request.user, commitment=commitment, today=timezone.localdate(now),
                                **form.cleaned_data)  # fmt: skip
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("improvement:commitment", pk=commitment.pk)
