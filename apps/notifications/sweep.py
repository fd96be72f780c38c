"""The sweep: what is due now, for whom, as reminder rows with a unique key.

``sweep`` reads top-down: the active rules (one query), the officials and the preferences (one query each); then per
source its dues (one query) and, when one of its rules reminds them, the contacts (one query); each due becomes a row
per recipient of the occurrence due today; the rows already there are dropped (one query) and the rest go in with one
INSERT … ON CONFLICT DO NOTHING. The number of queries does not grow with the number of people or cases, and running
the sweep twice, or in two processes at once, creates nothing twice (the unique key rule × subject × due date × offset
× recipient decides). Deadlines are rows swept every few minutes, never long-delayed messages.

Which rules apply to a subject: those of the nearest organisation at or above the subject's node that has active
rules for the source (its branch's, its general branch's, its committee's), else the defaults (no organisation).
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace

from django.db import connection, transaction

from apps.organisations.selectors import paths_up, post_holders
from apps.people.models import Person

from . import sources
from .choices import IMMEDIATE_BY_DEFAULT, OFFICIAL_ROLE_CODES, EmailMode, EmailState, RecipientRole
from .models import Preference, Reminder, ReminderRule
from .sources import Due, Source

# Without reminders after the deadline, a sweep that did not run for a while still sends the last lead reminder of
# a deadline up to this many days late; with them, overdue subjects are swept however old.
CATCH_UP_DAYS = 7
ROLE_ORDER = list(RecipientRole.values)


@dataclass
class SweepResult:
    """What one sweep did: the dues it looked at and the reminders it inserted."""

    considered: int = 0
    created: int = 0


def sweep(*, today: datetime.date, now: datetime.datetime) -> SweepResult:
    """Insert the reminders due ``today`` (stamped ``now``). Idempotent and safe to run concurrently."""
    result = SweepResult()
    books = _rule_books()
    if not books:
        return result
    officials = Officials.load(today)
    preferences = _preferences()
    rows: list[ReminderRow] = []
    for source, book in _sources(books):
        earliest, latest = book.window(today)
        dues = list(source.dues(today, earliest, latest))
        result.considered += len(dues)
        audience = Audience.load(source, book, officials, today=today, earliest=earliest, latest=latest)
        rows.extend(_rows(dues, book, audience, preferences, today=today, now=now))
    fresh = _not_yet_there(rows) if rows else []
    if fresh:
        result.created = _insert(fresh, now=now)
    return result


def sweep_dues(*, source: Source, dues: list[Due], today: datetime.date, now: datetime.datetime) -> int:
    """The reminders of these dues of one source, at once rather than at the next sweep (news such as an objection
    answered): the same rules, recipients, unique key and outbox as the sweep. A recipient without an e-mail address
    gets the portal notification only. Returns how many were created (0 when no active rule asks for them)."""
    book = _rule_books(source=source.code).get(source.code)
    if book is None or not dues:
        return 0
    audience = Audience.load(source, book, Officials.load(today), today=today, earliest=today, latest=today)
    rows = list(_rows(dues, book, audience, _preferences(), today=today, now=now))
    if not rows:
        return 0
    with_address = _people_with_address({row.person_id for row in rows})
    rows = [
        row if row.person_id in with_address else replace(row, email_state=EmailState.NONE, next_attempt_at=None)
        for row in rows
    ]
    fresh = _not_yet_there(rows)
    return _insert(fresh, now=now) if fresh else 0


def _people_with_address(person_ids: set[int]) -> set[int]:
    rows = Person.objects.filter(pk__in=person_ids).values_list("pk", "email", "user__email")
    return {pk for pk, email, user_email in rows if email or user_email}


def deadlines_for(person_id: int, *, start: datetime.date, end: datetime.date, today: datetime.date):
    """The deadlines between ``start`` and ``end`` of which this person is a recipient under the active rules:
    [(source, due, role)], one per subject and date (the calendar feed)."""
    books = _rule_books()
    officials = Officials.load(today)
    found = {}
    for source, book in _sources(books):
        audience = Audience.load(source, book, officials, today=today, earliest=start, latest=end)
        for due in source.dues(today, start, end):
            role = _role_of(person_id, due, book, audience)
            if role is not None:
                found.setdefault((source.code, due.subject_id, due.due_on), (source, due, role))
    return sorted(found.values(), key=lambda item: (item[1].due_on, item[0].code, item[1].subject_id))


# --- the rules -------------------------------------------------------------------------------------------------------


@dataclass
class RuleBook:
    """The active rules of one source: the defaults, and the rules of each organisation by its path."""

    defaults: list[ReminderRule] = field(default_factory=list)
    by_path: dict[str, list[ReminderRule]] = field(default_factory=dict)

    def add(self, rule: ReminderRule) -> None:
        if rule.committee_id is None:
            self.defaults.append(rule)
        else:
            self.by_path.setdefault(rule.committee.path, []).append(rule)

    def rules_for(self, path: str) -> list[ReminderRule]:
        """The rules of the nearest organisation at or above ``path`` that has some, else the defaults."""
        for up in paths_up(path):
            if up in self.by_path:
                return self.by_path[up]
        return self.defaults

    @property
    def every_rule(self) -> list[ReminderRule]:
        return self.defaults + [rule for rules in self.by_path.values() for rule in rules]

    def reminds(self, role: str) -> bool:
        return any(role in rule.recipients for rule in self.every_rule)

    def window(self, today: datetime.date) -> tuple[datetime.date | None, datetime.date]:
        """(earliest, latest) due date one of the rules may remind of today: up to the longest lead time ahead;
        behind, without a bound if a rule reminds while overdue, else ``CATCH_UP_DAYS``."""
        rules = self.every_rule
        latest = today + datetime.timedelta(days=max(max(rule.leads) for rule in rules))
        if any(rule.overdue_every_days for rule in rules):
            return None, latest
        return today - datetime.timedelta(days=CATCH_UP_DAYS), latest


def _rule_books(*, source: str | None = None) -> dict[str, RuleBook]:
    """{source code: its rule book} of the active rules, of every source or of one (one query)."""
    books: dict[str, RuleBook] = {}
    rules = ReminderRule.objects.filter(is_active=True).select_related("committee")
    for rule in rules.filter(source=source) if source else rules:
        books.setdefault(rule.source, RuleBook()).add(rule)
    return books


def _sources(books: dict[str, RuleBook]) -> Iterator[tuple[Source, RuleBook]]:
    """(source, its rules) for the rules whose source is registered (an app may have been removed since)."""
    for code, book in books.items():
        source = sources.get(code)
        if source is not None:
            yield source, book


def current_offset(delta: int, leads: list[int], overdue_every: int) -> int | None:
    """The occurrence due now: ``delta`` = today − deadline in days; ``leads`` in days before; ``None`` if nothing
    is due yet. Only the latest occurrence is sent, so a sweep that catches up sends one reminder, not five."""
    candidates = [-lead for lead in leads if -lead <= delta]
    if overdue_every and delta >= overdue_every:
        candidates.append(delta - delta % overdue_every)
    return max(candidates) if candidates else None


# --- the recipients --------------------------------------------------------------------------------------------------


@dataclass
class Officials:
    """The holders of official posts by node path, loaded once per sweep."""

    by_path: dict[str, dict[str, list[int]]]

    @classmethod
    def load(cls, today: datetime.date) -> Officials:
        role_of_code = {code: role for role, code in OFFICIAL_ROLE_CODES.items()}
        by_path: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for person_id, path, code in post_holders(role_codes=role_of_code, today=today):
            by_path[path][role_of_code[code]].append(person_id)
        return cls(by_path=by_path)

    def nearest(self, path: str, role: str) -> list[int]:
        """Holders on the node or, failing that, on the nearest node above it (a group's branch secretary)."""
        for up in paths_up(path):
            found = self.by_path.get(up, {}).get(role)
            if found:
                return found
        return []

    def above(self, path: str, role: str) -> list[int]:
        """Holders on the node and every node above it, from the top (the committee's staff)."""
        return [person for up in reversed(paths_up(path)) for person in self.by_path.get(up, {}).get(role, ())]


@dataclass
class Audience:
    """Who hears of a source's dues: the person concerned, the contacts, the officials by their posts."""

    source: Source
    officials: Officials
    contacts: dict[int, list[int]]

    @classmethod
    def load(cls, source: Source, book: RuleBook, officials: Officials, *, today, earliest, latest) -> Audience:
        """The source's contacts are read (one query) only when one of its rules reminds them."""
        wanted = source.contacts is not None and book.reminds(RecipientRole.CONTACTS)
        contacts = source.contacts(today, earliest, latest) if wanted else {}
        return cls(source=source, officials=officials, contacts=contacts)

    def of(self, due: Due, rule: ReminderRule) -> Iterator[tuple[int, str]]:
        """(person id, role) for each recipient of a due under a rule, each person once, in the order of ROLE_ORDER."""
        seen: set[int] = set()
        for role in self._roles(due, rule):
            for person_id in self._people(due, role):
                if person_id not in seen:
                    seen.add(person_id)
                    yield person_id, role

    def _roles(self, due: Due, rule: ReminderRule) -> Iterator[str]:
        applies = self.source.applies
        for role in sorted(rule.recipients, key=ROLE_ORDER.index):
            if role in self.source.roles and (applies is None or applies(due, role)):
                yield role

    def _people(self, due: Due, role: str) -> list[int]:
        if role == RecipientRole.SUBJECT:
            return [due.person_id] if due.person_id else []
        if role == RecipientRole.CONTACTS:
            return self.contacts.get(due.subject_id, [])
        if role == RecipientRole.COMMITTEE_STAFF:
            return self.officials.above(due.node_path, role)
        return self.officials.nearest(due.node_path, role)


def _role_of(person_id: int, due: Due, book: RuleBook, audience: Audience) -> str | None:
    """The role in which the person hears of a due under the first of its rules that reminds them, or None."""
    for rule in book.rules_for(due.node_path):
        for recipient, role in audience.of(due, rule):
            if recipient == person_id:
                return role
    return None


def _preferences() -> dict[int, str]:
    """{person id: e-mail mode} of the people who chose something other than the default."""
    return dict(
        Preference.objects.exclude(email_mode=EmailMode.AUTO)
        .filter(user__person__isnull=False)
        .values_list("user__person__id", "email_mode")
    )


def email_state(rule: ReminderRule, role: str, mode: str) -> str:
    """How the reminder leaves by e-mail: not at all, at once, or in the recipient's daily digest."""
    if not rule.by_email:
        return EmailState.NONE
    immediate = (
        not rule.digest_allowed
        or mode == EmailMode.IMMEDIATE
        or (mode == EmailMode.AUTO and role in IMMEDIATE_BY_DEFAULT)
    )
    return EmailState.PENDING if immediate else EmailState.DIGEST


# --- the rows --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderRow:
    """A reminder to insert, field for field the ``Reminder`` columns of the same names (lighter than a model
    instance: the sweep makes tens of thousands)."""

    rule_id: int
    source: str
    subject_id: int
    due_on: datetime.date
    offset: int
    person_id: int
    role: str
    node_id: int
    params: dict
    url: str
    in_portal: bool
    email_state: str
    next_attempt_at: datetime.datetime | None

    @property
    def key(self) -> tuple:
        """The unique key of the reminder (``reminder_once_per_occurrence``)."""
        return tuple(getattr(self, name) for name in UNIQUE_KEY)

    def values(self) -> dict:
        return {name: getattr(self, name) for name in ROW_FIELDS}


ROW_FIELDS = tuple(f.name for f in fields(ReminderRow))
UNIQUE_KEY = ("rule_id", "subject_id", "due_on", "offset", "person_id")
# The outbox columns of a new reminder: not yet tried (``created_at`` is the sweep's ``now``).
NEW_OUTBOX = {"attempts": 0, "last_error": "", "sent_to": ""}
COLUMNS = [*ROW_FIELDS, *NEW_OUTBOX, "created_at"]


def _rows(
    dues: Iterable[Due], book: RuleBook, audience: Audience, preferences: dict[int, str], *, today, now
) -> Iterator[ReminderRow]:
    """The reminders of a source's dues: for each due and each of its rules, one per recipient of the occurrence due
    today, if any."""
    for due in dues:
        delta = (today - due.due_on).days
        for rule in book.rules_for(due.node_path):
            offset = current_offset(delta, rule.leads, rule.overdue_every_days)
            if offset is not None:
                yield from _rows_of(due, rule, offset, audience, preferences, now=now)


def _rows_of(
    due: Due, rule: ReminderRule, offset: int, audience: Audience, preferences: dict[int, str], *, now
) -> Iterator[ReminderRow]:
    source = audience.source
    for person_id, role in audience.of(due, rule):
        state = email_state(rule, role, preferences.get(person_id, EmailMode.AUTO))
        yield ReminderRow(
            rule_id=rule.pk,
            source=source.code,
            subject_id=due.subject_id,
            due_on=due.due_on,
            offset=offset,
            person_id=person_id,
            role=role,
            node_id=due.node_id,
            params=due.params,
            url=source.url(due, role),
            in_portal=rule.in_portal,
            email_state=state,
            next_attempt_at=now if state == EmailState.PENDING else None,
        )


def _not_yet_there(rows: list[ReminderRow]) -> list[ReminderRow]:
    """Drop the rows whose key exists already (one query), so a repeated sweep writes nothing. The unique
    constraint still decides between two sweeps running at the same moment."""
    low, high = min(r.due_on for r in rows), max(r.due_on for r in rows)
    existing = set(Reminder.objects.filter(due_on__gte=low, due_on__lte=high).values_list(*UNIQUE_KEY))
    return [r for r in rows if r.key not in existing]


def _insert(rows: list[ReminderRow], *, now: datetime.datetime) -> int:
    """INSERT … ON CONFLICT DO NOTHING of all rows; returns how many were new."""
    if connection.vendor == "postgresql":
        return _insert_by_copy(rows, now=now)
    with transaction.atomic():  # SQLite: one writer at a time, so the difference is this sweep's rows
        before = Reminder.objects.count()
        Reminder.objects.bulk_create([Reminder(**r.values()) for r in rows], ignore_conflicts=True)
        return Reminder.objects.count() - before


def _insert_by_copy(rows: list[ReminderRow], *, now: datetime.datetime) -> int:
    """PostgreSQL: COPY into a temporary table (tens of thousands of rows in well under a second), then one
    INSERT … SELECT … ON CONFLICT DO NOTHING."""
    table = connection.ops.quote_name(Reminder._meta.db_table)  # quoted: the data-version watch reads the name
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE reminder_in ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY reminder_in ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(_copy_values(row, now=now))
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM reminder_in ON CONFLICT DO NOTHING")
        inserted = cursor.rowcount
        cursor.execute("DROP TABLE reminder_in")  # now, not at the commit of an enclosing transaction
    return inserted


def _copy_values(row: ReminderRow, *, now: datetime.datetime) -> list:
    """The row's values in the order of ``COLUMNS``, the details as JSON."""
    values = row.values()
    values["params"] = json.dumps(row.params, ensure_ascii=False)
    return [*values.values(), *NEW_OUTBOX.values(), now]
