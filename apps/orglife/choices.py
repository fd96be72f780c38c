"""Organisational life as data: the kinds of meeting (三会一课, theme days, life meetings, appraisal, training), how
often each is owed by default and at least under the national rules, at which organisations each applies and whom
it gathers; the periods; the states of a meeting, an attendance, a leave request and a study declaration.

Sources: 中国共产党支部工作条例（试行）(2018) for the branch's meetings; 中国共产党党员教育管理工作条例 (2019) for
the yearly life meeting, the appraisal and the study hours; the defaults are common local practice (DOMAIN §4).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    MONTH = "month", _("Every month")
    QUARTER = "quarter", _("Every quarter")
    YEAR = "year", _("Every year")


# How many months a period spans: a policy may only make a kind more frequent than its national floor.
PERIOD_MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}


class Roll(models.TextChoices):
    """Whom a meeting gathers (its roll is computed from membership on the meeting's date)."""

    MEMBERS = "members", _("The members of the organisation")
    COMMITTEE = "committee", _("The members of its committee")
    GROUP = "group", _("The members of the party group")


# The node kinds of the compliance calculator (``organisations.NodeKind`` with the committee named as in the
# outside-checkable input).
BRANCH, GENERAL_BRANCH, BASE_COMMITTEE, GROUP = "branch", "general_branch", "base_committee", "group"
NODE_KIND_OF = {"branch": BRANCH, "general_branch": GENERAL_BRANCH, "committee": BASE_COMMITTEE, "group": GROUP}


@dataclass(frozen=True)
class Kind:
    """One kind of organisational-life meeting. Everything that handles kinds (the compliance calculator, the forms,
    the model's choices, the roll, the reminders, the admin) reads its attributes here."""

    code: str
    label: str
    default: str | None  # the shipped committee policy (local practice); None: no frequency owed (training)
    floor: str | None  # the national rule: a committee may set the kind anywhere from ``default`` to this
    roll: str
    applies_to: tuple[str, ...]  # node kinds (calculator names) that owe it or may hold it
    study: bool = False  # attending it counts towards the study hours (集中学习培训), hours set per meeting
    source: str = ""


KINDS: tuple[Kind, ...] = (
    Kind("general_meeting", _("Branch general meeting (支部党员大会)"), Period.QUARTER, Period.QUARTER,
         Roll.MEMBERS, (BRANCH,), source="支部工作条例 2018"),
    Kind("committee_meeting", _("Committee meeting (支委会)"), Period.MONTH, Period.MONTH, Roll.COMMITTEE,
         (BRANCH, GENERAL_BRANCH, BASE_COMMITTEE), source="支部工作条例 2018"),
    # owed by a branch with party groups, held by each group (reported per group)
    Kind("group_meeting", _("Party group meeting (党小组会)"), Period.MONTH, Period.MONTH, Roll.GROUP, (BRANCH,),
         source="支部工作条例 2018"),
    Kind("party_lecture", _("Party lecture (党课)"), Period.QUARTER, Period.YEAR, Roll.MEMBERS,
         (BRANCH, GENERAL_BRANCH, BASE_COMMITTEE), study=True, source="党员教育管理工作条例 2019"),
    Kind("theme_day", _("Theme Party day (主题党日)"), Period.MONTH, Period.YEAR, Roll.MEMBERS, (BRANCH,), study=True,
         source="local practice"),
    Kind("life_meeting", _("Organisational-life meeting (组织生活会)"), Period.YEAR, Period.YEAR, Roll.MEMBERS,
         (BRANCH,), source="党员教育管理工作条例 2019"),
    Kind("appraisal_meeting", _("Democratic appraisal of members (民主评议党员)"), Period.YEAR, Period.YEAR,
         Roll.MEMBERS, (BRANCH,), source="党员教育管理工作条例 2019"),
    Kind("training", _("Study and training session (集中学习培训)"), None, None, Roll.MEMBERS,
         (BRANCH, GENERAL_BRANCH, BASE_COMMITTEE), study=True, source="党员教育管理工作条例 2019"),
)  # fmt: skip

KIND_BY_CODE = {k.code: k for k in KINDS}
KIND_CHOICES = [(k.code, k.label) for k in KINDS]
# The kinds owed at a frequency, in the registry's order: the compliance calculator's kinds.
COMPLIANCE_KINDS = tuple(k.code for k in KINDS if k.default is not None)
STUDY_KINDS = frozenset(k.code for k in KINDS if k.study)
DEFAULT_FREQUENCIES = {k.code: k.default for k in KINDS if k.default is not None}
NATIONAL_FLOORS = {k.code: k.floor for k in KINDS if k.floor is not None}
GROUP_MEETING, COMMITTEE_MEETING, GENERAL_MEETING = "group_meeting", "committee_meeting", "general_meeting"
# The yearly meetings that may be held for the year before (组织生活会 of year N in the first quarter of N+1).
YEARLY_KINDS = frozenset(k.code for k in KINDS if k.default == Period.YEAR)

# Study hours a year (集中学习培训, 党员教育管理工作条例 2019): the national floors, and the committee's defaults.
MEMBER_HOURS_FLOOR = 32
LEADER_HOURS_FLOOR = 56  # branch secretaries and committee members
# Hours of one meeting or one declared study: a day's training is 8 class hours; a week's is the most one record holds.
MAX_HOURS_PER_RECORD = 40


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    NOTIFIED = "notified", _("Notice sent")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Presence(models.TextChoices):
    PRESENT = "present", _("Present")
    LEAVE = "leave", _("On leave")
    ABSENT = "absent", _("Absent")


class LeaveState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the secretary")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class StudyState(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Not confirmed")
