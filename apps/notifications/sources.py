"""The catalogue of reminder sources: what can be due, for whom, and how it reads.

A source is code (it knows its tables); the rules that use it are data (``ReminderRule``: lead times, recipients,
channels, per organisation). Apps declare their sources in a ``reminders`` module, found when the app registry is
ready, so later domains (meetings, dues, assessment) add theirs without touching this one. The apps below this one
(the organisation tree) must not import it: their sources are in this app's own ``reminders`` module.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import reverse

from .choices import RecipientRole


@dataclass(frozen=True)
class Due:
    """One thing due on one day: the subject (a case, a notice, …) and what its reminders need to say."""

    subject_id: int
    due_on: datetime.date
    node_id: int
    node_path: str
    person_id: int | None = None  # the person concerned, if any
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    code: str
    label: str  # lazy translation
    roles: tuple[str, ...]
    # (today, earliest due date or None, latest due date) -> the dues, in one query
    dues: Callable[[datetime.date, datetime.date | None, datetime.date], Iterable[Due]]
    # (params, current language) -> the one-line title of a reminder, e.g. "Talk with the applicant: 张三"
    title: Callable[[dict], str]
    # (due, recipient role) -> the path of the page to open
    url: Callable[[Due | dict, str], str]
    # (today, earliest, latest) -> {subject id: [person ids]} for RecipientRole.CONTACTS, in one query
    contacts: Callable[[datetime.date, datetime.date | None, datetime.date], dict[int, list[int]]] | None = None
    # (due, role) -> False where a role does not apply to this due (e.g. the applicant for the branch's own step)
    applies: Callable[[Due, str], bool] | None = None
    # (subject ids, today) -> {subject id: its deadline today}; a reminder whose subject is no longer due on the
    # reminder's date (the step was recorded, the notice closed, the objection answered) is not e-mailed any more
    current: Callable[[list[int], datetime.date], dict[int, datetime.date]] | None = None
    help_text: str = ""
    # News, not a deadline (an objection answered): created when it happens (``services.reminders_notify``), never
    # swept; it reads "on <date>", not "due", and leaves the current list once read.
    news: bool = False
    # An opening, not a deadline (voting opens): swept like a deadline, but it reads "on <date>", never "was due".
    opening: bool = False
    # Whose reminders only the handlers may see in the admin (manage_people over the reminder's organisation): the
    # recipient is someone whose identity is for the handlers only (the reporter of an objection).
    confidential: bool = False


_REGISTRY: dict[str, Source] = {}


def in_window(queryset, field: str, earliest: datetime.date | None, latest: datetime.date):
    """The rows whose deadline ``field`` lies between ``earliest`` (None: no lower bound) and ``latest``."""
    queryset = queryset.filter(**{f"{field}__lte": latest})
    return queryset.filter(**{f"{field}__gte": earliest}) if earliest else queryset


@functools.cache
def _url_parts(name: str) -> tuple[str, str]:
    marker = 987654321
    prefix, suffix = reverse(name, args=[marker]).split(str(marker))
    return prefix, suffix


def object_url(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a URL with one integer argument, without resolving it each time (the sweep
    builds tens of thousands of links)."""
    prefix, suffix = _url_parts(name)
    return f"{prefix}{pk}{suffix}"


def register(source: Source) -> Source:
    unknown = set(source.roles) - set(RecipientRole.values)
    if unknown:
        raise ValueError(f"unknown recipient roles {unknown} in {source.code}")
    _REGISTRY[source.code] = source
    return source


def get(code: str) -> Source | None:
    return _REGISTRY.get(code)


def all_sources() -> list[Source]:
    return list(_REGISTRY.values())


def confidential_codes() -> list[str]:
    return [s.code for s in _REGISTRY.values() if s.confidential]


def news_codes() -> list[str]:
    return [s.code for s in _REGISTRY.values() if s.news]


def source_choices() -> list[tuple[str, str]]:
    """Choices for ``ReminderRule.source`` (a callable, so sources registered later are included)."""
    return [(s.code, s.label) for s in _REGISTRY.values()]
