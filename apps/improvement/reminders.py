"""Reminder sources of corrective actions and commitments (ADR 7): an action due (and overdue: the rule's repeat)
to its owner and the branch's officials; the quarter's progress on the commitments due to each member."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, in_window, object_url, register

from .choices import WORKING, CommitmentState
from .models import Commitment, CorrectiveAction


def _action_dues(today, earliest, latest):
    rows = in_window(CorrectiveAction.objects.filter(state__in=WORKING), "due_on", earliest, latest).values_list(
        "pk", "due_on", "node_id", "node__path", "owner_id", "title"
    )
    for pk, day, node_id, path, owner_id, title in rows:
        yield Due(pk, day, node_id, path, owner_id, {"title": title})


def _action_current(ids, today):
    return dict(CorrectiveAction.objects.filter(pk__in=ids, state__in=WORKING).values_list("pk", "due_on"))


def quarter_end(day: datetime.date) -> datetime.date:
    """The last day of the quarter holding ``day``."""
    month = ((day.month - 1) // 3 + 1) * 3
    first_next = datetime.date(day.year + (month == 12), month % 12 + 1, 1)
    return first_next - datetime.timedelta(days=1)


def _progress_dues(today, earliest, latest):
    """Each vetted commitment of the year without progress of the current quarter, due at the quarter's end."""
    due_on = quarter_end(today)
    if due_on > latest or (earliest and due_on < earliest):
        return
    quarter = (today.month - 1) // 3 + 1
    rows = (
        Commitment.objects.filter(
            year=today.year,
            person__isnull=False,
            state__in=(CommitmentState.APPROVED, CommitmentState.PUBLISHED),
            outcome="",
        )
        .exclude(progress__quarter=quarter)
        .values_list("pk", "node_id", "node__path", "person_id", "text")
    )
    for pk, node_id, path, person_id, text in rows:
        yield Due(pk, due_on, node_id, path, person_id, {"text": text[:40], "quarter": quarter})


def _progress_current(ids, today):
    quarter = (today.month - 1) // 3 + 1
    rows = Commitment.objects.filter(pk__in=ids, outcome="").exclude(progress__quarter=quarter)
    return dict.fromkeys(rows.values_list("pk", flat=True), quarter_end(today))


register(
    Source(
        code="improvement.corrective_due",
        label=gettext_lazy("Corrective action due"),
        roles=(RecipientRole.SUBJECT, RecipientRole.SECRETARY),
        dues=_action_dues,
        current=_action_current,
        title=lambda p: _("Corrective action due: %(title)s") % {"title": p.get("title", "")},
        url=lambda due, role: object_url("improvement:action", due.subject_id),
        help_text=gettext_lazy("The action's owner and the branch secretary, before the due date and while overdue."),
    )
)
register(
    Source(
        code="improvement.progress_due",
        label=gettext_lazy("Quarterly progress on commitments due"),
        roles=(RecipientRole.SUBJECT,),
        dues=_progress_dues,
        current=_progress_current,
        title=lambda p: _("Record this quarter's progress on your commitment: %(text)s") % {"text": p.get("text", "")},
        url=lambda due, role: object_url("improvement:commitment", due.subject_id),
        help_text=gettext_lazy("Each member with a vetted commitment and no progress recorded for the quarter."),
    )
)
