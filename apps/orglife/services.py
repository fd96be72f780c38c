"""Writes to organisational life: the committee's policy (never looser than the national rules), the yearly plan,
meetings from the notice to the minutes, leave requests, attendance, votes taken for development cases, declared
study, and the periodic disclosure's draft. Each runs in one transaction, locks what it changes, returns early when
nothing changes, is audited, and takes the day or the moment from its caller.

The software records what the branch did; it computes compliance and flags, and never decides for anyone."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.disclosure.models import Category
from apps.disclosure.services import content_clean, notice_draft
from apps.documents.services import document_upload_for_node
from apps.lifecycle.models import DevelopmentCase, StepRecord
from apps.lifecycle.services import RecordEntry, case_record_step, record_vote_correct
from apps.lifecycle.steps import KINDS as RECORD_KINDS
from apps.lifecycle.steps import VOTE, DecidingBody
from apps.organisations.choices import MANAGE_ORG, MANAGE_PEOPLE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers
from apps.organisations.selectors import paths_up
from apps.people.models import Person

from .choices import (
    COMMITTEE_MEETING,
    GENERAL_MEETING,
    GROUP_MEETING,
    KIND_BY_CODE,
    LEADER_HOURS_FLOOR,
    MAX_HOURS_PER_RECORD,
    MEMBER_HOURS_FLOOR,
    NATIONAL_FLOORS,
    NODE_KIND_OF,
    PERIOD_MONTHS,
    YEARLY_KINDS,
    LeaveState,
    MeetingStatus,
    Period,
    Presence,
    StudyState,
)
from .models import (
    Attendee,
    LeaveRequest,
    LifePolicy,
    Meeting,
    MeetingPurpose,
    MeetingVote,
    PlanItem,
    StudyDeclaration,
)
from .selectors import compliance_reports, roll_people, study_kinds

# The development records a branch general meeting decides by a vote (admission, conversion, extension): read from
# the lifecycle's registry, never listed here.
VOTE_STEPS = tuple(k.code for k in RECORD_KINDS if VOTE in k.details and k.body == DecidingBody.BRANCH_MEETING)
# Minutes are formatted text; anything that runs or loads (scripts, styles, frames, handlers, links) is refused.
_ACTIVE_CONTENT = re.compile(r"<\s*/?\s*(script|style|iframe|object|embed|link|meta)\b|\son\w+\s*=|javascript:", re.I)
# Meeting fields a secretary enters and may correct (audited old → new).
MEETING_FIELDS = ("held_on", "starts_at", "place", "topic", "chair", "recorder", "for_year", "study_hours")


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, node: OrgNode, perm: str = MANAGE_PEOPLE) -> None:
    if not covers(actor, perm, node.path):
        raise PermissionDenied(_("You cannot record the organisational life of %(node)s.") % {"node": node})


# --- the committee's policy ---------------------------------------------------------------------------------------


def policy_problems(*, values: dict) -> list[tuple[str | None, str]]:
    """``(field, reason)`` for every value a committee may not set: a frequency looser than the national rule's, or
    study hours below the national floor (32 a year for members, 56 for secretaries and committee members)."""
    problems: list[tuple[str | None, str]] = []
    for kind, period in (values.get("frequencies") or {}).items():
        if kind not in NATIONAL_FLOORS:
            problems.append((kind, _("“%(kind)s” has no frequency to set.") % {"kind": kind}))
        elif period not in PERIOD_MONTHS:
            problems.append((kind, _("A frequency is every month, quarter or year.")))
        elif PERIOD_MONTHS[period] > PERIOD_MONTHS[NATIONAL_FLOORS[kind]]:
            problems.append(
                (
                    kind,
                    _("%(kind)s is owed at least %(floor)s under %(source)s; a committee may not set it looser.")
                    % {
                        "kind": KIND_BY_CODE[kind].label,
                        "floor": str(Period(NATIONAL_FLOORS[kind]).label).lower(),
                        "source": KIND_BY_CODE[kind].source,
                    },
                )
            )
    floors = {"member_hours": MEMBER_HOURS_FLOOR, "leader_hours": LEADER_HOURS_FLOOR}
    for name, floor in floors.items():
        if name in values and (values[name] is None or values[name] < floor):
            problems.append(
                (
                    name,
                    _("Study hours may not be set below the national %(floor)s a year (党员教育管理工作条例).")
                    % {"floor": floor},
                )
            )
    for name in ("backfill_days", "minutes_days"):
        if name in values and (values[name] is None or not 0 <= values[name] <= 366):
            problems.append((name, _("A number of days from 0 to 366.")))
    return problems


@transaction.atomic
def policy_save(*, actor, committee: OrgNode, values: dict) -> LifePolicy:
    """Set a committee's policy: frequencies per kind (between the default and the national floor), study hours,
    self-declared study, deadlines. Checked by ``policy_problems``, locked, audited old → new."""
    if committee.kind != NodeKind.COMMITTEE:
        raise ValidationError(_("Only a base Party committee sets the policy of organisational life."))
    _require(actor, committee, MANAGE_ORG)
    problems = policy_problems(values=values)
    if problems:
        raise ValidationError({name or "__all__": [reason] for name, reason in problems})
    policy, _created = LifePolicy.objects.get_or_create(committee=committee)
    policy = LifePolicy.objects.select_for_update().get(pk=policy.pk)
    changes = {}
    for name in ("member_hours", "leader_hours", "self_study_counts", "backfill_days", "minutes_days"):
        if name in values and getattr(policy, name) != values[name]:
            changes[name] = [getattr(policy, name), values[name]]
            setattr(policy, name, values[name])
    if changes:
        policy.full_clean()
        policy.save()
    frequencies = dict(policy.frequencies)
    for kind, period in (values.get("frequencies") or {}).items():
        old = frequencies.get(kind, KIND_BY_CODE[kind].default)
        if old != period:
            frequencies[kind] = period
            changes[f"frequency.{kind}"] = [old, period]
    if frequencies != policy.frequencies:
        policy.frequencies = frequencies
        policy.save(update_fields=["frequencies"])
    if changes:
        audit_record(actor=actor, action="orglife.policy_changed", target=policy, node=committee, changes=changes)
    return policy


# --- the yearly plan ------------------------------------------------------------------------------------------------


def _check_kinds(node: OrgNode, kinds) -> list[str]:
    """The kinds a meeting of ``node`` may serve: known, owed or held at such an organisation, a committee meeting
    on its own, a group meeting only in a party group (and nothing else there)."""
    kinds = list(dict.fromkeys(kinds or []))
    if not kinds:
        raise ValidationError(_("Choose what kind of meeting it is."))
    unknown = [k for k in kinds if k not in KIND_BY_CODE]
    if unknown:
        raise ValidationError(_("Unknown kind of meeting: %(kinds)s.") % {"kinds": ", ".join(unknown)})
    if node.kind == NodeKind.GROUP:
        if kinds != [GROUP_MEETING]:
            raise ValidationError(_("A party group holds party group meetings only."))
        return kinds
    if GROUP_MEETING in kinds:
        raise ValidationError(_("A party group meeting is held by the group: choose the group."))
    if COMMITTEE_MEETING in kinds and len(kinds) > 1:
        raise ValidationError(_("A committee meeting gathers the committee only: record the other kinds apart."))
    node_kind = NODE_KIND_OF[node.kind]
    wrong = [k for k in kinds if node_kind not in KIND_BY_CODE[k].applies_to]
    if wrong:
        raise ValidationError(
            _("%(node)s does not hold %(kinds)s.")
            % {"node": node, "kinds": "、".join(str(KIND_BY_CODE[k].label) for k in wrong)}
        )
    return kinds


@transaction.atomic
def plan_item_add(*, actor, node: OrgNode, planned_on: datetime.date, kinds, topic: str = "") -> PlanItem:
    """A line of the organisation's plan for the year of ``planned_on``."""
    _require(actor, node)
    kinds = _check_kinds(node, kinds)
    item = PlanItem.objects.create(
        node=node, year=planned_on.year, planned_on=planned_on, kinds=kinds, topic=topic.strip()[:200],
        created_by=_user(actor),
    )  # fmt: skip
    audit_record(
        actor=actor,
        action="orglife.plan_item_added",
        target=item,
        node=node,
        changes={"planned_on": [None, planned_on], "kinds": [None, ",".join(kinds)]},
    )
    return item


@transaction.atomic
def plan_item_remove(*, actor, item: PlanItem) -> None:
    item = PlanItem.objects.select_for_update().select_related("node").get(pk=item.pk)
    _require(actor, item.node)
    audit_record(
        actor=actor,
        action="orglife.plan_item_removed",
        target=item,
        node=item.node,
        changes={"item": [str(item), None]},
    )
    item.delete()


def _a_year_later(day: datetime.date, year: int) -> datetime.date:
    return day + relativedelta(years=year - day.year)


@transaction.atomic
def plan_copy(*, actor, node: OrgNode, to_year: int) -> int:
    """Copy last year's plan into ``to_year`` (same days a year later) to be edited; lines already there are kept.
    Returns how many lines were added."""
    _require(actor, node)
    OrgNode.objects.select_for_update().get(pk=node.pk)  # two copies at once: one after the other
    existing = {(i.planned_on, tuple(i.kinds)) for i in PlanItem.objects.filter(node=node, year=to_year)}
    fresh = []
    for item in PlanItem.objects.filter(node=node, year=to_year - 1).order_by("planned_on", "pk"):
        day = _a_year_later(item.planned_on, to_year)
        if (day, tuple(item.kinds)) not in existing:
            fresh.append(
                PlanItem(node=node, year=to_year, planned_on=day, kinds=item.kinds, topic=item.topic,
                         created_by=_user(actor))
            )  # fmt: skip
    PlanItem.objects.bulk_create(fresh)
    if fresh:
        audit_record(
            actor=actor,
            action="orglife.plan_copied",
            target=node,
            node=node,
            changes={"plan": [to_year - 1, to_year]},
            note=str(len(fresh)),
        )
    return len(fresh)


# --- meetings -------------------------------------------------------------------------------------------------------


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value or 0))
    except InvalidOperation:
        raise ValidationError(_("Study hours are a number, such as 2 or 1.5.")) from None
    if hours < 0 or hours > MAX_HOURS_PER_RECORD or hours * 2 != int(hours * 2):
        raise ValidationError(
            _("Study hours go from 0 to %(max)s, in half hours; %(hours)s is not possible.")
            % {"max": MAX_HOURS_PER_RECORD, "hours": value}
        )
    return hours


def _check_meeting(node: OrgNode, data: dict, kinds: list[str]) -> None:
    """The checks every version of a meeting's details passes (new or corrected)."""
    if not (data.get("topic") or "").strip():
        raise ValidationError(_("A meeting needs a topic."))
    data["study_hours"] = _hours(data.get("study_hours"))
    if data["study_hours"] and not study_kinds(kinds):
        raise ValidationError(
            _("Only lectures, theme days and training sessions count as study: leave the hours at 0 for this kind.")
        )
    held_on, for_year = data["held_on"], data.get("for_year")
    if for_year is not None:
        if not any(k in YEARLY_KINDS for k in kinds):
            raise ValidationError(_("Only a yearly meeting (life meeting, appraisal) is held for a year."))
        if for_year not in (held_on.year, held_on.year - 1):
            raise ValidationError(
                _("A meeting on %(date)s is held for %(year)s or the year before.")
                % {"date": held_on, "year": held_on.year}
            )
    for role in ("chair", "recorder"):
        person = data.get(role)
        if person is not None and not person.node.path.startswith(node.path[: OrgNode.steplen]):
            raise ValidationError(_("%(person)s is not of this committee.") % {"person": person})


@transaction.atomic
def meeting_create(
    *,
    actor,
    node: OrgNode,
    held_on: datetime.date,
    kinds,
    topic: str,
    today: datetime.date,
    starts_at: datetime.time | None = None,
    place: str = "",
    chair: Person | None = None,
    recorder: Person | None = None,
    for_year: int | None = None,
    study_hours=0,
    plan_item: PlanItem | None = None,
) -> Meeting:
    """A meeting is arranged (有安排): its kinds, date and time, place, topic, chair and recorder. It may be dated in
    the past (a meeting recorded after the fact); the notice goes to the roll with ``meeting_notify``."""
    _require(actor, node)
    kinds = _check_kinds(node, kinds)
    data = {"held_on": held_on, "topic": topic, "for_year": for_year, "study_hours": study_hours}
    data |= {"chair": chair, "recorder": recorder}
    _check_meeting(node, data, kinds)
    if plan_item is not None and plan_item.node_id != node.pk:
        raise ValidationError(_("The plan item belongs to another organisation."))
    meeting = Meeting.objects.create(
        node=node,
        held_on=held_on,
        starts_at=starts_at,
        place=place.strip()[:200],
        topic=topic.strip()[:200],
        chair=chair,
        recorder=recorder,
        for_year=for_year,
        study_hours=data["study_hours"],
        plan_item=plan_item,
        created_by=_user(actor),
    )
    MeetingPurpose.objects.bulk_create(MeetingPurpose(meeting=meeting, kind=k) for k in kinds)
    audit_record(
        actor=actor,
        action="orglife.meeting_arranged",
        target=meeting,
        node=node,
        changes={"held_on": [None, held_on], "kinds": [None, ",".join(kinds)]},
    )
    return meeting


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("node").get(pk=meeting.pk)


@transaction.atomic
def meeting_update(*, actor, meeting: Meeting, fields: dict, today: datetime.date) -> Meeting:
    """Change or correct a meeting's details (audited old → new). A held meeting keeps a date that is not in the
    future; a notified one sends its notice again to the roll of its (new) date."""
    meeting = _lock(meeting)
    _require(actor, meeting.node)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("The meeting was cancelled."))
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    data = {name: getattr(meeting, name) for name in MEETING_FIELDS} | fields
    _check_meeting(meeting.node, data, meeting.kind_codes)
    if meeting.is_held and data["held_on"] > today:
        raise ValidationError(_("A meeting recorded as held cannot be dated in the future (%(date)s).") % {
            "date": data["held_on"]})  # fmt: skip
    changes = {}
    for name in MEETING_FIELDS:
        if getattr(meeting, name) != data[name]:
            changes[name] = [getattr(meeting, name), data[name]]
            setattr(meeting, name, data[name])
    if not changes:
        return meeting
    meeting.save(update_fields=list(changes))
    if "held_on" in changes and meeting.status == MeetingStatus.NOTIFIED:
        _sync_roll(meeting)
    audit_record(actor=actor, action="orglife.meeting_changed", target=meeting, node=meeting.node, changes=changes)
    return meeting


def _sync_roll(meeting: Meeting) -> list[int]:
    """The attendee rows follow the roll of the meeting's date: the people it gathers are added, those no longer on
    it (and neither invited nor marked) leave it. Returns the roll's person ids."""
    people = list(roll_people(meeting.node, meeting.held_on, meeting.kind_codes).values_list("pk", "voting"))
    on_roll = {pk for pk, _v in people}
    Attendee.objects.filter(meeting=meeting, invited=False, presence="").exclude(person_id__in=on_roll).delete()
    Attendee.objects.bulk_create(
        [Attendee(meeting=meeting, person_id=pk, voting=voting) for pk, voting in people],
        update_conflicts=True,
        unique_fields=["meeting", "person"],
        update_fields=["voting"],
    )
    return [pk for pk, _v in people]


@transaction.atomic
def meeting_notify(*, actor, meeting: Meeting, now: datetime.datetime) -> Meeting:
    """The notice goes to the roll of the meeting's date (and its invitees): each gets a reminder and the meeting in
    their calendar (the source ``orglife.meeting_notice``). Idempotent."""
    meeting = _lock(meeting)
    _require(actor, meeting.node)
    if meeting.status == MeetingStatus.NOTIFIED:
        return meeting
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("The meeting is %(status)s.") % {"status": meeting.get_status_display()})
    if meeting.held_on < timezone.localdate(now):
        raise ValidationError(_("The meeting's day has passed: record its attendance instead of a notice."))
    roll = _sync_roll(meeting)
    meeting.status, meeting.notified_at = MeetingStatus.NOTIFIED, now
    meeting.save(update_fields=["status", "notified_at"])
    audit_record(
        actor=actor,
        action="orglife.meeting_notified",
        target=meeting,
        node=meeting.node,
        changes={"status": [MeetingStatus.PLANNED, MeetingStatus.NOTIFIED]},
        note=str(len(roll)),
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str, now: datetime.datetime) -> Meeting:
    meeting = _lock(meeting)
    _require(actor, meeting.node)
    if meeting.status == MeetingStatus.CANCELLED:
        return meeting
    if meeting.is_held:
        raise ValidationError(_("A meeting that was held is not cancelled; correct its record instead."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for cancelling."))
    old = meeting.status
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="orglife.meeting_cancelled",
        target=meeting,
        node=meeting.node,
        changes={"status": [old, MeetingStatus.CANCELLED]},
        note=reason.strip()[:500],
    )
    return meeting


@transaction.atomic
def meeting_invite(*, actor, meeting: Meeting, person: Person, now: datetime.datetime) -> Attendee:
    """Invite someone without a vote (an activist, a candidate, a guest from the unit)."""
    meeting = _lock(meeting)
    _require(actor, meeting.node)
    if meeting.status in (MeetingStatus.HELD, MeetingStatus.CANCELLED):
        raise ValidationError(_("The meeting is %(status)s.") % {"status": meeting.get_status_display()})
    row, created = Attendee.objects.get_or_create(meeting=meeting, person=person, defaults={"invited": True})
    if created:
        audit_record(
            actor=actor,
            action="orglife.invited",
            target=meeting,
            node=meeting.node,
            changes={"invited": [None, str(person)]},
        )
    return row


# --- leave ----------------------------------------------------------------------------------------------------------


def _on_roll(meeting: Meeting, person: Person) -> bool:
    if roll_people(meeting.node, meeting.held_on, meeting.kind_codes).filter(pk=person.pk).exists():
        return True
    return Attendee.objects.filter(meeting=meeting, person=person, invited=True).exists()


@transaction.atomic
def leave_request(*, actor, meeting: Meeting, reason: str, now: datetime.datetime) -> LeaveRequest:
    """A person on the meeting's roll asks to be excused, with a reason, before the meeting is recorded."""
    today = timezone.localdate(now)
    person = Person.objects.filter(user_id=getattr(actor, "pk", None)).first()
    if person is None:
        raise PermissionDenied(_("Only a person on the roll asks for leave."))
    meeting = _lock(meeting)
    if meeting.status != MeetingStatus.NOTIFIED or meeting.held_on < today:
        raise ValidationError(_("Leave is asked for before the meeting, once its notice is out."))
    if not _on_roll(meeting, person):
        raise ValidationError(_("%(person)s is not on the roll of this meeting.") % {"person": person})
    reason = " ".join(reason.split())[:200]
    if not reason:
        raise ValidationError(_("Give the reason you cannot attend."))
    existing = LeaveRequest.objects.select_for_update().filter(meeting=meeting, person=person).first()
    if existing is not None:
        if existing.state == LeaveState.REQUESTED and existing.reason != reason:
            existing.reason = reason
            existing.save(update_fields=["reason"])
        return existing
    leave = LeaveRequest.objects.create(meeting=meeting, person=person, reason=reason, requested_at=now)
    audit_record(
        actor=actor, action="orglife.leave_requested", target=meeting, node=meeting.node,
        changes={"leave": [None, str(person)]},
    )  # fmt: skip
    return leave


@transaction.atomic
def leave_decide(*, actor, leave: LeaveRequest, approve: bool, now: datetime.datetime) -> LeaveRequest:
    """The secretary approves or refuses a leave request (until the attendance is recorded)."""
    leave = (
        LeaveRequest.objects.select_for_update(of=("self",)).select_related("meeting__node", "person").get(pk=leave.pk)
    )
    _require(actor, leave.meeting.node)
    state = LeaveState.APPROVED if approve else LeaveState.REFUSED
    if leave.state == state:
        return leave
    if leave.meeting.is_held:
        raise ValidationError(_("The attendance of the meeting is recorded: leave is no longer decided."))
    old = leave.state
    leave.state, leave.decided_at, leave.decided_by = state, now, _user(actor)
    leave.save(update_fields=["state", "decided_at", "decided_by"])
    audit_record(
        actor=actor,
        action="orglife.leave_decided",
        target=leave.meeting,
        node=leave.meeting.node,
        changes={"leave": [old, state]},
        note=str(leave.person),
    )
    return leave


# --- attendance, minutes, documents --------------------------------------------------------------------------------


class AttendanceConflict(ValidationError):
    """Someone else saved the attendance since the form was opened."""


def _life_policy(node: OrgNode) -> LifePolicy:
    """The life policy of the node's committee, or the defaults (one query)."""
    policy = LifePolicy.objects.filter(committee__path__in=paths_up(node.path)).order_by("-committee__depth").first()
    return policy or LifePolicy()


def _names(ids) -> str:
    return ", ".join(Person.objects.filter(pk__in=list(ids)[:10]).values_list("name", flat=True))


def _check_marks(meeting: Meeting, marks: dict[int, str], people: dict[int, bool], invited: set[int]) -> None:
    """Every person of the roll marked once, nobody else; "on leave" only with an approved request."""
    strangers = [pk for pk in marks if pk not in people and pk not in invited]
    if strangers:
        raise ValidationError(
            _("Not on the roll of this meeting on %(date)s: %(names)s.")
            % {"date": meeting.held_on, "names": _names(strangers) or strangers}
        )
    if any(value not in Presence.values for value in marks.values() if value):
        raise ValidationError(_("Attendance is present, on leave or absent."))
    unmarked = [pk for pk in people if not marks.get(pk)]
    if unmarked:
        raise ValidationError(
            _("Mark everyone on the roll as present, on leave or absent: %(names)s%(more)s.")
            % {"names": _names(unmarked), "more": "…" if len(unmarked) > 10 else ""}
        )
    marks_leave = [pk for pk, value in marks.items() if value == Presence.LEAVE]
    if marks_leave:
        approved = set(
            LeaveRequest.objects.filter(
                meeting=meeting, state=LeaveState.APPROVED, person_id__in=marks_leave
            ).values_list("person_id", flat=True)
        )
        excused = [pk for pk in marks_leave if pk not in approved]
        if excused:
            raise ValidationError(
                _("On leave only with an approved leave request; otherwise absent: %(names)s.")
                % {"names": _names(excused)}
            )
    for pk in [pk for pk, value in marks.items() if not value]:
        del marks[pk]  # an invitee left unmarked stays as invited


@transaction.atomic
def attendance_record(
    *, actor, meeting: Meeting, marks: dict[int, str], now: datetime.datetime, version: int | None = None
) -> Meeting:
    """The attendance after the meeting, once per person of the roll of its date (present, on leave or absent): the
    meeting is then held (有考勤). "On leave" needs an approved leave request. Saved again, it is a correction;
    saved from a form opened before someone else's save (``version``), it is refused. A meeting recorded more than
    the policy's days after it happened is marked as recorded after the fact (allowed, audited, shown)."""
    today = timezone.localdate(now)
    meeting = _lock(meeting)
    _require(actor, meeting.node)
    if version is not None and version != meeting.attendance_version:
        raise AttendanceConflict(
            _("Someone else saved the attendance of this meeting meanwhile: reload the page to see it.")
        )
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("The meeting was cancelled."))
    if meeting.held_on > today:
        raise ValidationError(
            _("The meeting is on %(date)s: it cannot be recorded as held before that day.") % {"date": meeting.held_on}
        )
    if meeting.held_on == today and meeting.starts_at and timezone.localtime(now).time() < meeting.starts_at:
        raise ValidationError(
            _("The meeting starts at %(time)s: its attendance is recorded once it has begun.")
            % {"time": meeting.starts_at.strftime("%H:%M")}
        )
    people = dict(roll_people(meeting.node, meeting.held_on, meeting.kind_codes).values_list("pk", "voting"))
    rows = dict(Attendee.objects.filter(meeting=meeting).values_list("person_id", "invited"))
    invited = {pk for pk, is_invited in rows.items() if is_invited}
    marks = {int(pk): value for pk, value in marks.items()}
    _check_marks(meeting, marks, people, invited)
    gone = [pk for pk, is_invited in rows.items() if not is_invited and pk not in people]
    if gone:
        Attendee.objects.filter(meeting=meeting, person_id__in=gone).delete()
    Attendee.objects.bulk_create(
        [
            Attendee(meeting=meeting, person_id=pk, voting=people.get(pk, False), invited=pk not in people,
                     presence=marks[pk])
            for pk in marks
        ],
        update_conflicts=True,
        unique_fields=["meeting", "person"],
        update_fields=["voting", "presence"],
    )  # fmt: skip
    first = not meeting.is_held
    old_status = meeting.status
    meeting.status = MeetingStatus.HELD
    meeting.attendance_version += 1
    if first:
        life = _life_policy(meeting.node)
        meeting.recorded_at, meeting.recorded_by = now, _user(actor)
        meeting.backfilled = (today - meeting.held_on).days > life.backfill_days
        meeting.minutes_due_on = meeting.held_on + datetime.timedelta(days=life.minutes_days)
    meeting.save(
        update_fields=["status", "attendance_version", "recorded_at", "recorded_by", "backfilled", "minutes_due_on"]
    )
    counts = {value: sum(1 for v in marks.values() if v == value) for value in Presence.values}
    audit_record(
        actor=actor,
        action="orglife.attendance_recorded" if first else "orglife.attendance_corrected",
        target=meeting,
        node=meeting.node,
        changes={"status": [old_status, MeetingStatus.HELD], **{k: [None, n] for k, n in counts.items()}},
        note=_("recorded after the fact") if first and meeting.backfilled else "",
    )
    return meeting


def minutes_check(html: str) -> str:
    """Minutes as formatted text: refused when they carry anything that runs or loads, then sanitised. Minutes typed as
    plain text (no markup) keep their lines: each paragraph a ``<p>``, each line break a ``<br>``."""
    if _ACTIVE_CONTENT.search(html or ""):
        raise ValidationError(
            _("Minutes are formatted text only: scripts, styles, frames, event handlers and links are not allowed.")
        )
    if html and "<" not in html:
        html = linebreaks(html)  # escapes the text, then paragraphs and line breaks
    return content_clean(html)


@transaction.atomic
def minutes_record(*, actor, meeting: Meeting, minutes: str, decisions: str, now: datetime.datetime) -> Meeting:
    """The minutes and decisions of a held meeting (有记录), by whom and when; changed later, audited."""
    meeting = _lock(meeting)
    _require(actor, meeting.node)
    if not meeting.is_held:
        raise ValidationError(_("Record the attendance first: minutes belong to a meeting that was held."))
    clean = minutes_check(minutes)
    if not clean:
        raise ValidationError(_("The minutes are empty."))
    decisions = decisions.strip()[:5000]
    if clean == meeting.minutes and decisions == meeting.decisions:
        return meeting
    changes = {"minutes": [len(meeting.minutes), len(clean)]}
    if decisions != meeting.decisions:
        changes["decisions"] = [meeting.decisions, decisions]
    meeting.minutes, meeting.decisions, meeting.minutes_at, meeting.minutes_by = clean, decisions, now, _user(actor)
    meeting.save(update_fields=["minutes", "decisions", "minutes_at", "minutes_by"])
    audit_record(actor=actor, action="orglife.minutes_recorded", target=meeting, node=meeting.node, changes=changes)
    return meeting


@transaction.atomic
def meeting_attach(*, actor, meeting: Meeting, uploaded, title: str, now: datetime.datetime):
    """A sign-in sheet's scan or a photo, stored through the documents service on the organisation's records."""
    meeting = _lock(meeting)
    _require(actor, meeting.node)
    document = document_upload_for_node(
        actor=actor, node=meeting.node, uploaded=uploaded, title=title or str(meeting), now=now
    )
    meeting.documents.add(document)
    audit_record(
        actor=actor,
        action="orglife.document_attached",
        target=meeting,
        node=meeting.node,
        changes={"documents": [None, document.title]},
    )
    return document


# --- the meeting feeds the case -------------------------------------------------------------------------------------


@dataclass
class VoteEntry:
    """A development case's vote as the meeting enters it: the counts are typed with the vote (secret ballot; never
    taken from the attendance)."""

    case: DevelopmentCase
    step: str
    counts: dict
    passed: bool | None = None
    decision: str = ""
    months: int | None = None


def _present_voters(meeting: Meeting) -> int | None:
    if not meeting.is_held:
        return None
    return Attendee.objects.filter(meeting=meeting, voting=True, presence=Presence.PRESENT).count()


@transaction.atomic
def meeting_vote_record(*, actor, meeting: Meeting, entry: VoteEntry, now: datetime.datetime) -> StepRecord:
    """Record a development case's vote (admission, conversion, extension) taken in this branch general meeting:
    through ``case_record_step`` (its checks, the due voters from the roll on the meeting's date, members who left
    since included), once — the case's record holds the one vote, and this meeting links to it."""
    meeting = _lock(meeting)
    _require(actor, meeting.node)
    if entry.step not in VOTE_STEPS:
        raise ValidationError(_("A branch general meeting records admission, conversion or extension votes here."))
    if GENERAL_MEETING not in meeting.kind_codes or meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Votes on development cases are taken in a branch general meeting."))
    if entry.case.branch_id != meeting.node_id:
        raise ValidationError(
            _("%(person)s's case belongs to %(branch)s, not to this branch.")
            % {"person": entry.case.person, "branch": entry.case.branch}
        )
    present = _present_voters(meeting)
    claimed = int((entry.counts or {}).get("present") or 0)
    if present is not None and claimed > present:
        raise ValidationError(
            _("The vote counts %(claimed)s members with a vote present; the attendance records %(present)s.")
            % {"claimed": claimed, "present": present}
        )
    record = case_record_step(
        actor=actor,
        case=entry.case,
        entry=RecordEntry(
            step=entry.step,
            on=meeting.held_on,
            body=DecidingBody.BRANCH_MEETING,
            decision=entry.decision.strip(),
            meeting_ref=f"{meeting.node} {meeting.held_on} {meeting.topic}"[:200],
            vote=entry.counts,
            passed=entry.passed,
            months=entry.months,
        ),
        now=now,
    )
    link, created = MeetingVote.objects.get_or_create(record=record, defaults={"meeting": meeting})
    if link.meeting_id != meeting.pk:
        raise ValidationError(_("This vote was recorded in another meeting."))
    if created:
        audit_record(
            actor=actor,
            action="orglife.vote_recorded",
            target=meeting,
            node=meeting.node,
            changes={"vote": [None, f"{record.get_step_display()} {entry.case.person}"]},
        )
    return record


@transaction.atomic
def meeting_vote_correct(*, actor, meeting: Meeting, record: StepRecord, counts: dict, reason: str, now):
    """Correct the counts of a vote taken in this meeting: the correction is made on the case's one vote, so the case
    and the meeting show the corrected counts."""
    meeting = _lock(meeting)
    _require(actor, meeting.node)
    if not MeetingVote.objects.filter(meeting=meeting, record=record).exists():
        raise ValidationError(_("This vote was not taken in this meeting."))
    present = _present_voters(meeting)
    claimed = int((counts or {}).get("present") or 0)
    if present is not None and claimed > present:
        raise ValidationError(
            _("The vote counts %(claimed)s members with a vote present; the attendance records %(present)s.")
            % {"claimed": claimed, "present": present}
        )
    return record_vote_correct(actor=actor, record=record, counts=counts, reason=reason, now=now)


# --- study ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def study_declare(*, actor, studied_on: datetime.date, hours, title: str, now: datetime.datetime) -> StudyDeclaration:
    """A member declares study done elsewhere, for the secretary to confirm; it counts only where the committee's
    policy lets declared study count."""
    today = timezone.localdate(now)
    person = Person.objects.select_related("node").filter(user_id=getattr(actor, "pk", None)).first()
    if person is None or not person.is_member or not person.is_active:
        raise PermissionDenied(_("Members on the roll declare their study."))
    life = _life_policy(person.node)
    if not life.self_study_counts:
        raise ValidationError(_("Your committee does not count declared study towards the study hours."))
    if studied_on > today:
        raise ValidationError(_("Study cannot be declared for a day to come (%(date)s).") % {"date": studied_on})
    hours = _hours(hours)
    if hours <= 0:
        raise ValidationError(_("Declare at least half an hour."))
    if not title.strip():
        raise ValidationError(_("Say what was studied."))
    declaration = StudyDeclaration.objects.create(
        person=person, node=person.node, studied_on=studied_on, hours=hours, title=title.strip()[:200],
        declared_at=now,
    )  # fmt: skip
    audit_record(
        actor=actor,
        action="orglife.study_declared",
        target=declaration,
        node=person.node,
        changes={"hours": [None, hours]},
    )
    return declaration


@transaction.atomic
def study_decide(*, actor, declaration: StudyDeclaration, confirm: bool, now: datetime.datetime) -> StudyDeclaration:
    declaration = (
        StudyDeclaration.objects.select_for_update(of=("self",)).select_related("node", "person").get(pk=declaration.pk)
    )
    _require(actor, declaration.node)
    if declaration.person.user_id and declaration.person.user_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("Someone else confirms your own study."))
    state = StudyState.CONFIRMED if confirm else StudyState.REFUSED
    if declaration.state == state:
        return declaration
    old = declaration.state
    declaration.state, declaration.decided_at, declaration.decided_by = state, now, _user(actor)
    declaration.save(update_fields=["state", "decided_at", "decided_by"])
    audit_record(
        actor=actor,
        action="orglife.study_decided",
        target=declaration,
        node=declaration.node,
        changes={"state": [old, state]},
    )
    return declaration


# --- the periodic disclosure ----------------------------------------------------------------------------------------

DISCLOSURE_CATEGORY = "meetings"  # “三会一课”开展情况 in the disclosure catalogue


@transaction.atomic
def compliance_disclosure_draft(*, actor, node: OrgNode, year: int, today: datetime.date):
    """Draft the periodic disclosure “三会一课执行情况” of an organisation from its computed compliance: a draft of the
    actor's, which others check and approve through the disclosure workflow (four-eyes) before anyone reads it."""
    _require(actor, node)
    category = Category.objects.filter(code=DISCLOSURE_CATEGORY).first()
    if category is None:
        raise ValidationError(_("The disclosure catalogue has no category for meetings: run migrate."))
    report = compliance_reports(nodes=[node], year=year, as_of=today).get(node.pk)
    if report is None:
        raise ValidationError(_("%(node)s owes no meetings of its own.") % {"node": node})
    content = render_to_string("orglife/disclosure_content.html", {"node": node, "report": report, "today": today})
    title = _("Implementation of “three meetings and one lecture”, %(node)s, %(year)s (as of %(date)s)") % {
        "node": node,
        "year": year,
        "date": today,
    }
    return notice_draft(
        actor=actor, node=node, category=category, title=title, content=content, opens_on=today, scope=""
    )
