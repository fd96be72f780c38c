"""The plan calculator: from the facts of a case and a rule set, three tracks per step and the warnings.

Pure (no database): the case timeline, the portal's plan page and ``manage.py lifecycle_plan`` all call
``compute_plan``. Facts already recorded stay as they are; only the limits and the reference plan of the steps
not yet taken follow from them, so changing an upstream date recomputes only the future.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from apps.workdays.calendar import WorkCalendar

from .rules import Rules, adult_on
from .steps import ANCESTORS, KIND_BY_CODE, PUBLICITIES, STEPS, Step, WarningCode

Date = datetime.date


@dataclass(frozen=True)
class VoteCounts:
    """The counts of a branch general meeting (§20); no per-person ballots are kept (secret ballot)."""

    due: int
    present: int
    yes: int
    no: int = 0
    abstain: int = 0
    written_yes: int = 0
    written_no: int = 0

    def problems(self) -> list[str]:
        """Why the counts cannot be right; empty when they add up."""
        from django.utils.translation import gettext as _

        found = []
        if min(self.due, self.present, self.yes, self.no, self.abstain, self.written_yes, self.written_no) < 0:
            found.append(_("Counts cannot be negative."))
        if self.present > self.due:
            found.append(
                _("%(present)s present is more than the %(due)s members due to vote.")
                % {"present": self.present, "due": self.due}
            )
        if self.yes + self.no + self.abstain > self.present:
            found.append(
                _("Yes, no and abstentions (%(sum)s) exceed the %(present)s members present.")
                % {"sum": self.yes + self.no + self.abstain, "present": self.present}
            )
        if self.written_yes + self.written_no > self.due - self.present:
            found.append(
                _("Written opinions (%(w)s) can only come from the %(absent)s members not present.")
                % {"w": self.written_yes + self.written_no, "absent": max(self.due - self.present, 0)}
            )
        return found

    @property
    def quorum(self) -> bool:
        """§20: more than half of the members due to vote are present."""
        return self.present * 2 > self.due

    @property
    def passed(self) -> bool:
        """§20: yes votes, written opinions included, are more than half of those due — not of those present."""
        return self.quorum and (self.yes + self.written_yes) * 2 > self.due


@dataclass(frozen=True)
class PublicityFacts:
    opened_on: Date
    closes_on: Date | None = None  # computed from the calendar when not given
    objections_open: int = 0
    stopped: bool = False  # a founded objection stopped the case


@dataclass
class Facts:
    birth_date: Date | None = None
    steps: dict[str, Date] = field(default_factory=dict)
    repeated: dict[str, list[Date]] = field(default_factory=dict)
    votes: dict[str, VoteCounts] = field(default_factory=dict)
    training_days: float | None = None
    training_hours: float | None = None
    contacts: int | None = None
    sponsors: int | None = None
    sponsors_ineligible: list[str] = field(default_factory=list)
    departure_on: Date | None = None
    publicity: dict[str, PublicityFacts] = field(default_factory=dict)
    extensions: list[int] = field(default_factory=list)
    postponed_months: int = 0
    approved_by_committee: bool | None = None
    missing_documents: list[str] = field(default_factory=list)  # steps whose §36 archive document is not attached
    today: Date | None = None  # the day the plan is computed for: given by the caller, never read from the clock
    # The steps the caller asked about (the calculator's form); None: every step (a case's full record). A fact that
    # was never asked for is "not entered", never "missing".
    asked: frozenset[str] | None = None

    def entered(self, code: str) -> bool:
        return self.asked is None or code in self.asked


@dataclass
class PlannedStep:
    code: str
    label: str
    actual: Date | None
    earliest: Date | None
    latest: Date | None
    reference: Date | None
    provisional: bool = False
    hard_latest: Date | None = None
    entered: bool = True  # False: the calculator was not told about this step ("not entered", not "missing")
    # ``latest`` is a legal limit counted from recorded dates only (a limit derived from a planned date is a plan)
    deadline: bool = False

    @property
    def due(self) -> Date | None:
        return self.actual or self.reference


@dataclass
class Plan:
    edition: str
    steps: list[PlannedStep]
    warnings: list[tuple[str, str]]
    votes: dict[str, dict[str, bool]]
    probation_end: Date | None = None

    def step(self, code: str) -> PlannedStep | None:
        return next((s for s in self.steps if s.code == code), None)

    def warning_codes(self) -> set[str]:
        return {code for code, _step in self.warnings}

    def next_step(self) -> PlannedStep | None:
        """The first step not yet taken (repeated steps aside)."""
        return next((s for s in self.steps if s.actual is None and s.code not in REPEATED), None)


REPEATED = frozenset(code for code, kind in KIND_BY_CODE.items() if kind.repeated)
# The candidate's later steps wait for the publicity window to close (2026 §13).
GATED_BY_CANDIDATE_PUBLICITY = PUBLICITIES["candidate_publicity"].gated


def applicable_steps(rules: Rules) -> list[Step]:
    skip = {code for code, publicity in PUBLICITIES.items() if not getattr(rules, publicity.flag)}
    if not rules.candidate_filing:
        skip.add("candidate_filed")
    return [s for s in STEPS if s.code not in skip]


def _months(day: Date | None, months: int) -> Date | None:
    return None if day is None else day + relativedelta(months=months)


def _max(*days: Date | None) -> Date | None:
    present = [d for d in days if d is not None]
    return max(present) if present else None


class _Calculator:
    def __init__(self, rules: Rules, facts: Facts, calendar: WorkCalendar):
        self.rules, self.facts, self.calendar = rules, facts, calendar
        self.dates: dict[str, Date | None] = {}
        self.rows: dict[str, PlannedStep] = {}
        self.warnings: list[tuple[str, str]] = []
        self.gates: dict[str, tuple[Date, bool]] = {}  # publicity step → (first day after its window, provisional)
        self.probation_end: Date | None = None
        self.reference_hint: dict[str, Date] = {}
        self.taken = False  # whether the step being placed has a recorded date
        self.firm: set[str] = set()  # steps whose latest date is a legal limit counted from recorded dates

    def warn(self, code: str, step: str) -> None:
        if (code, step) not in self.warnings:
            self.warnings.append((code, step))

    def actual(self, code: str) -> Date | None:
        if code in REPEATED:
            done = self.facts.repeated.get(code) or []
            return max(done) if done else None
        return self.facts.steps.get(code)

    def run(self) -> Plan:
        for step in applicable_steps(self.rules):
            self.place(step)
        self.check_order()
        self.check_earliest()
        self.check_votes()
        for step in self.facts.missing_documents:
            self.warn(WarningCode.DOCUMENTS_MISSING, step)
        self.check_thought_reports()
        return Plan(
            edition=self.rules.edition,
            steps=list(self.rows.values()),
            warnings=self.warnings,
            votes={
                code: {"quorum": v.quorum, "passed": v.passed}
                for code, v in self.facts.votes.items()
                if not v.problems()
            },
            probation_end=self.probation_end,
        )

    def at(self, code: str) -> Date | None:
        """A date the limits of the step being placed count from: for a step already taken, only recorded dates (a
        limit from a planned date is not a rule a recorded decision can break); otherwise recorded or planned."""
        return self.actual(code) if self.taken else self.dates.get(code)

    def place(self, step: Step) -> None:
        actual = self.actual(step.code)
        self.taken = actual is not None
        base = _max(*(self.at(a) for a in step.after))
        earliest, latest, hard = base, None, None
        provisional = False
        limits = getattr(self, f"limits_{step.code}", None)
        if limits is not None:
            earliest, latest, hard, provisional = limits(step, actual, base)
        for code, (gate, gate_provisional) in self.gates.items():
            if step.code in PUBLICITIES[code].gated:
                earliest = _max(earliest, gate)
                provisional = provisional or gate_provisional
        reference = None
        if actual is None and step.code in self.reference_hint:
            reference = _max(earliest, self.reference_hint[step.code])
        elif actual is None and base is not None:
            reference = _max(earliest, base + datetime.timedelta(days=step.typical_days))
        row = PlannedStep(
            step.code, str(step.label), actual, earliest, latest, reference, provisional, hard,
            entered=self.facts.entered(step.code), deadline=latest is not None and step.code in self.firm,
        )  # fmt: skip
        self.rows[step.code] = row
        self.dates[step.code] = actual or reference
        if actual is not None and actual > self.facts.today:
            self.warn(WarningCode.FUTURE_DATE, step.code)

    # --- the limits of each step: (earliest, latest, hard latest, provisional) ---------------------------------

    def limits_application_received(self, step, actual, base):
        earliest = None
        if self.facts.birth_date:
            earliest = adult_on(self.facts.birth_date, self.rules.min_age_years)
            if actual is not None and actual < earliest:
                self.warn(WarningCode.UNDERAGE, step.code)
        return earliest, None, None, False

    def limits_applicant_talk(self, step, actual, base):
        application = self.at("application_received")
        latest = _months(application, self.rules.talk_within_months)
        self.overdue(WarningCode.TALK_OVERDUE, step.code, actual, latest, anchor="application_received")
        return application, latest, None, False

    def limits_activist_designated(self, step, actual, base):
        wait_until = _months(self.at("application_received"), self.rules.wait_after_application_months)
        if actual is not None and wait_until is not None and actual < wait_until:
            self.warn(WarningCode.ACTIVIST_EARLY, step.code)
        return _max(base, wait_until), None, None, False

    def limits_contacts_assigned(self, step, actual, base):
        count = self.facts.contacts
        if count is not None and not (self.rules.contacts_min <= count <= self.rules.contacts_max):
            self.warn(WarningCode.CONTACTS_COUNT, step.code)
        return base, None, None, False

    def limits_activist_evaluation(self, step, actual, base):
        return self.periodic(step, actual, base, until="candidate_designated")

    def limits_probation_evaluation(self, step, actual, base):
        return self.periodic(step, actual, base, until="conversion_meeting")

    def periodic(self, step, actual, base, *, until):
        latest = _months(actual or base, self.rules.evaluation_interval_months)
        if self.actual(until) is None and self.facts.entered(until):
            self.overdue(WarningCode.EVALUATION_OVERDUE, step.code, None, latest, anchor=step.after[0])
        return base, latest, None, False

    def limits_candidate_designated(self, step, actual, base):
        earliest = _months(self.at("activist_designated"), self.rules.activist_min_months)
        if actual is not None and earliest is not None and actual < earliest:
            self.warn(WarningCode.ACTIVIST_PERIOD_SHORT, step.code)
        return _max(base, earliest), None, None, False

    def limits_publicity(self, step, actual, base):
        facts = self.facts.publicity.get(step.code)
        opened = facts.opened_on if facts else (actual or None)
        start = opened or _max(base, self.at(PUBLICITIES[step.code].after))
        closes, provisional = (None, False)
        if facts and facts.closes_on:
            closes = facts.closes_on
        elif start is not None:
            closes, provisional = self.calendar.add_working_days(start, self.rules.publicity_working_days)
        if closes is not None:
            self.gates[step.code] = (closes + datetime.timedelta(days=1), provisional)
            if opened is not None and self.facts.today <= closes:
                self.warn(WarningCode.PUBLICITY_OPEN, step.code)
        if facts and (facts.objections_open or facts.stopped):
            self.warn(WarningCode.OBJECTION_OPEN, step.code)
        return base, closes, None, provisional

    limits_candidate_publicity = limits_admission_publicity = limits_conversion_publicity = limits_publicity

    def limits_sponsors_assigned(self, step, actual, base):
        if self.facts.sponsors_ineligible or (
            self.facts.sponsors is not None and self.facts.sponsors != self.rules.sponsors_required
        ):
            self.warn(WarningCode.SPONSOR_INELIGIBLE, step.code)
        return base, None, None, False

    def limits_training_completed(self, step, actual, base):
        days, hours = self.facts.training_days, self.facts.training_hours
        if (
            actual is not None
            and (days or 0) < self.rules.training_min_days
            and (hours or 0) < self.rules.training_min_hours
        ):
            self.warn(WarningCode.TRAINING_SHORT, step.code)
        return base, None, None, False

    def limits_committee_review(self, step, actual, base):
        later = actual or self.actual("admission_meeting")
        if later is not None:
            review = self.actual("political_review")
            if self.facts.entered("political_review") and (review is None or review > later):
                self.warn(WarningCode.REVIEW_MISSING, "political_review")
            if self.facts.entered("training_completed") and self.actual("training_completed") is None:
                self.warn(WarningCode.TRAINING_SHORT, "training_completed")
        return base, None, None, False

    def limits_prereview_passed(self, step, actual, base):
        moment = actual or base
        if (
            self.facts.departure_on
            and moment
            and self.facts.departure_on < _months(moment, self.rules.departure_months)
        ):
            self.warn(WarningCode.DEPARTURE_SOON, step.code)
        return base, None, None, False

    def limits_admission_meeting(self, step, actual, base):
        latest = _months(self.at("prereview_passed"), self.rules.meeting_within_months)
        self.overdue(WarningCode.MEETING_LATE, step.code, actual, latest, anchor="prereview_passed")
        return base, latest, None, False

    def limits_committee_talk(self, step, actual, base):
        return base, self.actual("admission_approved"), None, False

    def limits_admission_approved(self, step, actual, base):
        meeting = self.at("admission_meeting")
        latest = _months(meeting, self.rules.approval_months)
        hard = _months(meeting, self.rules.approval_max_months)
        self.approval(step.code, actual, latest, hard, anchor="admission_meeting")
        if actual is not None and self.facts.approved_by_committee is False:
            self.warn(WarningCode.NOT_COMMITTEE, step.code)
        return base, latest, hard, False

    def limits_oath_taken(self, step, actual, base):
        latest = _months(self.at("admission_approved"), self.rules.oath_within_months)
        self.overdue(WarningCode.OATH_LATE, step.code, actual, latest, anchor="admission_approved")
        return base, latest, None, False

    def probation(self) -> tuple[Date | None, Date | None]:
        start = self.at("admission_meeting")  # §31: probation runs from the branch meeting's resolution
        months = self.rules.probation_months + sum(self.facts.extensions)
        return start, _months(start, months)

    def limits_conversion_applied(self, step, actual, base):
        start, end = self.probation()
        self.probation_end = end
        if self.actual("admission_meeting") is not None:
            self.firm.add(step.code)  # the application is due by the end of a probation that really began
        if end is not None:
            self.reference_hint[step.code] = end - datetime.timedelta(days=self.rules.conversion_lead_days)
        return _max(base, start), end, None, False

    def limits_conversion_meeting(self, step, actual, base):
        _start, end = self.probation()
        latest = _months(end, self.rules.conversion_meeting_within_months + self.facts.postponed_months)
        if self.facts.postponed_months > self.rules.transfer_postpone_max_months:
            self.warn(WarningCode.EXTENSION_INVALID, step.code)
        if actual is not None and end is not None and actual < end:
            self.warn(WarningCode.PROBATION_SHORT, step.code)
        anchors = ("admission_meeting", "admission_approved")
        self.overdue(WarningCode.CONVERSION_OVERDUE, step.code, actual, latest, anchor=anchors)
        extensions = self.facts.extensions
        if len(extensions) > 1 or any(
            not (self.rules.extension_min_months <= m <= self.rules.extension_max_months) for m in extensions
        ):
            self.warn(WarningCode.EXTENSION_INVALID, step.code)
        return _max(base, end), latest, None, False

    def limits_conversion_approved(self, step, actual, base):
        latest = _months(self.at("conversion_meeting"), self.rules.conversion_approval_months)
        self.approval(step.code, actual, latest, None, anchor="conversion_meeting")
        return base, latest, None, False

    # --- shared checks ---------------------------------------------------------------------------------------

    def overdue(
        self, code: str, step: str, actual: Date | None, latest: Date | None, *, anchor: str | tuple[str, ...]
    ) -> None:
        """Late when taken after ``latest``; overdue when not taken by today. Only from recorded dates: every
        ``anchor`` the limit counts from must really have happened (a limit derived from a planned date is a plan,
        not a deadline), and a step the caller was not asked about is "not entered", not overdue."""
        anchors = (anchor,) if isinstance(anchor, str) else anchor
        if latest is None or any(self.actual(a) is None for a in anchors):
            return
        self.firm.add(step)
        if actual is None and not self.facts.entered(step):
            return
        if (actual is not None and actual > latest) or (actual is None and self.facts.today > latest):
            self.warn(code, step)

    def approval(self, step: str, actual: Date | None, latest: Date | None, hard: Date | None, *, anchor: str) -> None:
        if latest is None or self.actual(anchor) is None:
            return
        self.firm.add(step)
        if actual is None and not self.facts.entered(step):
            return
        moment = actual if actual is not None else self.facts.today
        if hard is not None and moment > hard:
            self.warn(WarningCode.APPROVAL_EXPIRED, step)
        elif moment > latest:
            self.warn(WarningCode.APPROVAL_LATE, step)

    def check_order(self) -> None:
        """Every recorded date against every recorded step it comes after, directly or through others: a step not
        entered between two recorded ones does not hide their inversion."""
        for step in applicable_steps(self.rules):
            mine = self.first(step.code)
            if mine is None:
                continue
            for before in ANCESTORS[step.code]:
                theirs = self.facts.steps.get(before) if before not in REPEATED else None
                if theirs is not None and mine < theirs:
                    self.warn(WarningCode.DATE_ORDER, step.code)
            for code, (gate, _provisional) in self.gates.items():
                if step.code in PUBLICITIES[code].gated and mine < gate:
                    self.warn(WarningCode.PUBLICITY_OPEN, step.code)

    def first(self, code: str) -> Date | None:
        if code in REPEATED:
            done = self.facts.repeated.get(code) or []
            return min(done) if done else None
        return self.facts.steps.get(code)

    def check_earliest(self) -> None:
        """An earliest date after a recorded date always comes with a warning on that step (the rule that set it, or
        the order of the dates)."""
        for row in self.rows.values():
            late_start = row.actual and row.earliest and row.actual < row.earliest
            if late_start and not any(step == row.code for _code, step in self.warnings):
                self.warn(WarningCode.DATE_ORDER, row.code)

    def check_thought_reports(self) -> None:
        """Local rule: a thought report every N months from the designation as activist until the conversion."""
        interval = self.rules.thought_report_interval_months
        start = self.actual("activist_designated")
        if not interval or start is None or self.actual("conversion_meeting") is not None:
            return
        if not self.facts.entered("thought_report"):
            return
        last = max([start, *self.facts.repeated.get("thought_report", [])])
        if self.facts.today > _months(last, interval):
            self.warn(WarningCode.THOUGHT_REPORT_OVERDUE, "thought_report")

    def check_votes(self) -> None:
        for code, vote in self.facts.votes.items():
            if vote.problems():
                continue
            if not vote.quorum:
                self.warn(WarningCode.NO_QUORUM, code)
            elif not vote.passed:
                self.warn(WarningCode.VOTE_FAILED, code)


def compute_plan(*, rules: Rules, facts: Facts, calendar: WorkCalendar) -> Plan:
    if facts.today is None:
        raise ValueError("facts.today: the day to compute the plan for is required")
    return _Calculator(rules, facts, calendar).run()


# --- JSON faces (manage.py lifecycle_plan, the portal's plan page) ------------------------------------------------


def _date(value) -> Date | None:
    if value in (None, ""):
        return None
    return datetime.date.fromisoformat(str(value))


def facts_from_dict(data: dict, *, today: Date) -> Facts:
    """Facts from the JSON of ``lifecycle_plan``: ``{"birth_date": …, "steps": {code: date | {"date": …, …}}}``.

    Step objects may carry: vote counts (``due``, ``present``, ``yes``, ``no``, ``abstain``, ``written_yes``,
    ``written_no``) on the two meetings; ``days``/``hours`` on training; ``count`` on contacts and sponsors and
    ``ineligible`` (a list) on sponsors; ``objections_open``/``closes_on`` on publicity; ``extension_months`` and
    ``postponed_months`` on the conversion meeting; ``by_committee`` on the admission approval. Repeated steps take a
    list of dates. ``asked`` (a list of step codes), when given, names the steps the caller knows about: the others
    are "not entered" rather than missing or overdue. Raises ValueError with the offending key on malformed input.
    """
    facts = Facts(birth_date=_date(data.get("birth_date")), departure_on=_date(data.get("departure_on")))
    facts.today = _date(data.get("today")) or today
    if data.get("asked") is not None:
        unknown = [code for code in data["asked"] if code not in KIND_BY_CODE]
        if unknown:
            raise ValueError(f"unknown step code in asked: {unknown[0]}")
        facts.asked = frozenset(data["asked"])
    for code, value in (data.get("steps") or {}).items():
        if code not in KIND_BY_CODE:
            raise ValueError(f"unknown step code: {code}")
        if code in REPEATED:
            facts.repeated[code] = sorted(_date(v) for v in (value if isinstance(value, list) else [value]))
            continue
        detail = value if isinstance(value, dict) else {"date": value}
        day = _date(detail.get("date"))
        if day is None:
            continue
        facts.steps[code] = day
        if "due" in detail:
            facts.votes[code] = VoteCounts(
                **{
                    k: int(detail.get(k, 0))
                    for k in ("due", "present", "yes", "no", "abstain", "written_yes", "written_no")
                }
            )
        if code == "training_completed":
            facts.training_days, facts.training_hours = detail.get("days"), detail.get("hours")
        if code == "contacts_assigned" and "count" in detail:
            facts.contacts = int(detail["count"])
        if code == "sponsors_assigned":
            facts.sponsors = int(detail["count"]) if "count" in detail else None
            facts.sponsors_ineligible = list(detail.get("ineligible") or [])
        if code in PUBLICITIES:
            facts.publicity[code] = PublicityFacts(
                opened_on=day,
                closes_on=_date(detail.get("closes_on")),
                objections_open=int(detail.get("objections_open", 0)),
            )
        if code == "conversion_meeting":
            facts.extensions = [int(m) for m in detail.get("extension_months", [])]
            facts.postponed_months = int(detail.get("postponed_months", 0))
        if code == "admission_approved" and "by_committee" in detail:
            facts.approved_by_committee = bool(detail["by_committee"])
    return facts


def plan_to_dict(plan: Plan) -> dict:
    def iso(day):
        return day.isoformat() if day else None

    return {
        "edition": plan.edition,
        "steps": [
            {
                "code": s.code,
                "actual": iso(s.actual),
                "earliest": iso(s.earliest),
                "latest": iso(s.latest),
                "reference": iso(s.reference),
                "provisional": s.provisional,
                "deadline": s.deadline,
            }
            for s in plan.steps
        ],
        "warnings": [{"code": str(code), "step": step} for code, step in plan.warnings],
        "vote": plan.votes,
        "probation_end": iso(plan.probation_end),
    }
