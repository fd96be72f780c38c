"""Membership on the portal: the roll of an organisation on any date, a member's history, transfers in and out for
the secretary, members flagged for the branch's decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers, has_any_scope, path_q, restrict, scope_paths
from apps.organisations.selectors import committee_of
from apps.people.choices import MEMBER_STATUSES
from apps.people.models import Person

from .choices import LEAVINGS, PENDING_STATES, PeriodStart, TransferKind
from .forms import (
    ContactForm,
    DecisionDateForm,
    IncomingForm,
    LeavingForm,
    ParticipationForm,
    PlaceForm,
    RefuseForm,
    RollForm,
    TransferForm,
)
from .models import MembershipPeriod
from .selectors import (
    current_period,
    flagged_for,
    incoming_for,
    members_without_period,
    outgoing_for,
    periods_of,
    roll_on,
    transfers_for,
)
from .services import (
    contact_found,
    contact_lost,
    membership_end,
    participation_record,
    period_begin,
    transfer_accept,
    transfer_cancel,
    transfer_receipt,
    transfer_refuse,
    transfer_request,
)

PLACES = (NodeKind.BRANCH, NodeKind.GROUP)
ROLL_PAGE = 100


def _errors(request, exc) -> None:
    for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
        messages.error(request, message)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


def _my_places(user, perm=MANAGE_PEOPLE):
    return restrict(OrgNode.objects.filter(kind__in=PLACES), user=user, perm=perm, path_field="path").order_by("path")


def _receiving_places(user):
    """Branches and groups of the committees where the user manages people: where a transfer within may go."""
    paths = scope_paths(user, MANAGE_PEOPLE)
    places = OrgNode.objects.filter(kind__in=PLACES).order_by("path")
    if paths is None:
        return places
    committees = {committee_of(node) for node in OrgNode.objects.filter(path__in=paths)}
    roots = [c.path for c in committees if c is not None]
    if not roots:
        return places.none()
    return places.filter(path_q(roots, "path"))


def overview(request):
    """The secretary's membership page: the roll on a date, transfers to accept and under way, members flagged."""
    if not has_any_scope(request.user, VIEW_SCOPE):
        raise PermissionDenied
    today = timezone.localdate()
    nodes = restrict(OrgNode.objects.all(), user=request.user, perm=VIEW_SCOPE, path_field="path").order_by("path")
    form = RollForm(request.GET or None, nodes=nodes)
    node = day = None
    if form.is_valid():
        node, day = form.cleaned_data.get("node"), form.cleaned_data.get("on")
    node = node or nodes.first()
    day = day or today
    roll = roll_on(node, day) if node else Person.objects.none()
    roll = roll.select_related("node").order_by("node_on_day", "name") if node else roll
    page = Paginator(roll, ROLL_PAGE).get_page(request.GET.get("page"))
    for person in page:  # a link to the history only where the user may open it (people who left the subtree)
        person.viewable = covers(request.user, VIEW_SCOPE, person.node.path)
    manages = has_any_scope(request.user, MANAGE_PEOPLE)
    context = {
        "form": form,
        "node": node,
        "day": day,
        "today": today,
        "page": page,
        "manages": manages,
        "incoming": list(incoming_for(user=request.user)) if manages else [],
        "outgoing": list(outgoing_for(user=request.user)) if manages else [],
        "flags": flagged_for(user=request.user, today=today) if manages else [],
        "unplaced": list(
            restrict(members_without_period(), user=request.user, perm=MANAGE_PEOPLE, path_field="node__path")
            .select_related("node")
            .order_by("name")[:50]
        )
        if manages
        else [],
    }
    return render(request, "membership/overview.html", context)


def _person_for(request, pk: int, *, peek: bool = False) -> Person | None:
    """A person of the user's subtrees, the user themselves (their own history), or a member whose transfer to one
    of the user's branches waits for the user's acceptance (the receiving branch reads the history first)."""
    user = request.user
    incoming = path_q(scope_paths(user, MANAGE_PEOPLE), "transfers__to_node__path") & Q(
        transfers__state__in=PENDING_STATES
    )
    people = restrict(
        Person.objects.select_related("node"),
        user=user,
        perm=VIEW_SCOPE,
        path_field="node__path",
        own=Q(user_id=user.pk) | incoming,
    )
    person = people.filter(pk=pk).distinct().first()
    if person is None and peek:
        return None
    if person is None:
        raise Http404
    return person


def person_history(request, pk: int):
    person = _person_for(request, pk)
    manages = covers(request.user, MANAGE_PEOPLE, person.node.path)
    current = current_period(person)
    leavings = [
        (code, rule) for code, rule in LEAVINGS.items() if covers(request.user, rule.recorded_by, person.node.path)
    ]
    context = {
        "person": person,
        "periods": periods_of(person),
        "current": current,
        "transfers": list(transfers_for(user=request.user).filter(person=person)),
        "participations": list(person.participations.select_related("node")),
        "losses": list(person.contact_losses.all()),
        "manages": manages,
        "leaving_form": LeavingForm() if manages and current and leavings else None,
        "contact_form": ContactForm() if manages and current else None,
        "participation_form": ParticipationForm(nodes=_receiving_places(request.user)) if manages and current else None,
        "place_form": PlaceForm(nodes=_my_places(request.user))
        if manages and current is None and person.is_active and person.political_status in MEMBER_STATUSES
        else None,
        "today": timezone.localdate(),
    }
    if context["leaving_form"] is not None:
        context["leaving_form"].fields["reason"].choices = [(code, code.label) for code, _rule in leavings]
    return render(request, "membership/person.html", context)


@require_http_methods(["GET", "POST"])
def transfer_new(request):
    """The sending branch starts a transfer: within the committee, or out with a letter."""
    if not has_any_scope(request.user, MANAGE_PEOPLE):
        raise PermissionDenied
    current = MembershipPeriod.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    people = restrict(
        Person.objects.filter(Exists(current)), user=request.user, perm=MANAGE_PEOPLE, path_field="node__path"
    ).order_by("name")
    initial = {"person": request.GET.get("person")} if request.GET.get("person", "").isdigit() else None
    form = TransferForm(request.POST or None, initial=initial, people=people, nodes=_receiving_places(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = transfer_request(
                actor=request.user,
                person=data["person"],
                kind=data["kind"],
                to_node=data.get("to_node") if data["kind"] == TransferKind.WITHIN else None,
                other_organisation=data.get("other_organisation") or "",
                letter_number=data.get("letter_number") or "",
                dues_paid_until=data.get("dues_paid_until"),
                today=timezone.localdate(),
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
                form.add_error(None, message)
        else:
            messages.success(request, _("The transfer of %(person)s was sent.") % {"person": transfer.person})
            return redirect("membership:transfer_detail", pk=transfer.pk)
    return render(request, "membership/transfer_form.html", {"form": form, "title": _("Transfer a member")})


@require_http_methods(["GET", "POST"])
def incoming_new(request):
    """The receiving branch registers a letter from outside the committee."""
    if not has_any_scope(request.user, MANAGE_PEOPLE):
        raise PermissionDenied
    current = MembershipPeriod.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    people = restrict(
        Person.objects.filter(political_status__in=MEMBER_STATUSES).exclude(Exists(current)),
        user=request.user,
        perm=MANAGE_PEOPLE,
        path_field="node__path",
    ).order_by("name")
    form = IncomingForm(request.POST or None, people=people, nodes=_my_places(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = transfer_request(
                actor=request.user,
                person=data["person"],
                kind=TransferKind.IN,
                to_node=data["to_node"],
                other_organisation=data["other_organisation"],
                letter_number=data.get("letter_number") or "",
                dues_paid_until=data.get("dues_paid_until"),
                today=timezone.localdate(),
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
                form.add_error(None, message)
        else:
            messages.success(request, _("The letter of %(person)s was registered.") % {"person": transfer.person})
            return redirect("membership:transfer_detail", pk=transfer.pk)
    return render(request, "membership/transfer_form.html", {"form": form, "title": _("Register an incoming transfer")})


def _transfer_for(request, pk: int):
    transfer = transfers_for(user=request.user).filter(pk=pk).first()
    if transfer is None:
        raise Http404
    return transfer


def transfer_detail(request, pk: int):
    transfer = _transfer_for(request, pk)
    user = request.user
    receiver = transfer.to_node is not None and covers(user, MANAGE_PEOPLE, transfer.to_node.path)
    sender = transfer.sending is not None and covers(user, MANAGE_PEOPLE, transfer.sending.path)
    pending = transfer.is_pending
    context = {
        "transfer": transfer,
        "can_accept": pending and receiver and transfer.kind != TransferKind.OUT,
        "can_refuse": pending and receiver and transfer.kind != TransferKind.OUT,
        "can_cancel": pending and sender,
        "can_receipt": pending and sender and transfer.kind == TransferKind.OUT,
        "can_view_person": _person_for(request, transfer.person_id, peek=True) is not None,
        "date_form": DecisionDateForm(initial={"on": timezone.localdate()}),
        "refuse_form": RefuseForm(),
    }
    return render(request, "membership/transfer.html", context)


@require_POST
def transfer_decide(request, pk: int, move: str):
    transfer = _transfer_for(request, pk)
    today = timezone.localdate()
    try:
        if move in ("accept", "receipt"):
            form = DecisionDateForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return redirect("membership:transfer_detail", pk=pk)
            service = transfer_accept if move == "accept" else transfer_receipt
            service(actor=request.user, transfer=transfer, on=form.cleaned_data["on"], today=today)
        elif move == "refuse":
            transfer_refuse(actor=request.user, transfer=transfer, reason=request.POST.get("reason", ""), today=today)
        elif move == "cancel":
            transfer_cancel(actor=request.user, transfer=transfer, today=today)
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Recorded."))
    return redirect("membership:transfer_detail", pk=pk)


@require_POST
def person_action(request, pk: int, action: str):
    """Leaving, contact lost or found, participation elsewhere, placing a member without a period."""
    person = _person_for(request, pk)
    if not covers(request.user, MANAGE_PEOPLE, person.node.path):
        raise Http404
    today = timezone.localdate()
    forms = {"leave": LeavingForm, "lost": ContactForm, "participation": ParticipationForm, "place": PlaceForm}
    if action not in forms and action != "found":
        raise Http404
    try:
        if action == "found":
            contact_found(actor=request.user, person=person, on=today, today=today)
        else:
            kwargs = {"nodes": _receiving_places(request.user)} if action == "participation" else {}
            kwargs = {"nodes": _my_places(request.user)} if action == "place" else kwargs
            form = forms[action](request.POST, **kwargs)
            if not form.is_valid():
                _form_errors(request, form)
                return redirect("membership:person", pk=pk)
            data = form.cleaned_data
            if action == "leave":
                membership_end(
                    actor=request.user,
                    person=person,
                    on=data["on"],
                    reason=data["reason"],
                    decision=data.get("decision") or "",
                    today=today,
                )
            elif action == "lost":
                contact_lost(
                    actor=request.user, person=person, since=data["since"], note=data.get("note") or "", today=today
                )
            elif action == "participation":
                participation_record(
                    actor=request.user,
                    person=person,
                    kind=data["kind"],
                    node=data.get("node"),
                    other_organisation=data.get("other_organisation") or "",
                    started_on=data["started_on"],
                    today=today,
                )
            else:
                period_begin(
                    actor=request.user,
                    person=person,
                    node=data["node"],
                    on=data["on"],
                    began=PeriodStart.MIGRATED,
                    today=today,
                )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Recorded."))
    return redirect("membership:person", pk=pk)
