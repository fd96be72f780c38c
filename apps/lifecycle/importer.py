"""Excel import of existing development cases: parse and check every row (dry run), then import all rows or none.

One row per person: the person's ID card number, optionally the branch code and the rule set edition, then a column
per step (the step code, or its Chinese or English name as the header) holding the date it was taken.

The import is not a side door: every row goes through the same guarded services as "Record a decision"
(``case_open``, then ``case_record_history``, which puts each step through ``case_record_step``'s checks), step by
step, with the importing user's rights. A row holding a kind of
record the user may not record (``steps.Step.recorders``) is a row error; so is a row that contradicts the person's
recorded status (it never turns a member back into an applicant), a person who already has a case (it never touches
another case) or an unknown person (it never creates one). Imported records are history: flagged as recorded after
the fact, and the rules' limits (too early, late, missing documents) become warnings for the compliance audit
rather than refusals (ADR 5: permissions refuse, rules warn). Data that cannot be right — a date in the future,
before a step it comes after, a step of a stage the row never reaches — is refused.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.membership.services import admission_begins
from apps.organisations.choices import MANAGE_PEOPLE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers, restrict
from apps.people.choices import PoliticalStatus
from apps.people.models import Person
from apps.people.services import person_set_status
from apps.spreadsheets.reader import Limits, sheet_rows
from apps.workdays.forms import EARLIEST_DATE, LATEST_DATE
from apps.workdays.selectors import calendar_load

from .models import DevelopmentCase, RuleSet
from .plan import applicable_steps
from .rules import Rules
from .services import RecordEntry, case_open, case_record_history
from .steps import (
    ANCESTORS,
    KIND_BY_CODE,
    SELF,
    STAGE_ORDER,
    STATUS_FOR_STAGE,
    STEP_BY_CODE,
    STEP_CODES,
    STEPS,
    Stage,
)

MAX_ROWS = 5000
# one column per step and three more; a cell holds a date, an ID number, a code or a column's name
LIMITS = Limits(rows=MAX_ROWS, columns=len(STEPS) + 10, cell_chars=200)
ID_HEADERS = {"id_number", "身份证号", "id card number"}
BRANCH_HEADERS = {"branch_code", "支部代码", "branch code"}
EDITION_HEADERS = {"edition", "规则版本", "rule set"}
NAME_HEADERS = {"name", "姓名"}  # the case export names each person for the reader; the import goes by ID number
# The order of political statuses: an imported history may bring a person forward, never back.
STATUS_ORDER = {
    status: i
    for i, status in enumerate(
        (
            PoliticalStatus.MASSES,
            PoliticalStatus.APPLICANT,
            PoliticalStatus.ACTIVIST,
            PoliticalStatus.CANDIDATE,
            PoliticalStatus.PROBATIONARY,
            PoliticalStatus.FULL,
        )
    )
}


@dataclass
class ImportRow:
    line: int
    id_number: str
    person: Person | None = None
    branch: OrgNode | None = None
    rule_set: RuleSet | None = None
    steps: dict[str, datetime.date] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def stage(self) -> str:
        stage = Stage.APPLICANT
        for step in STEPS:
            if step.code in self.steps and step.moves_to:
                stage = step.moves_to
        return stage


@dataclass
class _Known:
    """What the rows are checked against, loaded once: the people and branches in the user's scope, the editions,
    the people who already have a case."""

    people: dict[str, Person]
    branches: dict[str, OrgNode]
    editions: dict[str, RuleSet]
    default_edition: RuleSet | None
    with_case: set[int]

    @classmethod
    def load(cls, user) -> _Known:
        people = restrict(Person.objects.select_related("node"), user=user, perm=MANAGE_PEOPLE, path_field="node__path")
        branches = restrict(
            OrgNode.objects.filter(kind=NodeKind.BRANCH), user=user, perm=MANAGE_PEOPLE, path_field="path"
        )
        editions = {r.edition: r for r in RuleSet.objects.all()}
        return cls(
            people={p.id_number: p for p in people.exclude(id_number="")},
            branches={n.code: n for n in branches if n.code},
            editions=editions,
            default_edition=next((r for r in editions.values() if r.is_default), None),
            with_case=set(DevelopmentCase.objects.values_list("person_id", flat=True)),
        )


def header_row(*, with_name: bool = False) -> list[str]:
    """The columns this importer reads, in the language of the page: the template and the case export write them,
    so an export is imported again as it is (the name column, if any, is for the reader only)."""
    return ["身份证号", *(["姓名"] if with_name else []), "支部代码", "规则版本", *[str(s.label) for s in STEPS]]


def _step_for_header(header: str) -> str | None:
    text = header.strip().lower()
    if text in STEP_BY_CODE:
        return text
    for step in STEPS:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                if str(step.label).strip().lower() == text:
                    return step.code
    return None


def _date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value).strip())


def _sheet_rows(uploaded):
    """The rows of the first sheet, through the one reader every import uses (limits checked while reading)."""
    return sheet_rows(uploaded, limits=LIMITS)


@dataclass
class _Columns:
    id: int
    branch: int | None
    edition: int | None
    steps: dict[int, str]

    @classmethod
    def from_header(cls, header: list[str]) -> _Columns:
        lowered = [h.lower() for h in header]
        id_col = next((i for i, h in enumerate(lowered) if h in ID_HEADERS), None)
        if id_col is None:
            raise ValidationError(_("The first row must name the columns; one of them must be “身份证号” (id_number)."))
        branch_col = next((i for i, h in enumerate(lowered) if h in BRANCH_HEADERS), None)
        edition_col = next((i for i, h in enumerate(lowered) if h in EDITION_HEADERS), None)
        steps = {}
        for i, h in enumerate(header):
            if i in (id_col, branch_col, edition_col) or not h or h.lower() in NAME_HEADERS:
                continue
            code = _step_for_header(h)
            if code is None:
                raise ValidationError(_("Unknown column “%(header)s”.") % {"header": h})
            steps[i] = code
        return cls(id_col, branch_col, edition_col, steps)

    def text(self, values, col: int | None) -> str:
        return str(values[col] or "").strip() if col is not None and col < len(values) else ""


def import_parse(*, user, uploaded, today: datetime.date) -> list[ImportRow]:
    """Read and check a workbook; every problem is attached to its row. Nothing is written."""
    rows = _sheet_rows(uploaded)
    columns = _Columns.from_header([str(h or "").strip() for h in next(rows, [])])
    known = _Known.load(user)
    seen: set[str] = set()
    result = []
    for line, values in enumerate(rows, start=2):
        if not values or all(v in (None, "") for v in values):
            continue
        row = ImportRow(line=line, id_number=columns.text(values, columns.id))
        _check_person(row, known, seen)
        _check_branch(row, known, columns.text(values, columns.branch))
        edition = columns.text(values, columns.edition)
        row.rule_set = known.editions.get(edition) if edition else known.default_edition
        if row.rule_set is None:
            row.errors.append(_("Unknown rule set edition %(edition)s.") % {"edition": edition})
        _read_dates(row, columns, values, today)
        _check_applicable(row)
        _check_order(row)
        _check_stages(row)
        _check_rights(row, user)
        _check_status(row)
        result.append(row)
    return result


def _check_person(row: ImportRow, known: _Known, seen: set[str]) -> None:
    row.person = known.people.get(row.id_number)
    if row.person is None:
        row.errors.append(_("No person with this ID card number in your organisations."))
    elif row.person.pk in known.with_case:
        row.errors.append(
            _("%(person)s already has a development case; the import does not change it.") % {"person": row.person}
        )
    if row.id_number in seen:
        row.errors.append(_("This person appears twice in the file."))
    seen.add(row.id_number)


def _check_branch(row: ImportRow, known: _Known, code: str) -> None:
    if code:
        row.branch = known.branches.get(code)
        if row.branch is None:
            row.errors.append(_("No branch with code %(code)s in your organisations.") % {"code": code})
    elif row.person is not None:
        node = row.person.node
        row.branch = node if node.kind == NodeKind.BRANCH else OrgNode.objects.get_parent(node)
    if row.branch and row.person and not row.person.node.path.startswith(row.branch.path):
        row.errors.append(_("%(person)s does not belong to %(branch)s.") % {"person": row.person, "branch": row.branch})


def _read_dates(row: ImportRow, columns: _Columns, values, today: datetime.date) -> None:
    for col, step in columns.steps.items():
        label = STEP_BY_CODE[step].label
        try:
            day = _date(values[col] if col < len(values) else None)
        except (TypeError, ValueError):
            row.errors.append(
                _("“%(value)s” is not a date (YYYY-MM-DD) in column %(step)s.") % {"value": values[col], "step": label}
            )
            continue
        if day is None:
            continue
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            row.errors.append(
                _("%(step)s: %(date)s is not a plausible date (%(first)s to %(last)s).")
                % {"step": label, "date": day, "first": EARLIEST_DATE.year, "last": LATEST_DATE.year}
            )
            continue
        if day > today:
            row.errors.append(_("%(step)s is dated in the future.") % {"step": label})
        row.steps[step] = day
    if "application_received" not in row.steps:
        row.errors.append(_("The date of the application is required."))


def _check_applicable(row: ImportRow) -> None:
    if row.rule_set is None:
        return
    rules = Rules.from_model(row.rule_set)
    applicable = {s.code for s in applicable_steps(rules)}
    for step in row.steps:
        if step not in applicable:
            row.errors.append(
                _("“%(step)s” is not a step of the rule set %(edition)s.")
                % {"step": STEP_BY_CODE[step].label, "edition": rules.edition}
            )


def _check_order(row: ImportRow) -> None:
    for step, day in row.steps.items():
        for before in sorted(ANCESTORS[step], key=STEP_CODES.index):
            if before in row.steps and day < row.steps[before]:
                row.errors.append(
                    _("“%(step)s” (%(date)s) cannot come before “%(before)s” (%(done)s).")
                    % {
                        "step": STEP_BY_CODE[step].label,
                        "date": day,
                        "before": STEP_BY_CODE[before].label,
                        "done": row.steps[before],
                    }
                )


def _check_stages(row: ImportRow) -> None:
    """Each step belongs to a stage the row reaches: a probation evaluation without an approved admission cannot be
    placed."""
    reached = STAGE_ORDER[row.stage]
    for step in row.steps:
        kind = STEP_BY_CODE[step]
        if STAGE_ORDER[kind.stage] > reached:
            row.errors.append(
                _("“%(step)s” belongs to the stage “%(stage)s”, which the row never reaches.")
                % {"step": kind.label, "stage": Stage(kind.stage).label}
            )


def _check_rights(row: ImportRow, user) -> None:
    """The importing user records every step of the row: each kind needs what recording it by hand needs."""
    if row.branch is None:
        return
    for step in row.steps:
        kind = KIND_BY_CODE[step]
        perms = [p for p in kind.recorders if p != SELF] if step != "application_received" else [MANAGE_PEOPLE]
        if not any(covers(user, perm, row.branch.path) for perm in perms):
            row.errors.append(
                _("Your role cannot record “%(step)s” for %(branch)s.") % {"step": kind.label, "branch": row.branch}
            )


def _check_status(row: ImportRow) -> None:
    """The row may bring the person forward to the status its steps give, never back from the recorded one."""
    if row.person is None:
        return
    recorded, imported = row.person.political_status, STATUS_FOR_STAGE[row.stage]
    if STATUS_ORDER.get(recorded, 0) > STATUS_ORDER[imported]:
        row.errors.append(
            _("%(person)s is recorded as “%(recorded)s”; the row would make them “%(imported)s”.")
            % {
                "person": row.person,
                "recorded": PoliticalStatus(recorded).label,
                "imported": PoliticalStatus(imported).label,
            }
        )


@transaction.atomic
def import_commit(*, actor, rows: list[ImportRow], now: datetime.datetime) -> list[DevelopmentCase]:
    """Import every row or none: any row with an error refuses the whole file. Each row goes through ``case_open``
    and ``case_record_history`` as history (``backfill``), with the actor's rights."""
    bad = [r for r in rows if r.errors]
    if bad:
        raise ValidationError(_("%(n)s rows have errors; nothing was imported.") % {"n": len(bad)})
    if not rows:
        raise ValidationError(_("The file has no rows to import."))
    today = timezone.localdate(now)
    calendar = calendar_load(start=min(r.steps["application_received"] for r in rows) - datetime.timedelta(days=1))
    return [_import_row(actor, row, now=now, today=today, calendar=calendar) for row in rows]


def _import_row(actor, row: ImportRow, *, now, today, calendar) -> DevelopmentCase:
    case = case_open(
        actor=actor,
        person=row.person,
        branch=row.branch,
        application_on=row.steps["application_received"],
        today=today,
        rule_set=row.rule_set,
        backfill=True,
        calendar=calendar,
    )
    ordered = sorted((day, STEP_CODES.index(step), step) for step, day in row.steps.items())
    entries = [
        RecordEntry(step=step, on=day, decision=_("Imported"), backfill=True)
        for day, _index, step in ordered
        if step != "application_received"
    ]
    history = case_record_history(actor=actor, case=case, entries=entries, now=now, calendar=calendar)
    _set_imported_status(actor, row, history.case, history.plan)
    return history.case


def _set_imported_status(actor, row: ImportRow, case: DevelopmentCase, plan) -> None:
    """The status the imported history gives the person, once, after its steps (§31: probation counts from the
    branch meeting; §33: standing from the end of probation)."""
    status = STATUS_FOR_STAGE[case.stage]
    person = case.person  # read after ``case_open`` locked the row, which stays locked until the import commits
    if STATUS_ORDER.get(person.political_status, 0) > STATUS_ORDER[status]:
        raise ValidationError(
            _("%(person)s is recorded as “%(recorded)s”; the row would make them “%(imported)s”.")
            % {
                "person": person,
                "recorded": person.get_political_status_display(),
                "imported": PoliticalStatus(status).label,
            }
        )
    dates = {}
    if case.stage in (Stage.PROBATIONARY, Stage.FULL) and "admission_meeting" in row.steps:
        dates["joined_on"] = row.steps["admission_meeting"]
        if case.stage == Stage.FULL:
            dates["full_member_on"] = plan.probation_end
    person_set_status(actor=actor, person=person, status=status, **dates)
    if "joined_on" in dates:  # the member's period on the roll begins with the admission
        admission_begins(actor=actor, person=person, on=dates["joined_on"])
