"""The dues services: bases, months, payments and corrections, exemptions, remittances, uses, the ledger across a
transfer, the yearly disclosure — and what each refuses, leaving nothing saved."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEntry
from apps.dues.models import DuesBase, DuesMonth, DuesPolicy, DuesUse, Payment, Remittance
from apps.dues.services import (
    base_confirm,
    base_declare,
    base_return,
    dues_disclosure_draft,
    dues_use_correct,
    dues_use_record,
    payment_correct,
    policy_save,
    relief_decide,
    relief_propose,
    remittance_correct,
    remittance_record,
)
from apps.membership.services import membership_end, transfer_accept, transfer_request
from tests.dates import TODAY, at
from tests.factories import PersonFactory

D = datetime.date
NOW = at(TODAY)


def _months(person):
    return {m.month: m for m in DuesMonth.objects.filter(person=person)}


# --- bases ---------------------------------------------------------------------------------------------------------


def test_a_member_declares_and_the_branch_confirms(world, dues):
    member = world.people["member_a"]
    dues.open(D(2026, 10, 1))
    assert _months(member)[D(2026, 10, 1)].due is None  # no base yet: the amount is not known
    base = base_declare(
        actor=world.users["member_a"], person=member, category="employed", income=Decimal("4500.00"),
        applies_from=D(2026, 1, 1), today=TODAY,
    )  # fmt: skip
    assert base.state == "declared" and base.amount == Decimal("45.00")
    again = base_declare(
        actor=world.users["member_a"], person=member, category="employed", income=Decimal("4500.00"),
        applies_from=D(2026, 1, 1), today=TODAY,
    )  # fmt: skip
    assert again.pk == base.pk  # idempotent
    with pytest.raises(PermissionDenied):
        base_confirm(actor=world.users["member_b"], base=base, today=TODAY)
    base_confirm(actor=world.users["secretary_a"], base=base, today=TODAY)
    assert _months(member)[D(2026, 10, 1)].due == Decimal("45.00")  # the open month gets its amount
    assert not AuditEntry.objects.filter(changes__icontains="4500").exists()  # the income stays out of the log


def test_a_new_declaration_replaces_the_waiting_one_and_a_return_says_why(world):
    member = world.people["member_a"]
    first = base_declare(
        actor=world.users["member_a"], person=member, category="student", applies_from=D(2026, 1, 1), today=TODAY
    )
    second = base_declare(
        actor=world.users["member_a"], person=member, category="retired", income=Decimal("6000"),
        applies_from=D(2026, 1, 1), today=TODAY,
    )  # fmt: skip
    first.refresh_from_db()
    assert first.state == "superseded" and second.amount == Decimal("60.00")
    with pytest.raises(ValidationError):
        base_return(actor=world.users["secretary_a"], base=second, reason=" ", today=TODAY)
    base_return(actor=world.users["secretary_a"], base=second, reason="请附退休金证明", today=TODAY)
    second.refresh_from_db()
    assert second.state == "returned" and second.note == "请附退休金证明"
    with pytest.raises(ValidationError):
        base_confirm(actor=world.users["secretary_a"], base=second, today=TODAY)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"income": Decimal("-1.00")}, "负"),
        ({"income": None}, "月收入"),
        ({"category": "nobody"}, "类别"),
        ({"applies_from": D(1999, 12, 1)}, "2000"),
        ({"category": "farmer", "chosen_amount": Decimal("5.00")}, "农民"),
    ],
)
def test_bad_bases_are_refused_and_nothing_is_saved(world, kwargs, message):
    values = {"category": "employed", "income": Decimal("4500"), "applies_from": D(2026, 1, 1)} | kwargs
    with pytest.raises(ValidationError) as refused:
        base_declare(actor=world.users["secretary_a"], person=world.people["member_a"], today=TODAY, **values)
    assert message in " ".join(refused.value.messages)
    assert not DuesBase.objects.exists()


def test_only_the_member_and_their_branch_declare(world):
    with pytest.raises(PermissionDenied):
        base_declare(
            actor=world.users["secretary_b"], person=world.people["member_a"], category="student",
            applies_from=D(2026, 1, 1), today=TODAY,
        )  # fmt: skip
    with pytest.raises(ValidationError):  # not a Party member: no dues
        base_declare(
            actor=world.users["secretary_a"], person=world.people["applicant_a"], category="student",
            applies_from=D(2026, 1, 1), today=TODAY,
        )  # fmt: skip


# --- months --------------------------------------------------------------------------------------------------------


def test_opening_a_month_adds_every_member_on_the_roll_once(world, dues):
    assert dues.open(D(2026, 10, 1)) == 5  # branch A and its group: five members; the applicant owes nothing
    assert dues.open(D(2026, 10, 1)) == 0
    assert dues.open(D(2026, 10, 1), node=world.committee, who="staff") == 4  # branch B's members
    rows = DuesMonth.objects.filter(month=D(2026, 10, 1))
    assert rows.filter(person=world.people["member_a"], node=world.group_a).exists()
    assert not rows.filter(person=world.people["applicant_a"]).exists()
    assert AuditEntry.objects.filter(action="dues.month_opened").count() == 3


def test_opening_a_month_takes_a_constant_number_of_queries(world, dues):
    for _ in range(3):
        PersonFactory(node=world.branch_a)
    dues.open(D(2026, 8, 1))  # warm the content types the audit entry looks up
    with CaptureQueriesContext(connection) as small:
        dues.open(D(2026, 9, 1))
    for _ in range(25):
        PersonFactory(node=world.group_a)
    with CaptureQueriesContext(connection) as large:
        dues.open(D(2026, 10, 1))
    assert len(small) == len(large) <= 12


def test_the_roll_of_the_month_counts_who_was_a_member_then(world, dues):
    late = PersonFactory(
        node=world.branch_a, joined_on=D(2026, 10, 15), full_member_on=None, political_status="probationary"
    )
    gone = PersonFactory(node=world.branch_a)
    membership_end(actor=world.users["admin"], person=gone, on=D(2026, 9, 10), reason="death", today=TODAY)
    dues.open(D(2026, 8, 1))
    dues.open(D(2026, 10, 1))
    assert set(_months(gone)) == {D(2026, 8, 1)}
    assert set(_months(late)) == {D(2026, 10, 1)}  # admitted in October: October's dues are owed


def test_a_future_month_is_not_opened_and_another_branch_cannot_open(world, dues):
    with pytest.raises(ValidationError):
        dues.open(D(2026, 12, 1))
    with pytest.raises(PermissionDenied):
        dues.open(D(2026, 10, 1), node=world.branch_b)
    assert not DuesMonth.objects.exists()


def test_a_policy_change_in_the_middle_of_a_year(world, dues):
    member = world.people["member_a"]
    dues.base(member, income="4500.00", applies_from=D(2026, 1, 1))
    policy_save(
        actor=world.users["admin"],
        policy=None,
        values={"name": "2026年7月起", "effective_from": D(2026, 7, 1), "employed_bands": "3000:1; *:2"},
    )
    for month in (6, 7):
        dues.open(D(2026, month, 1))
    months = _months(member)
    assert months[D(2026, 6, 1)].due == Decimal("45.00")  # the 2008 rules: 1 %
    assert months[D(2026, 7, 1)].due == Decimal("90.00")  # from July: 2 %
    assert months[D(2026, 7, 1)].policy.effective_from == D(2026, 7, 1)
    with pytest.raises(PermissionDenied):
        policy_save(actor=world.users["staff"], policy=None, values={"name": "x", "effective_from": D(2027, 1, 1)})
    with pytest.raises(ValidationError):
        policy_save(
            actor=world.users["admin"], policy=None,
            values={"name": "x", "effective_from": D(2027, 1, 1), "employed_bands": "3000:0.5"},
        )  # fmt: skip
    assert DuesPolicy.objects.count() == 2


# --- payments ------------------------------------------------------------------------------------------------------


def test_a_month_is_never_paid_twice(world, dues):
    member = world.people["member_a"]
    dues.base(member)
    dues.open(D(2026, 10, 1))
    first = dues.pay(member, D(2026, 10, 1), paid_on=D(2026, 10, 12), receipt="DF-1")
    assert dues.pay(member, D(2026, 10, 1), paid_on=D(2026, 10, 12), receipt="DF-1") == first  # the same again
    with pytest.raises(ValidationError) as refused:
        dues.pay(member, D(2026, 9, 1), D(2026, 10, 1), paid_on=D(2026, 11, 2), receipt="DF-2")
    assert "已" in " ".join(refused.value.messages)
    assert Payment.objects.count() == 1  # September was not saved either: all months or none
    assert not DuesMonth.objects.filter(month=D(2026, 9, 1)).exists()
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        Payment.objects.create(month=first[0].month, amount=Decimal("1"), paid_on=TODAY, method="cash", recorded_at=NOW)


def test_paying_in_advance_and_late(world, dues):
    member = world.people["member_a"]
    dues.base(member)
    lines = dues.pay(member, D(2026, 11, 1), D(2026, 12, 1), D(2027, 1, 1), paid_on=D(2026, 11, 20))
    assert [(line.amount, line.advance, line.late) for line in lines] == [
        (Decimal("45.00"), False, False),
        (Decimal("45.00"), True, False),
        (Decimal("45.00"), True, False),
    ]
    assert DuesMonth.objects.get(person=member, month=D(2027, 1, 1)).node == world.group_a
    late = dues.pay(member, D(2026, 8, 1), paid_on=D(2026, 10, 1))[0]
    on_time = dues.pay(member, D(2026, 9, 1), paid_on=D(2026, 10, 31))[0]
    assert late.late and not on_time.late
    with pytest.raises(ValidationError):  # more than the policy's twelve months ahead
        dues.pay(member, D(2027, 12, 1), paid_on=D(2026, 11, 20))


@pytest.mark.parametrize(
    ("months", "kwargs", "message"),
    [
        ([D(2026, 10, 1), D(2026, 11, 1)], {"amount": Decimal("10")}, "一个月"),
        ([D(2026, 10, 1)], {"amount": Decimal("0")}, "零"),
        ([D(2026, 10, 1)], {"method": "cheque"}, "方式"),
        ([D(2026, 10, 1)], {"paid_on": D(2026, 11, 23)}, "晚于今天"),
        ([D(2008, 1, 1)], {}, "不在"),
        ([], {}, "月份"),
    ],
)
def test_bad_payments_are_refused_and_nothing_is_saved(world, dues, months, kwargs, message):
    dues.base(world.people["member_a"])
    kwargs = {"paid_on": D(2026, 11, 2), "now": NOW} | kwargs
    with pytest.raises(ValidationError) as refused:
        dues.pay(world.people["member_a"], *months, **kwargs)
    assert message in " ".join(refused.value.messages)
    assert not Payment.objects.exists()


def test_a_month_without_a_known_amount_needs_one_and_an_exempt_month_takes_none(world, dues):
    member = world.people["member_a"]
    dues.open(D(2026, 10, 1))
    with pytest.raises(ValidationError):
        dues.pay(member, D(2026, 10, 1), paid_on=D(2026, 10, 5))
    dues.pay(member, D(2026, 10, 1), paid_on=D(2026, 10, 5), amount=Decimal("20.00"))
    assert DuesMonth.objects.get(person=member, month=D(2026, 10, 1)).paid == Decimal("20.00")


def test_only_the_members_branch_records_payments(world, dues):
    dues.base(world.people["member_b"], who="secretary_b")
    with pytest.raises(PermissionDenied):
        dues.pay(world.people["member_b"], D(2026, 10, 1), paid_on=D(2026, 10, 5))
    dues.pay(world.people["member_b"], D(2026, 10, 1), paid_on=D(2026, 10, 5), who="secretary_b")


def test_a_correction_is_a_new_line_never_an_edit(world, dues):
    member = world.people["member_a"]
    dues.base(member)
    payment = dues.pay(member, D(2026, 10, 1), paid_on=D(2026, 10, 5), amount=Decimal("450.00"))[0]
    row = DuesMonth.objects.get(pk=payment.month_id)
    assert row.settled_on == D(2026, 10, 5)
    correction = payment_correct(
        actor=world.users["secretary_a"], payment=payment, amount=Decimal("-405.00"), reason="多录一位", now=NOW
    )
    payment.refresh_from_db()
    row.refresh_from_db()
    assert payment.amount == Decimal("450.00") and correction.corrects == payment
    assert row.paid == Decimal("45.00") and row.settled_on == TODAY
    for amount, reason in ((Decimal("-46.00"), "x"), (Decimal("0"), "x"), (Decimal("1"), " ")):
        with pytest.raises(ValidationError):
            payment_correct(actor=world.users["secretary_a"], payment=payment, amount=amount, reason=reason, now=NOW)
    with pytest.raises(PermissionDenied):
        payment_correct(actor=world.users["secretary_b"], payment=payment, amount=Decimal("1"), reason="x", now=NOW)
    assert Payment.objects.count() == 2


# --- exemptions and reductions -------------------------------------------------------------------------------------


def test_an_exemption_is_studied_by_the_branch_and_approved_by_the_committee(world, dues):
    member = world.people["member_a"]
    dues.base(member)
    dues.open(D(2026, 9, 1))
    dues.open(D(2026, 10, 1))
    dues.pay(member, D(2026, 9, 1), paid_on=D(2026, 9, 10))
    relief = relief_propose(
        actor=world.users["secretary_a"], person=member, kind="exempt", first_month=D(2026, 9, 1),
        last_month=D(2026, 12, 1), reason="大病住院", branch_decision="支委会 2026-10-08", today=TODAY,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):  # the branch does not approve its own proposal
        relief_decide(actor=world.users["secretary_a"], relief=relief, approve=True, decision="x", today=TODAY)
    with pytest.raises(ValidationError):
        relief_decide(actor=world.users["staff"], relief=relief, approve=True, decision=" ", today=TODAY)
    relief_decide(actor=world.users["staff"], relief=relief, approve=True, decision="党委会 2026-10-20", today=TODAY)
    months = _months(member)
    assert months[D(2026, 10, 1)].exempt and months[D(2026, 10, 1)].due == 0
    assert not months[D(2026, 9, 1)].exempt  # paid already: the money line stays as it was
    dues.open(D(2026, 11, 1))
    assert _months(member)[D(2026, 11, 1)].exempt
    with pytest.raises(ValidationError):
        dues.pay(member, D(2026, 11, 1), paid_on=TODAY)


def test_whoever_proposed_does_not_approve_and_a_reduction_has_its_amount(world, dues):
    member = world.people["member_b"]
    dues.base(member, who="staff")
    relief = relief_propose(
        actor=world.users["staff"], person=member, kind="reduced", amount=Decimal("5.00"), first_month=D(2026, 10, 1),
        last_month=D(2026, 12, 1), reason="失业", branch_decision="支委会", today=TODAY,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        relief_decide(actor=world.users["staff"], relief=relief, approve=True, decision="党委会", today=TODAY)
    relief_decide(actor=world.users["admin"], relief=relief, approve=True, decision="党委会", today=TODAY)
    dues.open(D(2026, 10, 1), node=world.branch_b, who="staff")
    assert _months(member)[D(2026, 10, 1)].due == Decimal("5.00")
    with pytest.raises(ValidationError):  # overlapping months
        relief_propose(
            actor=world.users["staff"], person=member, kind="exempt", first_month=D(2026, 12, 1),
            last_month=D(2027, 1, 1), reason="x", branch_decision="y", today=TODAY,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        relief_propose(
            actor=world.users["staff"], person=member, kind="reduced", first_month=D(2027, 1, 1),
            last_month=D(2027, 2, 1), reason="x", branch_decision="y", today=TODAY,
        )  # fmt: skip


# --- remittances and uses ------------------------------------------------------------------------------------------


def test_a_remittance_once_per_organisation_and_month_and_corrections(world):
    kwargs = {"node": world.branch_a, "month": D(2026, 10, 1), "remitted_on": D(2026, 11, 10), "now": NOW}
    first = remittance_record(
        actor=world.users["secretary_a"], amount=Decimal("225.00"), to_organisation="测试党委", **kwargs
    )
    assert (
        remittance_record(
            actor=world.users["secretary_a"], amount=Decimal("225.00"), to_organisation="测试党委", **kwargs
        )
        == first
    )
    with pytest.raises(ValidationError):
        remittance_record(
            actor=world.users["secretary_a"], amount=Decimal("220.00"), to_organisation="测试党委", **kwargs
        )
    with pytest.raises(PermissionDenied):
        remittance_record(actor=world.users["secretary_b"], amount=Decimal("1"), to_organisation="x", **kwargs)
    remittance_correct(
        actor=world.users["secretary_a"], remittance=first, amount=Decimal("-5.00"), reason="少收一人", now=NOW
    )
    with pytest.raises(ValidationError):
        remittance_correct(
            actor=world.users["secretary_a"], remittance=first, amount=Decimal("-500"), reason="x", now=NOW
        )
    assert [r.amount for r in Remittance.objects.order_by("pk")] == [Decimal("225.00"), Decimal("-5.00")]
    with pytest.raises(IntegrityError), transaction.atomic():
        Remittance.objects.create(
            node=world.branch_a, month=D(2026, 10, 1), amount=1, remitted_on=TODAY, to_organisation="x", recorded_at=NOW
        )


def test_uses_are_recorded_by_the_committee_that_approves_them(world):
    kwargs = {
        "node": world.committee, "spent_on": D(2026, 6, 1), "purpose": "education", "description": "党员冬训",
        "amount": Decimal("3600.00"), "approved_by": "党委会", "decision": "纪要〔2026〕6号", "now": NOW,
    }  # fmt: skip
    with pytest.raises(PermissionDenied):
        dues_use_record(actor=world.users["secretary_a"], **kwargs)
    use = dues_use_record(actor=world.users["staff"], **kwargs)
    assert dues_use_record(actor=world.users["staff"], **kwargs) == use
    with pytest.raises(ValidationError):
        dues_use_record(actor=world.users["staff"], **(kwargs | {"approved_by": " "}))
    dues_use_correct(actor=world.users["staff"], use=use, amount=Decimal("-600.00"), reason="退回教材费", now=NOW)
    assert sum(u.amount for u in DuesUse.objects.all()) == Decimal("3000.00")


# --- a transfer ----------------------------------------------------------------------------------------------------


def test_the_ledger_follows_a_transfer_and_the_letter_states_the_month_paid_up_to(world, dues):
    member = world.people["member_a"]
    dues.base(member)
    for month in (9, 10, 11):
        dues.open(D(2026, month, 1))
    dues.pay(member, D(2026, 9, 1), paid_on=D(2026, 9, 10))
    transfer = transfer_request(
        actor=world.users["secretary_a"], person=member, kind="within", to_node=world.branch_b, today=TODAY
    )
    assert transfer.dues_paid_until == D(2026, 9, 1)
    transfer_accept(actor=world.users["secretary_b"], transfer=transfer, on=TODAY, today=TODAY)
    months = _months(member)
    assert months[D(2026, 9, 1)].node == world.group_a  # paid: stays with the branch that collected it
    assert months[D(2026, 10, 1)].node == world.group_a  # before the transfer: the sending branch's month
    assert months[D(2026, 11, 1)].node == world.branch_b  # from the month of the transfer: the receiving branch
    assert dues.open(D(2026, 11, 1), node=world.branch_b, who="secretary_b") == 4  # its own four, not member_a again
    dues.pay(member, D(2026, 10, 1), D(2026, 11, 1), paid_on=TODAY, who="secretary_b")  # B now collects both
    with pytest.raises(PermissionDenied):
        dues.pay(member, D(2026, 12, 1), paid_on=TODAY, who="secretary_a")


def test_a_letter_keeps_the_month_the_sender_wrote(world, dues):
    member = world.people["member_a"]
    dues.base(member)
    dues.pay(member, D(2026, 10, 1), paid_on=D(2026, 10, 5))
    transfer = transfer_request(
        actor=world.users["secretary_a"], person=member, kind="out", other_organisation="外单位党委",
        letter_number="组转字第3号", dues_paid_until=D(2026, 12, 1), today=TODAY,
    )  # fmt: skip
    assert transfer.dues_paid_until == D(2026, 12, 1)


# --- the yearly disclosure -----------------------------------------------------------------------------------------


def test_the_yearly_disclosure_is_drafted_from_the_ledger_and_goes_through_the_workflow(world, dues):
    from apps.disclosure.services import notice_transition

    member = world.people["member_a"]
    dues.base(member, income="12345.67")
    dues.open(D(2026, 10, 1))
    dues.pay(member, D(2026, 10, 1), paid_on=D(2026, 10, 5))
    notice = dues_disclosure_draft(actor=world.users["secretary_a"], node=world.branch_a, year=2026, now=NOW)
    assert notice.status == "draft" and notice.category.code == "dues"
    assert "246.91" in notice.content and "2026-10" in notice.content  # 2 % of 12,345.67
    assert "12345" not in notice.content.replace(",", "") and member.name not in notice.content
    dues.pay(world.people["plain_a"], D(2026, 10, 1), paid_on=D(2026, 10, 6), amount=Decimal("10.00"))
    again = dues_disclosure_draft(actor=world.users["secretary_a"], node=world.branch_a, year=2026, now=NOW)
    assert again.pk == notice.pk and "256.91" in again.content  # the draft's figures refreshed
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    notice_transition(actor=world.users["staff"], notice=notice, move="approve")
    published = notice_transition(actor=world.users["secretary_a"], notice=notice, move="publish", now=NOW)
    assert published.status == "published"
    with pytest.raises(ValidationError):  # published: corrected from the notice, not drafted again
        dues_disclosure_draft(actor=world.users["secretary_a"], node=world.branch_a, year=2026, now=NOW)
    with pytest.raises(PermissionDenied):
        dues_disclosure_draft(actor=world.users["secretary_b"], node=world.branch_a, year=2026, now=NOW)


def test_the_collection_summary_adds_the_groups_to_their_branch(world, dues):
    from apps.dues.selectors import collection_table

    dues.base(world.people["member_a"])  # in the party group
    dues.base(world.people["plain_a"], category="student", income=None)  # in the branch itself
    dues.open(D(2026, 10, 1))
    dues.pay(world.people["member_a"], D(2026, 10, 1), paid_on=D(2026, 10, 5))
    months, table = collection_table(user=world.users["staff"], year=2026)
    assert [line["name"] for line in table] == [world.branch_a.name]
    assert table[0]["cells"][9] == (Decimal("45.00"), Decimal("45.20")) and table[0]["paid"] == Decimal("45.00")
    assert collection_table(user=world.users["secretary_b"], year=2026)[1] == []
