"""The sweep: what is due now, for whom, as reminder rows with a unique key.

Set-based: per source one query for the dues, one for the contacts, and per sweep one for the officials and one for
the preferences; then one INSERT … ON CONFLICT DO NOTHING. The number of queries does not grow with the number of
people or cases, and running the sweep twice, or in two processes at once, creates nothing twice (the unique key
rule × subject × due date × offset × recipient decides). Deadlines are rows swept every few minutes, never
long-delayed messages.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q

from . import sources
from .choices import IMMEDIATE_BY_DEFAULT, OFFICIAL_ROLE_CODES, EmailMode, EmailState, RecipientRole
from .models import Preference, Reminder, ReminderRule

# Without reminders after the deadline, a sweep that did not run for a while still sends the last lead reminder of
# a deadline up to this many days late; with them, overdue subjects are swept however old.
CATCH_UP_DAYS = 7
ROLE_ORDER = list(RecipientRole.values)


def current_offset(delta: int, leads: list[int], overdue_every: int) -> int | None:
    """The occurrence due now: ``delta`` = today − deadline in days; ``leads`` in days before; ``None`` if nothing
    is due yet. Only the latest occurrence is sent, so a sweep that catches up sends one reminder, not five."""
    candidates = [-lead for lead in leads if -lead <= delta]
    if overdue_every and delta >= overdue_every:
        candidates.append(delta - delta % overdue_every)
    return max(candidates) if candidates else None


@dataclass
class Officials:
    """The holders of official posts by node path, loaded once per sweep."""

    by_path: dict[str, dict[str, list[int]]]
    steplen: int = 4

    @classmethod
    def load(cls, today: datetime.date) -> Officials:
        from apps.organisations.models import OrgNode, Post

        role_of_code = {code: role for role, code in OFFICIAL_ROLE_CODES.items()}
        rows = (
            Post.objects.filter(title__role__code__in=role_of_code, started_on__lte=today)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
            .values_list("person_id", "node__path", "title__role__code")
        )
        by_path: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for person_id, path, code in rows:
            by_path[path][role_of_code[code]].append(person_id)
        return cls(by_path=by_path, steplen=OrgNode.steplen)

    def nearest(self, path: str, role: str) -> list[int]:
        """Holders on the node or, failing that, on the nearest node above it (a group's branch secretary)."""
        for end in range(len(path), 0, -self.steplen):
            found = self.by_path.get(path[:end], {}).get(role)
            if found:
                return found
        return []

    def above(self, path: str, role: str) -> list[int]:
        """Holders on the node and every node above it (the committee's staff)."""
        found: list[int] = []
        for end in range(self.steplen, len(path) + 1, self.steplen):
            found.extend(self.by_path.get(path[:end], {}).get(role, ()))
        return found


def _preferences() -> dict[int, str]:
    """{person id: e-mail mode} of the people who chose something other than the default."""
    return dict(
        Preference.objects.exclude(email_mode=EmailMode.AUTO)
        .filter(user__person__isnull=False)
        .values_list("user__person__id", "email_mode")
    )


def _rules_by_source() -> dict[str, tuple[list[ReminderRule], dict[str, list[ReminderRule]]]]:
    """{source: (default rules, {committee path: that committee's rules})} of the active rules."""
    grouped: dict[str, tuple[list, dict]] = {}
    for rule in ReminderRule.objects.filter(is_active=True).select_related("committee"):
        defaults, local = grouped.setdefault(rule.source, ([], defaultdict(list)))
        if rule.committee_id is None:
            defaults.append(rule)
        else:
            local[rule.committee.path].append(rule)
    return grouped


def _contacts(source, rules: list, today, earliest, latest) -> dict[int, list[int]]:
    """The contacts of the source's subjects, when one of its rules reminds them (one query), else nothing."""
    if source.contacts is None or not any(RecipientRole.CONTACTS in r.recipients for r in rules):
        return {}
    return source.contacts(today, earliest, latest)


def _rules_for(path: str, defaults: list, local: dict[str, list]) -> list:
    for committee_path, rules in local.items():
        if path.startswith(committee_path):
            return rules
    return defaults


@dataclass
class SweepResult:
    considered: int = 0
    created: int = 0


def sweep(*, today: datetime.date, now: datetime.datetime) -> SweepResult:
    """Insert the reminders due ``today`` (stamped ``now``). Idempotent and safe to run concurrently."""
    result = SweepResult()
    grouped = _rules_by_source()
    if not grouped:
        return result
    officials = Officials.load(today)
    preferences = _preferences()
    rows: list[_Row] = []
    for code, (defaults, local) in grouped.items():
        source = sources.get(code)
        if source is None:
            continue
        every_rule = defaults + [r for rules in local.values() for r in rules]
        latest = today + datetime.timedelta(days=max(max(r.leads) for r in every_rule))
        earliest = None if any(r.overdue_every_days for r in every_rule) else today - datetime.timedelta(CATCH_UP_DAYS)
        dues = list(source.dues(today, earliest, latest))
        result.considered += len(dues)
        contacts = _contacts(source, every_rule, today, earliest, latest)
        for due in dues:
            delta = (today - due.due_on).days
            for rule in _rules_for(due.node_path, defaults, local):
                offset = current_offset(delta, rule.leads, rule.overdue_every_days)
                if offset is None:
                    continue
                if not rule.by_email:
                    state = EmailState.NONE
                for person_id, role in _recipients(due, rule, source, officials, contacts):
                    if rule.by_email:
                        mode = preferences.get(person_id, EmailMode.AUTO)
                        immediate = (
                            not rule.digest_allowed
                            or mode == EmailMode.IMMEDIATE
                            or (mode == EmailMode.AUTO and role in IMMEDIATE_BY_DEFAULT)
                        )
                        state = EmailState.PENDING if immediate else EmailState.DIGEST
                    rows.append(
                        _Row(
                            rule.pk,
                            code,
                            due.subject_id,
                            due.due_on,
                            offset,
                            person_id,
                            role,
                            due.node_id,
                            due.params,
                            source.url(due, role),
                            rule.in_portal,
                            state,
                            now if state == EmailState.PENDING else None,
                        )
                    )
    if rows:
        rows = _not_yet_there(rows)
    if rows:
        result.created = _insert(rows, now=now)
    return result


def _not_yet_there(rows: list[_Row]) -> list[_Row]:
    """Drop the rows whose key exists already (one query), so a repeated sweep writes nothing. The unique
    constraint still decides between two sweeps running at the same moment."""
    low, high = min(r.due_on for r in rows), max(r.due_on for r in rows)
    existing = set(
        Reminder.objects.filter(due_on__gte=low, due_on__lte=high).values_list(
            "rule_id", "subject_id", "due_on", "offset", "person_id"
        )
    )
    return [r for r in rows if (r.rule_id, r.subject_id, r.due_on, r.offset, r.person_id) not in existing]


class _Row(NamedTuple):
    """A reminder to insert (lighter than a model instance: the sweep makes tens of thousands)."""

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


_COLUMNS = [
    "rule_id",
    "source",
    "subject_id",
    "due_on",
    "offset",
    "person_id",
    "role",
    "node_id",
    "params",
    "url",
    "in_portal",
    "email_state",
    "next_attempt_at",
    "attempts",
    "last_error",
    "sent_to",
    "created_at",
]


def _insert(rows: list[_Row], *, now: datetime.datetime) -> int:
    """INSERT … ON CONFLICT DO NOTHING of all rows: on PostgreSQL through COPY into a temporary table (tens of
    thousands of rows in well under a second), elsewhere through bulk_create. Returns how many were new."""
    if connection.vendor != "postgresql":
        with transaction.atomic():  # SQLite: one writer at a time, so the difference is this sweep's rows
            before = Reminder.objects.count()
            Reminder.objects.bulk_create([Reminder(**r._asdict()) for r in rows], ignore_conflicts=True)
            return Reminder.objects.count() - before
    table = Reminder._meta.db_table
    columns = ", ".join(f'"{c}"' for c in _COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE reminder_in ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY reminder_in ({columns}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row((*r[:8], json.dumps(r.params, ensure_ascii=False), *r[9:], 0, "", "", now))
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM reminder_in ON CONFLICT DO NOTHING")
        inserted = cursor.rowcount
        cursor.execute("DROP TABLE reminder_in")  # now, not at the commit of an enclosing transaction
    return inserted


def _recipients(due, rule, source, officials: Officials, contacts: dict[int, list[int]]):
    """(person id, role) for each recipient of a due under a rule, each person once, in the order of ROLE_ORDER."""
    seen: set[int] = set()
    for role in sorted(rule.recipients, key=ROLE_ORDER.index):
        if role not in source.roles or (source.applies and not source.applies(due, role)):
            continue
        if role == RecipientRole.SUBJECT:
            people = [due.person_id] if due.person_id else []
        elif role == RecipientRole.CONTACTS:
            people = contacts.get(due.subject_id, [])
        elif role == RecipientRole.COMMITTEE_STAFF:
            people = officials.above(due.node_path, role)
        else:
            people = officials.nearest(due.node_path, role)
        for person_id in people:
            if person_id not in seen:
                seen.add(person_id)
                yield person_id, role


def deadlines_for(person_id: int, *, start: datetime.date, end: datetime.date, today: datetime.date):
    """The deadlines between ``start`` and ``end`` of which this person is a recipient under the active rules:
    [(source, due, rule)], one per subject and date (the calendar feed)."""
    grouped = _rules_by_source()
    officials = Officials.load(today)
    found = {}
    for code, (defaults, local) in grouped.items():
        source = sources.get(code)
        if source is None:
            continue
        every_rule = defaults + [r for rules in local.values() for r in rules]
        contacts = _contacts(source, every_rule, today, start, end)
        for due in source.dues(today, start, end):
            for rule in _rules_for(due.node_path, defaults, local):
                role = next((r for p, r in _recipients(due, rule, source, officials, contacts) if p == person_id), None)
                if role is not None:
                    found.setdefault((code, due.subject_id, due.due_on), (source, due, role))
                    break
    return sorted(found.values(), key=lambda item: (item[1].due_on, item[0].code, item[1].subject_id))
