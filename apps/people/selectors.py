"""Reads of people, already restricted to what the user may see."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from apps.audit.services import access_denied_note
from apps.organisations.choices import VIEW_SCOPE, VIEW_SENSITIVE
from apps.organisations.overview_cache import TTL_SECONDS, cached, overview_version
from apps.organisations.permissions import covers, restrict

from .choices import MEMBER_STATUSES
from .models import Person

_STANDING_ATTR = "_pp_party_member"


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


def standing_key(user_id: int) -> str:
    """The cache key of whether the user is a Party member, under the organisation data version (a change of
    political status, of a person or of their account bumps it: ``person_set_status`` and the people services)."""
    return f"standing:{overview_version()}:{user_id}"


def is_party_member(user) -> bool:
    """Whether the user's person is an active full or probationary member: what the menu shows them (their dues,
    their year). Kept on the user object for the request and in the shared cache; no query on a warm page."""
    if not getattr(user, "is_authenticated", False):
        return False
    value = getattr(user, _STANDING_ATTR, None)
    if value is None:
        key = standing_key(user.pk)
        value = cached(key)
        if value is None:
            value = Person.objects.filter(
                user_id=user.pk, is_active=True, political_status__in=MEMBER_STATUSES
            ).exists()
            cache.set(key, value, timeout=TTL_SECONDS)
        setattr(user, _STANDING_ATTR, value)
    return value


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
