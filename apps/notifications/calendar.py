"""iCalendar (RFC 5545) output of a user's deadlines: all-day events with stable UIDs, written by the ``icalendar``
library, which escapes and folds every text (never string building: a carriage return in a title added lines)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import translation
from icalendar import Calendar, Event

from apps.organisations.validators import one_line


def ical(events, *, user, request, now: datetime.datetime) -> bytes:
    from .delivery import language_of

    person = getattr(user, "person", None)
    language = language_of(person) if person is not None else (user.language or settings.LANGUAGE_CODE)
    calendar = Calendar()
    for name, value in (
        ("prodid", "-//PartyPortal//Deadlines//EN"),
        ("version", "2.0"),
        ("calscale", "GREGORIAN"),
        ("method", "PUBLISH"),
        ("x-wr-calname", "PartyPortal"),
    ):
        calendar.add(name, value)
    stamp = now.astimezone(datetime.UTC)
    with translation.override(language):
        for source, due, role in events:
            start = due.due_on
            event = Event()
            event.add("uid", f"{source.code}-{due.subject_id}-{start:%Y%m%d}@{settings.NOTIFY_MESSAGE_DOMAIN}")
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", start + datetime.timedelta(days=1))
            event.add("summary", one_line(source.title(due.params)))
            event.add("description", str(source.label))
            event.add("url", request.build_absolute_uri(source.url(due, role)))
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    return calendar.to_ical()
