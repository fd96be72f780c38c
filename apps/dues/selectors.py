"""Reads of dues: the policy in force on a day, what a month is due from, the ledger of a member, a month and a
branch, arrears, the month dues are paid up to, the collection by organisation and month, the year's report."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from apps.membership.selectors import members_on
from apps.organisations.choices import VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import restrict
from apps.people.choices import MEMBER_STATUSES
from apps.people.models import Person

from .arrears import Arrears, add_months, arrears_of, deadline, latest_closed, month_of, months_between, status
from .choices import BaseState, LineKind, ReliefKind, ReliefState
from .models import DuesBase, DuesMonth, DuesPolicy, DuesUse, Payment, Relief, Remittance
from .rates import monthly_amount

# How far back arrears are looked for: far enough for any run of exempt and unpaid months the rules care about.
LOOKBACK_MONTHS = 36
ZERO = Decimal("0.00")


# --- the policy and what a month is due from ---------------------------------------------------------------------


def policy_on(day: datetime.date) -> DuesPolicy | None:
    """The policy in force on ``day``: the latest that took effect on or before it."""
    return DuesPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def policy_required(day: datetime.date) -> DuesPolicy:
    policy = policy_on(day)
    if policy is None:
        raise ValidationError(
            _("No dues policy is in force on %(date)s: an administrator adds one (Administration → dues policies).")
            % {"date": day}
        )
    return policy


def amount_on(
    *,
    day: datetime.date,
    category: str,
    income: Decimal | None = None,
    chosen: Decimal | None = None,
    extra: Decimal = ZERO,
) -> Decimal:
    """The monthly amount under the policy in force on ``day`` — the function the ledger uses."""
    return monthly_amount(policy_required(day).rates, category=category, income=income, chosen=chosen, extra=extra)


@dataclass(frozen=True)
class BaseTerm:
    """What a month's amount is computed from, of a confirmed base (a light row: a month is opened for thousands)."""

    pk: int
    applies_from: datetime.date
    category: str
    income: Decimal | None
    chosen_amount: Decimal | None
    extra: Decimal


@dataclass(frozen=True)
class ReliefTerm:
    pk: int
    kind: str
    first_month: datetime.date
    last_month: datetime.date
    amount: Decimal | None


@dataclass
class Terms:
    """What one member's months are due from: their confirmed bases, approved reliefs, and the policies."""

    bases: list[BaseTerm] = field(default_factory=list)  # newest first
    reliefs: list[ReliefTerm] = field(default_factory=list)
    policies: list[DuesPolicy] = field(default_factory=list)  # newest first

    def base_for(self, month: datetime.date) -> BaseTerm | None:
        return next((b for b in self.bases if b.applies_from <= month), None)

    def relief_for(self, month: datetime.date) -> ReliefTerm | None:
        return next((r for r in self.reliefs if r.first_month <= month <= r.last_month), None)

    def policy_for(self, month: datetime.date) -> DuesPolicy | None:
        return next((p for p in self.policies if p.effective_from <= month), None)

    def due_for(self, month: datetime.date) -> dict:
        """The ledger columns of a month: its base, policy, relief, whether it is exempt and the amount due (None
        while no base is confirmed, or when the base no longer fits the policy of that month)."""
        base, relief, policy = self.base_for(month), self.relief_for(month), self.policy_for(month)
        values = {
            "base_id": base.pk if base else None,
            "policy_id": policy.pk if policy else None,
            "relief_id": relief.pk if relief else None,
            "exempt": False,
            "due": None,
            "category": base.category if base else "",
        }
        if relief is not None and relief.kind == ReliefKind.EXEMPT:
            values.update(exempt=True, due=ZERO)
        elif relief is not None:
            values["due"] = relief.amount
        elif base is not None and policy is not None:
            try:
                values["due"] = monthly_amount(
                    policy.rates,
                    category=base.category,
                    income=base.income,
                    chosen=base.chosen_amount,
                    extra=base.extra,
                )
            except ValidationError:
                values["due"] = None
        return values


def all_policies() -> list[DuesPolicy]:
    return list(DuesPolicy.objects.order_by("-effective_from"))


def terms_by_person(person_ids, *, until: datetime.date) -> dict[int, Terms]:
    """The terms of many members (``person_ids``: ids or a subquery), three queries of plain rows."""
    policies = all_policies()
    terms: dict[int, Terms] = defaultdict(lambda: Terms(policies=policies))
    bases = DuesBase.objects.filter(state=BaseState.CONFIRMED, applies_from__lte=until, person_id__in=person_ids)
    for person_id, *values in bases.order_by("person_id", "-applies_from", "-id").values_list(
        "person_id", "pk", "applies_from", "category", "income", "chosen_amount", "extra"
    ):
        terms[person_id].bases.append(BaseTerm(*values))
    reliefs = Relief.objects.filter(state=ReliefState.APPROVED, first_month__lte=until, person_id__in=person_ids)
    for person_id, *values in reliefs.values_list("person_id", "pk", "kind", "first_month", "last_month", "amount"):
        terms[person_id].reliefs.append(ReliefTerm(*values))
    return terms


def terms_of(person: Person) -> Terms:
    return terms_by_person([person.pk], until=datetime.date.max)[person.pk]


# --- a member's ledger ---------------------------------------------------------------------------------------------


def person_months(person: Person, *, today: datetime.date | None = None, grace: int | None = None) -> list[DuesMonth]:
    """Every month of the member's ledger, newest first, with its lines (two queries). Given ``today`` and the
    policy's ``grace`` months, a month whose deadline has not passed carries it as ``pay_by``: still to pay, not
    unpaid (December's dues on the first of December are not late)."""
    lines = Payment.objects.select_related("recorded_by__person").order_by("recorded_at", "id")
    months = list(
        DuesMonth.objects.filter(person=person)
        .select_related("node", "relief")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-month")
    )
    for month in months:
        pay_by = deadline(month.month, grace) if today is not None and grace is not None else None
        month.pay_by = pay_by if pay_by is not None and today <= pay_by else None
    return months


def bases_of(person: Person) -> list[DuesBase]:
    return list(DuesBase.objects.filter(person=person).select_related("declared_by", "decided_by"))


def waiting_base(person: Person) -> DuesBase | None:
    return DuesBase.objects.filter(person=person, state=BaseState.DECLARED).first()


def current_base(person: Person, *, today: datetime.date) -> DuesBase | None:
    return (
        DuesBase.objects.filter(person=person, state=BaseState.CONFIRMED, applies_from__lte=month_of(today))
        .order_by("-applies_from", "-id")
        .first()
    )


def reliefs_of(person: Person) -> list[Relief]:
    return list(Relief.objects.filter(person=person).select_related("proposed_by", "decided_by"))


def paid_up_to(person: Person, today: datetime.date | None = None) -> datetime.date | None:
    """The last month up to which every month of the member's ledger is paid or exempt (what a transfer letter
    states), or None when nothing is paid yet. One query."""
    last = None
    for due, paid, exempt, month in (
        DuesMonth.objects.filter(person=person).order_by("month").values_list("due", "paid", "exempt", "month")
    ):
        if status(due=due, paid=paid, exempt=exempt) == "unpaid":
            break
        last = month
    return last


# --- arrears --------------------------------------------------------------------------------------------------------


def _unpaid_or_exempt() -> Q:
    return Q(exempt=True) | Q(due__isnull=True, paid=0) | Q(paid__lt=F("due"))


def arrears_on(today: datetime.date, *, grace: int, people=None) -> dict[int, Arrears]:
    """Members' arrears on ``today`` (``people``: ids or a subquery; None: every member on the roll). One query:
    only unpaid and exempt months are read; a paid month, missing from them, ends a run."""
    last = latest_closed(today, grace)
    months = DuesMonth.objects.filter(month__gte=add_months(last, -LOOKBACK_MONTHS), month__lte=last).filter(
        _unpaid_or_exempt()
    )
    if people is None:
        months = months.filter(person__is_active=True, person__political_status__in=MEMBER_STATUSES)
    else:
        months = months.filter(person_id__in=people)
    rows = months.values_list("person_id", "month", "due", "paid", "exempt").order_by()
    return arrears_of(rows.iterator(chunk_size=5000), last_closed=last)


@dataclass
class ArrearsLine:
    person: Person
    arrears: Arrears
    flagged: bool  # the run reached the policy's months for the branch's decision (党章 §9)
    flagged_since: datetime.date | None


def arrears_for(*, user, today: datetime.date) -> tuple[list[ArrearsLine], DuesPolicy | None]:
    """Members of the user's subtrees with unpaid months whose deadline has passed, the longest runs first."""
    policy = policy_on(today)
    if policy is None:
        return [], None
    people = restrict(
        Person.objects.filter(is_active=True, political_status__in=MEMBER_STATUSES),
        user=user,
        perm=VIEW_SCOPE,
        path_field="node__path",
    )
    found = arrears_on(today, grace=policy.grace_months, people=people.values("pk"))
    by_pk = people.select_related("node").in_bulk(list(found))
    lines = []
    for person_id, arrears in found.items():
        since = arrears.reached(policy.flag_after_months, policy.grace_months)
        lines.append(ArrearsLine(by_pk[person_id], arrears, since is not None, since))
    lines.sort(key=lambda line: (-len(line.arrears.run), -len(line.arrears.unpaid), line.person.name))
    return lines, policy


def flags_for_decision(people, today: datetime.date) -> list[tuple[int, str, datetime.date]]:
    """The membership page's flag source (``people``: ids or a subquery): members whose current run of unpaid
    months reached the policy's months for the branch's decision (党章 §9) — never decided here. One query."""
    policy = policy_on(today)
    if policy is None:
        return []
    found = arrears_on(today, grace=policy.grace_months, people=people)
    why = _("Party dues unpaid for %(n)s consecutive months (Party Constitution art. 9)")
    flags = []
    for person_id, arrears in found.items():
        since = arrears.reached(policy.flag_after_months, policy.grace_months)
        if since is not None:
            flags.append((person_id, why % {"n": len(arrears.run)}, since))
    return flags


# --- a month and a branch -----------------------------------------------------------------------------------------


def month_rows(*, node: OrgNode, month: datetime.date) -> QuerySet[DuesMonth]:
    """The ledger rows of a month collected by ``node`` and its subtree, with their entry line (three queries)."""
    entries = Payment.objects.filter(kind=LineKind.ENTRY)
    return (
        DuesMonth.objects.filter(month=month, node__path__startswith=node.path)
        .select_related("person", "node", "base")
        .prefetch_related(Prefetch("lines", queryset=entries, to_attr="entries"))
        .order_by("node__path", "person__name", "person_id")
    )


def month_totals(rows: list[DuesMonth]) -> dict:
    totals = {"members": len(rows), "due": ZERO, "paid": ZERO, "unpaid": 0, "exempt": 0, "unknown": 0}
    for row in rows:
        totals["due"] += row.due or ZERO
        totals["paid"] += row.paid
        standing = status(due=row.due, paid=row.paid, exempt=row.exempt)
        totals["exempt"] += standing == "exempt"
        totals["unpaid"] += standing == "unpaid"
        totals["unknown"] += row.due is None
    return totals


def waiting_bases(*, user, node: OrgNode) -> QuerySet[DuesBase]:
    """Declarations of members of ``node``'s subtree waiting for the branch."""
    return restrict(
        DuesBase.objects.filter(state=BaseState.DECLARED, person__node__path__startswith=node.path),
        user=user,
        perm=VIEW_SCOPE,
        path_field="person__node__path",
    ).select_related("person", "person__node")


def waiting_reliefs(*, user) -> QuerySet[Relief]:
    return restrict(
        Relief.objects.filter(state=ReliefState.PROPOSED),
        user=user,
        perm=VIEW_SCOPE,
        path_field="person__node__path",
    ).select_related("person", "person__node")


@dataclass
class LedgerLine:
    person: Person
    cells: list[tuple[str, str]]  # (css class, text) per month
    due: Decimal
    paid: Decimal


CELL = {"paid": "ok", "unpaid": "late", "exempt": "muted"}


def branch_ledger(*, node: OrgNode, year: int, today: datetime.date) -> tuple[list[datetime.date], list[LedgerLine]]:
    """The ledger of a branch for a year: its members on the year's last day (or today), each with every month of
    the year wherever it was collected (the ledger follows the person). Two queries."""
    months = months_between(datetime.date(year, 1, 1), datetime.date(year, 12, 1))
    day = min(datetime.date(year, 12, 31), today)
    people = list(members_on(node, day).order_by("name", "pk").only("pk", "name"))
    by_person: dict[int, dict[datetime.date, tuple]] = defaultdict(dict)
    rows = DuesMonth.objects.filter(
        person_id__in=members_on(node, day).values("pk"), month__gte=months[0], month__lte=months[-1]
    ).values_list("person_id", "month", "due", "paid", "exempt")
    for person_id, month, due, paid, exempt in rows:  # a branch's year: a few thousand plain rows
        by_person[person_id][month] = (due, paid, exempt)
    lines = []
    for person in people:
        cells, due_sum, paid_sum = [], ZERO, ZERO
        mine = by_person.get(person.pk, {})
        for month in months:
            found = mine.get(month)
            if found is None:
                cells.append(("", ""))
                continue
            due, paid, exempt = found
            standing = status(due=due, paid=paid, exempt=exempt)
            text = "—" if exempt else (f"{paid}" if paid else f"0/{due if due is not None else '?'}")
            cells.append((CELL[standing], text))
            due_sum += due or ZERO
            paid_sum += paid
        lines.append(LedgerLine(person, cells, due_sum, paid_sum))
    return months, lines


# --- the committee: collection by organisation and month, remittances, uses -----------------------------------------


def collection_by_node(*, user, year: int) -> list[dict]:
    """Due and paid per collecting organisation and month of a year, in the user's subtrees (one query)."""
    rows = restrict(
        DuesMonth.objects.filter(month__year=year), user=user, perm=VIEW_SCOPE, path_field="node__path"
    ).values("node_id", "node__name", "node__path", "node__kind", "month")
    return list(rows.annotate(due_sum=Sum("due"), paid_sum=Sum("paid")).order_by("node__path", "month"))


def collection_table(*, user, year: int) -> tuple[list[datetime.date], list[dict]]:
    """The collection summary as a table: one line per branch (its party groups' months added to it) or other
    collecting organisation, twelve months of (paid, due), and the year. Two queries."""
    months = months_between(datetime.date(year, 1, 1), datetime.date(year, 12, 1))
    rows = collection_by_node(user=user, year=year)
    up = {r["node__path"][: -OrgNode.steplen] for r in rows if r["node__kind"] == NodeKind.GROUP}
    branches = dict(OrgNode.objects.filter(path__in=up).values_list("path", "name")) if up else {}
    lines: dict[str, dict] = {}
    for row in rows:
        path, name = row["node__path"], row["node__name"]
        if row["node__kind"] == NodeKind.GROUP and path[: -OrgNode.steplen] in branches:
            path = path[: -OrgNode.steplen]
            name = branches[path]
        line = lines.setdefault(path, {"name": name, "path": path, "months": {}, "due": ZERO, "paid": ZERO})
        paid, due = line["months"].get(row["month"], (ZERO, ZERO))
        line["months"][row["month"]] = (paid + (row["paid_sum"] or ZERO), due + (row["due_sum"] or ZERO))
        line["due"] += row["due_sum"] or ZERO
        line["paid"] += row["paid_sum"] or ZERO
    table = []
    for line in sorted(lines.values(), key=lambda li: li["path"]):
        line["cells"] = [line["months"].get(m) for m in months]
        table.append(line)
    return months, table


def remittances_for(*, user, year: int) -> QuerySet[Remittance]:
    return restrict(
        Remittance.objects.filter(month__year=year), user=user, perm=VIEW_SCOPE, path_field="node__path"
    ).select_related("node", "recorded_by__person", "corrects")


def uses_for(*, user, year: int) -> QuerySet[DuesUse]:
    return restrict(
        DuesUse.objects.filter(spent_on__year=year), user=user, perm=VIEW_SCOPE, path_field="node__path"
    ).select_related("node", "recorded_by__person", "corrects")


@dataclass
class YearReport:
    """The figures of the yearly disclosure of an organisation (no names, no incomes)."""

    node: OrgNode
    year: int
    months: list[tuple[datetime.date, Decimal, Decimal, int]]  # month, due, paid, members
    due: Decimal
    paid: Decimal
    remitted: Decimal
    used: Decimal
    uses: list[tuple[str, Decimal, str]]  # purpose, amount, approved by
    relieved: int
    in_arrears: int


def year_report(*, node: OrgNode, year: int, today: datetime.date) -> YearReport:
    """What the organisation collected, handed up and spent in a year (a handful of queries)."""
    rows = (
        DuesMonth.objects.filter(month__year=year, node__path__startswith=node.path)
        .values("month")
        .annotate(due_sum=Sum("due"), paid_sum=Sum("paid"), members=Count("pk"))
        .order_by("month")
    )
    months = [(r["month"], r["due_sum"] or ZERO, r["paid_sum"] or ZERO, r["members"]) for r in rows]
    remitted = Remittance.objects.filter(month__year=year, node__path__startswith=node.path).aggregate(s=Sum("amount"))
    uses = DuesUse.objects.filter(spent_on__year=year, node__path__startswith=node.path)
    by_purpose: dict[str, list] = {}
    for use in uses.order_by("spent_on", "pk"):
        entry = by_purpose.setdefault(use.get_purpose_display(), [ZERO, set()])
        entry[0] += use.amount
        if use.kind == LineKind.ENTRY:
            entry[1].add(use.approved_by)
    relieved = (
        Relief.objects.filter(
            state=ReliefState.APPROVED,
            first_month__lte=datetime.date(year, 12, 1),
            last_month__gte=datetime.date(year, 1, 1),
            person__node__path__startswith=node.path,
        )
        .values("person_id")
        .distinct()
        .count()
    )
    policy = policy_on(min(today, datetime.date(year, 12, 31)))
    in_arrears = 0
    if policy is not None:
        members = Person.objects.filter(node__path__startswith=node.path, is_active=True).values("pk")
        day = min(today, datetime.date(year + 1, 1, 1))  # the arrears at the end of the year
        in_arrears = len(arrears_on(day, grace=policy.grace_months, people=members))
    return YearReport(
        node=node,
        year=year,
        months=months,
        due=sum((m[1] for m in months), ZERO),
        paid=sum((m[2] for m in months), ZERO),
        remitted=remitted["s"] or ZERO,
        used=sum((v[0] for v in by_purpose.values()), ZERO),
        uses=[(purpose, v[0], "、".join(sorted(v[1]))) for purpose, v in by_purpose.items()],
        relieved=relieved,
        in_arrears=in_arrears,
    )
