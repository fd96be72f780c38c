"""Subtree permissions: a permission held on a node covers that node's whole subtree and nothing else.

The grants themselves are guardian's direct foreign-key rows (``OrgNodeUserObjectPermission``), derived from
the posts a person holds (see ``services.access_sync_user``). Everything that reads protected data restricts
its queryset through ``restrict`` here, so the portal, the admin, autocomplete, filters and exports agree.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q, QuerySet

from .choices import TWO_FACTOR_PERMISSIONS
from .models import OrgNodeUserObjectPermission
from .overview_cache import TTL_SECONDS, cached, overview_version

_CACHE_ATTR = "_pp_scope_paths"


def _minimal_roots(paths: list[str]) -> list[str]:
    """Drop every path that lies under another path of the list."""
    roots: list[str] = []
    for path in sorted(set(paths)):
        if not roots or not path.startswith(roots[-1]):
            roots.append(path)
    return roots


def _load_grants(user_id: int) -> dict[str, list[str]]:
    grants: dict[str, list[str]] = {}
    rows = OrgNodeUserObjectPermission.objects.filter(user_id=user_id, content_object__is_active=True).values_list(
        "permission__content_type__app_label", "permission__codename", "content_object__path"
    )
    for app_label, codename, path in rows:
        grants.setdefault(f"{app_label}.{codename}", []).append(path)
    return {perm: _minimal_roots(paths) for perm, paths in grants.items()}


def _grants(user) -> dict[str, list[str]]:
    """``{"app.codename": [path, ...]}`` for every grant the user holds.

    Kept on the user object for the request and in the shared cache under the organisation data version, which
    every change of posts, nodes or grants bumps on commit (see overview_cache); at most one query per request.
    """
    grants = getattr(user, _CACHE_ATTR, None)
    if grants is None:
        key = grants_key(user.pk)
        grants = cached(key)
        if grants is None:
            grants = _load_grants(user.pk)
            cache.set(key, grants, timeout=TTL_SECONDS)
        setattr(user, _CACHE_ATTR, grants)
    return grants


def grants_key(user_id: int) -> str:
    return f"grants:{overview_version()}:{user_id}"


def forget_cached_scope(user) -> None:
    """Drop the user's grants from the request and the shared cache (the commit then bumps the version too)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    cache.delete(grants_key(user.pk))


def scope_paths(user, perm: str) -> list[str] | None:
    """Root paths of the subtrees where ``user`` holds ``perm``; ``None`` means everywhere (superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    return _grants(user).get(perm, [])


def has_any_scope(user, perm: str) -> bool:
    paths = scope_paths(user, perm)
    return paths is None or bool(paths)


def needs_two_factor(user) -> bool:
    """Staff, and anyone who can approve or see sensitive data, must sign in with a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return any(perm.split(".", 1)[1] in TWO_FACTOR_PERMISSIONS for perm in _grants(user))


def path_q(paths: list[str] | None, field: str) -> Q:
    """A Q matching rows whose ``field`` (a node path) lies in one of the subtrees."""
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def restrict(queryset: QuerySet, *, user, perm: str, path_field: str, own: Q | None = None) -> QuerySet:
    """Rows under the user's subtrees for ``perm``; ``own`` adds rows the user sees as their own."""
    paths = scope_paths(user, perm)
    if paths is None:
        return queryset
    q = path_q(paths, path_field) if paths else Q(pk__in=[])
    if own is not None and getattr(user, "is_authenticated", False):
        q |= own
    return queryset.filter(q)


def covers(user, perm: str, path: str) -> bool:
    """Does the user hold ``perm`` on the subtree containing the node at ``path``? No query after the first."""
    paths = scope_paths(user, perm)
    return paths is None or any(path.startswith(root) for root in paths)
