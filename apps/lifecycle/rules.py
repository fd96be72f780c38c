"""The constants of a rule set, as a plain value the plan calculator uses, and the tighten-only check of local rules.

The numbers live in ``RuleSet`` rows (editable in the admin); the defaults below are those of the national rules
and are used to seed the two editions.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields

from django.utils.translation import gettext as _


def adult_on(birth_date: datetime.date, years: int) -> datetime.date:
    """The first day on which a person born on ``birth_date`` is ``years`` old (§5). Someone born on 29 February
    reaches the age on 1 March of a common year: the birthday has fully passed only then. The plan and the opening
    of a case both ask this function, so they never disagree."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:  # 29 February in a common year
        return datetime.date(birth_date.year + years, 3, 1)


@dataclass(frozen=True)
class Rules:
    edition: str = "2026.05"
    min_age_years: int = 18  # §5
    talk_within_months: int = 1  # §7
    wait_after_application_months: int = 0  # local rule: a wait before designation as activist
    contacts_min: int = 1  # §9
    contacts_max: int = 2
    evaluation_interval_months: int = 6  # §11
    thought_report_interval_months: int = 0  # local rule (0: none): e.g. quarterly thought reports
    activist_min_months: int = 12  # §13
    candidate_publicity: bool = True  # §13 (2026): 公示 after the base committee agrees
    candidate_filing: bool = False  # §13 (2014): filing instead
    admission_publicity: bool = False  # local rule: 公示 before the committee approves the admission
    conversion_publicity: bool = False  # local rule: 公示 before the committee approves full membership
    publicity_working_days: int = 5
    sponsors_required: int = 2  # §14
    training_min_days: int = 3  # §17: at least 3 days or 24 class hours
    training_min_hours: int = 24
    departure_months: int = 3  # §18
    meeting_within_months: int = 1  # §19
    approval_months: int = 3  # §25
    approval_max_months: int = 6
    oath_within_months: int = 1  # §29
    probation_months: int = 12  # §31
    extension_min_months: int = 6  # §31
    extension_max_months: int = 12
    transfer_postpone_max_months: int = 6  # §35
    conversion_meeting_within_months: int = 1  # "及时讨论": local practice, editable
    conversion_approval_months: int = 3  # §33
    conversion_lead_days: int = 30  # local practice: the application about a month before probation ends

    @classmethod
    def from_model(cls, rule_set) -> Rules:
        return cls(**{f.name: getattr(rule_set, f.name) for f in fields(cls)})


EDITION_2014 = Rules(edition="2014", candidate_publicity=False, candidate_filing=True)
EDITION_2026 = Rules(edition="2026.05")

# How a local rule may differ from the national one: "min" = at least the national value (tighter when larger),
# "max" = at most (tighter when smaller), "same" = unchangeable, "keep_true" = may turn on, never off.
TIGHTEN = {
    "min_age_years": "min",
    "talk_within_months": "max",
    "wait_after_application_months": "min",
    "contacts_min": "min",
    "contacts_max": "max",
    "evaluation_interval_months": "max_nonzero",
    "thought_report_interval_months": "max_nonzero",
    "activist_min_months": "min",
    "candidate_publicity": "keep_true",
    "candidate_filing": "keep_true",
    "admission_publicity": "keep_true",
    "conversion_publicity": "keep_true",
    "publicity_working_days": "min",
    "sponsors_required": "same",
    "training_min_days": "min",
    "training_min_hours": "min",
    "departure_months": "min",
    "meeting_within_months": "max",
    "approval_months": "max",
    "approval_max_months": "max",
    "oath_within_months": "max",
    "probation_months": "same",
    "extension_min_months": "min",
    "extension_max_months": "max",
    "transfer_postpone_max_months": "max",
    "conversion_meeting_within_months": "max",
    "conversion_approval_months": "max",
    "conversion_lead_days": "min",
}


def loosened(local: Rules, national: Rules) -> list[tuple[str, str]]:
    """``(field, reason)`` for every local value that would loosen the national rule."""
    problems = []
    for name, how in TIGHTEN.items():
        mine, theirs = getattr(local, name), getattr(national, name)
        if how == "min" and mine < theirs:
            problems.append((name, _("must be at least %(v)s (national rule)") % {"v": theirs}))
        elif how == "max" and mine > theirs:
            problems.append((name, _("must be at most %(v)s (national rule)") % {"v": theirs}))
        elif how == "max_nonzero" and theirs and (mine == 0 or mine > theirs):
            problems.append((name, _("must be between 1 and %(v)s (national rule)") % {"v": theirs}))
        elif how == "same" and mine != theirs:
            problems.append((name, _("cannot differ from the national rule (%(v)s)") % {"v": theirs}))
        elif how == "keep_true" and theirs and not mine:
            problems.append((name, _("cannot be turned off: the national rule requires it")))
    return problems
