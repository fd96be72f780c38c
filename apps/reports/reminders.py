"""News of a scheduled report: its run is done, the file is on the reports page (a link, never the file: ADR 15)."""

from __future__ import annotations

import functools

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, register

REPORT_READY = "reports.ready"


def _never_swept(today, earliest, latest):
    """News is created when the run is done (``schedules.schedule_announce``), never found by the sweep."""
    return iter(())


@functools.cache
def _reports_page() -> str:
    from django.urls import reverse

    return reverse("reports:home")


def report_ready_due(*, run, person, day) -> Due:
    return Due(run.pk, day, person.node_id, person.node.path, person.pk, {"title": run.report_title})


register(
    Source(
        code=REPORT_READY,
        label=gettext_lazy("Scheduled report ready"),
        roles=(RecipientRole.SUBJECT,),
        dues=_never_swept,
        title=lambda p: _("Your scheduled report “%(title)s” is ready") % {"title": p.get("title", "")},
        url=lambda due, role: _reports_page(),
        help_text=gettext_lazy(
            "The owner of a scheduled report hears that its file is ready, with a link to the reports page (the file "
            "itself is never sent)."
        ),
        news=True,
    )
)
