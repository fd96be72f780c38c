"""Demo organisational life: the twelve months up to today for every branch and party group (general meetings,
committee and group meetings, lectures, theme days, last year's life meeting and appraisal) and the committee's and
general branches' own committee meetings and lectures, with attendance and minutes. Some months are skipped on
purpose so the grid shows red beside green, a few minutes are missing, and a theme day of 一车间党支部 is notified
for next week so the demo member sees a notice. Written in bulk, as fixtures (not anyone's decision), like the other
demo data (ADR 5)."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode, Post
from apps.people.choices import MEMBER_STATUSES, PoliticalStatus
from apps.people.models import Person

from .choices import MeetingStatus, Presence
from .models import Attendee, Meeting, MeetingPurpose

DEMO_BRANCH = "一车间党支部"
MINUTES = "<p>一、学习近期重要讲话和文件精神。</p><p>二、通报支部工作情况，讨论下一步安排。</p>"


def _months(today: datetime.date) -> list[datetime.date]:
    """The first day of each of the twelve months up to today's."""
    first = today.replace(day=1)
    return [first - relativedelta(months=n) for n in range(11, -1, -1)]


def _day(month: datetime.date, rng: random.Random, today: datetime.date) -> datetime.date | None:
    day = month.replace(day=rng.randrange(3, 27))
    return day if day < today else None


def _plan_above(node: OrgNode, has_committee: bool, rng: random.Random, today: datetime.date):
    """A committee's or general branch's own meetings: its committee monthly, a lecture each quarter."""
    meetings = []
    for month in _months(today):
        if has_committee and rng.random() > 0.08 and (day := _day(month, rng, today)):
            meetings.append((node, day, ["committee_meeting"], "委员会会议：研究本月工作", 0))
        if month.month % 3 == 0 and (day := _day(month, rng, today)):
            meetings.append((node, day, ["party_lecture"], "书记讲党课", 3))
    return meetings


def _plan(branch: OrgNode, groups: list[OrgNode], has_committee: bool, rng: random.Random, today: datetime.date):
    """(node, day, kinds, topic, study hours) of the branch's meetings; a diligent branch misses little, a careless one
    a quarter's general meeting and several months."""
    careless = rng.random() < 0.3
    skip = 0.25 if careless else 0.03
    meetings = []
    for month in _months(today):
        if rng.random() > skip and (day := _day(month, rng, today)):
            kinds = ["theme_day", "party_lecture"] if month.month % 3 == 1 else ["theme_day"]
            meetings.append((branch, day, kinds, "主题党日：学习与志愿服务", 2))
        if month.month % 3 == 2 and not (careless and month.month in (5, 8)) and (day := _day(month, rng, today)):
            meetings.append((branch, day, ["general_meeting"], "季度支部党员大会", 0))
        if has_committee and rng.random() > skip and (day := _day(month, rng, today)):
            meetings.append((branch, day, ["committee_meeting"], "支委会：研究本月工作", 0))
        for group in groups:
            if rng.random() > skip and (day := _day(month, rng, today)):
                meetings.append((group, day, ["group_meeting"], "党小组学习", 0))
    january = today.replace(month=1, day=1)
    if rng.random() > 0.2:
        day = january + datetime.timedelta(days=rng.randrange(8, 40))
        if day < today:
            meetings.append((branch, day, ["life_meeting", "appraisal_meeting"], "组织生活会和民主评议党员", 0))
    return meetings


def seed_meetings(*, rng: random.Random, today: datetime.date) -> int:
    """A year of meetings for every branch and its groups, with attendance and minutes; returns how many."""
    branches = list(OrgNode.objects.filter(kind=NodeKind.BRANCH, is_active=True).order_by("path"))
    groups = defaultdict(list)
    for group in OrgNode.objects.filter(kind=NodeKind.GROUP, is_active=True).order_by("path"):
        groups[group.path[: -OrgNode.steplen]].append(group)
    members = defaultdict(list)
    for pk, path, status in Person.objects.filter(political_status__in=MEMBER_STATUSES, is_active=True).values_list(
        "pk", "node__path", "political_status"
    ):
        members[path].append((pk, status == PoliticalStatus.FULL))
    committee_sizes = defaultdict(set)
    for node_id, person_id in Post.objects.filter(ended_on__isnull=True, title__is_committee_member=True).values_list(
        "node_id", "person_id"
    ):
        committee_sizes[node_id].add(person_id)
    planned = []
    for branch in branches:
        planned += _plan(branch, groups[branch.path], len(committee_sizes[branch.pk]) >= 3, rng, today)
    above = OrgNode.objects.filter(kind__in=[NodeKind.COMMITTEE, NodeKind.GENERAL_BRANCH], is_active=True)
    for node in above.order_by("path"):
        planned += _plan_above(node, len(committee_sizes[node.pk]) >= 3, rng, today)
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                node=node,
                held_on=day,
                topic=topic,
                place="党员活动室",
                study_hours=hours,
                status=MeetingStatus.HELD,
                for_year=today.year - 1 if "life_meeting" in kinds else None,
                recorded_at=datetime.datetime.combine(day, datetime.time(18), tzinfo=datetime.UTC),
                minutes="" if (today - day).days < 20 and rng.random() < 0.5 else MINUTES,
                minutes_due_on=day + datetime.timedelta(days=7),
            )
            for node, day, kinds, topic, hours in planned
        ],
        batch_size=2000,
    )
    purposes, attendees = [], []
    for meeting, (node, _on, kinds, _topic, _hours) in zip(meetings, planned, strict=True):
        purposes += [MeetingPurpose(meeting=meeting, kind=kind) for kind in kinds]
        if "committee_meeting" in kinds:
            roll = [(pk, True) for pk in committee_sizes[node.pk]]
        else:
            roll = [row for path, rows in members.items() if path.startswith(node.path) for row in rows]
        for person_id, full in roll:
            presence = Presence.PRESENT if rng.random() < 0.88 else Presence.ABSENT
            attendees.append(Attendee(meeting=meeting, person_id=person_id, voting=full, presence=presence))
    MeetingPurpose.objects.bulk_create(purposes, batch_size=5000)
    Attendee.objects.bulk_create(attendees, batch_size=5000)
    _notify_next_week(today)
    return len(meetings)


def _notify_next_week(today: datetime.date) -> None:
    """A theme day of the demo branch next week, its notice out: the demo member finds it on their page."""
    branch = OrgNode.objects.filter(name=DEMO_BRANCH).first()
    if branch is None:
        return
    meeting = Meeting.objects.create(
        node=branch,
        held_on=today + datetime.timedelta(days=7),
        starts_at=datetime.time(14, 30),
        topic="主题党日：重温入党誓词",
        place="党员活动室",
        study_hours=2,
        status=MeetingStatus.NOTIFIED,
        notified_at=datetime.datetime.combine(today, datetime.time(9), tzinfo=datetime.UTC),
    )
    MeetingPurpose.objects.bulk_create([MeetingPurpose(meeting=meeting, kind="theme_day")])
    people = Person.objects.filter(
        node__path__startswith=branch.path, political_status__in=MEMBER_STATUSES, is_active=True
    ).values_list("pk", "political_status")
    Attendee.objects.bulk_create(
        [Attendee(meeting=meeting, person_id=pk, voting=status == PoliticalStatus.FULL) for pk, status in people]
    )
