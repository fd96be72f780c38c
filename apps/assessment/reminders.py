"""Reminder sources of the assessment (ADR 7): the self-assessment due (the assessed organisation's secretary), the
review due (the committee's organisation staff) and the news that a submission was returned (the secretary, at once).
The subject is the sheet; a sheet no longer waiting for it is not reminded any more."""

from __future__ import annotations

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, in_window, object_url, register

from .choices import EventKind, SchemeStatus, SheetStatus
from .models import Sheet

SELF_DUE = "assessment.self_due"
REVIEW_DUE = "assessment.review_due"
RETURNED = "assessment.returned"
SELF_STATES = (SheetStatus.NOT_STARTED, SheetStatus.DRAFT, SheetStatus.RETURNED)


def _rows(field, states, today, earliest, latest):
    qs = Sheet.objects.filter(status__in=states, scheme__status=SchemeStatus.PUBLISHED)
    return in_window(qs, f"scheme__{field}", earliest, latest).values_list(
        "pk", f"scheme__{field}", "node_id", "node__path", "node__name", "scheme__year"
    )


def _self_due(today, earliest, latest):
    for pk, due_on, node_id, path, name, year in _rows("self_due_on", SELF_STATES, today, earliest, latest).iterator(
        chunk_size=5000
    ):
        yield Due(pk, due_on, node_id, path, None, {"name": name, "year": year})


def _review_due(today, earliest, latest):
    rows = _rows("review_due_on", (SheetStatus.SUBMITTED,), today, earliest, latest)
    for pk, due_on, node_id, path, name, year in rows.iterator(chunk_size=5000):
        yield Due(pk, due_on, node_id, path, None, {"name": name, "year": year})


def _current(states, field):
    def current(ids, today):
        return dict(Sheet.objects.filter(pk__in=ids, status__in=states).values_list("pk", f"scheme__{field}"))

    return current


def _returned_current(ids, today):
    """A returned sheet's news stays current (under the day it was returned) until the sheet is resubmitted."""
    rows = (
        Sheet.objects.filter(pk__in=ids, status=SheetStatus.RETURNED)
        .annotate(returned_at=Max("events__at", filter=Q(events__kind=EventKind.RETURNED)))
        .values_list("pk", "returned_at")
    )
    return {pk: timezone.localdate(at) for pk, at in rows if at is not None}


def _never_swept(today, earliest, latest):
    """News is created when it happens (``services.sheet_return``), never found by the sweep."""
    return iter(())


def returned_due(sheet, *, today) -> Due:
    return Due(
        sheet.pk, today, sheet.node_id, sheet.node.path, None, {"name": sheet.node.name, "year": sheet.scheme.year}
    )


def _sheet_url(due, role):
    return object_url("assessment:sheet", due.subject_id)


register(
    Source(
        code=SELF_DUE,
        label=gettext_lazy("Self-assessment due"),
        roles=(RecipientRole.SECRETARY, RecipientRole.ORGANISER),
        dues=_self_due,
        current=_current(SELF_STATES, "self_due_on"),
        title=lambda p: (
            _("Self-assessment %(year)s due: %(name)s") % {"year": p.get("year", ""), "name": p.get("name", "")}
        ),
        url=_sheet_url,
        help_text=gettext_lazy("The date the scheme sets for the organisations to submit their self-assessment."),
    )
)
register(
    Source(
        code=REVIEW_DUE,
        label=gettext_lazy("Assessment review due"),
        roles=(RecipientRole.COMMITTEE_STAFF,),
        dues=_review_due,
        current=_current((SheetStatus.SUBMITTED,), "review_due_on"),
        title=lambda p: (
            _("Review the assessment %(year)s of %(name)s") % {"year": p.get("year", ""), "name": p.get("name", "")}
        ),
        url=_sheet_url,
        help_text=gettext_lazy("The date the scheme sets for the review of the submitted sheets."),
    )
)
register(
    Source(
        code=RETURNED,
        label=gettext_lazy("Self-assessment returned"),
        roles=(RecipientRole.SECRETARY, RecipientRole.ORGANISER),
        dues=_never_swept,
        current=_returned_current,
        title=lambda p: (
            _("Self-assessment %(year)s returned: %(name)s") % {"year": p.get("year", ""), "name": p.get("name", "")}
        ),
        url=_sheet_url,
        help_text=gettext_lazy("The reviewing level returned the sheet with a reason; the organisation resubmits."),
        news=True,
    )
)
