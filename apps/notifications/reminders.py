"""Reminder sources of the apps below notifications: committee terms ending (换届).

Apps above notifications (lifecycle, disclosure) declare their sources in their own ``reminders`` module. The
organisation tree sits below it (notifications reads its posts and permissions), so it must not import notifications:
its source is declared here, over its selectors, and found like the others when the app registry is ready.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.organisations.selectors import open_term_ends, terms_ending

from .choices import RecipientRole
from .sources import Due, Source, object_url, register

# Open terms in one sweep can be many (one per organisation): read them in chunks rather than all at once.
CHUNK_SIZE = 5000


def _terms(today, earliest, latest):
    rows = terms_ending(earliest=earliest, latest=latest).iterator(chunk_size=CHUNK_SIZE)
    for pk, expires_on, node_id, path, name, number in rows:
        yield Due(pk, expires_on, node_id, path, None, {"name": name, "number": number})


def _current(ids, today):
    return open_term_ends(term_ids=ids)


def _title(params: dict) -> str:
    return _("Term %(number)s of %(name)s ends") % {"number": params.get("number"), "name": params.get("name")}


TERM_ENDING = register(
    Source(
        code="organisations.term_ending",
        label=gettext_lazy("Committee term ending"),
        roles=(RecipientRole.SECRETARY, RecipientRole.ORGANISER, RecipientRole.COMMITTEE_STAFF),
        dues=_terms,
        current=_current,
        title=_title,
        url=lambda due, role: object_url("portal:node_detail", due.node_id),
        help_text=gettext_lazy("The end of an elected term: prepare the election in time (换届)."),
    )
)
