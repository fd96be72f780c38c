"""Reads of people, already restricted to what the user may see."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from apps.audit.services import access_denied_note
from apps.organisations.choices import VIEW_SCOPE, VIEW_SENSITIVE
from apps.organisations.permissions import covers, restrict

from .models import Person


def _own(user) -> Q:
    return Q(user_id=user.pk)


def person_list_for(*, user, perm: str = VIEW_SCOPE) -> QuerySet[Person]:
    """People under the user's subtrees, plus the user's own record."""
    qs = Person.objects.select_related("node")
    return restrict(qs, user=user, perm=perm, path_field="node__path", own=_own(user))


def person_get_for(*, user, pk, perm: str = VIEW_SCOPE, request=None) -> Person:
    """One person, or 404 — also when the record exists outside the user's subtree."""
    try:
        return person_list_for(user=user, perm=perm).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        denied = Person.objects.select_related("node").filter(pk=pk).first() if str(pk).isdigit() else None
        if denied is not None:
            access_denied_note(actor=user, target=denied, node=denied.node, request=request)
        raise Http404 from None


def can_see_sensitive(*, user, person: Person) -> bool:
    """A person's own record, or a role with the sensitive-data permission over their organisation."""
    if person.user_id and person.user_id == user.pk:
        return True
    return covers(user, VIEW_SENSITIVE, person.node.path)


def status_counts_by_node(*, node_q: Q) -> list[tuple[str, str, int]]:
    """``(node path, political status, count)`` of people on the roll, for nodes matching ``node_q``."""
    node_ids = Person.node.field.related_model.objects.filter(node_q).values("pk")
    return list(
        Person.objects.filter(is_active=True, node_id__in=node_ids)
        .values_list("node__path", "political_status")
        .annotate(n=Count("id"))
        .order_by()
    )


def person_for_user(user) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.select_related("node").filter(user_id=user.pk).first()
