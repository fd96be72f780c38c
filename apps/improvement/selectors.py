"""Reads of inspections, corrective actions and commitments, restricted to the user's subtree (an owner also sees
their own actions, a member their own commitments). A single object outside is a 404 (the attempt audited)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404

from apps.audit.services import access_denied_note
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE
from apps.organisations.permissions import restrict

from .choices import WORKING, ActionState, CommitmentState
from .models import Commitment, CorrectiveAction, Finding, Inspection, InspectionTarget


def _get(queryset, *, user, pk, request=None):
    found = queryset.filter(pk=pk).first()
    if found is None:
        model = queryset.model
        denied = model.objects.select_related("node").filter(pk=pk).first() if str(pk).isdigit() else None
        if denied is not None:
            access_denied_note(actor=user, request=request, target=denied, node=denied.node)
        raise Http404
    return found


def action_list_for(*, user, state: str = "", overdue_on: datetime.date | None = None) -> QuerySet[CorrectiveAction]:
    """Corrective actions of the user's organisations, and the user's own; ``overdue_on``: only those overdue."""
    rows = restrict(
        CorrectiveAction.objects.select_related("node", "owner", "finding"),
        user=user,
        perm=VIEW_SCOPE,
        path_field="node__path",
        own=Q(owner__user=user) if getattr(user, "is_authenticated", False) else None,
    )
    if state in ActionState.values:
        rows = rows.filter(state=state)
    if overdue_on is not None:
        rows = rows.filter(state__in=WORKING, due_on__lt=overdue_on)
    return rows


def action_get_for(*, user, pk, request=None) -> CorrectiveAction:
    return _get(action_list_for(user=user), user=user, pk=pk, request=request)


def action_counts(rows: QuerySet[CorrectiveAction], *, today: datetime.date) -> dict:
    """Open, overdue and closed counts of the listed actions: one query."""
    from django.db.models import Count

    return rows.order_by().aggregate(
        open=Count("pk", filter=Q(state__in=WORKING)),
        overdue=Count("pk", filter=Q(state__in=WORKING, due_on__lt=today)),
        closed=Count("pk", filter=Q(state=ActionState.CLOSED)),
    )


def finding_list_for(*, user) -> QuerySet[Finding]:
    return restrict(
        Finding.objects.select_related("node", "target__inspection", "indicator"),
        user=user,
        perm=VIEW_SCOPE,
        path_field="node__path",
    )


def finding_get_for(*, user, pk, request=None) -> Finding:
    return _get(finding_list_for(user=user), user=user, pk=pk, request=request)


def inspection_list_for(*, user) -> QuerySet[Inspection]:
    return restrict(
        Inspection.objects.select_related("node", "scheme"), user=user, perm=VIEW_SCOPE, path_field="node__path"
    )


def inspection_get_for(*, user, pk, request=None) -> Inspection:
    return _get(inspection_list_for(user=user), user=user, pk=pk, request=request)


def target_get_for(*, user, pk, request=None) -> InspectionTarget:
    rows = restrict(
        InspectionTarget.objects.select_related("inspection__node", "node"),
        user=user,
        perm=VIEW_SCOPE,
        path_field="inspection__node__path",
    )
    return _get(rows, user=user, pk=pk, request=request)


def commitment_list_for(*, user) -> QuerySet[Commitment]:
    """Commitments of the user's organisations, and the user's own."""
    return restrict(
        Commitment.objects.select_related("node", "person", "owner", "category", "notice"),
        user=user,
        perm=VIEW_SCOPE,
        path_field="node__path",
        own=Q(person__user=user) | Q(owner__user=user) if getattr(user, "is_authenticated", False) else None,
    ).prefetch_related("progress")


def commitments_to_vet(*, user) -> list[dict]:
    """The commitments awaiting the vetting of an organisation the user runs (not those the user answers for), a set
    to a line (a member's, or an organisation's own for a year): who, where, how many, the first (one query)."""
    rows = restrict(
        Commitment.objects.filter(state=CommitmentState.SUBMITTED),
        user=user,
        perm=MANAGE_PEOPLE,
        path_field="node__path",
    ).exclude(Q(person__user=user) | Q(owner__user=user))  # another official vets what the user answers for
    return list(
        rows.values("year", "node__path", "node__name", "person__name")
        .annotate(count=Count("id"), first=Min("id"))
        .order_by("year", "node__path", "person__name")
    )


def commitment_get_for(*, user, pk, request=None) -> Commitment:
    return _get(commitment_list_for(user=user), user=user, pk=pk, request=request)


def inspection_actions(inspection: Inspection) -> QuerySet[CorrectiveAction]:
    """The corrective actions on the findings of an inspection (the 整改方案 and 整改责任清单)."""
    return (
        CorrectiveAction.objects.filter(finding__target__inspection=inspection)
        .select_related("node", "owner", "finding")
        .order_by("node__path", "due_on", "pk")
    )
