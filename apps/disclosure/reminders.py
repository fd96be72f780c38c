"""Reminder sources of the boards: publicity windows closing, objections to be answered."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, object_url, register

OFFICIALS = (RecipientRole.SECRETARY, RecipientRole.ORGANISER, RecipientRole.COMMITTEE_STAFF)


def _window(qs, field, earliest, latest):
    qs = qs.filter(**{f"{field}__lte": latest})
    return qs.filter(**{f"{field}__gte": earliest}) if earliest else qs


def _closing(today, earliest, latest):
    from .models import Notice, NoticeStatus

    rows = _window(
        Notice.objects.filter(status=NoticeStatus.PUBLISHED, opens_on__lte=today), "closes_on", earliest, latest
    ).values_list("pk", "closes_on", "node_id", "node__path", "title", "kind")
    for pk, closes_on, node_id, path, title, kind in rows.iterator(chunk_size=5000):
        yield Due(pk, closes_on, node_id, path, None, {"title": title, "kind": kind})


def _objections(today, earliest, latest):
    from .models import Objection

    rows = _window(Objection.objects.filter(outcome="", due_on__isnull=False), "due_on", earliest, latest).values_list(
        "pk", "due_on", "notice__node_id", "notice__node__path", "notice__title"
    )
    for pk, due_on, node_id, path, title in rows.iterator(chunk_size=5000):
        yield Due(pk, due_on, node_id, path, None, {"title": title})


def _closing_now(ids):
    from .models import Notice, NoticeStatus

    return dict(Notice.objects.filter(pk__in=ids, status=NoticeStatus.PUBLISHED).values_list("pk", "closes_on"))


def _objections_now(ids):
    from .models import Objection

    return dict(Objection.objects.filter(pk__in=ids, outcome="").values_list("pk", "due_on"))


register(
    Source(
        code="disclosure.window_closing",
        label=gettext_lazy("Publicity window closing"),
        roles=OFFICIALS,
        dues=_closing,
        current=_closing_now,
        title=lambda p: _("Publicity closes: %(title)s") % {"title": p.get("title", "")},
        url=lambda due, role: object_url("disclosure:notice", due.subject_id),
        help_text=gettext_lazy("The last day of a published notice's window; the next step waits for it."),
    )
)
register(
    Source(
        code="disclosure.objection_due",
        label=gettext_lazy("Objection to be answered"),
        roles=OFFICIALS,
        dues=_objections,
        current=_objections_now,
        title=lambda p: _("Objection to answer: %(title)s") % {"title": p.get("title", "")},
        url=lambda due, role: object_url("admin:disclosure_objection_change", due.subject_id),
        help_text=gettext_lazy("An objection not yet handled, by its deadline (10 working days unless set otherwise)."),
    )
)
