"""Excel import of existing development cases: parse and check every row (dry run), then import all rows or none.

One row per person: the person's ID card number, optionally the branch code and the rule set edition, then a column
per step (the step code, or its Chinese or English name as the header) holding the date it was taken. Imported
records are historical facts: they are flagged as recorded after the fact, and the rules' warnings (too early,
late, missing documents) are computed on them afterwards rather than refusing them; rows with data that cannot be
right (unknown person, a date in the future or before the step it must follow, an open case already) are refused.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.organisations.choices import MANAGE_PEOPLE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.overview_cache import org_data_changed
from apps.organisations.permissions import restrict
from apps.people.models import Person
from apps.people.services import person_set_status

from .models import DevelopmentCase, RuleSet, StepRecord
from .services import _refresh
from .steps import OPEN_STAGES, STAGE_ORDER, STATUS_FOR_STAGE, STEP_BY_CODE, STEPS, Stage

MAX_ROWS = 5000
ID_HEADERS = {"id_number", "身份证号", "id card number"}
BRANCH_HEADERS = {"branch_code", "支部代码", "branch code"}
EDITION_HEADERS = {"edition", "规则版本", "rule set"}


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


def import_parse(*, user, uploaded, today: datetime.date) -> list[ImportRow]:
    """Read and check a workbook; every problem is attached to its row. Nothing is written."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(uploaded, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:
        raise ValidationError(_("The file is not an Excel workbook (.xlsx).")) from exc
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, [])]
    lowered = [h.lower() for h in header]
    id_col = next((i for i, h in enumerate(lowered) if h in ID_HEADERS), None)
    if id_col is None:
        raise ValidationError(_("The first row must name the columns; one of them must be “身份证号” (id_number)."))
    branch_col = next((i for i, h in enumerate(lowered) if h in BRANCH_HEADERS), None)
    edition_col = next((i for i, h in enumerate(lowered) if h in EDITION_HEADERS), None)
    step_cols = {}
    for i, h in enumerate(header):
        if i in (id_col, branch_col, edition_col) or not h:
            continue
        code = _step_for_header(h)
        if code is None:
            raise ValidationError(_("Unknown column “%(header)s”.") % {"header": h})
        step_cols[i] = code

    people = {
        p.id_number: p
        for p in restrict(
            Person.objects.select_related("node"), user=user, perm=MANAGE_PEOPLE, path_field="node__path"
        ).exclude(id_number="")
    }
    branches = {
        n.code: n
        for n in restrict(
            OrgNode.objects.filter(kind=NodeKind.BRANCH), user=user, perm=MANAGE_PEOPLE, path_field="path"
        )
        if n.code
    }
    editions = {r.edition: r for r in RuleSet.objects.all()}
    default_edition = next((r for r in editions.values() if r.is_default), None)
    open_people = set(DevelopmentCase.objects.filter(stage__in=OPEN_STAGES).values_list("person_id", flat=True))
    seen: set[str] = set()
    result = []
    for line, values in enumerate(rows, start=2):
        if line - 1 > MAX_ROWS:
            raise ValidationError(_("At most %(n)s rows can be imported at once.") % {"n": MAX_ROWS})
        if not values or all(v in (None, "") for v in values):
            continue
        row = ImportRow(line=line, id_number=str(values[id_col] or "").strip())
        row.person = people.get(row.id_number)
        if row.person is None:
            row.errors.append(_("No person with this ID card number in your organisations."))
        elif row.person.pk in open_people:
            row.errors.append(_("%(person)s already has an open development case.") % {"person": row.person})
        if row.id_number in seen:
            row.errors.append(_("This person appears twice in the file."))
        seen.add(row.id_number)
        code = str(values[branch_col] or "").strip() if branch_col is not None else ""
        if code:
            row.branch = branches.get(code)
            if row.branch is None:
                row.errors.append(_("No branch with code %(code)s in your organisations.") % {"code": code})
        elif row.person is not None:
            node = row.person.node
            row.branch = node if node.kind == NodeKind.BRANCH else node.get_parent()
        if row.branch and row.person and not row.person.node.path.startswith(row.branch.path):
            row.errors.append(
                _("%(person)s does not belong to %(branch)s.") % {"person": row.person, "branch": row.branch}
            )
        edition = str(values[edition_col] or "").strip() if edition_col is not None else ""
        row.rule_set = editions.get(edition) if edition else default_edition
        if row.rule_set is None:
            row.errors.append(_("Unknown rule set edition %(edition)s.") % {"edition": edition})
        for col, step in step_cols.items():
            try:
                day = _date(values[col] if col < len(values) else None)
            except (TypeError, ValueError):
                row.errors.append(
                    _("“%(value)s” is not a date (YYYY-MM-DD) in column %(step)s.")
                    % {"value": values[col], "step": STEP_BY_CODE[step].label}
                )
                continue
            if day is None:
                continue
            if day > today:
                row.errors.append(_("%(step)s is dated in the future.") % {"step": STEP_BY_CODE[step].label})
            row.steps[step] = day
        if "application_received" not in row.steps:
            row.errors.append(_("The date of the application is required."))
        for step, day in row.steps.items():
            for before in STEP_BY_CODE[step].after:
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
        result.append(row)
    return result


@transaction.atomic
def import_commit(*, actor, rows: list[ImportRow], today: datetime.date) -> list[DevelopmentCase]:
    """Import every row or none: any row with an error refuses the whole file."""
    bad = [r for r in rows if r.errors]
    if bad:
        raise ValidationError(_("%(n)s rows have errors; nothing was imported.") % {"n": len(bad)})
    if not rows:
        raise ValidationError(_("The file has no rows to import."))
    cases = []
    for row in rows:
        stage = row.stage
        case = DevelopmentCase.objects.create(
            person=row.person,
            branch=row.branch,
            rule_set=row.rule_set,
            stage=stage,
            opened_on=row.steps["application_received"],
            closed_on=row.steps.get("conversion_approved") if stage == Stage.FULL else None,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        StepRecord.objects.bulk_create(
            StepRecord(
                case=case,
                step=step,
                on=day,
                body=STEP_BY_CODE[step].body or "",
                after_the_fact=True,
                entered_by=actor if getattr(actor, "is_authenticated", False) else None,
                decision=_("Imported"),
            )
            for step, day in sorted(row.steps.items(), key=lambda item: (item[1], STAGE_ORDER.get(item[0], 0)))
        )
        dates = {}
        if stage in (Stage.PROBATIONARY, Stage.FULL) and "admission_meeting" in row.steps:
            dates["joined_on"] = row.steps["admission_meeting"]
            if stage == Stage.FULL:  # §33: standing counts from the end of a (not extended) probation
                dates["full_member_on"] = row.steps["admission_meeting"] + relativedelta(
                    months=row.rule_set.probation_months
                )
        person_set_status(actor=actor, person=row.person, status=STATUS_FOR_STAGE[stage], **dates)
        audit_record(
            actor=actor,
            action="lifecycle.case_imported",
            target=case,
            node=row.branch,
            changes={"stage": [None, stage], "steps": [None, len(row.steps)]},
        )
        cases.append(case)
    org_data_changed()
    for case in cases:
        _refresh(case, today)
    return cases
