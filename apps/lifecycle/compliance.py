"""The compliance audit: every rule violation across cases, as an archive inspection would find it.

Recomputes each case's plan from its records (not the stored warnings), in batches of cases taken in key order,
with a fixed number of queries per batch and only the rows the plan reads (``case_prefetched_for_plan``: whether a
record has a document, not the documents). The calendar is loaded once, each plan computed once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from apps.workdays.selectors import calendar_load

from .models import DevelopmentCase
from .selectors import case_plan, case_prefetched_for_plan
from .steps import STEP_BY_CODE, WarningCode

# Warnings about what is still to come are reminders, not violations of what was recorded.
NOT_VIOLATIONS = {WarningCode.PUBLICITY_OPEN, WarningCode.OBJECTION_OPEN}


@dataclass(frozen=True)
class Finding:
    case_id: int
    person: str
    branch: str
    stage: str
    code: str
    step: str

    def as_dict(self) -> dict:
        return {
            "case": self.case_id,
            "person": self.person,
            "branch": self.branch,
            "stage": self.stage,
            "code": self.code,
            "step": self.step,
        }

    @property
    def label(self) -> str:
        return str(WarningCode(self.code).label) if self.code in WarningCode.values else self.code

    @property
    def step_label(self) -> str:
        return str(STEP_BY_CODE[self.step].label) if self.step in STEP_BY_CODE else self.step


def compliance_findings(
    *, cases: QuerySet[DevelopmentCase], today: datetime.date, batch: int = 500
) -> Iterator[Finding]:
    calendar = calendar_load()
    cases = case_prefetched_for_plan(cases.order_by("pk"))
    chunk = list(cases[:batch])
    while chunk:
        for case in chunk:
            plan = case_plan(case, today=today, calendar=calendar)
            for code, step in plan.warnings:
                if code in NOT_VIOLATIONS:
                    continue
                yield Finding(case.pk, case.person.name, case.branch.name, case.stage, str(code), step)
        chunk = list(cases.filter(pk__gt=chunk[-1].pk)[:batch]) if len(chunk) == batch else []
