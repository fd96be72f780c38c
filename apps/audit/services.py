"""Writing the audit log. Every service that changes state calls ``audit_record`` in its transaction."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


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
    entry.save()
    return entry
