"""The assessment's indicator source of this app (``apps.assessment.sources``): corrective actions overdue
(整改逾期). Registered here, in ``AppConfig.ready``: the assessment sits below and never imports this app."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.assessment.sources import IndicatorSource, register
from apps.notifications.sources import object_url

from .choices import WORKING
from .models import CorrectiveAction

STEP = 4  # the tree's path step (django-treebeard's default)


def _owners(path: str, by_path: dict) -> list:
    return [by_path[path[:i]] for i in range(STEP, len(path) + 1, STEP) if path[:i] in by_path]


def overdue_facts(*, nodes, year: int, as_of: datetime.date) -> dict[int, dict]:
    """One event per corrective action of the organisation (or below it) still being worked on past its due date
    on the day scored (the year's end, or today within the year). An action closed leaves the list. An
    organisation with no corrective action has none overdue: zero events, which is data (a sheet is never held
    back because nothing needed correcting). One query, whatever the number of organisations."""
    day = min(as_of, datetime.date(year, 12, 31))
    by_path = {n.path: n for n in nodes}
    roots = sorted(by_path)
    out: dict[int, dict] = {node.pk: {"events": []} for node in nodes}
    under = Q()
    for path in roots:
        under |= Q(node__path__startswith=path)
    base = CorrectiveAction.objects.filter(under).order_by()
    rows = (
        base.filter(state__in=WORKING, due_on__lt=day, opened_on__lte=day)
        .values_list("pk", "node__path", "title", "due_on")
        .order_by("due_on", "pk")
    )
    for pk, path, title, due_on in rows:
        for node in _owners(path, by_path):
            out[node.pk]["events"].append(
                {
                    "key": f"action-{pk}",
                    "label": _("Corrective action “%(title)s” overdue since %(date)s")
                    % {"title": title, "date": due_on.isoformat()},
                    "url": object_url("improvement:action", pk),
                }
            )
    return out


SOURCE_CODE = "improvement.corrective_overdue"

register(
    IndicatorSource(
        SOURCE_CODE,
        gettext_lazy("Corrective actions overdue (整改逾期)"),
        gettext_lazy(
            "One event per corrective action of the organisation (or below it) opened and not closed after its due "
            "date, on the last day of the year (or today within the year); an action closed after the effectiveness "
            "check no longer counts. An organisation with no corrective action has none overdue."
        ),
        overdue_facts,
    )
)
