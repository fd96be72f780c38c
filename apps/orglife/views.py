"""Organisational life on the portal: a member's meetings, leave and hours; the secretary's year (plan, calendar,
compliance), meetings from the notice to the minutes, attendance and votes; the committee's compliance grid with its
Excel export. Views read the clock once and pass the day on; every write is a service."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.documents.official import DOCX_TYPE
from apps.lifecycle.models import DevelopmentCase
from apps.lifecycle.steps import Stage
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers, has_any_scope, restrict
from apps.organisations.selectors import branch_of
from apps.people.choices import PIPELINE_STATUSES
from apps.people.models import Person
from apps.people.selectors import person_for_user
from apps.spreadsheets.export import xlsx_sheets_response

from .choices import KIND_BY_CODE, MeetingStatus, Presence
from .compliance import STATE_LABELS
from .forms import (
    CancelForm,
    DocumentForm,
    GridForm,
    InviteForm,
    LeaveForm,
    MeetingForm,
    MinutesForm,
    PlanItemForm,
    StudyForm,
    VoteCorrectForm,
    VoteForm,
    YearForm,
    attendance_form,
)
from .models import LeaveRequest, Meeting, PlanItem
from .selectors import (
    attendance_of,
    compliance_branches_for,
    compliance_reports,
    declarations_to_confirm,
    grid_roots_for,
    kind_labels,
    leaves_to_decide,
    manages,
    meeting_get_for,
    meeting_nodes_for,
    meeting_roll,
    meeting_votes,
    meetings_of,
    node_for,
    study_ledger,
    upcoming_for,
)
from .services import (
    AttendanceConflict,
    VoteEntry,
    attendance_record,
    compliance_disclosure_draft,
    leave_decide,
    leave_request,
    meeting_attach,
    meeting_cancel,
    meeting_create,
    meeting_invite,
    meeting_notify,
    meeting_update,
    meeting_vote_correct,
    meeting_vote_record,
    minutes_record,
    plan_copy,
    plan_item_add,
    plan_item_remove,
    study_decide,
    study_declare,
)
from .word import minutes_docx

GRID_PAGE = 100
MONTHS = range(1, 13)


def _messages(exc) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]


def _flash(request, exc) -> None:
    for message in _messages(exc):
        messages.error(request, message)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


def _year(request, today: datetime.date) -> int:
    form = YearForm(request.GET)
    return (form.cleaned_data.get("year") if form.is_valid() else None) or today.year


def _state_labels() -> dict:
    return {key: str(label) for key, label in STATE_LABELS.items()}


# --- home ---------------------------------------------------------------------------------------------------------


def home(request):
    """A member's meetings, leave, attendance and study hours; for a secretary, the organisations they record and
    what waits for them; for the committee staff, the way to the grid."""
    today = timezone.localdate()
    me = person_for_user(request.user)
    member = me is not None and me.is_active and me.is_member
    nodes = list(meeting_nodes_for(user=request.user).exclude(kind=NodeKind.GROUP)[:50])
    context = {
        "me": me,
        "today": today,
        "upcoming": upcoming_for(person=me, today=today) if me else [],
        "attendance": attendance_of(person=me, year=today.year) if member else [],
        "ledger": study_ledger(person=me, year=today.year) if member else None,
        "study_form": StudyForm(initial={"studied_on": today}),
        "leave_form": LeaveForm(),
        "nodes": nodes,
        "leaves": list(leaves_to_decide(user=request.user)[:50]) if nodes else [],
        "declarations": list(declarations_to_confirm(user=request.user)[:50]) if nodes else [],
        "grid": has_any_scope(request.user, VIEW_SCOPE),
        "labels": {k.code: k.label for k in KIND_BY_CODE.values()},
    }
    return render(request, "orglife/home.html", context)


@require_POST
def study_declare_view(request):
    form = StudyForm(request.POST)
    if form.is_valid():
        try:
            study_declare(
                actor=request.user,
                studied_on=form.cleaned_data["studied_on"],
                hours=form.cleaned_data["hours"],
                title=form.cleaned_data["title"],
                now=timezone.now(),
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Declared. Your secretary confirms it."))
    else:
        _form_errors(request, form)
    return redirect("orglife:home")


@require_POST
def study_decide_view(request, pk: int, move: str):
    declaration = declarations_to_confirm(user=request.user).filter(pk=pk).first()
    if declaration is None or move not in ("confirm", "refuse"):
        raise Http404
    try:
        study_decide(actor=request.user, declaration=declaration, confirm=move == "confirm", now=timezone.now())
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Recorded."))
    return redirect("orglife:home")


# --- an organisation's year: plan, calendar, compliance -----------------------------------------------------------


def node_year(request, pk: int):
    node = node_for(user=request.user, pk=pk, request=request)
    today = timezone.localdate()
    year = _year(request, today)
    meetings = list(meetings_of(node, year))
    report = compliance_reports(nodes=[node], year=year, as_of=today).get(node.pk)
    plan = list(PlanItem.objects.filter(node=node, year=year).order_by("planned_on", "pk"))
    planned = {m.plan_item_id for m in meetings if m.plan_item_id}
    can_record = manages(request.user, node)
    context = {
        "node": node,
        "year": year,
        "today": today,
        "report": report,
        "state_labels": _state_labels(),
        "meetings": meetings,
        "by_month": [(month, [m for m in meetings if m.held_on.month == month]) for month in MONTHS],
        "plan": [(item, item.pk in planned, kind_labels(item.kinds)) for item in plan],
        "can_record": can_record,
        "plan_form": PlanItemForm(initial={"planned_on": today}) if can_record else None,
        "years": (year - 1, year + 1),
        "is_group": node.kind == NodeKind.GROUP,
    }
    return render(request, "orglife/node_year.html", context)


@require_POST
def node_action(request, pk: int, action: str):
    """The plan (add a line, remove one, copy last year's) and the periodic disclosure's draft."""
    node = node_for(user=request.user, pk=pk, request=request)
    if not manages(request.user, node) or action not in ("add", "remove", "copy", "disclose"):
        raise Http404
    today = timezone.localdate()
    year = _year(request, today)
    try:
        if action == "add":
            form = PlanItemForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return redirect(f"{_year_url(node, year)}")
            data = form.cleaned_data
            item = plan_item_add(
                actor=request.user, node=node, planned_on=data["planned_on"], kinds=data["kinds"], topic=data["topic"]
            )
            year = item.year
        elif action == "remove":
            item = PlanItem.objects.filter(node=node, pk=request.POST.get("item") or 0).first()
            if item is None:
                raise Http404
            plan_item_remove(actor=request.user, item=item)
        elif action == "copy":
            added = plan_copy(actor=request.user, node=node, to_year=year)
            messages.info(request, _("%(n)s lines copied from %(year)s.") % {"n": added, "year": year - 1})
        else:
            notice = compliance_disclosure_draft(actor=request.user, node=node, year=year, today=today)
            messages.success(
                request,
                _("Drafted “%(title)s”: it is checked and approved by others before it is published.")
                % {"title": notice.title},
            )
            return redirect(f"{_year_url(node, year)}")
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        if action != "copy":
            messages.success(request, _("Recorded."))
    return redirect(f"{_year_url(node, year)}")


def _year_url(node, year) -> str:
    from django.urls import reverse

    return f"{reverse('orglife:node_year', args=[node.pk])}?year={year}"


# --- meetings -----------------------------------------------------------------------------------------------------


def _people_of(node: OrgNode):
    """Who may chair or record: the people of the branch (a group's branch); for a general branch or a committee, the
    holders of its posts (not the thousands below it)."""
    if node.kind in (NodeKind.COMMITTEE, NodeKind.GENERAL_BRANCH):
        return Person.objects.filter(posts__node=node, posts__ended_on__isnull=True).distinct().order_by("name")
    root = branch_of(node)
    return Person.objects.filter(node__path__startswith=root.path, is_active=True).order_by("name")


@require_http_methods(["GET", "POST"])
def meeting_new(request, pk: int):
    node = node_for(user=request.user, pk=pk, request=request)
    if not manages(request.user, node):
        raise Http404
    today = timezone.localdate()
    hosts = meeting_nodes_for(user=request.user).filter(
        Q(pk=node.pk) | Q(path__startswith=node.path, depth=node.depth + 1)
    )
    item = None
    if request.GET.get("plan", "").isdigit():
        item = PlanItem.objects.filter(node=node, pk=request.GET["plan"]).first()
    initial = {"node": node.pk, "held_on": today}
    if item is not None:
        initial |= {"held_on": item.planned_on, "kinds": item.kinds, "topic": item.topic}
    form = MeetingForm(request.POST or None, initial=initial, nodes=hosts, people=_people_of(node))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_create(
                actor=request.user,
                node=data["node"],
                held_on=data["held_on"],
                kinds=data["kinds"],
                topic=data["topic"],
                starts_at=data.get("starts_at"),
                place=data.get("place") or "",
                chair=data.get("chair"),
                recorder=data.get("recorder"),
                for_year=data.get("for_year"),
                study_hours=data.get("study_hours") or 0,
                plan_item=item if item is not None and data["node"].pk == node.pk else None,
                today=today,
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in _messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("The meeting was arranged. Send the notice when it is ready."))
            return redirect("orglife:meeting", pk=meeting.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "orglife/meeting_form.html", {"form": form, "node": node, "title": _("Arrange a meeting")},
                  status=status)  # fmt: skip


@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = meeting_get_for(user=request.user, pk=pk, request=request)
    if not manages(request.user, meeting.node):
        raise Http404
    fields = ("held_on", "starts_at", "place", "topic", "chair", "recorder", "for_year", "study_hours")
    initial = {name: getattr(meeting, name) for name in fields}
    form = MeetingForm(request.POST or None, initial=initial, people=_people_of(meeting.node), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            meeting_update(
                actor=request.user,
                meeting=meeting,
                fields={name: form.cleaned_data.get(name) for name in fields if name in form.changed_data},
                today=timezone.localdate(),
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in _messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Saved."))
            return redirect("orglife:meeting", pk=meeting.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "node": meeting.node, "meeting": meeting, "title": _("Change the meeting")}
    return render(request, "orglife/meeting_form.html", context, status=status)


def _vote_cases(meeting: Meeting):
    """Open cases of the meeting's branch that a general meeting may vote on (candidates, probationary members)."""
    return (
        DevelopmentCase.objects.filter(branch=meeting.node, stage__in=[Stage.CANDIDATE, Stage.PROBATIONARY])
        .select_related("person")
        .order_by("person__name")
    )


def meeting_detail(request, pk: int):
    meeting = meeting_get_for(user=request.user, pk=pk, request=request)
    today = timezone.localdate()
    can_record = manages(request.user, meeting.node)
    me = person_for_user(request.user)
    roll = meeting_roll(meeting) if can_record or meeting.status != MeetingStatus.PLANNED else []
    mine = next((e for e in roll if me is not None and e.person.pk == me.pk), None)
    kinds = meeting.kind_codes
    general = "general_meeting" in kinds
    votes = meeting_votes(meeting)
    context = {
        "meeting": meeting,
        "kinds": kind_labels(kinds),
        "today": today,
        "can_record": can_record,
        "roll": roll if can_record else [],
        "roll_size": len(roll),
        "voting": sum(1 for e in roll if e.voting),
        "present": sum(1 for e in roll if e.presence == Presence.PRESENT),
        "mine": mine,
        "can_ask_leave": mine is not None
        and meeting.status == MeetingStatus.NOTIFIED
        and meeting.held_on >= today
        and (mine.leave is None),
        "leave_form": LeaveForm(),
        "leaves": [e.leave for e in roll if e.leave is not None] if can_record else [],
        "votes": votes,
        "vote_form": VoteForm(cases=_vote_cases(meeting))
        if can_record and general and meeting.held_on <= today
        else None,
        "correct_forms": [
            (v, VoteCorrectForm(initial={"record": v.record_id, **_counts(v.record.vote)})) for v in votes
        ]
        if can_record
        else [],
        "minutes_form": MinutesForm(initial={"minutes": meeting.minutes, "decisions": meeting.decisions}),
        "document_form": DocumentForm(),
        "cancel_form": CancelForm(),
        "invite_form": InviteForm(people=_invitable(meeting)) if can_record and not meeting.is_held else None,
        "show_minutes": can_record or covers(request.user, VIEW_SCOPE, meeting.node.path),
    }
    return render(request, "orglife/meeting.html", context)


def meeting_word(request, pk: int):
    """The minutes of a held meeting as an official document in Word, for those who see its minutes."""
    meeting = meeting_get_for(user=request.user, pk=pk, request=request)
    if not meeting.is_held or not (
        manages(request.user, meeting.node) or covers(request.user, VIEW_SCOPE, meeting.node.path)
    ):
        raise Http404
    response = HttpResponse(minutes_docx(meeting), content_type=DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"minutes-{meeting.pk}-{meeting.held_on}.docx")
    return response


def _counts(vote) -> dict:
    return {k: getattr(vote, k) for k in ("present", "yes", "no", "abstain", "written_yes", "written_no")}


def _invitable(meeting: Meeting):
    """People of the branch who are not members (activists, candidates …): invited without a vote. Only at a branch or
    a group: a committee's pipeline runs to thousands."""
    if meeting.node.kind not in (NodeKind.BRANCH, NodeKind.GROUP):
        return Person.objects.none()
    root = meeting.node if meeting.node.kind != NodeKind.GROUP else OrgNode.objects.get_parent(meeting.node)
    return Person.objects.filter(
        node__path__startswith=root.path, is_active=True, political_status__in=PIPELINE_STATUSES
    ).order_by("name")


MEETING_ACTIONS = ("notify", "cancel", "invite", "leave", "minutes", "document", "vote", "correct")


@require_POST
def meeting_action(request, pk: int, action: str):
    """Everything done on a meeting's page: the notice, cancelling, an invitation, a leave request (by the person),
    the minutes, a document, a development vote and its correction."""
    meeting = meeting_get_for(user=request.user, pk=pk, request=request)
    if action not in MEETING_ACTIONS or (action != "leave" and not manages(request.user, meeting.node)):
        raise Http404
    now = timezone.now()
    try:
        _ACTIONS[action](request, meeting, now)
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    return redirect("orglife:meeting", pk=meeting.pk)


def _done(request, text=None):
    messages.success(request, text or _("Recorded."))


def _notify(request, meeting, now):
    meeting_notify(actor=request.user, meeting=meeting, now=now)
    _done(request, _("The notice was sent to everyone on the roll."))


def _cancel(request, meeting, now):
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    meeting_cancel(actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"], now=now)
    _done(request)


def _invite(request, meeting, now):
    form = InviteForm(request.POST, people=_invitable(meeting))
    if not form.is_valid():
        return _form_errors(request, form)
    meeting_invite(actor=request.user, meeting=meeting, person=form.cleaned_data["person"], now=now)
    _done(request)


def _leave(request, meeting, now):
    form = LeaveForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    leave_request(actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"], now=now)
    _done(request, _("Your leave request was sent to the secretary."))


def _minutes(request, meeting, now):
    form = MinutesForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    data = form.cleaned_data
    minutes_record(actor=request.user, meeting=meeting, minutes=data["minutes"], decisions=data["decisions"], now=now)
    _done(request, _("The minutes were saved."))


def _document(request, meeting, now):
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_errors(request, form)
    meeting_attach(
        actor=request.user, meeting=meeting, uploaded=form.cleaned_data["file"], title=form.cleaned_data["title"],
        now=now,
    )  # fmt: skip
    _done(request)


def _vote(request, meeting, now):
    form = VoteForm(request.POST, cases=_vote_cases(meeting))
    if not form.is_valid():
        return _form_errors(request, form)
    data = form.cleaned_data
    record = meeting_vote_record(
        actor=request.user,
        meeting=meeting,
        entry=VoteEntry(
            case=data["case"],
            step=data["step"],
            counts=form.counts(),
            passed=data.get("passed"),
            decision=data.get("decision") or "",
            months=data.get("months"),
        ),
        now=now,
    )
    _done(request, _("Recorded on the case of %(person)s.") % {"person": record.case.person})


def _correct(request, meeting, now):
    form = VoteCorrectForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    link = meeting.votes.select_related("record").filter(record_id=form.cleaned_data["record"]).first()
    if link is None:
        raise ValidationError(_("This vote was not taken in this meeting."))
    meeting_vote_correct(
        actor=request.user, meeting=meeting, record=link.record, counts=form.counts(),
        reason=form.cleaned_data["reason"], now=now,
    )  # fmt: skip
    _done(request, _("The vote was corrected; the case shows the same counts."))


_ACTIONS = {
    "notify": _notify,
    "cancel": _cancel,
    "invite": _invite,
    "leave": _leave,
    "minutes": _minutes,
    "document": _document,
    "vote": _vote,
    "correct": _correct,
}


@require_http_methods(["GET", "POST"])
def attendance(request, pk: int):
    """Attendance after the meeting: one choice per person of the roll of its date."""
    meeting = meeting_get_for(user=request.user, pk=pk, request=request)
    if not manages(request.user, meeting.node):
        raise Http404
    roll = meeting_roll(meeting)
    form = attendance_form(roll, request.POST or None)
    if not request.POST:
        form.fields["version"].initial = meeting.attendance_version
    status = 200
    if request.method == "POST" and form.is_valid():
        marks = {int(name[1:]): value for name, value in form.cleaned_data.items() if name.startswith("p")}
        try:
            attendance_record(
                actor=request.user,
                meeting=meeting,
                marks=marks,
                now=timezone.now(),
                version=form.cleaned_data.get("version"),
            )
        except AttendanceConflict as exc:
            messages.error(request, exc.messages[0])
            return redirect("orglife:attendance", pk=meeting.pk)
        except (ValidationError, PermissionDenied) as exc:
            for message in _messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("The attendance was recorded."))
            return redirect("orglife:meeting", pk=meeting.pk)
    if request.method == "POST":
        status = 422
    rows = [(entry, form[f"p{entry.person.pk}"]) for entry in roll]
    context = {"meeting": meeting, "form": form, "rows": rows, "today": timezone.localdate()}
    return render(request, "orglife/attendance.html", context, status=status)


@require_POST
def leave_decide_view(request, pk: int, move: str):
    leave = leaves_to_decide(user=request.user).filter(pk=pk).first()
    if leave is None:
        leave = (
            restrict(
                LeaveRequest.objects.select_related("meeting__node"),
                user=request.user,
                perm=MANAGE_PEOPLE,
                path_field="meeting__node__path",
            )
            .filter(pk=pk)
            .first()
        )
    if leave is None or move not in ("approve", "refuse"):
        raise Http404
    try:
        leave_decide(actor=request.user, leave=leave, approve=move == "approve", now=timezone.now())
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Recorded."))
    return redirect("orglife:meeting", pk=leave.meeting_id)


# --- the committee's grid -------------------------------------------------------------------------------------------


def _grid_context(request, *, paginate: bool):
    if not has_any_scope(request.user, VIEW_SCOPE):
        raise PermissionDenied
    today = timezone.localdate()
    roots = grid_roots_for(user=request.user)
    form = GridForm(request.GET or None, roots=roots)
    data = form.cleaned_data if form.is_valid() else {}
    root = next((r for r in roots if r.pk == data.get("node")), None)
    year = data.get("year") or today.year
    kind = data.get("kind") or ""
    nodes = compliance_branches_for(user=request.user, root=root)
    page = Paginator(nodes, GRID_PAGE).get_page(request.GET.get("page")) if paginate else None
    shown = list(page.object_list) if page is not None else list(nodes)
    reports = compliance_reports(nodes=shown, year=year, as_of=today)
    labels = _state_labels()
    rows = []
    for node in shown:
        report = reports.get(node.pk)
        if report is None:
            continue
        chosen = [k for k in report.kinds if not kind or k.kind == kind]
        states = [report.month_state(m, chosen) for m in MONTHS] if chosen else []
        cells = [(s, labels[s], f"{year}-{m:02d}: {labels[s]}") for m, s in zip(MONTHS, states, strict=False)]
        missing = [(k.label, len(k.missing), " ".join(k.missing)) for k in chosen if k.missing]
        rows.append((node, report, cells, chosen, missing))
    return {
        "form": form,
        "root": root,
        "year": year,
        "kind": kind,
        "kind_label": KIND_BY_CODE[kind].label if kind else "",
        "page": page,
        "rows": rows,
        "months": list(MONTHS),
        "state_labels": _state_labels(),
        "today": today,
        "query": request.GET.urlencode(),
    }


def grid(request):
    """Organisations × months of the year, coloured by compliance, with a text alternative in every cell; the
    organisation's name opens its year (drill-down)."""
    return render(request, "orglife/grid.html", _grid_context(request, paginate=True))


@require_GET
def grid_export(request):
    """The grid as an Excel workbook (every organisation in the user's subtree under the chosen one): the months,
    and the meetings by kind. Every cell goes through the spreadsheets app's formula escaping (ADR 12)."""
    context = _grid_context(request, paginate=False)
    months = [
        [node.name, *(label for _state, label, _title in cells), _("yes") if report.compliant else _("no")]
        for node, report, cells, _chosen, _missing in context["rows"]
    ]
    kinds = [
        [node.name, k.label, k.required, k.held, " ".join(k.missing), " ".join(k.in_progress)]
        for node, _report, _cells, chosen, _missing in context["rows"]
        for k in chosen
    ]
    return xlsx_sheets_response(
        filename=f"compliance-{context['year']}.xlsx",
        sheets=[
            (
                _("Compliance"),
                [_("Organisation"), *(f"{context['year']}-{m:02d}" for m in MONTHS), _("Compliant")],
                months,
            ),
            (
                _("By kind"),
                [_("Organisation"), _("Kind"), _("Required"), _("Held"), _("Missing"), _("In progress")],
                kinds,
            ),
        ],
    )
