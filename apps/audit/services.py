"""Writing the audit log. Every service that changes state calls ``audit_record`` in its transaction."""

from __future__ import annotations

import datetime
import decimal
import re
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import F

from .models import AuditEntry, DeniedAccess

# Where a request notes its denials for ``DeniedAccessMiddleware`` to write once the response is made.
DENIALS_ATTR = "_pp_denials"


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime, decimal.Decimal)):
        return str(value)
    return value


def audit_diff(instance: models.Model, before: dict[str, Any], fields: list[str]) -> dict[str, list[Any]]:
    """The ``{field: [old, new]}`` of the fields that changed since ``before`` was read."""
    changes = {}
    for name in fields:
        new = getattr(instance, name)
        if before.get(name) != new:
            changes[name] = [_plain(before.get(name)), _plain(new)]
    return changes


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_entry(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    target_repr: str = "",
    node=None,
    changes: dict | None = None,
    note: str = "",
    request=None,
) -> AuditEntry:
    """One entry, not saved yet: ``audit_record`` saves one, ``audit_record_many`` many in one INSERT. ``actor`` may
    be None (the system) or an anonymous user."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        actor=actor_obj,
        actor_repr=str(actor_obj) if actor_obj else "",
        action=action,
        target_repr=(target_repr or (str(target) if target is not None else ""))[:300],
        node=node,
        changes={k: [_plain(v) for v in pair] for k, pair in (changes or {}).items()},
        note=note,
        ip_address=client_ip(request),
    )
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        entry.target_id = str(target.pk)
    return entry


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    target_repr: str = "",
    node=None,
    changes: dict | None = None,
    note: str = "",
    request=None,
) -> AuditEntry:
    """Append one entry. ``actor`` may be None (the system) or an anonymous user."""
    entry = audit_entry(
        actor=actor,
        action=action,
        target=target,
        target_repr=target_repr,
        node=node,
        changes=changes,
        note=note,
        request=request,
    )
    entry.save()
    return entry


def audit_record_many(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Append entries made by ``audit_entry`` in one INSERT (a history recorded at once)."""
    return AuditEntry.objects.bulk_create(entries)


def access_denied_note(*, actor, request=None, target: models.Model | None = None, node=None, target_repr: str = ""):
    """A request was denied (an object outside the user's subtree, a 403). Noted on the request and written once
    the response is made (``middleware.DeniedAccessMiddleware``, which knows the moment and stands outside the
    view's transaction); with no request, or outside the middleware, written at once as a plain entry."""
    denials = getattr(request, DENIALS_ATTR, None)
    if denials is None:
        audit_record(
            actor=actor, action="access.denied", target=target, target_repr=target_repr, node=node, request=request
        )
        return
    denials.append({"actor": actor, "target": target, "node": node, "target_repr": target_repr})


def url_pattern(request) -> str:
    """The URL pattern a request matched (``people/<int:pk>/``), or its path with the numbers taken out."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return match.route[:300]
    return re.sub(r"\d+", "<n>", request.path)[:300]


def access_denied_record(
    *, actor, request, now: datetime.datetime, target=None, node=None, target_repr: str = ""
) -> AuditEntry | None:
    """Count one denial: the first of the user on the request's URL pattern in the hour is an entry of the log (with
    its target and organisation); the repeats add one to that entry's count (``DeniedAccess``). Returns the new
    entry, or None for a repeat."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    key = {"actor": user, "pattern": url_pattern(request), "hour": now.replace(minute=0, second=0, microsecond=0)}
    with transaction.atomic():
        if DeniedAccess.objects.filter(**key).update(count=F("count") + 1, last_at=now):
            return None
        try:
            with transaction.atomic():
                entry = audit_record(
                    actor=actor,
                    action="access.denied",
                    target=target,
                    target_repr=target_repr,
                    node=node,
                    request=request,
                )
                DeniedAccess.objects.create(entry=entry, last_at=now, **key)
        except IntegrityError:  # another request of the same user wrote the hour's first one meanwhile
            DeniedAccess.objects.filter(**key).update(count=F("count") + 1, last_at=now)
            return None
    return entry
