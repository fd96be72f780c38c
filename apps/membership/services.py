"""Writes to membership history: periods begun and ended, transfers requested and decided, leaving the roll,
participation elsewhere, contact lost and found. Each locks the person's row first, so that two writes on one person
run one after the other (two transfers of one person at once: one wins); each is audited; none reads the clock.

The software records what branches and committees decided; it flags members out of contact but never decides."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.organisations.choices import APPROVE, MANAGE_PEOPLE, NodeKind
from apps.organisations.models import OrgNode, Post
from apps.organisations.permissions import covers
from apps.organisations.selectors import branch_of, committee_of
from apps.organisations.services import post_end
from apps.people.choices import MEMBER_STATUSES
from apps.people.models import Person
from apps.people.services import person_place

from .choices import (
    LEAVINGS,
    ParticipationKind,
    PeriodEnd,
    PeriodStart,
    TransferKind,
    TransferState,
)
from .models import ContactLoss, MembershipPeriod, Participation, Transfer

ONE_DAY = datetime.timedelta(days=1)
PLACES = (NodeKind.BRANCH, NodeKind.GROUP)  # where a member's relationship is held

# Listeners told when a member's relationship moves from one node to another within the committee (the
# development case follows the person): ``fn(actor=, person=, from_node=, to_node=, on=)``, inside the transaction.
_TRANSFER_LISTENERS: list[Callable] = []


def register_transfer_listener(listener: Callable) -> None:
    if listener not in _TRANSFER_LISTENERS:
        _TRANSFER_LISTENERS.append(listener)


# Who knows the month a member's dues are paid up to (the dues ledger): ``fn(person, today) -> date | None``. A
# transfer letter states it; when the sending branch leaves it empty, the ledger's answer is written.
_PAID_UNTIL: list[Callable] = []


def register_dues_paid_until(provider: Callable) -> None:
    if provider not in _PAID_UNTIL:
        _PAID_UNTIL.append(provider)


def _dues_paid_until(person: Person, today: datetime.date) -> datetime.date | None:
    return next((day for provider in _PAID_UNTIL if (day := provider(person, today)) is not None), None)


def _lock(person: Person) -> Person:
    return Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)


def _current(person: Person) -> MembershipPeriod | None:
    return MembershipPeriod.objects.select_related("node").filter(person=person, ended_on__isnull=True).first()


def _require(actor, perm: str, node: OrgNode) -> None:
    if not covers(actor, perm, node.path):
        raise PermissionDenied(_("You cannot manage the members of %(node)s.") % {"node": node})


def _check_no_overlap(person: Person, start: datetime.date, exclude: int | None = None) -> None:
    """No period of the person covers ``start`` or later (the caller holds the lock on the person)."""
    clash = (
        MembershipPeriod.objects.filter(person=person)
        .exclude(pk=exclude)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
    )
    if clash.exists():
        raise ValidationError(
            _("%(person)s already held a membership on %(date)s: periods cannot overlap.")
            % {"person": person, "date": start}
        )


def _create_period(**fields) -> MembershipPeriod:
    period = MembershipPeriod(**fields)
    period.clean_fields(exclude=["person", "node", "transfer"])  # the rows are locked and checked already
    try:
        with transaction.atomic():
            period.save()
    except IntegrityError:
        raise ValidationError(
            _("%(person)s already held a membership on %(date)s: periods cannot overlap.")
            % {"person": fields["person"], "date": fields["started_on"]}
        ) from None
    return period


def _end_period(period: MembershipPeriod, *, on: datetime.date, ended: str, decision: str = "") -> None:
    if on < period.started_on:
        raise ValidationError(
            _("The period in %(node)s began on %(start)s; it cannot end on %(date)s.")
            % {"node": period.node, "start": period.started_on, "date": on}
        )
    period.ended_on, period.ended, period.decision = on, ended, decision[:200] or period.decision
    period.save(update_fields=["ended_on", "ended", "decision"])


def _end_posts(actor, person: Person, *, on: datetime.date, today: datetime.date, under: str = "") -> None:
    """The posts a member held in the organisation they leave end with their membership there (a branch committee
    member transferred out of the branch is no longer on its committee); ``under``: only posts below that path."""
    posts = Post.objects.filter(person=person, started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    if under:
        posts = posts.filter(node__path__startswith=under)
    for post in posts:
        post_end(actor=actor, post=post, ended_on=max(on, post.started_on), today=today)


def _check_place(node: OrgNode) -> None:
    if node.kind not in PLACES:
        raise ValidationError(_("A member's relationship is held in a Party branch or a Party group."))


@transaction.atomic
def period_begin(
    *, actor, person: Person, node: OrgNode, on: datetime.date, began: str, decision: str = "", today: datetime.date
) -> MembershipPeriod:
    """A membership begins in ``node`` (an admission, a restoration): the person is then on its roll. The admission
    of a development case calls this with the branch meeting's date (§31: probation counts from it)."""
    person = _lock(person)
    perm = APPROVE if began == PeriodStart.RESTORATION else MANAGE_PEOPLE
    _require(actor, perm, node)
    _check_place(node)
    if on > today:
        raise ValidationError(_("A membership cannot begin in the future (%(date)s).") % {"date": on})
    if began == PeriodStart.RESTORATION and not decision.strip():
        raise ValidationError(_("Give the committee's decision that restores the membership."))
    current = _current(person)
    if current is not None and current.node_id == node.pk and current.started_on <= on:
        return current  # recorded already (idempotent)
    _check_no_overlap(person, on)
    period = _create_period(person=person, node=node, started_on=on, began=began, decision=decision[:200])
    person_place(actor=actor, person=person, node=node, on_roll=True)
    audit_record(
        actor=actor,
        action="membership.period_begun",
        target=person,
        node=node,
        changes={"period": [None, f"{node} {on}"], "began": [None, began]},
        note=decision[:500],
    )
    return period


@transaction.atomic
def membership_end(
    *, actor, person: Person, on: datetime.date, reason: str, decision: str = "", today: datetime.date
) -> MembershipPeriod:
    """A member leaves the roll: death, expulsion, striking off (除名), leaving (退党), suspension (停止党籍) — the
    recorded decision of the body ``choices.LEAVINGS`` names — or the cancellation of a probationary membership
    (recorded by the development case). The current period ends; the person keeps the status they held."""
    person = _lock(person)
    current = _current(person)
    if current is None:
        raise ValidationError(_("%(person)s has no current membership to end.") % {"person": person})
    if reason == PeriodEnd.CANCELLED:
        _require(actor, APPROVE, current.node)
    elif reason in LEAVINGS:
        rule = LEAVINGS[reason]
        _require(actor, rule.recorded_by, current.node)
        if rule.needs_decision and not decision.strip():
            raise ValidationError(
                _("“%(reason)s” is a decision: give the body and the reference of the decision.")
                % {"reason": PeriodEnd(reason).label}
            )
    else:
        raise ValidationError(_("Transfers end a membership period through the transfer itself."))
    if on > today:
        raise ValidationError(_("A decision cannot be dated in the future (%(date)s).") % {"date": on})
    _end_period(current, on=on, ended=reason, decision=decision)
    if reason != PeriodEnd.CANCELLED:  # a cancelled probationary member stays known to the unit, off the Party roll
        person_place(actor=actor, person=person, node=person.node, on_roll=False)
        _end_posts(actor, person, on=on, today=today)
    audit_record(
        actor=actor,
        action="membership.ended",
        target=person,
        node=current.node,
        changes={"ended": [None, reason], "until": [None, on]},
        note=decision[:500],
    )
    return current


# --- transfers -----------------------------------------------------------------------------------------------------


def _report_by(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=settings.MEMBERSHIP_TRANSFER_REPORT_DAYS)


@transaction.atomic
def transfer_request(
    *,
    actor,
    person: Person,
    kind: str,
    today: datetime.date,
    to_node: OrgNode | None = None,
    other_organisation: str = "",
    letter_number: str = "",
    dues_paid_until: datetime.date | None = None,
) -> Transfer:
    """Start a transfer. Within the committee and out: the sending branch asks (it stays responsible until the
    receiving side accepts, or the receipt of the letter returns). In: the receiving branch registers the letter
    of a member whose record it has created; it accepts when the member reports."""
    person = _lock(person)
    current = _current(person)
    if kind == TransferKind.IN:
        if to_node is None:
            raise ValidationError(_("Choose the receiving branch."))
        _require(actor, MANAGE_PEOPLE, to_node)
        _check_place(to_node)
        if current is not None:
            raise ValidationError(
                _("%(person)s is on the roll of %(node)s: use a transfer within the committee.")
                % {"person": person, "node": current.node}
            )
        if person.political_status not in MEMBER_STATUSES:
            raise ValidationError(_("Only Party members transfer their organisational relationship."))
        from_node = None
    else:
        if current is None:
            raise ValidationError(_("%(person)s is not on the roll of a branch here.") % {"person": person})
        _require(actor, MANAGE_PEOPLE, current.node)
        from_node = current.node
        if kind == TransferKind.WITHIN:
            _check_within(from_node, to_node)
        elif kind == TransferKind.OUT:
            to_node = None
        else:
            raise ValidationError(_("Unknown kind of transfer."))
    if kind != TransferKind.WITHIN and not other_organisation.strip():
        raise ValidationError(_("Name the organisation outside the committee."))
    if kind == TransferKind.OUT and not letter_number.strip():
        raise ValidationError(_("Enter the number of the letter of introduction (介绍信) that goes with the member."))
    if dues_paid_until is None and kind != TransferKind.IN:
        dues_paid_until = _dues_paid_until(person, today)
    transfer = Transfer(
        person=person,
        kind=kind,
        state=TransferState.SENT if kind == TransferKind.OUT else TransferState.REQUESTED,
        from_node=from_node,
        to_node=to_node,
        other_organisation=" ".join(other_organisation.split())[:200],
        letter_number=letter_number.strip()[:60],
        dues_paid_until=dues_paid_until.replace(day=1) if dues_paid_until else None,
        requested_on=today,
        report_by=_report_by(today),
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise ValidationError(_("%(person)s already has a transfer under way.") % {"person": person}) from None
    audit_record(
        actor=actor,
        action="membership.transfer_requested",
        target=transfer,
        node=from_node or to_node,
        changes={"state": [None, transfer.state], "to": [None, str(to_node or transfer.other_organisation)]},
    )
    return transfer


def _check_within(from_node: OrgNode, to_node: OrgNode | None) -> None:
    if to_node is None:
        raise ValidationError(_("Choose the receiving branch."))
    _check_place(to_node)
    if branch_of(to_node).pk == branch_of(from_node).pk:
        raise ValidationError(
            _("%(node)s is in the same branch: place the member in a group instead of transferring.")
            % {"node": to_node}
        )
    if committee_of(to_node) != committee_of(from_node):
        raise ValidationError(_("%(node)s belongs to another committee: transfer out instead.") % {"node": to_node})


def _locked_transfer(transfer: Transfer) -> tuple[Transfer, Person]:
    person = _lock(transfer.person)
    locked = Transfer.objects.select_for_update(of=("self",)).select_related("from_node", "to_node").get(pk=transfer.pk)
    return locked, person


def _decide(transfer: Transfer, *, actor, state: str, on: datetime.date, reason: str = "") -> None:
    old = transfer.state
    transfer.state, transfer.decided_on, transfer.reason = state, on, reason[:200]
    transfer.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    transfer.save(update_fields=["state", "decided_on", "reason", "decided_by"])
    audit_record(
        actor=actor,
        action=f"membership.transfer_{state}",
        target=transfer,
        node=transfer.to_node or transfer.from_node,
        changes={"state": [old, state]},
        note=reason[:500],
    )


@transaction.atomic
def transfer_accept(*, actor, transfer: Transfer, on: datetime.date, today: datetime.date) -> Transfer:
    """The receiving branch accepts (within the committee, or a letter from outside once the member reported): the
    member's period in the sending branch ends the day before, the period in the receiving branch begins on ``on``,
    and what follows the person (the development case) moves with them."""
    transfer, person = _locked_transfer(transfer)
    if transfer.state == TransferState.ACCEPTED:
        return transfer
    if transfer.kind == TransferKind.OUT or transfer.to_node is None:
        raise ValidationError(_("A transfer out is completed by the receipt of the letter."))
    if not covers(actor, MANAGE_PEOPLE, transfer.to_node.path):
        raise PermissionDenied(_("Only the receiving branch accepts a transfer."))
    if transfer.state != TransferState.REQUESTED:
        raise ValidationError(_("The transfer is %(state)s.") % {"state": transfer.get_state_display()})
    if on > today or on < transfer.requested_on:
        raise ValidationError(
            _("Accept on a day from the request (%(start)s) to today.") % {"start": transfer.requested_on}
        )
    current = _current(person)
    if transfer.kind == TransferKind.WITHIN:
        if current is None or current.node_id != transfer.from_node_id:
            raise ValidationError(_("%(person)s is no longer on the roll of the sending branch.") % {"person": person})
        if on <= current.started_on:
            raise ValidationError(
                _("The period in %(node)s began on %(start)s: accept on a later day.")
                % {"node": current.node, "start": current.started_on}
            )
        _end_period(current, on=on - ONE_DAY, ended=PeriodEnd.TRANSFER)
        _end_posts(actor, person, on=on - ONE_DAY, today=today, under=branch_of(current.node).path)
        began = PeriodStart.TRANSFER
    else:
        if current is not None:
            raise ValidationError(_("%(person)s is already on a roll here.") % {"person": person})
        _check_no_overlap(person, on)
        began = PeriodStart.TRANSFER_IN
    _create_period(person=person, node=transfer.to_node, started_on=on, began=began, transfer=transfer)
    person_place(actor=actor, person=person, node=transfer.to_node, on_roll=True)
    _decide(transfer, actor=actor, state=TransferState.ACCEPTED, on=on)
    if transfer.kind == TransferKind.WITHIN:
        for listener in _TRANSFER_LISTENERS:
            listener(actor=actor, person=person, from_node=transfer.from_node, to_node=transfer.to_node, on=on)
    return transfer


@transaction.atomic
def transfer_receipt(*, actor, transfer: Transfer, on: datetime.date, today: datetime.date) -> Transfer:
    """The receipt of a letter out returns: the member's period ends on ``on`` and they leave the roll here."""
    transfer, person = _locked_transfer(transfer)
    if transfer.state == TransferState.RECEIPTED:
        return transfer
    if transfer.kind != TransferKind.OUT or transfer.state != TransferState.SENT:
        raise ValidationError(_("Only a letter sent out has a receipt."))
    if not covers(actor, MANAGE_PEOPLE, transfer.from_node.path):
        raise PermissionDenied(_("Only the sending branch records the receipt."))
    if on > today or on < transfer.requested_on:
        raise ValidationError(
            _("The receipt is dated from the letter (%(start)s) to today.") % {"start": transfer.requested_on}
        )
    current = _current(person)
    if current is not None:
        _end_period(current, on=on, ended=PeriodEnd.TRANSFER_OUT)
    person_place(actor=actor, person=person, node=person.node, on_roll=False)
    _end_posts(actor, person, on=on, today=today)
    _decide(transfer, actor=actor, state=TransferState.RECEIPTED, on=on)
    return transfer


@transaction.atomic
def transfer_refuse(*, actor, transfer: Transfer, reason: str, today: datetime.date) -> Transfer:
    """The receiving branch refuses, with its reason; the member stays where they are."""
    transfer, _person = _locked_transfer(transfer)
    if transfer.state == TransferState.REFUSED:
        return transfer
    if transfer.state != TransferState.REQUESTED or transfer.to_node is None:
        raise ValidationError(_("The transfer is %(state)s.") % {"state": transfer.get_state_display()})
    if not covers(actor, MANAGE_PEOPLE, transfer.to_node.path):
        raise PermissionDenied(_("Only the receiving branch refuses a transfer."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for refusing."))
    _decide(transfer, actor=actor, state=TransferState.REFUSED, on=today, reason=reason)
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer, today: datetime.date) -> Transfer:
    """The sending side withdraws a transfer not yet decided."""
    transfer, _person = _locked_transfer(transfer)
    if transfer.state == TransferState.CANCELLED:
        return transfer
    if not transfer.is_pending:
        raise ValidationError(_("The transfer is %(state)s.") % {"state": transfer.get_state_display()})
    if not covers(actor, MANAGE_PEOPLE, transfer.sending.path):
        raise PermissionDenied(_("Only the sending branch cancels a transfer."))
    _decide(transfer, actor=actor, state=TransferState.CANCELLED, on=today)
    return transfer


# --- participation elsewhere, contact lost -------------------------------------------------------------------------


@transaction.atomic
def participation_record(
    *,
    actor,
    person: Person,
    kind: str,
    started_on: datetime.date,
    today: datetime.date,
    node: OrgNode | None = None,
    other_organisation: str = "",
) -> Participation:
    """Where a member takes part in organisational life when it differs from their roll (not a transfer)."""
    person = _lock(person)
    _require(actor, MANAGE_PEOPLE, person.node)
    if kind not in ParticipationKind.values:
        raise ValidationError(_("Unknown kind of participation."))
    if node is None and not other_organisation.strip():
        raise ValidationError(_("Name where the member takes part."))
    if started_on > today:
        raise ValidationError(_("A decision cannot be dated in the future (%(date)s).") % {"date": started_on})
    Participation.objects.filter(person=person, ended_on__isnull=True).update(ended_on=started_on - ONE_DAY)
    participation = Participation.objects.create(
        person=person, kind=kind, node=node, other_organisation=other_organisation.strip()[:200], started_on=started_on
    )
    audit_record(
        actor=actor,
        action="membership.participation_recorded",
        target=person,
        node=person.node,
        changes={"participation": [None, str(node or other_organisation)]},
    )
    return participation


@transaction.atomic
def contact_lost(*, actor, person: Person, since: datetime.date, note: str, today: datetime.date) -> ContactLoss:
    person = _lock(person)
    _require(actor, MANAGE_PEOPLE, person.node)
    if since > today:
        raise ValidationError(_("A decision cannot be dated in the future (%(date)s).") % {"date": since})
    existing = ContactLoss.objects.filter(person=person, found_on__isnull=True).first()
    if existing is not None:
        return existing
    loss = ContactLoss.objects.create(person=person, since=since, note=note.strip()[:200])
    audit_record(actor=actor, action="membership.contact_lost", target=person, node=person.node, note=str(since))
    return loss


@transaction.atomic
def contact_found(*, actor, person: Person, on: datetime.date, today: datetime.date) -> ContactLoss | None:
    person = _lock(person)
    _require(actor, MANAGE_PEOPLE, person.node)
    loss = ContactLoss.objects.filter(person=person, found_on__isnull=True).first()
    if loss is None:
        return None
    if on > today or on < loss.since:
        raise ValidationError(_("Contact came back between %(start)s and today.") % {"start": loss.since})
    loss.found_on = on
    loss.save(update_fields=["found_on"])
    audit_record(actor=actor, action="membership.contact_found", target=person, node=person.node, note=str(on))
    return loss


# --- called by the development case's service, which has checked the actor's right to record the decision ---------


@transaction.atomic
def admission_begins(*, actor, person: Person, on: datetime.date) -> MembershipPeriod | None:
    """The admission approved (§22–25): membership begins in the member's branch on the branch meeting's date (§31).
    An imported history may already have placed the member: then nothing changes."""
    person = _lock(person)
    if _current(person) is not None:
        return None
    _check_no_overlap(person, on)
    period = _create_period(person=person, node=person.node, started_on=on, began=PeriodStart.ADMISSION)
    audit_record(
        actor=actor,
        action="membership.period_begun",
        target=person,
        node=person.node,
        changes={"period": [None, f"{person.node} {on}"], "began": [None, PeriodStart.ADMISSION]},
    )
    return period


@transaction.atomic
def admission_cancelled(*, actor, person: Person, on: datetime.date) -> None:
    """The probationary membership cancelled (§31–32): the period ends on the decision's date."""
    person = _lock(person)
    current = _current(person)
    if current is None:
        return
    _end_period(current, on=max(on, current.started_on), ended=PeriodEnd.CANCELLED)
    audit_record(
        actor=actor,
        action="membership.ended",
        target=person,
        node=current.node,
        changes={"ended": [None, PeriodEnd.CANCELLED], "until": [None, on]},
    )
