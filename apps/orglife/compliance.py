"""Compliance of an organisation's meetings with their frequencies: one pure function, no database.

The branch page, the committee grid, the admin filter, the periodic disclosure, the reminders and
``manage.py orglife_compliance --facts FILE`` all call ``compute``; the pages build the facts from the records
(``selectors.compliance_facts``), the command from a JSON file (``facts_from_dict``).

For the year asked (by default the year of ``as_of``) and each kind the organisation owes:
- the periods are the months (``2026-03``), quarters (``2026-Q2``) or the year (``2026``) of its frequency;
- a period is **owed** when the organisation existed on its first day (a node created mid-year owes from then);
- a period has **ended** when ``as_of`` is after its last day (on 2026-11-30 November is still running);
- a meeting counts for the period of its own date only (two in March do not cover April); a yearly kind counts a
  meeting for the year it is held for (a 组织生活会 for 2025 held in January 2026 counts for 2025);
- meetings dated after ``as_of`` are ignored;
- ``required`` counts the owed periods of the year, ``held`` the owed periods with a meeting (not the meetings),
  ``missing`` the owed periods that ended without one, ``in_progress`` the running period while it has none.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import (
    BASE_COMMITTEE,
    BRANCH,
    COMMITTEE_MEETING,
    COMPLIANCE_KINDS,
    DEFAULT_FREQUENCIES,
    GENERAL_BRANCH,
    GROUP_MEETING,
    KIND_BY_CODE,
    PERIOD_MONTHS,
    Period,
)

NODE_KINDS = (BRANCH, GENERAL_BRANCH, BASE_COMMITTEE)


class State:
    """What a period of a kind is, as of the day asked."""

    HELD = "held"
    MISSING = "missing"
    IN_PROGRESS = "in_progress"
    LATER = "later"  # owed, not begun yet
    NOT_OWED = "not_owed"  # the organisation did not exist on its first day


# The state of a month cell that covers several kinds: the worst first.
SEVERITY = (State.MISSING, State.IN_PROGRESS, State.LATER, State.HELD, State.NOT_OWED)
STATE_LABELS = {
    State.HELD: gettext_lazy("held"),
    State.MISSING: gettext_lazy("missing"),
    State.IN_PROGRESS: gettext_lazy("in progress"),
    State.LATER: gettext_lazy("later"),
    State.NOT_OWED: gettext_lazy("not owed"),
}


@dataclass(frozen=True)
class MeetingFact:
    kinds: tuple[str, ...]
    on: datetime.date
    group: str | None = None  # the party group that held a group meeting
    for_year: int | None = None  # a yearly meeting held for another year


@dataclass(frozen=True)
class GroupFact:
    name: str
    established_on: datetime.date | None = None


@dataclass
class ComplianceFacts:
    as_of: datetime.date
    node_kind: str = BRANCH
    has_committee: bool = False
    groups: tuple[GroupFact, ...] = ()
    established_on: datetime.date | None = None
    policy: dict[str, str] = field(default_factory=dict)
    meetings: list[MeetingFact] = field(default_factory=list)
    year: int | None = None  # the year reported; by default the year of ``as_of``


@dataclass(frozen=True)
class PeriodState:
    name: str
    first: datetime.date
    last: datetime.date
    state: str

    def covers(self, day: datetime.date) -> bool:
        return self.first <= day <= self.last

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def short(self) -> str:
        """The period's name without its year (03, Q2), the year for a yearly one."""
        return self.name[5:] or self.name


@dataclass
class KindReport:
    kind: str
    frequency: str
    periods: list[PeriodState]
    group: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.group}" if self.group is not None else self.kind

    @property
    def frequency_label(self) -> str:
        return Period(self.frequency).label

    @property
    def label(self) -> str:
        label = str(KIND_BY_CODE[self.kind].label)
        return f"{label} · {self.group}" if self.group is not None else label

    def _named(self, *states: str) -> list[str]:
        return [p.name for p in self.periods if p.state in states]

    @property
    def required(self) -> int:
        return sum(p.state != State.NOT_OWED for p in self.periods)

    @property
    def held(self) -> int:
        return sum(p.state == State.HELD for p in self.periods)

    @property
    def missing(self) -> list[str]:
        return self._named(State.MISSING)

    @property
    def in_progress(self) -> list[str]:
        return self._named(State.IN_PROGRESS)

    def state_on(self, day: datetime.date) -> str:
        return next((p.state for p in self.periods if p.covers(day)), State.NOT_OWED)

    def current(self) -> PeriodState | None:
        return next((p for p in self.periods if p.state == State.IN_PROGRESS), None)


@dataclass
class Report:
    year: int
    as_of: datetime.date
    kinds: list[KindReport]

    @property
    def compliant(self) -> bool:
        return not any(k.missing for k in self.kinds)

    def month_state(self, month: int, kinds: Iterable[KindReport] | None = None) -> str:
        """The state of a month across the kinds (all by default), for the grid: the worst of the periods covering
        it, so a quarter that ended without its general meeting makes its three months red. A quarter or a year still
        running is judged when it ends: it shows in the running month only (as in progress), not in the months of
        it already past, which show what was owed in them."""
        day = datetime.date(self.year, month, 1)
        running = (self.as_of.year, self.as_of.month) == (self.year, month)
        states = [k.state_on(day) for k in (self.kinds if kinds is None else kinds)]
        judged = [s for s in states if s != State.IN_PROGRESS or running]
        return worst(judged) if judged else State.IN_PROGRESS

    def kind(self, key: str) -> KindReport | None:
        return next((k for k in self.kinds if k.key == key), None)


# --- periods ------------------------------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def periods_of(year: int, frequency: str) -> list[tuple[str, datetime.date, datetime.date]]:
    """(name, first day, last day) of each period of the year."""
    span = PERIOD_MONTHS[frequency]
    found = []
    for start in range(1, 13, span):
        first, last = datetime.date(year, start, 1), _month_end(year, start + span - 1)
        if frequency == Period.MONTH:
            name = f"{year}-{start:02d}"
        elif frequency == Period.QUARTER:
            name = f"{year}-Q{(start - 1) // 3 + 1}"
        else:
            name = str(year)
        found.append((name, first, last))
    return found


def period_name(day: datetime.date, frequency: str, for_year: int | None = None) -> str:
    """The period a meeting on ``day`` counts for (a yearly kind: the year it is held for)."""
    if frequency == Period.MONTH:
        return f"{day.year}-{day.month:02d}"
    if frequency == Period.QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(for_year or day.year)


# --- the calculator -----------------------------------------------------------------------------------------------


def applicable(facts: ComplianceFacts) -> list[tuple[str, GroupFact | None]]:
    """(kind, group) of every kind the organisation owes, in the registry's order; group meetings per group."""
    found: list[tuple[str, GroupFact | None]] = []
    for code in COMPLIANCE_KINDS:
        if facts.node_kind not in KIND_BY_CODE[code].applies_to:
            continue
        if code == GROUP_MEETING:
            found += [(code, group) for group in facts.groups]
        elif code != COMMITTEE_MEETING or facts.has_committee:
            found.append((code, None))
    return found


def _held(facts: ComplianceFacts, kind: str, group: GroupFact | None, frequency: str) -> set[str]:
    held = set()
    for meeting in facts.meetings:
        if kind not in meeting.kinds or meeting.on > facts.as_of:
            continue
        if group is not None and meeting.group != group.name:
            continue
        held.add(period_name(meeting.on, frequency, meeting.for_year if frequency == Period.YEAR else None))
    return held


def _state(first, last, *, as_of, since, held: bool) -> str:
    if since is not None and since > first:
        return State.NOT_OWED
    if held:
        return State.HELD
    if as_of > last:
        return State.MISSING
    if as_of >= first:
        return State.IN_PROGRESS
    return State.LATER


def compute(facts: ComplianceFacts) -> Report:
    """Required, held, missing and running periods of every kind the organisation owes in the year."""
    year = facts.year or facts.as_of.year
    reports = []
    for kind, group in applicable(facts):
        frequency = facts.policy.get(kind) or DEFAULT_FREQUENCIES[kind]
        held = _held(facts, kind, group, frequency)
        since = facts.established_on
        if group is not None and group.established_on is not None:
            since = max(since, group.established_on) if since else group.established_on
        periods = [
            PeriodState(name, first, last, _state(first, last, as_of=facts.as_of, since=since, held=name in held))
            for name, first, last in periods_of(year, frequency)
        ]
        reports.append(KindReport(kind=kind, frequency=frequency, periods=periods, group=group and group.name))
    return Report(year=year, as_of=facts.as_of, kinds=reports)


# --- the outside-checkable form: JSON in, JSON out ----------------------------------------------------------------


class FactsError(ValueError):
    """The facts cannot be read: the message names the field and the rule (translated)."""


def _date(value, where: str) -> datetime.date:
    if not isinstance(value, str):
        raise FactsError(_("%(field)s must be a date written YYYY-MM-DD.") % {"field": where})
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise FactsError(
            _("%(field)s must be a date written YYYY-MM-DD, not “%(value)s”.") % {"field": where, "value": value}
        ) from None


def _kind(value, where: str) -> str:
    if value not in COMPLIANCE_KINDS:
        raise FactsError(
            _("%(field)s: unknown kind “%(value)s”; the kinds are %(kinds)s.")
            % {"field": where, "value": value, "kinds": ", ".join(COMPLIANCE_KINDS)}
        )
    return value


def _meeting(item, index: int) -> MeetingFact:
    where = f"meetings[{index}]"
    if not isinstance(item, dict):
        raise FactsError(_("%(field)s must be an object.") % {"field": where})
    if "kinds" in item:
        kinds = item["kinds"]
        if not isinstance(kinds, list) or not kinds:
            raise FactsError(_("%(field)s must be a non-empty list of kinds.") % {"field": f"{where}.kinds"})
    elif "kind" in item:
        kinds = [item["kind"]]
    else:
        raise FactsError(_("%(field)s needs “kind” or “kinds”.") % {"field": where})
    kinds = tuple(_kind(k, f"{where}.kinds") for k in kinds)
    group = item.get("group")
    if GROUP_MEETING in kinds and not (isinstance(group, str) and group):
        raise FactsError(_("%(field)s: a group meeting names its “group”.") % {"field": where})
    for_year = item.get("for_year")
    if for_year is not None and (isinstance(for_year, bool) or not isinstance(for_year, int)):
        raise FactsError(_("%(field)s must be a year such as 2025.") % {"field": f"{where}.for_year"})
    return MeetingFact(kinds=kinds, on=_date(item.get("date"), f"{where}.date"), group=group, for_year=for_year)


def facts_from_dict(data) -> ComplianceFacts:
    """Read the facts of ``orglife_compliance --facts``; raises ``FactsError`` naming what is wrong."""
    if not isinstance(data, dict):
        raise FactsError(_("The facts must be a JSON object."))
    node_kind = data.get("node_kind")
    if node_kind not in NODE_KINDS:
        raise FactsError(
            _("node_kind must be one of %(kinds)s, not “%(value)s”.")
            % {"kinds": ", ".join(NODE_KINDS), "value": node_kind}
        )
    groups = data.get("groups") or []
    if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
        raise FactsError(_("groups must be a list of group names."))
    if len(set(groups)) != len(groups):
        raise FactsError(_("groups must not name a group twice."))
    policy = data.get("policy") or {}
    if not isinstance(policy, dict):
        raise FactsError(_("policy must map kinds to month, quarter or year."))
    for kind, frequency in policy.items():
        _kind(kind, "policy")
        if frequency not in Period.values:
            raise FactsError(
                _("policy.%(kind)s must be month, quarter or year, not “%(value)s”.")
                % {"kind": kind, "value": frequency}
            )
    meetings = data.get("meetings") or []
    if not isinstance(meetings, list):
        raise FactsError(_("meetings must be a list."))
    has_committee = data.get("has_committee", False)
    if not isinstance(has_committee, bool):
        raise FactsError(_("has_committee must be true or false."))
    established = data.get("established_on")
    return ComplianceFacts(
        as_of=_date(data.get("as_of"), "as_of"),
        node_kind=node_kind,
        has_committee=has_committee,
        groups=tuple(GroupFact(name) for name in groups),
        established_on=_date(established, "established_on") if established is not None else None,
        policy=dict(policy),
        meetings=[_meeting(item, i) for i, item in enumerate(meetings)],
    )


def report_to_dict(report: Report) -> dict:
    return {
        "year": report.year,
        "kinds": {
            k.key: {"required": k.required, "held": k.held, "missing": k.missing, "in_progress": k.in_progress}
            for k in report.kinds
        },
        "compliant": report.compliant,
    }


def worst(states: Iterable[str]) -> str:
    states = set(states)
    return next((s for s in SEVERITY if s in states), State.NOT_OWED)
