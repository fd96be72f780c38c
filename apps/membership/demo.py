"""Demo membership history: every member placed on the roll of their branch (the same move as migration 0003), a
transfer waiting for the receiving branch, a letter out waiting for its receipt, a member out of contact for seven
months (flagged for the branch) and a floating member taking part elsewhere. Fixtures written directly, not anyone's
decision."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings

from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode
from apps.people.models import Person

from .backfill import place_members
from .choices import ParticipationKind, TransferKind, TransferState
from .models import ContactLoss, MembershipPeriod, Participation, Transfer


def seed_membership(*, rng, today: datetime.date, admitted=frozenset()) -> int:
    # demo members carry their admission dates; those the demo's development cases admitted (``admitted``) began
    # with the admission
    placed, _unplaced = place_members(Person, MembershipPeriod, admitted=admitted)
    branches = list(OrgNode.objects.filter(kind=NodeKind.BRANCH).order_by("path"))
    members = list(
        Person.objects.filter(membership_periods__ended_on__isnull=True, node__kind=NodeKind.BRANCH, user__isnull=True)
        .select_related("node")
        .order_by("pk")[:200]
    )
    if len(branches) < 2 or len(members) < 4:
        return placed
    report = datetime.timedelta(days=settings.MEMBERSHIP_TRANSFER_REPORT_DAYS)
    moving, leaving, lost, floating = rng.sample(members, 4)
    target = next(b for b in branches if b.pk != moving.node_id)
    requested = today - datetime.timedelta(days=5)
    Transfer.objects.create(
        person=moving, kind=TransferKind.WITHIN, state=TransferState.REQUESTED, from_node=moving.node,
        to_node=target, requested_on=requested, report_by=requested + report, letter_number="组转〔2026〕18号",
        dues_paid_until=today.replace(day=1),
    )  # fmt: skip
    sent = today - datetime.timedelta(days=45)
    Transfer.objects.create(
        person=leaving, kind=TransferKind.OUT, state=TransferState.SENT, from_node=leaving.node,
        other_organisation="某市某区机关工委", requested_on=sent, report_by=sent + report,
        letter_number="组转〔2026〕11号", dues_paid_until=(sent - relativedelta(months=1)).replace(day=1),
    )  # fmt: skip
    ContactLoss.objects.create(person=lost, since=today - relativedelta(months=7), note="电话停机，住址已搬迁")
    Participation.objects.create(
        person=floating, kind=ParticipationKind.FLOATING, other_organisation="深圳市某流动党员党支部",
        started_on=today - relativedelta(months=3),
    )  # fmt: skip
    return placed
