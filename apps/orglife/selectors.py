"""Reads of organisational life, restricted to the user where a user asks: meetings and their roll on the meeting's
date, the facts of the compliance calculator for many organisations in a fixed number of queries, a person's
attendance and study hours, and the last day each member took part (for the six-month flag of membership)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Case, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.membership.selectors import members_on, status_q
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode, OrgPolicy, Post, policy_defaults
from apps.organisations.permissions import covers, path_q, restrict, scope_paths
from apps.organisations.selectors import committee_of, paths_up
from apps.people.choices import PENALTIES_WITHOUT_VOTE, PoliticalStatus
from apps.people.models import Penalty, Person

from .choices import (
    COMMITTEE_MEETING,
    DEFAULT_FREQUENCIES,
    GROUP_MEETING,
    KIND_BY_CODE,
    NODE_KIND_OF,
    STUDY_KINDS,
    LeaveState,
    MeetingStatus,
    Presence,
    Roll,
    StudyState,
)
from .compliance import ComplianceFacts, GroupFact, MeetingFact, Report, compute
from .models import (
    Attendee,
    LeaveRequest,
    LifePolicy,
    Meeting,
    MeetingPurpose,
    MeetingVote,
    StudyDeclaration,
)

# Organisations that hold meetings of their own (a party group holds its group meetings).
MEETING_NODES = (NodeKind.COMMITTEE, NodeKind.GENERAL_BRANCH, NodeKind.BRANCH, NodeKind.GROUP)
COMPLIANCE_NODES = (NodeKind.COMMITTEE, NodeKind.GENERAL_BRANCH, NodeKind.BRANCH)
# Up to this many branches their groups are found by path; beyond, every active group is read (a few thousand rows
# at most) rather than a query with a thousand LIKE clauses.
GROUPS_BY_PATH = 50


# --- meetings the user may see ------------------------------------------------------------------------------------


def _own_meetings(user) -> Q:
    """A member sees the meetings whose notice went to them or on whose roll they are (an attendee row), and the
    meetings of their own organisations up the tree once the notice is out; never another organisation's committee
    meeting."""
    own = Q(Exists(Attendee.objects.filter(meeting=OuterRef("pk"), person__user_id=user.pk)))
    person = Person.objects.filter(user_id=user.pk).select_related("node").first()
    if person is not None and person.is_active and person.is_member:
        mine = Q(node__path__in=paths_up(person.node.path), status__in=[MeetingStatus.NOTIFIED, MeetingStatus.HELD])
        own |= mine & ~Q(Exists(MeetingPurpose.objects.filter(meeting=OuterRef("pk"), kind=COMMITTEE_MEETING)))
    return own


def meeting_list_for(*, user) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("node")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return restrict(qs, user=user, perm=VIEW_SCOPE, path_field="node__path", own=_own_meetings(user))


def meeting_get_for(*, user, pk, request=None) -> Meeting:
    """The meeting with what its page shows, or 404 — also outside the user's subtree (the attempt audited)."""
    meeting = (
        meeting_list_for(user=user)
        .select_related("chair", "recorder", "recorded_by", "minutes_by")
        .prefetch_related("purposes", "documents")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        denied = Meeting.objects.select_related("node").filter(pk=pk).first() if str(pk).isdigit() else None
        if denied is not None:
            audit_record(actor=user, action="access.denied", target=denied, node=denied.node, request=request)
        raise Http404
    return meeting


def manages(user, node: OrgNode) -> bool:
    """Whether the user records the node's meetings (the branch secretary, the organisation member, the staff)."""
    return covers(user, MANAGE_PEOPLE, node.path)


def meeting_nodes_for(*, user, perm: str = MANAGE_PEOPLE) -> QuerySet[OrgNode]:
    return restrict(
        OrgNode.objects.filter(kind__in=MEETING_NODES, is_active=True), user=user, perm=perm, path_field="path"
    ).order_by("path")


def node_for(*, user, pk, request=None) -> OrgNode:
    """An organisation of the user's subtree that owes meetings, or 404."""
    node = meeting_nodes_for(user=user, perm=VIEW_SCOPE).filter(pk=pk).first()
    if node is None:
        denied = OrgNode.objects.filter(pk=pk).first() if str(pk).isdigit() else None
        if denied is not None:
            audit_record(actor=user, action="access.denied", target=denied, node=denied, request=request)
        raise Http404
    return node


# --- the roll -----------------------------------------------------------------------------------------------------


@dataclass
class RollEntry:
    person: Person
    voting: bool
    invited: bool = False
    presence: str = ""
    leave: LeaveRequest | None = None

    @property
    def on_leave(self) -> bool:
        return self.leave is not None and self.leave.state == LeaveState.APPROVED


def roll_kind(kinds: Iterable[str]) -> str:
    kinds = list(kinds)
    if COMMITTEE_MEETING in kinds:
        return Roll.COMMITTEE
    return Roll.GROUP if GROUP_MEETING in kinds else Roll.MEMBERS


def committee_people(node: OrgNode, day: datetime.date) -> QuerySet[Person]:
    """The members of the node's committee on ``day``: holders of posts that count towards the committee."""
    held = Post.objects.filter(
        person=OuterRef("pk"), node=node, title__is_committee_member=True, started_on__lte=day
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
    return Person.objects.filter(Exists(held))


def roll_people(node: OrgNode, day: datetime.date, kinds: Iterable[str]) -> QuerySet[Person]:
    """Who a meeting of these kinds gathers on ``day``, computed from membership that day (one query): the members
    of the organisation (full and probationary; a group's members for a group meeting) or its committee. Each
    person is annotated ``voting``: a full member that day and not under 留党察看 (§20; probationary members have
    no vote)."""
    people = committee_people(node, day) if roll_kind(kinds) == Roll.COMMITTEE else members_on(node, day)
    barred = Penalty.objects.filter(
        person=OuterRef("pk"), kind__in=PENALTIES_WITHOUT_VOTE, effective_from__lte=day
    ).filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
    return people.annotate(
        voting=Case(
            When(status_q(day, (PoliticalStatus.FULL,)) & ~Q(Exists(barred)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    ).order_by("name", "pk")


def meeting_roll(meeting: Meeting) -> list[RollEntry]:
    """The roll of a meeting on its date (members who left since still on it, people admitted later not), the
    invitees, each with the presence recorded and the leave requested: three queries, a fourth for invitees."""
    rows = Attendee.objects.filter(meeting=meeting).values_list("person_id", "invited", "presence")
    attendees = {person_id: (invited, presence) for person_id, invited, presence in rows}
    leaves = {lr.person_id: lr for lr in LeaveRequest.objects.filter(meeting=meeting)}
    entries = []
    for person in roll_people(meeting.node, meeting.held_on, meeting.kind_codes):
        presence = attendees.pop(person.pk, (False, ""))[1]
        entries.append(RollEntry(person, person.voting, False, presence, leaves.get(person.pk)))
    invited = [person_id for person_id, (is_invited, _p) in attendees.items() if is_invited]
    if invited:
        for person in Person.objects.filter(pk__in=invited).order_by("name", "pk"):
            entries.append(RollEntry(person, False, True, attendees[person.pk][1], leaves.get(person.pk)))
    return entries


def meeting_votes(meeting: Meeting) -> list[MeetingVote]:
    """The development votes taken in the meeting, with their counts (the case's one stored vote)."""
    return list(
        MeetingVote.objects.filter(meeting=meeting)
        .select_related("record__vote", "record__case__person", "record__entered_by")
        .order_by("record__id")
    )


def meetings_of(node: OrgNode, year: int) -> QuerySet[Meeting]:
    """The meetings of a node and its party groups in a year, with their kinds."""
    return (
        Meeting.objects.filter(node__path__startswith=node.path, held_on__year=year)
        .select_related("node")
        .prefetch_related("purposes")
        .order_by("held_on", "pk")
    )


# --- compliance ---------------------------------------------------------------------------------------------------


def policies_for(nodes: list[OrgNode]) -> dict[int, tuple[dict[str, str], LifePolicy, OrgPolicy]]:
    """{node id: (frequencies, life policy, organisation policy)} of each node's base committee (the defaults where
    it saved none): one query for any number of nodes."""
    if not nodes:
        return {}
    ancestors = {p for n in nodes for p in paths_up(n.path)}
    committees = {
        c.path: c
        for c in OrgNode.objects.filter(kind=NodeKind.COMMITTEE, path__in=ancestors).select_related(
            "policy", "orglife_policy"
        )
    }
    found = {}
    for node in nodes:
        committee = next((committees[p] for p in paths_up(node.path) if p in committees), None)
        life = _life(committee) if committee else None
        org = getattr(committee, "policy", None) if committee else None
        found[node.pk] = (
            {**DEFAULT_FREQUENCIES, **(life.frequencies if life else {})},
            life or LifePolicy(committee=committee),
            org or OrgPolicy(committee=committee, **policy_defaults()),
        )
    return found


def _life(committee: OrgNode) -> LifePolicy | None:
    try:
        return committee.orglife_policy
    except LifePolicy.DoesNotExist:
        return None


def _groups_of(nodes: list[OrgNode]) -> dict[str, list[OrgNode]]:
    """{branch path: its active party groups} (one query)."""
    branches = {n.path for n in nodes if n.kind == NodeKind.BRANCH}
    if not branches:
        return {}
    groups = OrgNode.objects.filter(kind=NodeKind.GROUP, is_active=True).order_by("path")
    if len(branches) <= GROUPS_BY_PATH:
        groups = groups.filter(path_q(sorted(branches), "path"))
    found = defaultdict(list)
    for group in groups:
        parent = group.path[: -OrgNode.steplen]
        if parent in branches:
            found[parent].append(group)
    return found


def _committee_sizes(nodes: list[OrgNode], day: datetime.date) -> dict[int, int]:
    """{node id: distinct holders of committee posts on ``day``} (one query)."""
    rows = (
        Post.objects.filter(node__in=nodes, title__is_committee_member=True, started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .values_list("node_id", "person_id")
        .order_by()
        .distinct()
    )
    sizes: dict[int, int] = defaultdict(int)
    for node_id, _person in rows:
        sizes[node_id] += 1
    return sizes


def held_meeting_rows(node_ids: list[int], year: int, as_of: datetime.date):
    """(meeting id, node id, kind, date, for year) of every held meeting of these nodes that may count for ``year``
    (one query): those dated in the year, and yearly ones held later for it."""
    return (
        MeetingPurpose.objects.filter(meeting__node_id__in=node_ids, meeting__status=MeetingStatus.HELD)
        .filter(meeting__held_on__lte=as_of)
        .filter(Q(meeting__held_on__year=year) | Q(meeting__for_year=year))
        .values_list("meeting_id", "meeting__node_id", "kind", "meeting__held_on", "meeting__for_year")
    )


def compliance_reports(*, nodes: Iterable[OrgNode], year: int, as_of: datetime.date) -> dict[int, Report]:
    """{node id: compliance report} for many organisations in a fixed number of queries (policies, groups,
    committees, meetings): the same calculator as the command's."""
    nodes = [n for n in nodes if n.kind in COMPLIANCE_NODES]
    if not nodes:
        return {}
    day = min(as_of, datetime.date(year, 12, 31))
    policies = policies_for(nodes)
    groups = _groups_of(nodes)
    sizes = _committee_sizes(nodes, day)
    group_of = {g.pk: (path, g) for path, gs in groups.items() for g in gs}
    meetings: dict[int, list[MeetingFact]] = defaultdict(list)
    parts: dict[tuple[int, int, datetime.date, int | None], list[str]] = defaultdict(list)
    ids = [n.pk for n in nodes] + list(group_of)
    for meeting_id, node_id, kind, held_on, for_year in held_meeting_rows(ids, year, as_of).iterator(chunk_size=5000):
        parts[(meeting_id, node_id, held_on, for_year)].append(kind)
    by_path = {n.path: n for n in nodes}
    for (_meeting, node_id, held_on, for_year), kinds in parts.items():
        if node_id in group_of:
            path, group = group_of[node_id]
            meetings[by_path[path].pk].append(MeetingFact(tuple(kinds), held_on, group.name, for_year))
        else:
            meetings[node_id].append(MeetingFact(tuple(kinds), held_on, None, for_year))
    reports = {}
    for node in nodes:
        frequencies, _life_policy, org_policy = policies[node.pk]
        facts = ComplianceFacts(
            as_of=as_of,
            node_kind=NODE_KIND_OF[node.kind],
            has_committee=sizes.get(node.pk, 0) >= org_policy.committee_min,
            groups=tuple(GroupFact(g.name, g.established_on) for g in groups.get(node.path, [])),
            established_on=node.established_on,
            policy=frequencies,
            meetings=meetings.get(node.pk, []),
            year=year,
        )
        reports[node.pk] = compute(facts)
    return reports


def compliance_branches_for(*, user, root: OrgNode | None = None) -> QuerySet[OrgNode]:
    """The organisations that owe meetings, in the user's subtree (under ``root`` if given), for the grid."""
    qs = restrict(
        OrgNode.objects.filter(kind__in=COMPLIANCE_NODES, is_active=True), user=user, perm=VIEW_SCOPE, path_field="path"
    )
    if root is not None:
        qs = qs.filter(path__startswith=root.path)
    return qs.order_by("path")


def grid_roots_for(*, user) -> list[OrgNode]:
    """The committees (or the highest organisations) of the user's subtree: what the grid can be drawn for."""
    paths = scope_paths(user, VIEW_SCOPE)
    qs = OrgNode.objects.filter(kind__in=COMPLIANCE_NODES, is_active=True)
    if paths is None:
        return list(qs.filter(depth=1).order_by("path"))
    return list(qs.filter(path__in=paths).order_by("path"))


# --- a person's year: meetings, attendance, study hours -----------------------------------------------------------


def upcoming_for(*, person: Person, today: datetime.date) -> list[Attendee]:
    """The meetings whose notice went to the person, from today on, with any leave requested."""
    return list(
        Attendee.objects.filter(person=person, meeting__held_on__gte=today, meeting__status=MeetingStatus.NOTIFIED)
        .select_related("meeting__node")
        .prefetch_related(
            "meeting__purposes",
            Prefetch("meeting__leaves", queryset=LeaveRequest.objects.filter(person=person), to_attr="my_leaves"),
        )
        .order_by("meeting__held_on", "meeting__starts_at")
    )


def attendance_of(*, person: Person, year: int) -> list[Attendee]:
    return list(
        Attendee.objects.filter(person=person, meeting__held_on__year=year, meeting__status=MeetingStatus.HELD)
        .exclude(presence="")
        .select_related("meeting__node")
        .prefetch_related("meeting__purposes")
        .order_by("meeting__held_on")
    )


@dataclass
class StudyLedger:
    """A member's study hours of a year: what counted, from where, against what the policy requires."""

    year: int
    required: int
    entries: list[tuple[datetime.date, str, Decimal, str]] = field(default_factory=list)
    pending: list[StudyDeclaration] = field(default_factory=list)
    self_study_counts: bool = False

    @property
    def total(self) -> Decimal:
        return sum((e[2] for e in self.entries), Decimal(0))

    @property
    def missing(self) -> Decimal:
        return max(Decimal(self.required) - self.total, Decimal(0))


def is_leader(person: Person, year: int) -> bool:
    """A branch secretary or committee member in the year owes the higher hours."""
    return (
        Post.objects.filter(person=person, title__is_committee_member=True, started_on__lte=datetime.date(year, 12, 31))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=datetime.date(year, 1, 1)))
        .exists()
    )


def study_ledger(*, person: Person, year: int) -> StudyLedger:
    """Hours from the study meetings the person attended (the meeting's hours) and, where the committee's policy
    lets declared study count, from the declarations the secretary confirmed."""
    _freq, life, _org = policies_for([person.node])[person.node.pk]
    leader = is_leader(person, year)
    ledger = StudyLedger(
        year=year,
        required=life.leader_hours if leader else life.member_hours,
        self_study_counts=life.self_study_counts,
    )
    attended = (
        Attendee.objects.filter(
            person=person,
            presence=Presence.PRESENT,
            meeting__status=MeetingStatus.HELD,
            meeting__held_on__year=year,
            meeting__study_hours__gt=0,
        )
        .select_related("meeting")
        .order_by("meeting__held_on")
    )
    for row in attended:
        ledger.entries.append((row.meeting.held_on, row.meeting.topic, row.meeting.study_hours, "meeting"))
    declarations = StudyDeclaration.objects.filter(person=person, studied_on__year=year).order_by("studied_on")
    for declaration in declarations:
        if declaration.state == StudyState.CONFIRMED and life.self_study_counts:
            ledger.entries.append((declaration.studied_on, declaration.title, declaration.hours, "declared"))
        elif declaration.state == StudyState.PENDING:
            ledger.pending.append(declaration)
    ledger.entries.sort(key=lambda e: e[0])
    return ledger


def study_hours_by_person(*, people: list[int], year: int) -> dict[int, Decimal]:
    """{person id: hours from attended study meetings in the year} (one query), for the branch's view."""
    rows = (
        Attendee.objects.filter(
            person_id__in=people,
            presence=Presence.PRESENT,
            meeting__status=MeetingStatus.HELD,
            meeting__held_on__year=year,
        )
        .values("person_id")
        .annotate(hours=Sum("meeting__study_hours"))
        .values_list("person_id", "hours")
    )
    return {pid: hours or Decimal(0) for pid, hours in rows}


def declarations_to_confirm(*, user) -> QuerySet[StudyDeclaration]:
    return restrict(
        StudyDeclaration.objects.filter(state=StudyState.PENDING).select_related("person", "node"),
        user=user,
        perm=MANAGE_PEOPLE,
        path_field="node__path",
    ).order_by("declared_at")


def leaves_to_decide(*, user) -> QuerySet[LeaveRequest]:
    return restrict(
        LeaveRequest.objects.filter(state=LeaveState.REQUESTED).select_related("person", "meeting__node"),
        user=user,
        perm=MANAGE_PEOPLE,
        path_field="meeting__node__path",
    ).order_by("meeting__held_on")


def study_kinds(kinds: Iterable[str]) -> bool:
    return any(k in STUDY_KINDS for k in kinds)


def kind_labels(kinds: Iterable[str]) -> str:
    return " · ".join(str(KIND_BY_CODE[k].label) for k in kinds if k in KIND_BY_CODE)


# --- for membership: when each member last took part (the six-month flag, 党章 §9) -----------------------------------


def last_taken_part(person_ids: list[int], today: datetime.date) -> dict[int, datetime.date]:
    """{person id: the last day they took part in a held meeting} of the members on a recorded roll (one query).
    Present or excused with an approved leave (a good reason) counts as taking part. A member on recorded rolls who
    never took part counts from the day before their first such meeting."""
    rows = (
        Attendee.objects.filter(person_id__in=person_ids, meeting__status=MeetingStatus.HELD)
        .filter(meeting__held_on__lte=today)
        .exclude(presence="")
        .values("person_id")
        .annotate(
            last=Max("meeting__held_on", filter=Q(presence__in=[Presence.PRESENT, Presence.LEAVE])),
            first=Min("meeting__held_on"),
        )
        .values_list("person_id", "last", "first")
    )
    return {pid: last or first - datetime.timedelta(days=1) for pid, last, first in rows}


def committee_for(node: OrgNode) -> OrgNode | None:
    return committee_of(node)


def vote_origins(record_ids: list[int]) -> dict[int, tuple[str, str]]:
    """{record id: (label, link)} of the development votes taken in a meeting, for the case page (one query)."""
    from django.urls import reverse

    found = {}
    for link in MeetingVote.objects.filter(record_id__in=record_ids).select_related("meeting__node"):
        meeting = link.meeting
        label = _("Taken in the meeting of %(node)s on %(date)s") % {"node": meeting.node, "date": meeting.held_on}
        found[link.record_id] = (label, reverse("orglife:meeting", args=[meeting.pk]))
    return found
