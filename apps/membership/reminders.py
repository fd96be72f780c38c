"""Reminder source of membership: a transfer not completed by its reporting day (the receiving branch has not
accepted, or the receipt of the letter has not come back) — the sending branch is still responsible."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, in_window, object_url, register

from .choices import PENDING_STATES, TransferKind
from .models import Transfer


def _dues(today, earliest, latest):
    rows = in_window(Transfer.objects.filter(state__in=PENDING_STATES), "report_by", earliest, latest).values_list(
        "pk", "report_by", "kind", "from_node_id", "from_node__path", "to_node_id", "to_node__path", "person__name"
    )
    for pk, report_by, kind, from_id, from_path, to_id, to_path, name in rows.iterator(chunk_size=2000):
        node_id, path = (to_id, to_path) if kind == TransferKind.IN else (from_id, from_path)
        yield Due(pk, report_by, node_id, path, None, {"name": name, "kind": kind})


def _current(ids, today):
    return dict(Transfer.objects.filter(pk__in=ids, state__in=PENDING_STATES).values_list("pk", "report_by"))


def _title(params: dict) -> str:
    if params.get("kind") == TransferKind.OUT:
        return _("Receipt of the transfer letter not back: %(name)s") % {"name": params.get("name")}
    return _("Transfer not completed: %(name)s") % {"name": params.get("name")}


TRANSFER_PENDING = register(
    Source(
        code="membership.transfer_pending",
        label=gettext_lazy("Transfer not completed"),
        roles=(RecipientRole.SECRETARY, RecipientRole.ORGANISER, RecipientRole.COMMITTEE_STAFF),
        dues=_dues,
        current=_current,
        title=_title,
        url=lambda due, role: object_url("membership:transfer_detail", due.subject_id),
        help_text=gettext_lazy(
            "A transfer the receiving side has not accepted, or whose letter's receipt has not come back, by the day "
            "the member was to report."
        ),
    )
)
