"""Reads of membership history, restricted by user where a user asks: the roll of a node on any date (one
selector for every app), a person's periods, the transfers a secretary handles, members flagged for a decision."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE
from apps.organisations.models import OrgNode
from apps.organisations.permissions import path_q, restrict, scope_paths
from apps.people.choices import MEMBER_STATUSES, PoliticalStatus
from apps.people.models import Person

from .choices import PENDING_STATES
from .models import ContactLoss, MembershipPeriod, Transfer

# 失联 and absence from organisational life: flagged for the branch's decision after this many months (党章 §9).
FLAG_AFTER_MONTHS = 6
ONE_DAY = datetime.timedelta(days=1)


def status_q(day: datetime.date, statuses: Iterable[str] = MEMBER_STATUSES, prefix: str = "") -> Q:
    """People whose political status on ``day`` is one of ``statuses``: probationary from the admission (§31) until
    full membership (§33); full from ``full_member_on``. A member whose dates were never recorded counts with their
    current status."""
    p = prefix
    full = Q(**{f"{p}full_member_on__lte": day}) | Q(
        **{f"{p}full_member_on__isnull": True, f"{p}political_status": PoliticalStatus.FULL}
    )
    probationary = (Q(**{f"{p}joined_on__lte": day}) | Q(**{f"{p}joined_on__isnull": True})) & (
        Q(**{f"{p}full_member_on__gt": day})
        | (Q(**{f"{p}full_member_on__isnull": True}) & ~Q(**{f"{p}political_status": PoliticalStatus.FULL}))
    )
    wanted = set(statuses)
    q = Q(pk__in=[])
    if PoliticalStatus.FULL in wanted:
        q |= full
    if PoliticalStatus.PROBATIONARY in wanted:
        q |= probationary
    return q


def periods_on(day: datetime.date) -> QuerySet[MembershipPeriod]:
    return MembershipPeriod.objects.filter(started_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))


def members_on(
    node: OrgNode, day: datetime.date, *, statuses: Iterable[str] = MEMBER_STATUSES, subtree: bool = True
) -> QuerySet[Person]:
    """The roll of ``node`` (and its subtree) on ``day``: people whose organisational relationship was held there
    that day, with the political status they had that day. Members who have left since are on a past roll; people
    admitted later are not. One query."""
    where = Q(node__path__startswith=node.path) if subtree else Q(node=node)
    held = periods_on(day).filter(where).filter(person=OuterRef("pk"))
    return Person.objects.filter(Exists(held)).filter(status_q(day, statuses))


def members_on_for(
    *, user, day: datetime.date, statuses: Iterable[str] = MEMBER_STATUSES, perm: str = VIEW_SCOPE
) -> QuerySet[Person]:
    """``members_on`` over the user's subtrees: the people whose organisational relationship was held in one of them
    on ``day``, with the status they had that day. One query."""
    held = restrict(periods_on(day), user=user, perm=perm, path_field="node__path").filter(person=OuterRef("pk"))
    return Person.objects.filter(Exists(held)).filter(status_q(day, statuses))


def roll_on(node: OrgNode, day: datetime.date, *, statuses: Iterable[str] = MEMBER_STATUSES) -> QuerySet[Person]:
    """``members_on`` with, for each person, the organisation where their relationship was held that day
    (``node_on_day``: its name) — not where they are now. One query."""
    held = periods_on(day).filter(person=OuterRef("pk"), node__path__startswith=node.path)
    return members_on(node, day, statuses=statuses).annotate(node_on_day=Subquery(held.values("node__name")[:1]))


def member_counts_on(day: datetime.date, *, statuses: Iterable[str] = MEMBER_STATUSES) -> dict[int, int]:
    """Members on ``day`` per node where their relationship is held (a party group's members count in the group;
    add them up the tree with ``roll_up``). One query for the whole tree."""
    rows = (
        periods_on(day)
        .filter(status_q(day, statuses, prefix="person__"))
        .values("node_id")
        .annotate(n=Count("person_id"))
        .order_by()
    )
    return {row["node_id"]: row["n"] for row in rows}


def roll_up(counts: dict[int, int], nodes: Iterable[OrgNode]) -> dict[int, int]:
    """Counts per node including their subtrees, from per-node counts: each count is added to the node and to every
    ancestor (a prefix of its materialised path) — no query, linear in the nodes."""
    nodes = list(nodes)
    by_path: dict[str, int] = defaultdict(int)
    for node in nodes:
        n = counts.get(node.pk, 0)
        if n:
            for end in range(node.steplen, len(node.path) + 1, node.steplen):
                by_path[node.path[:end]] += n
    return {node.pk: by_path.get(node.path, 0) for node in nodes}


def periods_of(person: Person) -> list[MembershipPeriod]:
    return list(
        MembershipPeriod.objects.filter(person=person).select_related("node", "transfer").order_by("started_on", "pk")
    )


def current_period(person: Person) -> MembershipPeriod | None:
    return MembershipPeriod.objects.filter(person=person, ended_on__isnull=True).select_related("node").first()


def members_without_period() -> QuerySet[Person]:
    """Members on the roll without a current period: what the move to periods could not place (no date of admission
    anywhere), for the committee staff to complete."""
    current = MembershipPeriod.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    return Person.objects.filter(political_status__in=MEMBER_STATUSES, is_active=True).exclude(Exists(current))


@dataclass(frozen=True)
class RollChanges:
    """Who came onto and who went off the roll of a user's organisations in a period, by how (``PeriodStart`` and
    ``PeriodEnd`` codes → number of people), as the annual Party statistics count them (增加党员, 减少党员)."""

    joined: dict[str, int]
    left: dict[str, int]


def roll_changes_for(*, user, since: datetime.date, until: datetime.date, perm: str = VIEW_SCOPE) -> RollChanges:
    """The membership periods held in the user's subtrees that began (ended) from ``since`` to ``until``. A move
    between two organisations of those subtrees (a period ending the day before the next one begins there) changes
    no roll of the user's and is not counted; a move out of them (or into them) is, by the way it was made. One
    query: the periods in the subtrees of the people who have one beginning or ending in the period."""
    held = restrict(MembershipPeriod.objects.all(), user=user, perm=perm, path_field="node__path")
    changed = held.filter(Q(started_on__range=(since, until)) | Q(ended_on__range=(since, until)))
    periods = held.filter(person_id__in=changed.values("person_id")).values_list(
        "person_id", "started_on", "ended_on", "began", "ended"
    )
    starts, ends = set(), set()
    rows = list(periods.order_by())
    for person, started, ended, _began, _ended in rows:
        starts.add((person, started))
        if ended is not None:
            ends.add((person, ended))
    joined: dict[str, int] = defaultdict(int)
    left: dict[str, int] = defaultdict(int)
    for person, started, ended, began, how in rows:
        if since <= started <= until and (person, started - ONE_DAY) not in ends:
            joined[began] += 1
        if ended is not None and since <= ended <= until and (person, ended + ONE_DAY) not in starts:
            left[how] += 1
    return RollChanges(joined=dict(joined), left=dict(left))


def transfers_for(*, user, perm: str = VIEW_SCOPE) -> QuerySet[Transfer]:
    """Transfers from or to the user's subtrees."""
    paths = scope_paths(user, perm)
    qs = Transfer.objects.select_related("person", "from_node", "to_node")
    if paths is None:
        return qs
    return qs.filter(path_q(paths, "from_node__path") | path_q(paths, "to_node__path"))


def incoming_for(*, user) -> QuerySet[Transfer]:
    """Pending transfers the user's branches are to accept (the receiving side)."""
    return restrict(
        Transfer.objects.filter(state__in=PENDING_STATES, to_node__isnull=False).select_related(
            "person", "from_node", "to_node"
        ),
        user=user,
        perm=MANAGE_PEOPLE,
        path_field="to_node__path",
    )


def outgoing_for(*, user) -> QuerySet[Transfer]:
    """Pending transfers the user's branches sent and remain responsible for."""
    return restrict(
        Transfer.objects.filter(state__in=PENDING_STATES, from_node__isnull=False).select_related(
            "person", "from_node", "to_node"
        ),
        user=user,
        perm=MANAGE_PEOPLE,
        path_field="from_node__path",
    )


# --- members flagged for the branch's decision ------------------------------------------------------------------

# Sources of "has not taken part in organisational life since": registered by the apps that record it
# (organisational life registers its attendance). Each returns {person_id: last day taken part} for the people given.
_ABSENCE_SOURCES: list[Callable[[list[int], datetime.date], dict[int, datetime.date]]] = []


def register_absence_source(source: Callable[[list[int], datetime.date], dict[int, datetime.date]]) -> None:
    if source not in _ABSENCE_SOURCES:
        _ABSENCE_SOURCES.append(source)


# Other reasons for the branch's decision, registered by the apps that know them (dues: six consecutive months
# unpaid). Each is given the members as a subquery of ids and returns [(person id, what is flagged — a sentence,
# since when)] of those it flags, in a query or two, whatever the number of members.
_FLAG_SOURCES: list[Callable[[QuerySet, datetime.date], list[tuple[int, str, datetime.date]]]] = []


def register_flag_source(source: Callable[[QuerySet, datetime.date], list[tuple[int, str, datetime.date]]]) -> None:
    if source not in _FLAG_SOURCES:
        _FLAG_SOURCES.append(source)


def flagged_for(*, user, today: datetime.date) -> list[tuple[Person, str, datetime.date]]:
    """Members of the user's subtrees for the branch to decide on (never decided here): out of contact for six
    months (失联), not taking part in organisational life for six consecutive months (党章 §9), or what a registered
    flag source reports (dues unpaid for six consecutive months, §9)."""
    limit = today - relativedelta(months=FLAG_AFTER_MONTHS)
    members = restrict(
        Person.objects.filter(political_status__in=MEMBER_STATUSES, is_active=True).select_related("node"),
        user=user,
        perm=MANAGE_PEOPLE,
        path_field="node__path",
    )
    flags = []
    lost = ContactLoss.objects.filter(found_on__isnull=True, since__lte=limit, person__in=members).select_related(
        "person__node"
    )
    for loss in lost:
        flags.append((loss.person, "out_of_contact", loss.since))
    for flag_source in _FLAG_SOURCES:
        found = flag_source(members.values("pk"), today)
        flagged = members.in_bulk([person_id for person_id, _why, _since in found]) if found else {}
        flags.extend((flagged[pid], why, since) for pid, why, since in found if pid in flagged)
    if _ABSENCE_SOURCES:
        people = {p.pk: p for p in members}
        last_seen: dict[int, datetime.date] = defaultdict(lambda: datetime.date.min)
        for source in _ABSENCE_SOURCES:
            for person_id, day in source(list(people), today).items():
                last_seen[person_id] = max(last_seen[person_id], day)
        for person_id, person in people.items():
            seen = last_seen.get(person_id)
            if seen is not None and seen <= limit:
                flags.append((person, "absent", seen))
    return sorted(flags, key=lambda f: (f[0].node.path, f[0].name))
