"""Demo dues: a year of the ledger for the demo members — bases by category (retired members in the retirees'
branch), twelve months due, most paid in the month, some late (补交), one member paid in advance, a few in arrears
(one long enough for the branch's decision), one member exempt for a few months; each branch's monthly remittance
and two uses by the committee. Written in bulk, as seed data, from the same amount function as the ledger."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from apps.membership.backfill import place_members
from apps.membership.models import MembershipPeriod
from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode
from apps.people.choices import MEMBER_STATUSES
from apps.people.models import Person

from .arrears import add_months, month_of, months_between
from .choices import BaseSource, BaseState, Category, LineKind, Method, Purpose, ReliefKind, ReliefState
from .models import DuesBase, DuesMonth, DuesUse, Payment, Relief, Remittance
from .rates import monthly_amount
from .selectors import all_policies, terms_by_person

MAX_MEMBERS = 2000  # a larger demo (the bench's) gets its ledgers elsewhere
RETIREES = "离退休党支部"
DEMO_LOGINS_BRANCH = "一车间党支部"


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10, 0))


def _base(person: Person, rng: random.Random, first: datetime.date) -> DuesBase:
    branch = person.node.name if person.node.kind == NodeKind.BRANCH else ""
    roll = rng.random()
    if RETIREES in (branch, person.node.name) or roll < 0.08:
        category, income = Category.RETIRED, Decimal(rng.randrange(2800, 9000))
    elif roll < 0.11:
        category, income = Category.STUDENT, None
    elif roll < 0.13:
        category, income = Category.UNEMPLOYED, None
    else:
        category, income = Category.EMPLOYED, Decimal(rng.randrange(2600, 16000)) + Decimal(rng.randrange(0, 100)) / 100
    return DuesBase(
        person=person,
        applies_from=first,
        category=category,
        income=income,
        amount=Decimal("0.00"),  # set below from the policy
        state=BaseState.CONFIRMED,
        source=BaseSource.IMPORT,
        declared_on=first,
        decided_on=first,
    )


def seed_dues(*, rng: random.Random, today: datetime.date) -> int:
    """The last twelve months of the ledger for up to ``MAX_MEMBERS`` members; returns the months written."""
    place_members(Person, MembershipPeriod)  # members the demo put on a roll get their membership period
    current = month_of(today)
    months = months_between(add_months(current, -11), current)
    people = list(
        Person.objects.filter(political_status__in=MEMBER_STATUSES, is_active=True, membership_periods__ended_on=None)
        .select_related("node")
        .order_by("pk")[:MAX_MEMBERS]
    )
    if not people or not all_policies():
        return 0
    policy = all_policies()[0]
    rates = next(p for p in all_policies() if p.effective_from <= months[0]).rates
    bases = [_base(p, rng, months[0]) for p in people]
    for base in bases:
        base.amount = monthly_amount(rates, category=base.category, income=base.income)
    DuesBase.objects.bulk_create(bases, batch_size=2000)
    terms = terms_by_person([p.pk for p in people], until=add_months(current, 2))
    story = _stories(people, rng)
    exempt = story["exempt"]
    if exempt is not None:
        relief = Relief.objects.create(
            person=exempt,
            kind=ReliefKind.EXEMPT,
            first_month=add_months(current, -5),
            last_month=add_months(current, -3),
            reason="长期住院治疗，生活困难",
            branch_decision="支部委员会研究同意",
            state=ReliefState.APPROVED,
            proposed_on=add_months(current, -6),
            decided_on=add_months(current, -6) + datetime.timedelta(days=10),
            decision="党委会议决定",
        )
        terms[exempt.pk].reliefs.append(relief)
    rows = []
    for person in people:
        ahead = 2 if person.pk == story["advance"] else 0  # paid two months in advance
        for month in months + [add_months(current, n) for n in range(1, ahead + 1)]:
            values = terms[person.pk].due_for(month)
            rows.append(DuesMonth(person=person, month=month, node=person.node, opened_on=min(month, today), **values))
    DuesMonth.objects.bulk_create(rows, batch_size=5000)
    lines = _payments(rows, story, rng, today=today, policy=policy)
    Payment.objects.bulk_create(lines, batch_size=5000)
    DuesMonth.objects.bulk_update([r for r in rows if r.paid], ["paid", "settled_on"], batch_size=5000)
    _remittances_and_uses(rows, months, today=today)
    return len(rows)


def _stories(people: list[Person], rng: random.Random) -> dict:
    """Who is in arrears (months unpaid at the end), who paid in advance, who is exempt — a few of each."""
    branch = OrgNode.objects.filter(name=DEMO_LOGINS_BRANCH).first()
    logins_branch = [p for p in people if branch is not None and p.node.path.startswith(branch.path)]
    pool = [p for p in people if p.user_id is None]
    rng.shuffle(pool)
    arrears = {p.pk: n for p, n in zip(pool[:6], (7, 5, 4, 3, 3, 2), strict=False)}
    in_branch = [p for p in logins_branch if p.user_id is None and p.pk not in arrears]
    if in_branch:
        arrears[in_branch[0].pk] = 6  # the demo secretary's branch has a member for the branch's decision
    advance = pool[6] if len(pool) > 6 else None
    exempt = pool[7] if len(pool) > 7 else None
    return {"arrears": arrears, "advance": advance.pk if advance else None, "exempt": exempt}


def _payments(rows: list[DuesMonth], story: dict, rng: random.Random, *, today, policy) -> list[Payment]:
    current = month_of(today)
    lines = []
    for row in rows:
        unpaid_months = story["arrears"].get(row.person_id, 0)
        if row.exempt or row.due is None or row.due <= 0:
            continue
        # the member's last closed months are unpaid (a run of ``unpaid_months``); the current month is often not
        # paid yet; the member who pays in advance paid this month and the next two at the start of this month
        if unpaid_months and row.month >= add_months(current, -(policy.grace_months + unpaid_months)):
            continue
        advance = row.person_id == story["advance"] and row.month >= current
        if row.month == current and not advance and rng.random() < 0.6:
            continue
        late = not advance and rng.random() < 0.05
        paid_on = (add_months(row.month, 2) if late else row.month) + datetime.timedelta(days=rng.randrange(4, 25))
        paid_on = current if advance else min(paid_on, today)
        lines.append(
            Payment(
                month=row,
                kind=LineKind.ENTRY,
                amount=row.due,
                paid_on=paid_on,
                method=rng.choice(Method.values),
                receipt=f"DF{row.month:%Y%m}-{row.person_id:05d}",
                late=paid_on > add_months(row.month, policy.grace_months + 1) - datetime.timedelta(days=1),
                advance=row.month > month_of(paid_on),
                recorded_at=_moment(paid_on),
            )
        )
        row.paid, row.settled_on = row.due, paid_on
    return lines


def _remittances_and_uses(rows: list[DuesMonth], months: list[datetime.date], *, today) -> None:
    """Each branch hands up each month's dues in the following month; the committee spent some on training."""
    totals: dict[tuple[int, datetime.date], Decimal] = {}
    for row in rows:
        if row.paid:
            key = (row.node_id, row.month)
            totals[key] = totals.get(key, Decimal("0.00")) + row.paid
    branch_of = {
        n.pk: n
        for n in OrgNode.objects.filter(pk__in={node for node, _m in totals}).only("pk", "kind", "path", "depth")
    }
    by_branch: dict[tuple[int, datetime.date], Decimal] = {}
    for (node_id, month), amount in totals.items():
        node = branch_of[node_id]
        branch = node if node.kind != NodeKind.GROUP else OrgNode.objects.get_parent(node)
        by_branch[(branch.pk, month)] = by_branch.get((branch.pk, month), Decimal("0.00")) + amount
    lines = []
    for (node_id, month), amount in sorted(by_branch.items(), key=lambda item: (item[0][1], item[0][0])):
        day = add_months(month, 1) + datetime.timedelta(days=9)
        if month >= add_months(month_of(today), -1) or day > today:
            continue
        lines.append(
            Remittance(
                node_id=node_id,
                month=month,
                amount=amount,
                remitted_on=day,
                to_organisation="红星集团党委",
                reference=f"SJ{month:%Y%m}-{node_id}",
                recorded_at=_moment(day),
            )
        )
    Remittance.objects.bulk_create(lines)
    committee = OrgNode.objects.filter(depth=1).first()
    if committee is None:
        return
    for spent_on, purpose, what, amount in (
        (months[3] + datetime.timedelta(days=14), Purpose.EDUCATION, "党员冬训教材及培训", Decimal("3600.00")),
        (months[8] + datetime.timedelta(days=5), Purpose.HARDSHIP, "走访慰问生活困难党员", Decimal("2400.00")),
    ):
        if spent_on <= today:
            DuesUse.objects.create(
                node=committee,
                spent_on=spent_on,
                purpose=purpose,
                description=what,
                amount=amount,
                approved_by="党委会",
                decision=f"党委会议纪要〔{spent_on.year}〕{spent_on.month}号",
                recorded_at=_moment(spent_on),
            )
