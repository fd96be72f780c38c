"""Membership history: the roll on any date, transfers, leaving, members flagged — and what each refuses."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.models import AuditEntry
from apps.membership.backfill import place_members
from apps.membership.models import MembershipPeriod, Transfer
from apps.membership.selectors import flagged_for, member_counts_on, members_on, members_without_period, roll_up
from apps.membership.services import (
    contact_lost,
    membership_end,
    transfer_accept,
    transfer_cancel,
    transfer_receipt,
    transfer_refuse,
    transfer_request,
)
from apps.people.choices import PoliticalStatus
from apps.people.models import Person
from tests.conftest import sign_in
from tests.dates import TODAY
from tests.factories import PersonFactory

D = datetime.date


def _within(world, who="secretary_a", person="member_a", to=None, today=TODAY):
    return transfer_request(
        actor=world.users[who], person=world.people[person], kind="within", to_node=to or world.branch_b, today=today
    )


# --- the roll on a date ---------------------------------------------------------------------------------------------


def test_the_roll_on_a_past_date_counts_who_was_there(world):
    branch = world.branch_a
    early = PersonFactory(node=branch, joined_on=D(2015, 3, 1), full_member_on=D(2016, 3, 1))
    late = PersonFactory(node=branch, joined_on=D(2025, 5, 1), full_member_on=None, political_status="probationary")
    assert early in members_on(branch, D(2020, 1, 1)) and late not in members_on(branch, D(2020, 1, 1))
    assert early in members_on(branch, D(2015, 6, 1), statuses=("probationary",))  # probationary in 2015
    assert early not in members_on(branch, D(2015, 6, 1), statuses=("full",))
    assert late in members_on(branch, TODAY, statuses=("probationary",))
    membership_end(actor=world.users["admin"], person=early, on=D(2026, 1, 10), reason="death", today=TODAY)
    assert early in members_on(branch, D(2026, 1, 10)) and early not in members_on(branch, D(2026, 1, 11))
    early.refresh_from_db()
    assert early.is_active is False and early.political_status == PoliticalStatus.FULL  # the status they held


def test_a_votes_due_voters_on_a_past_date_count_a_member_who_has_left(world):
    from apps.lifecycle.selectors import voters_due

    meeting = D(2025, 12, 20)
    before = voters_due(branch=world.branch_a, on=meeting)
    leaver = PersonFactory(node=world.branch_a)
    assert voters_due(branch=world.branch_a, on=meeting) == before + 1
    membership_end(
        actor=world.users["admin"], person=leaver, on=D(2026, 3, 1), reason="struck_off", decision="支部大会决议",
        today=TODAY,
    )  # fmt: skip
    assert voters_due(branch=world.branch_a, on=meeting) == before + 1  # still on the roll of that day
    assert voters_due(branch=world.branch_a, on=TODAY) == before


def test_the_roll_of_a_branch_on_a_date_takes_at_most_three_queries(world):
    for _ in range(5):
        PersonFactory(node=world.branch_a)
    with CaptureQueriesContext(connection) as small:
        list(members_on(world.branch_a, D(2024, 1, 1)))
    for _ in range(20):
        PersonFactory(node=world.group_a)
    with CaptureQueriesContext(connection) as large:
        list(members_on(world.branch_a, D(2024, 1, 1)))
    assert len(small) == len(large) <= 3


def test_counts_for_every_node_in_one_query(world):
    from apps.organisations.models import OrgNode

    with CaptureQueriesContext(connection) as queries:
        counts = member_counts_on(TODAY)
    assert len(queries) == 1
    totals = roll_up(counts, OrgNode.objects.all())
    assert totals[world.branch_a.pk] == members_on(world.branch_a, TODAY).count()
    assert totals[world.committee.pk] == members_on(world.committee, TODAY).count()


# --- periods never overlap -----------------------------------------------------------------------------------------


def test_a_second_current_period_is_refused(world):
    person = world.people["member_a"]
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipPeriod.objects.create(person=person, node=world.branch_b, started_on=D(2026, 1, 1), began="migrated")


def test_a_period_cannot_end_before_it_began(world):
    with pytest.raises(ValidationError):
        membership_end(
            actor=world.users["admin"], person=world.people["member_a"], on=D(2001, 1, 1), reason="death", today=TODAY
        )
    assert MembershipPeriod.objects.get(person=world.people["member_a"]).ended_on is None


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True)
def test_two_transfers_of_one_person_at_once_one_wins(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    barrier = threading.Barrier(2)
    results = []

    def worker(target):
        try:
            barrier.wait()
            _within(world, to=target)
            results.append("ok")
        except ValidationError as exc:
            results.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in (world.branch_b, world.branch_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1
    assert Transfer.objects.filter(person=world.people["member_a"]).count() == 1


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_overlapping_periods(world):
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")
    person = world.people["member_a"]
    with pytest.raises(IntegrityError):
        MembershipPeriod.objects.create(
            person=person, node=world.branch_b, started_on=D(2010, 1, 1), ended_on=D(2011, 1, 1), began="migrated"
        )


# --- transfers -----------------------------------------------------------------------------------------------------


def test_a_transfer_within_the_committee_from_request_to_acceptance(world, case, record):
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    applicant = world.people["applicant_a"]
    applicant.political_status = PoliticalStatus.FULL  # the case's person moves as a member would
    applicant.save()
    MembershipPeriod.objects.create(person=applicant, node=world.branch_a, started_on=D(2020, 1, 1), began="migrated")
    transfer = transfer_request(
        actor=world.users["secretary_a"], person=applicant, kind="within", to_node=world.branch_b, today=TODAY
    )
    assert transfer.state == "requested" and transfer.report_by > TODAY
    with pytest.raises(PermissionDenied):  # only the receiver accepts
        transfer_accept(actor=world.users["secretary_a"], transfer=transfer, on=TODAY, today=TODAY)
    transfer_accept(actor=world.users["secretary_b"], transfer=transfer, on=TODAY, today=TODAY)
    periods = list(MembershipPeriod.objects.filter(person=applicant).order_by("started_on"))
    assert [(p.node_id, p.ended_on, p.ended) for p in periods] == [
        (world.branch_a.pk, TODAY - datetime.timedelta(days=1), "transfer"),
        (world.branch_b.pk, None, ""),
    ]
    applicant.refresh_from_db()
    assert applicant.node_id == world.branch_b.pk
    case.refresh_from_db()
    assert case.branch_id == world.branch_b.pk  # the case follows, its dates unchanged
    assert list(case.records.values_list("step", "on")) == [
        ("application_received", D(2024, 9, 2)),
        ("applicant_talk", D(2024, 9, 20)),
        ("activist_designated", D(2024, 10, 8)),
    ]
    assert AuditEntry.objects.filter(action="membership.transfer_accepted").exists()
    assert AuditEntry.objects.filter(action="lifecycle.case_transferred").exists()
    # idempotent
    assert transfer_accept(actor=world.users["secretary_b"], transfer=transfer, on=TODAY, today=TODAY).pk == transfer.pk


def test_a_transfer_out_ends_with_the_receipt(world):
    member = world.people["member_b"]
    transfer = transfer_request(
        actor=world.users["secretary_b"],
        person=member,
        kind="out",
        other_organisation="某市某局机关党委",
        letter_number="组转字第12号",
        dues_paid_until=D(2026, 11, 15),
        today=TODAY,
    )
    assert transfer.state == "sent" and transfer.dues_paid_until == D(2026, 11, 1)
    assert member in members_on(world.branch_b, TODAY)  # responsible until the receipt returns
    transfer_receipt(actor=world.users["secretary_b"], transfer=transfer, on=TODAY, today=TODAY)
    member.refresh_from_db()
    assert member.is_active is False
    assert member in members_on(world.branch_b, TODAY)
    assert member not in members_on(world.branch_b, TODAY + datetime.timedelta(days=1))


def test_a_transfer_in_begins_a_period_when_the_member_reports(world):
    newcomer = PersonFactory(node=world.branch_a, membership=False)
    assert newcomer in members_without_period()
    transfer = transfer_request(
        actor=world.users["secretary_a"],
        person=newcomer,
        kind="in",
        to_node=world.branch_a,
        other_organisation="外省某党支部",
        today=TODAY,
    )
    transfer_accept(actor=world.users["secretary_a"], transfer=transfer, on=TODAY, today=TODAY)
    assert MembershipPeriod.objects.get(person=newcomer).began == "transfer_in"
    assert newcomer not in members_without_period()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"to": "group_a"}, "同一|same branch"),  # a transfer to the same branch
        ({"who": "secretary_b"}, None),  # not the sending branch
    ],
)
def test_bad_transfers_are_refused_and_nothing_is_saved(world, kwargs, message):
    to = getattr(world, kwargs.get("to", "branch_b"))
    who = kwargs.get("who", "secretary_a")
    with pytest.raises((ValidationError, PermissionDenied)):
        _within(world, who=who, person="secretary_a" if kwargs.get("to") else "member_a", to=to)
    assert not Transfer.objects.exists()


def test_refuse_and_cancel(world):
    transfer = _within(world)
    with pytest.raises(ValidationError):
        transfer_refuse(actor=world.users["secretary_b"], transfer=transfer, reason=" ", today=TODAY)
    transfer_refuse(actor=world.users["secretary_b"], transfer=transfer, reason="该同志未来报到", today=TODAY)
    assert Transfer.objects.get(pk=transfer.pk).state == "refused"
    again = _within(world)  # a refused transfer is no longer under way
    with pytest.raises(PermissionDenied):
        transfer_cancel(actor=world.users["secretary_b"], transfer=again, today=TODAY)
    transfer_cancel(actor=world.users["secretary_a"], transfer=again, today=TODAY)
    assert Transfer.objects.get(pk=again.pk).state == "cancelled"


def test_a_transfer_takes_at_most_25_queries(world):
    transfer = _within(world)
    with CaptureQueriesContext(connection) as queries:
        transfer_accept(actor=world.users["secretary_b"], transfer=transfer, on=TODAY, today=TODAY)
    assert len(queries) <= 25, [q["sql"][:80] for q in queries.captured_queries]


# --- leaving, losing touch -----------------------------------------------------------------------------------------


def test_leaving_needs_the_decision_and_the_right_body(world):
    member = world.people["member_a"]
    with pytest.raises(PermissionDenied):  # striking off is the committee's approval
        membership_end(
            actor=world.users["secretary_a"], person=member, on=TODAY, reason="struck_off", decision="x", today=TODAY
        )
    with pytest.raises(ValidationError):  # a decision needs its reference
        membership_end(actor=world.users["staff"], person=member, on=TODAY, reason="expulsion", today=TODAY)
    membership_end(
        actor=world.users["staff"], person=member, on=TODAY, reason="expulsion", decision="党委决定", today=TODAY
    )
    assert MembershipPeriod.objects.get(person=member).ended == "expulsion"


def test_members_out_of_contact_for_six_months_are_flagged_not_decided(world):
    member = world.people["member_a"]
    contact_lost(actor=world.users["secretary_a"], person=member, since=D(2026, 6, 1), note="电话停机", today=TODAY)
    assert not flagged_for(user=world.users["secretary_a"], today=TODAY)  # under six months
    # entered twice: the same record
    contact_lost(actor=world.users["secretary_a"], person=member, since=D(2026, 6, 1), note="", today=TODAY)
    flags = flagged_for(user=world.users["secretary_a"], today=D(2026, 12, 1))
    assert [(p.pk, why) for p, why, _since in flags] == [(member.pk, "out_of_contact")]
    member.refresh_from_db()
    assert member.is_active  # flagged, never decided


# --- the move to periods -------------------------------------------------------------------------------------------


def test_the_move_places_every_member_it_can_and_lists_the_rest(world):
    from apps.lifecycle.models import StepRecord

    dated = PersonFactory(node=world.branch_a, membership=False, joined_on=D(2012, 1, 1))
    by_full = PersonFactory(node=world.branch_a, membership=False, joined_on=None, full_member_on=D(2014, 5, 1))
    unknown = PersonFactory(node=world.branch_a, membership=False, joined_on=None, full_member_on=None)
    placed, unplaced = place_members(Person, MembershipPeriod, StepRecord)
    assert placed == 2 and unplaced == [unknown.pk]
    assert MembershipPeriod.objects.get(person=dated).started_on == D(2012, 1, 1)
    assert MembershipPeriod.objects.get(person=by_full).started_on == D(2013, 5, 1)
    assert list(members_without_period()) == [unknown]
    assert place_members(Person, MembershipPeriod, StepRecord) == (0, [unknown.pk])  # run again: nothing twice
    assert MembershipPeriod.objects.get(person=dated).began == "admission"  # placed from the admission
    assert MembershipPeriod.objects.get(person=by_full).began == "migrated"  # reckoned back: from earlier records


def test_a_member_admitted_here_begins_with_the_admission_not_the_earlier_records(world):
    admitted = PersonFactory(node=world.branch_a, membership=False, joined_on=None, full_member_on=D(2026, 6, 1))
    earlier = PersonFactory(node=world.branch_a, membership=False, joined_on=None, full_member_on=D(2010, 6, 1))
    place_members(Person, MembershipPeriod, admitted={admitted.pk})
    assert MembershipPeriod.objects.get(person=admitted).began == "admission"
    assert MembershipPeriod.objects.get(person=earlier).began == "migrated"


# --- the portal ----------------------------------------------------------------------------------------------------


def test_secretary_transfers_on_the_portal_and_the_receiver_accepts(client, world, today):
    sign_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("membership:transfer_new"),
        {"person": world.people["member_a"].pk, "kind": "within", "to_node": world.branch_b.pk},
    )
    transfer = Transfer.objects.get()
    assert response.status_code == 302 and response.url == reverse("membership:transfer_detail", args=[transfer.pk])
    sign_in(client, world.users["secretary_b"])
    body = client.get(reverse("membership:overview")).content.decode()
    assert world.people["member_a"].name in body  # in "to accept"
    client.post(reverse("membership:transfer_decide", args=[transfer.pk, "accept"]), {"on": TODAY.isoformat()})
    assert Transfer.objects.get().state == "accepted"


def test_a_transfer_to_the_same_branch_shows_the_reason_and_keeps_the_form(client, world, today):
    sign_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("membership:transfer_new"),
        {"person": world.people["member_a"].pk, "kind": "within", "to_node": world.branch_a.pk},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Transfer.objects.exists()


def test_overview_queries_do_not_grow(client, world, today):
    sign_in(client, world.users["secretary_a"])
    url = reverse("membership:overview") + f"?node={world.branch_a.pk}&on={TODAY.isoformat()}"
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    for _ in range(8):
        PersonFactory(node=world.branch_a)
    _within(world)
    large = count()
    assert large == small, (small, large)


def test_history_page(client, world, today):
    sign_in(client, world.users["member_a"])
    body = client.get(reverse("membership:person", args=[world.people["member_a"].pk])).content.decode()
    assert "2009-07-01" in body
