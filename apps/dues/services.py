"""Writes to the dues ledger: the policy, bases declared and confirmed, months opened, payments and their
corrections, exemptions and reductions, remittances, uses of dues, the yearly disclosure draft, and what follows a
transfer. Each takes the acting user and the day (or moment), locks what it changes (the member's row first, so two
writes of one member run one after the other), is audited, and refuses with a sentence, saving nothing.

Money lines are never edited: a payment, a remittance or a use is corrected by a new line with the difference and
the reason. What a month is due is computed from the base and the policy in force that month; it is recomputed only
while nothing has been paid for the month."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.disclosure.models import Category as NoticeCategory
from apps.disclosure.models import Notice, NoticeStatus
from apps.disclosure.services import notice_draft, notice_update_draft
from apps.membership.selectors import periods_on, status_q
from apps.organisations.choices import APPROVE, MANAGE_PEOPLE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers
from apps.people.choices import MEMBER_STATUSES
from apps.people.models import Person

from .arrears import add_months, deadline, month_end, month_of, months_between
from .choices import (
    INCOME_CATEGORIES,
    BaseSource,
    BaseState,
    Category,
    LineKind,
    Method,
    Purpose,
    ReliefKind,
    ReliefState,
)
from .models import DuesBase, DuesMonth, DuesPolicy, DuesUse, Payment, Relief, Remittance
from .rates import monthly_amount
from .selectors import Terms, policy_required, terms_by_person, terms_of, year_report

EARLIEST_MONTH = datetime.date(2000, 1, 1)
MAX_MONTHS_AT_ONCE = 24
ZERO = Decimal("0.00")
POLICY_FIELDS = [
    "name",
    "effective_from",
    "employed_bands",
    "retired_bands",
    "farmer_min",
    "farmer_default",
    "farmer_max",
    "fixed_amount",
    "grace_months",
    "remind_at_months",
    "flag_after_months",
    "advance_max_months",
    "note",
]


def _require(actor, perm: str, node: OrgNode, message: str) -> None:
    if not covers(actor, perm, node.path):
        raise PermissionDenied(message)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _lock_person(person: Person) -> Person:
    return Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)


def _check_month(month: datetime.date, *, latest: datetime.date, what: str = "") -> datetime.date:
    month = month_of(month)
    if month < EARLIEST_MONTH or month > latest:
        raise ValidationError(
            _("%(month)s is outside the months the ledger takes (%(first)s to %(last)s).")
            % {"month": f"{month:%Y-%m}", "first": f"{EARLIEST_MONTH:%Y-%m}", "last": f"{latest:%Y-%m}"}
        )
    return month


def _check_day(day: datetime.date, *, today: datetime.date, label: str) -> None:
    if day > today:
        raise ValidationError(_("%(what)s cannot be in the future (%(date)s).") % {"what": label, "date": day})
    if day < EARLIEST_MONTH:
        raise ValidationError(_("%(what)s cannot be before 2000 (%(date)s).") % {"what": label, "date": day})


def _member_on_roll(person: Person) -> None:
    if not (person.is_active and person.political_status in MEMBER_STATUSES):
        raise ValidationError(_("%(person)s is not a Party member on the roll: no dues.") % {"person": person})


# --- the policy ----------------------------------------------------------------------------------------------------


@transaction.atomic
def policy_save(*, actor, policy: DuesPolicy | None, values: dict) -> DuesPolicy:
    """Add a policy version or change one (administrators): validated, locked, audited old → new."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only administrators change the dues policy."))
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if policy is None:
        policy = DuesPolicy()
        old = {}
    else:
        policy = DuesPolicy.objects.select_for_update().get(pk=policy.pk)
        old = {name: getattr(policy, name) for name in values}
    for name, value in values.items():
        setattr(policy, name, value)
    policy.full_clean()
    changes = {
        name: [str(old.get(name, "")), str(getattr(policy, name))] for name in values if old.get(name) != values[name]
    }
    if not changes and policy.pk:
        return policy
    policy.save()
    audit_record(actor=actor, action="dues.policy_saved", target=policy, changes=changes)
    return policy


# --- what a month is due ---------------------------------------------------------------------------------------------


def _node_of(person: Person, month: datetime.date) -> OrgNode | None:
    """Where the member's relationship was held at the end of ``month``: the organisation that collects that month
    (for a month not yet ended, where it is held now)."""
    period = periods_on(month_end(month)).filter(person=person).select_related("node").first()
    return period.node if period is not None else None


def _month_row(person: Person, month: datetime.date, *, terms: Terms, today: datetime.date) -> DuesMonth:
    """The member's ledger row of ``month``, locked; created (the month opened for this member) when missing."""
    row = DuesMonth.objects.select_for_update().filter(person=person, month=month).first()
    if row is not None:
        return row
    node = _node_of(person, month)
    if node is None:
        raise ValidationError(
            _("%(person)s was not on the roll of a branch in %(month)s.")
            % {"person": person, "month": f"{month:%Y-%m}"}
        )
    values = terms.due_for(month)
    row = DuesMonth(person=person, month=month, node=node, opened_on=today, **values)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        row = DuesMonth.objects.select_for_update().get(person=person, month=month)
    return row


def _settle(row: DuesMonth) -> None:
    """What the month's lines paid, and the day it was paid in full (kept on the row for the arrears queries)."""
    lines = row.lines.all()
    total = lines.aggregate(s=Sum("amount"))["s"] or ZERO
    row.paid = total
    paid_in_full = row.due is not None and not row.exempt and total >= row.due and total > 0
    row.settled_on = max((line.paid_on for line in lines), default=None) if paid_in_full else None
    row.save(update_fields=["paid", "settled_on"])


def _refresh(person: Person, *, first: datetime.date, last: datetime.date | None = None) -> int:
    """Recompute the due of the member's months from ``first`` (to ``last``) that nothing has been paid for yet (or
    whose amount was unknown): a base confirmed or a relief approved applies to them. Returns how many changed."""
    rows = DuesMonth.objects.select_for_update().filter(person=person, month__gte=first)
    if last is not None:
        rows = rows.filter(month__lte=last)
    rows = list(rows.filter(Q(paid=0) | Q(due__isnull=True)))
    if not rows:
        return 0
    terms = terms_of(person)
    changed = 0
    for row in rows:
        values = terms.due_for(row.month)
        current = {name: getattr(row, name) for name in values}
        if current != values:
            for name, value in values.items():
                setattr(row, name, value)
            row.save(update_fields=list(values))
            _settle(row)
            changed += 1
    return changed


# --- bases ---------------------------------------------------------------------------------------------------------


def _base_values(*, category: str, income, chosen_amount, extra, applies_from: datetime.date) -> dict:
    if category not in Category.values:
        raise ValidationError(_("Unknown category of member: %(category)s.") % {"category": category})
    income = income if category in INCOME_CATEGORIES else None
    chosen_amount = chosen_amount if category == Category.FARMER else None
    extra = extra or ZERO
    policy = policy_required(applies_from)
    amount = monthly_amount(policy.rates, category=category, income=income, chosen=chosen_amount, extra=extra)
    return {"category": category, "income": income, "chosen_amount": chosen_amount, "extra": extra, "amount": amount}


@transaction.atomic
def base_declare(
    *,
    actor,
    person: Person,
    category: str,
    applies_from: datetime.date,
    today: datetime.date,
    income: Decimal | None = None,
    chosen_amount: Decimal | None = None,
    extra: Decimal = ZERO,
    source: str = "",
) -> DuesBase:
    """A member declares their category and base (the branch confirms it); the branch enters or imports one
    (confirmed at once: the branch computed it). Idempotent: the same declaration again returns the first."""
    person = _lock_person(person)
    own = person.user_id is not None and person.user_id == getattr(actor, "pk", None)
    manages = covers(actor, MANAGE_PEOPLE, person.node.path)
    if not own and not manages:
        raise PermissionDenied(_("You cannot declare the dues base of %(person)s.") % {"person": person})
    _member_on_roll(person)
    applies_from = _check_month(applies_from, latest=add_months(month_of(today), 12))
    if category in INCOME_CATEGORIES and income is None:
        raise ValidationError(_("Give the monthly income: the amount is a share of it."))
    values = _base_values(
        category=category, income=income, chosen_amount=chosen_amount, extra=extra, applies_from=applies_from
    )
    state = BaseState.DECLARED if own and not source else BaseState.CONFIRMED
    source = source or (BaseSource.MEMBER if state == BaseState.DECLARED else BaseSource.BRANCH)
    same = DuesBase.objects.filter(person=person, applies_from=applies_from, state=state, **values).first()
    if same is not None:
        return same
    if state == BaseState.DECLARED:
        DuesBase.objects.filter(person=person, state=BaseState.DECLARED).update(state=BaseState.SUPERSEDED)
    base = DuesBase(
        person=person,
        applies_from=applies_from,
        state=BaseState.DECLARED,
        source=source,
        declared_on=today,
        declared_by=_user(actor),
        **values,
    )
    base.save()
    audit_record(
        actor=actor,
        action="dues.base_declared",
        target=person,
        node=person.node,
        changes={"category": [None, category], "applies_from": [None, f"{applies_from:%Y-%m}"]},
    )  # the income stays out of the log that branch officials without the sensitive permission read
    if state == BaseState.CONFIRMED:
        _confirm(base, actor=actor, today=today)
    return base


def _confirm(base: DuesBase, *, actor, today: datetime.date) -> None:
    DuesBase.objects.filter(person=base.person, applies_from=base.applies_from, state=BaseState.CONFIRMED).exclude(
        pk=base.pk
    ).update(state=BaseState.SUPERSEDED)
    base.state, base.decided_on, base.decided_by = BaseState.CONFIRMED, today, _user(actor)
    base.save(update_fields=["state", "decided_on", "decided_by"])
    changed = _refresh(base.person, first=base.applies_from)
    audit_record(
        actor=actor,
        action="dues.base_confirmed",
        target=base.person,
        node=base.person.node,
        changes={"amount": [None, str(base.amount)], "months_recomputed": [None, changed]},
    )


def _locked_base(base: DuesBase) -> tuple[DuesBase, Person]:
    person = _lock_person(base.person)
    return DuesBase.objects.select_for_update().select_related("person__node").get(pk=base.pk), person


@transaction.atomic
def base_confirm(*, actor, base: DuesBase, today: datetime.date) -> DuesBase:
    """The branch confirms a member's declaration; the amount is computed again under the policy of its month."""
    base, person = _locked_base(base)
    _require(actor, MANAGE_PEOPLE, person.node, _("Only the member's branch confirms the base."))
    if base.state == BaseState.CONFIRMED:
        return base
    if base.state != BaseState.DECLARED:
        raise ValidationError(_("The declaration is %(state)s.") % {"state": base.get_state_display()})
    values = _base_values(
        category=base.category,
        income=base.income,
        chosen_amount=base.chosen_amount,
        extra=base.extra,
        applies_from=base.applies_from,
    )
    base.amount = values["amount"]
    base.save(update_fields=["amount"])
    _confirm(base, actor=actor, today=today)
    return base


@transaction.atomic
def base_return(*, actor, base: DuesBase, reason: str, today: datetime.date) -> DuesBase:
    """The branch sends a declaration back to the member, with the reason."""
    base, person = _locked_base(base)
    _require(actor, MANAGE_PEOPLE, person.node, _("Only the member's branch confirms the base."))
    if base.state == BaseState.RETURNED:
        return base
    if base.state != BaseState.DECLARED:
        raise ValidationError(_("The declaration is %(state)s.") % {"state": base.get_state_display()})
    if not reason.strip():
        raise ValidationError(_("Say why the declaration goes back to the member."))
    base.state, base.decided_on, base.decided_by, base.note = (
        BaseState.RETURNED,
        today,
        _user(actor),
        reason.strip()[:200],
    )
    base.save(update_fields=["state", "decided_on", "decided_by", "note"])
    audit_record(actor=actor, action="dues.base_returned", target=person, node=person.node, note=base.note)
    return base


# --- months opened -----------------------------------------------------------------------------------------------


@transaction.atomic
def month_open(*, actor, node: OrgNode, month: datetime.date, today: datetime.date) -> int:
    """Open a month for an organisation and its subtree: a row for each member on its roll at the end of the month,
    with the amount due under the base and the policy of that month. Set-based (a constant number of queries,
    whatever the size); members whose row exists keep it. Returns how many rows it added."""
    _require(actor, MANAGE_PEOPLE, node, _("You cannot manage the dues of %(node)s.") % {"node": node})
    month = _check_month(month, latest=month_of(today))
    OrgNode.objects.select_for_update().filter(pk=node.pk).first()  # one opening of an organisation at a time
    last_day = month_end(month)
    held = periods_on(last_day).filter(node__path__startswith=node.path).filter(status_q(last_day, prefix="person__"))
    holders = list(held.values_list("person_id", "node_id"))
    terms = terms_by_person(held.values("person_id"), until=month)
    rows = []
    for person_id, node_id in holders:
        values = terms[person_id].due_for(month)
        rows.append(
            (
                person_id,
                month,
                node_id,
                values["category"],
                values["base_id"],
                values["policy_id"],
                values["relief_id"],
                values["exempt"],
                values["due"],
                ZERO,
                today,
            )
        )
    created = _insert_months(rows)
    audit_record(
        actor=actor,
        action="dues.month_opened",
        target=node,
        node=node,
        changes={"month": [None, f"{month:%Y-%m}"], "rows": [None, created]},
    )
    return created


MONTH_COLUMNS = (
    "person_id",
    "month",
    "node_id",
    "category",
    "base_id",
    "policy_id",
    "relief_id",
    "exempt",
    "due",
    "paid",
    "opened_on",
)
_PG_TYPES = (
    "bigint",
    "date",
    "bigint",
    "varchar",
    "bigint",
    "bigint",
    "bigint",
    "boolean",
    "numeric",
    "numeric",
    "date",
)


def _insert_months(rows: list[tuple]) -> int:
    """Insert the rows, skipping a member's month that exists (the unique constraint decides races). PostgreSQL:
    one statement from arrays, whatever the number of rows."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        columns = list(zip(*rows, strict=True))
        arrays = ", ".join(f"%s::{kind}[]" for kind in _PG_TYPES)
        sql = (
            f"INSERT INTO {connection.ops.quote_name(DuesMonth._meta.db_table)} ({', '.join(MONTH_COLUMNS)}) "
            f"SELECT * FROM unnest({arrays}) ON CONFLICT (person_id, month) DO NOTHING"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(c) for c in columns])
            return cursor.rowcount
    before = DuesMonth.objects.filter(month__in={r[1] for r in rows}).count()
    DuesMonth.objects.bulk_create(
        [DuesMonth(**dict(zip(MONTH_COLUMNS, row, strict=True))) for row in rows], ignore_conflicts=True, batch_size=500
    )
    return DuesMonth.objects.filter(month__in={r[1] for r in rows}).count() - before


# --- payments and corrections --------------------------------------------------------------------------------------


@transaction.atomic
def dues_pay(
    *,
    actor,
    person: Person,
    months: list[datetime.date],
    paid_on: datetime.date,
    method: str,
    now: datetime.datetime,
    receipt: str = "",
    amount: Decimal | None = None,
) -> list[Payment]:
    """Record a member's payment for one or several months (in advance, or late: 补交, marked as such). Each month is
    paid once (a database constraint): the same payment again returns the first, a different one is refused — a
    change is a correction. ``amount`` (one month only) records a partial or different payment; otherwise each month
    is paid its due. All months or none."""
    today = timezone.localdate(now)
    person = _lock_person(person)
    _require(actor, MANAGE_PEOPLE, person.node, _("Only the member's branch records dues."))
    if method not in Method.values:
        raise ValidationError(_("Choose how the dues were paid."))
    _check_day(paid_on, today=today, label=_("The day of payment"))
    wanted = sorted({month_of(m) for m in months})
    if not wanted:
        raise ValidationError(_("Choose the months paid."))
    if len(wanted) > MAX_MONTHS_AT_ONCE:
        raise ValidationError(_("At most %(n)s months are paid at once.") % {"n": MAX_MONTHS_AT_ONCE})
    if amount is not None and len(wanted) > 1:
        raise ValidationError(_("An amount of your own is for one month; several months are each paid their due."))
    if amount is not None and amount <= 0:
        raise ValidationError(_("A payment is more than zero; a refund is a correction."))
    policy = policy_required(today)
    latest = add_months(month_of(today), policy.advance_max_months)
    terms = terms_of(person)
    receipt = " ".join(receipt.split())[:40]
    lines = []
    for month in wanted:
        _check_month(month, latest=latest)
        row = _month_row(person, month, terms=terms, today=today)
        lines.append(
            _pay_month(row, actor=actor, paid_on=paid_on, method=method, receipt=receipt, amount=amount, now=now)
        )
    audit_record(
        actor=actor,
        action="dues.paid",
        target=person,
        node=person.node,
        changes={
            "months": [None, ", ".join(f"{m:%Y-%m}" for m in wanted)],
            "amount": [None, str(sum((line.amount for line in lines), ZERO))],
            "receipt": [None, receipt],
        },
    )
    return lines


def _pay_month(row: DuesMonth, *, actor, paid_on, method, receipt, amount, now) -> Payment:
    existing = row.lines.filter(kind=LineKind.ENTRY).first()
    value = amount if amount is not None else row.due
    if existing is not None:
        if existing.paid_on == paid_on and existing.receipt == receipt and (value is None or existing.amount == value):
            return existing  # the same payment submitted again
        raise ValidationError(
            _("The dues of %(person)s for %(month)s were paid on %(date)s (%(amount)s yuan): a month is paid once; "
              "a change is a correction.")
            % {"person": row.person, "month": f"{row.month:%Y-%m}", "date": existing.paid_on, "amount": existing.amount}
        )  # fmt: skip
    if row.exempt:
        raise ValidationError(
            _("%(month)s is exempt for %(person)s: nothing is due.")
            % {"month": f"{row.month:%Y-%m}", "person": row.person}
        )
    if value is None:
        raise ValidationError(
            _("The amount due by %(person)s for %(month)s is not known: confirm the base first, or give the amount.")
            % {"person": row.person, "month": f"{row.month:%Y-%m}"}
        )
    if value <= 0:
        raise ValidationError(_("Nothing is due for %(month)s.") % {"month": f"{row.month:%Y-%m}"})
    grace = row.policy.grace_months if row.policy else 1
    line = Payment(
        month=row,
        kind=LineKind.ENTRY,
        amount=value,
        paid_on=paid_on,
        method=method,
        receipt=receipt,
        late=paid_on > deadline(row.month, grace),
        advance=row.month > month_of(paid_on),
        recorded_by=_user(actor),
        recorded_at=now,
    )
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError:
        raise ValidationError(
            _("The dues of %(person)s for %(month)s were paid already: a month is paid once.")
            % {"person": row.person, "month": f"{row.month:%Y-%m}"}
        ) from None
    _settle(row)
    return line


@transaction.atomic
def payment_correct(
    *, actor, payment: Payment, amount: Decimal, reason: str, now: datetime.datetime, receipt: str = ""
) -> Payment:
    """A correction line for a payment: the difference (negative to take back, positive to add) and the reason. The
    payment itself is never edited."""
    person = _lock_person(payment.month.person)
    row = DuesMonth.objects.select_for_update().get(pk=payment.month_id)
    payment = Payment.objects.get(pk=payment.pk)
    if not (covers(actor, MANAGE_PEOPLE, person.node.path) or covers(actor, MANAGE_PEOPLE, row.node.path)):
        raise PermissionDenied(_("Only the member's branch records dues."))
    if payment.kind != LineKind.ENTRY:
        raise ValidationError(_("Correct the payment itself, not a correction."))
    if not amount:
        raise ValidationError(_("A correction changes the amount: give the difference (negative to take back)."))
    if not reason.strip():
        raise ValidationError(_("Say why the payment is corrected."))
    if row.paid + amount < 0:
        raise ValidationError(
            _("The month was paid %(paid)s yuan: a correction cannot take back more.") % {"paid": row.paid}
        )
    line = Payment.objects.create(
        month=row,
        kind=LineKind.CORRECTION,
        amount=amount,
        paid_on=timezone.localdate(now),
        method=payment.method,
        receipt=" ".join(receipt.split())[:40],
        corrects=payment,
        reason=reason.strip()[:200],
        recorded_by=_user(actor),
        recorded_at=now,
    )
    _settle(row)
    audit_record(
        actor=actor,
        action="dues.payment_corrected",
        target=person,
        node=row.node,
        changes={"month": [None, f"{row.month:%Y-%m}"], "amount": [str(row.paid - amount), str(row.paid)]},
        note=line.reason,
    )
    return line


# --- exemptions and reductions --------------------------------------------------------------------------------------


@transaction.atomic
def relief_propose(
    *,
    actor,
    person: Person,
    kind: str,
    first_month: datetime.date,
    last_month: datetime.date,
    reason: str,
    branch_decision: str,
    today: datetime.date,
    amount: Decimal | None = None,
) -> Relief:
    """The branch, having studied a member's difficulty, proposes an exemption or a reduced amount for some months;
    the committee above decides (规定 第六条)."""
    person = _lock_person(person)
    _require(actor, MANAGE_PEOPLE, person.node, _("Only the member's branch proposes an exemption."))
    _member_on_roll(person)
    latest = add_months(month_of(today), 24)
    first, last = _check_month(first_month, latest=latest), _check_month(last_month, latest=latest)
    if last < first:
        raise ValidationError(_("The last month comes after the first."))
    if len(months_between(first, last)) > MAX_MONTHS_AT_ONCE:
        raise ValidationError(_("An exemption or reduction covers at most %(n)s months.") % {"n": MAX_MONTHS_AT_ONCE})
    if kind not in ReliefKind.values:
        raise ValidationError(_("Choose an exemption or a reduction."))
    if kind == ReliefKind.REDUCED and (amount is None or amount < 0):
        raise ValidationError(_("Give the reduced monthly amount."))
    if not reason.strip() or not branch_decision.strip():
        raise ValidationError(_("Describe the difficulty and give the branch's decision."))
    fields = {
        "kind": kind,
        "first_month": first,
        "last_month": last,
        "amount": amount if kind == ReliefKind.REDUCED else None,
    }
    same = Relief.objects.filter(person=person, state=ReliefState.PROPOSED, **fields).first()
    if same is not None:
        return same
    overlapping = Relief.objects.filter(
        person=person,
        state__in=(ReliefState.PROPOSED, ReliefState.APPROVED),
        first_month__lte=last,
        last_month__gte=first,
    )
    if overlapping.exists():
        raise ValidationError(_("These months overlap an exemption or reduction proposed or approved before."))
    relief = Relief.objects.create(
        person=person,
        state=ReliefState.PROPOSED,
        reason=reason.strip()[:300],
        branch_decision=branch_decision.strip()[:200],
        proposed_on=today,
        proposed_by=_user(actor),
        **fields,
    )
    audit_record(
        actor=actor,
        action="dues.relief_proposed",
        target=person,
        node=person.node,
        changes={"kind": [None, kind], "months": [None, f"{first:%Y-%m}–{last:%Y-%m}"]},
    )
    return relief


@transaction.atomic
def relief_decide(*, actor, relief: Relief, approve: bool, decision: str, today: datetime.date) -> Relief:
    """The committee above approves or refuses (never the one who proposed it); approved months not yet paid are
    due again at once under the relief."""
    person = _lock_person(relief.person)
    relief = Relief.objects.select_for_update().get(pk=relief.pk)
    target = ReliefState.APPROVED if approve else ReliefState.REFUSED
    if relief.state == target:
        return relief
    _require(actor, APPROVE, person.node, _("The committee above the branch decides on exemptions and reductions."))
    if relief.state != ReliefState.PROPOSED:
        raise ValidationError(_("The proposal is %(state)s.") % {"state": relief.get_state_display()})
    if relief.proposed_by_id is not None and relief.proposed_by_id == getattr(actor, "pk", None):
        raise ValidationError(_("Whoever proposed an exemption does not decide on it."))
    if not decision.strip():
        raise ValidationError(_("Give the committee's decision (the meeting and its reference)."))
    relief.state, relief.decided_on, relief.decided_by = target, today, _user(actor)
    relief.decision = decision.strip()[:200]
    relief.save(update_fields=["state", "decided_on", "decided_by", "decision"])
    changed = _refresh(person, first=relief.first_month, last=relief.last_month) if approve else 0
    audit_record(
        actor=actor,
        action=f"dues.relief_{target}",
        target=person,
        node=person.node,
        changes={"state": [ReliefState.PROPOSED, target], "months_recomputed": [None, changed]},
        note=relief.decision,
    )
    return relief


# --- remittances and uses ------------------------------------------------------------------------------------------


def _check_amount(amount: Decimal) -> None:
    if amount is None or amount <= 0:
        raise ValidationError(_("An amount is more than zero; a change is a correction."))


def _check_correction(amount: Decimal, reason: str, total: Decimal) -> None:
    if not amount:
        raise ValidationError(_("A correction changes the amount: give the difference (negative to take back)."))
    if not reason.strip():
        raise ValidationError(_("Say why it is corrected."))
    if total + amount < 0:
        raise ValidationError(_("A correction cannot take back more than was recorded (%(total)s).") % {"total": total})


@transaction.atomic
def remittance_record(
    *,
    actor,
    node: OrgNode,
    month: datetime.date,
    amount: Decimal,
    remitted_on: datetime.date,
    to_organisation: str,
    now: datetime.datetime,
    reference: str = "",
) -> Remittance:
    """An organisation hands up (上缴) a month's dues. Once per organisation and month (a database constraint): the
    same record again returns the first; a change is a correction."""
    today = timezone.localdate(now)
    _require(actor, MANAGE_PEOPLE, node, _("You cannot manage the dues of %(node)s.") % {"node": node})
    OrgNode.objects.select_for_update().filter(pk=node.pk).first()
    month = _check_month(month, latest=month_of(today))
    _check_day(remitted_on, today=today, label=_("The day handed up"))
    _check_amount(amount)
    if not to_organisation.strip():
        raise ValidationError(_("Name the organisation the dues were handed up to."))
    existing = Remittance.objects.filter(node=node, month=month, kind=LineKind.ENTRY).first()
    if existing is not None:
        if existing.amount == amount and existing.remitted_on == remitted_on:
            return existing
        raise ValidationError(
            _(
                "The remittance of %(node)s for %(month)s is recorded already (%(amount)s yuan); a change is a "
                "correction."
            )
            % {"node": node, "month": f"{month:%Y-%m}", "amount": existing.amount}
        )
    remittance = Remittance.objects.create(
        node=node,
        month=month,
        amount=amount,
        remitted_on=remitted_on,
        to_organisation=to_organisation.strip()[:120],
        reference=reference.strip()[:60],
        recorded_by=_user(actor),
        recorded_at=now,
    )
    audit_record(
        actor=actor,
        action="dues.remitted",
        target=node,
        node=node,
        changes={"month": [None, f"{month:%Y-%m}"], "amount": [None, str(amount)]},
    )
    return remittance


@transaction.atomic
def remittance_correct(
    *, actor, remittance: Remittance, amount: Decimal, reason: str, now: datetime.datetime
) -> Remittance:
    remittance = Remittance.objects.select_for_update().select_related("node").get(pk=remittance.pk)
    _require(
        actor, MANAGE_PEOPLE, remittance.node, _("You cannot manage the dues of %(node)s.") % {"node": remittance.node}
    )
    if remittance.kind != LineKind.ENTRY:
        raise ValidationError(_("Correct the entry itself, not a correction."))
    total = remittance.amount + (remittance.corrections.aggregate(s=Sum("amount"))["s"] or ZERO)
    _check_correction(amount, reason, total)
    line = Remittance.objects.create(
        node=remittance.node,
        month=remittance.month,
        kind=LineKind.CORRECTION,
        amount=amount,
        remitted_on=timezone.localdate(now),
        to_organisation=remittance.to_organisation,
        corrects=remittance,
        reason=reason.strip()[:200],
        recorded_by=_user(actor),
        recorded_at=now,
    )
    audit_record(
        actor=actor,
        action="dues.remittance_corrected",
        target=remittance.node,
        node=remittance.node,
        changes={"amount": [str(total), str(total + amount)]},
        note=line.reason,
    )
    return line


@transaction.atomic
def dues_use_record(
    *,
    actor,
    node: OrgNode,
    spent_on: datetime.date,
    purpose: str,
    description: str,
    amount: Decimal,
    approved_by: str,
    decision: str,
    now: datetime.datetime,
) -> DuesUse:
    """The committee records what dues were spent on, how much, and who approved it (with the decision)."""
    today = timezone.localdate(now)
    _require(actor, APPROVE, node, _("Uses of dues are recorded by the committee that approves them."))
    _check_day(spent_on, today=today, label=_("The day spent"))
    _check_amount(amount)
    if purpose not in Purpose.values:
        raise ValidationError(_("Choose what the dues were used for."))
    if not description.strip() or not approved_by.strip() or not decision.strip():
        raise ValidationError(_("Say what for, who approved it and the decision."))
    fields = {
        "node": node,
        "spent_on": spent_on,
        "purpose": purpose,
        "description": description.strip()[:200],
        "amount": amount,
        "approved_by": approved_by.strip()[:120],
        "decision": decision.strip()[:120],
    }
    same = DuesUse.objects.select_for_update().filter(kind=LineKind.ENTRY, **fields).first()
    if same is not None:
        return same
    use = DuesUse.objects.create(recorded_by=_user(actor), recorded_at=now, **fields)
    audit_record(
        actor=actor,
        action="dues.used",
        target=node,
        node=node,
        changes={"purpose": [None, purpose], "amount": [None, str(amount)]},
        note=use.description,
    )
    return use


@transaction.atomic
def dues_use_correct(*, actor, use: DuesUse, amount: Decimal, reason: str, now: datetime.datetime) -> DuesUse:
    use = DuesUse.objects.select_for_update().select_related("node").get(pk=use.pk)
    _require(actor, APPROVE, use.node, _("Uses of dues are recorded by the committee that approves them."))
    if use.kind != LineKind.ENTRY:
        raise ValidationError(_("Correct the entry itself, not a correction."))
    total = use.amount + (use.corrections.aggregate(s=Sum("amount"))["s"] or ZERO)
    _check_correction(amount, reason, total)
    line = DuesUse.objects.create(
        node=use.node,
        spent_on=timezone.localdate(now),
        kind=LineKind.CORRECTION,
        purpose=use.purpose,
        description=use.description,
        amount=amount,
        approved_by=use.approved_by,
        decision=use.decision,
        corrects=use,
        reason=reason.strip()[:200],
        recorded_by=_user(actor),
        recorded_at=now,
    )
    audit_record(
        actor=actor,
        action="dues.use_corrected",
        target=use.node,
        node=use.node,
        changes={"amount": [str(total), str(total + amount)]},
        note=line.reason,
    )
    return line


# --- what follows a transfer -------------------------------------------------------------------------------------


def dues_follow_transfer(*, actor, person: Person, from_node: OrgNode, to_node: OrgNode, on: datetime.date) -> None:
    """The ledger follows the member (a transfer listener, inside the accepting transaction): the months from the
    month of the transfer on that nothing was paid for are collected by the receiving branch. Months already paid
    stay with the organisation that collected them."""
    moved = DuesMonth.objects.filter(person=person, month__gte=month_of(on), paid=0).exclude(node=to_node)
    count = moved.update(node=to_node)
    if count:
        audit_record(
            actor=actor,
            action="dues.months_followed_transfer",
            target=person,
            node=to_node,
            changes={"node": [str(from_node), str(to_node)], "months": [None, count]},
        )


# --- the yearly disclosure ------------------------------------------------------------------------------------------


def _report_html(report) -> str:
    def money(value) -> str:
        return f"{value:,.2f}"

    rows = "".join(
        f"<tr><td>{month:%Y-%m}</td><td>{members}</td><td>{money(due)}</td><td>{money(paid)}</td></tr>"
        for month, due, paid, members in report.months
    )
    uses = "".join(
        f"<tr><td>{purpose}</td><td>{money(amount)}</td><td>{who}</td></tr>" for purpose, amount, who in report.uses
    )
    parts = [
        "<p>"
        + _("Party dues of %(node)s in %(year)s: due %(due)s yuan, collected %(paid)s yuan, handed up %(remitted)s "
            "yuan, used %(used)s yuan.")
        % {
            "node": report.node.name,
            "year": report.year,
            "due": money(report.due),
            "paid": money(report.paid),
            "remitted": money(report.remitted),
            "used": money(report.used),
        }
        + "</p>",
        "<h3>" + _("Collection by month") + "</h3>",
        f"<table><thead><tr><th>{_('Month')}</th><th>{_('Members')}</th><th>{_('Due (yuan)')}</th>"
        f"<th>{_('Collected (yuan)')}</th></tr></thead><tbody>{rows}</tbody></table>",
    ]  # fmt: skip
    if report.uses:
        parts += [
            "<h3>" + _("Use of dues") + "</h3>",
            f"<table><thead><tr><th>{_('Purpose')}</th><th>{_('Amount (yuan)')}</th><th>{_('Approved by')}</th></tr>"
            f"</thead><tbody>{uses}</tbody></table>",
        ]
    parts.append(
        "<p>"
        + _("Members exempted or paying a reduced amount during the year: %(relieved)s. Members in arrears at the end "
            "of the year: %(arrears)s.")
        % {"relieved": report.relieved, "arrears": report.in_arrears}
        + "</p>"
    )  # fmt: skip
    return "".join(parts)


@transaction.atomic
def dues_disclosure_draft(*, actor, node: OrgNode, year: int, now: datetime.datetime):
    """Draft the year's “党费收缴、使用和管理情况” of an organisation from the ledger, into the disclosure workflow
    (others check and approve it, a holder of ``publish`` publishes it). Drafting again refreshes the figures of a
    draft not yet approved; an approved or published notice is left alone (a published one is corrected)."""
    today = timezone.localdate(now)
    _require(actor, MANAGE_PEOPLE, node, _("You cannot draft notices for %(node)s.") % {"node": node})
    if node.kind == NodeKind.GROUP:
        raise ValidationError(_("Party groups do not disclose dues; their branch does."))
    if not 2000 <= year <= today.year:
        raise ValidationError(_("Choose a year from 2000 to this year."))
    category = NoticeCategory.objects.filter(code="dues").first()
    if category is None:
        raise ValidationError(_("The disclosure catalogue has no category “dues”: an administrator adds it."))
    title = _("%(node)s: Party dues collected, used and managed in %(year)s") % {"node": node.name, "year": year}
    content = _report_html(year_report(node=node, year=year, today=today))
    existing = (
        Notice.objects.filter(node=node, category=category, title=title, corrects__isnull=True).order_by("-pk").first()
    )
    if existing is not None and existing.status in (NoticeStatus.DRAFT, NoticeStatus.CHECKED):
        return notice_update_draft(actor=actor, notice=existing, fields={"content": content}, now=now)
    if existing is not None:
        raise ValidationError(
            _("The notice of %(year)s is %(status)s already: correct it from the notice's page.")
            % {"year": year, "status": existing.get_status_display()}
        )
    return notice_draft(actor=actor, node=node, category=category, title=title, content=content, opens_on=today)
