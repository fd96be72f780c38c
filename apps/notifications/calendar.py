"""iCalendar (RFC 5545) output of a user's deadlines: all-day events, stable UIDs, lines folded at 75 octets."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import translation


def _escape(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, current = [], ""
    for char in line:
        limit = 75 if not out else 74  # continuation lines start with a space
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def ical(events, *, user, request, now: datetime.datetime) -> str:
    from .delivery import language_of

    person = getattr(user, "person", None)
    language = language_of(person) if person is not None else (user.language or settings.LANGUAGE_CODE)
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//PartyPortal//Deadlines//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:PartyPortal",
    ]
    with translation.override(language):
        for source, due, role in events:
            start = due.due_on
            lines += [
                "BEGIN:VEVENT",
                f"UID:{source.code}-{due.subject_id}-{start:%Y%m%d}@{settings.NOTIFY_MESSAGE_DOMAIN}",
                f"DTSTAMP:{stamp}",
                f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
                f"DTEND;VALUE=DATE:{start + datetime.timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{_escape(source.title(due.params))}",
                f"DESCRIPTION:{_escape(source.label)}",
                f"URL:{request.build_absolute_uri(source.url(due, role))}",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
