"""Reminder source of the organisation: committee terms ending (换届)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, in_window, object_url, register


def _terms(today, earliest, latest):
    from .models import Term

    qs = in_window(Term.objects.filter(closed_on__isnull=True), "expires_on", earliest, latest)
    for pk, expires_on, node_id, path, name, number in qs.values_list(
        "pk", "expires_on", "node_id", "node__path", "node__name", "number"
    ).iterator(chunk_size=5000):
        yield Due(pk, expires_on, node_id, path, None, {"name": name, "number": number})


def _current(ids, today):
    from .models import Term

    return dict(Term.objects.filter(pk__in=ids, closed_on__isnull=True).values_list("pk", "expires_on"))


register(
    Source(
        code="organisations.term_ending",
        label=gettext_lazy("Committee term ending"),
        roles=(RecipientRole.SECRETARY, RecipientRole.ORGANISER, RecipientRole.COMMITTEE_STAFF),
        dues=_terms,
        current=_current,
        title=lambda p: _("Term %(number)s of %(name)s ends") % {"number": p.get("number"), "name": p.get("name")},
        url=lambda due, role: object_url("portal:node_detail", due.node_id),
        help_text=gettext_lazy("The end of an elected term: prepare the election in time (换届)."),
    )
)
