"""Arrears: the deadline of a month, the current run of unpaid months — pure, then across a year boundary with
advance and late payments, a partly paid and an exempt month, through the services; reminders at 3 and 5, the
branch's decision at 6 (flagged, never decided)."""

import datetime
from decimal import Decimal

import pytest

from apps.dues.arrears import EXEMPT, PAID, UNPAID, current_run, deadline, latest_closed, reached_on
from apps.dues.models import DuesMonth, Payment
from apps.dues.selectors import arrears_on, flags_for_decision, paid_up_to
from apps.dues.services import relief_decide, relief_propose
from apps.membership.selectors import flagged_for
from apps.notifications.models import Reminder
from apps.notifications.sweep import sweep
from tests.dates import TODAY, at

D = datetime.date


def test_a_month_is_due_by_the_end_of_the_following_month():
    assert deadline(D(2025, 12, 1), 1) == D(2026, 1, 31)
    assert deadline(D(2026, 1, 1), 1) == D(2026, 2, 28)
    assert deadline(D(2026, 1, 1), 0) == D(2026, 1, 31)
    # the day of the deadline the month is not yet unpaid; the day after, it is
    assert latest_closed(D(2026, 1, 31), 1) == D(2025, 11, 1)
    assert latest_closed(D(2026, 2, 1), 1) == D(2025, 12, 1)
    assert latest_closed(D(2026, 2, 28), 1) == D(2025, 12, 1)


def test_the_run_skips_exempt_months_and_ends_at_a_paid_one():
    months = {
        D(2025, 8, 1): PAID,
        D(2025, 9, 1): UNPAID,
        D(2025, 10, 1): EXEMPT,
        D(2025, 11, 1): UNPAID,
        D(2025, 12, 1): UNPAID,
        D(2026, 1, 1): UNPAID,
    }
    run = current_run(months, D(2026, 1, 1))
    assert run == [D(2025, 9, 1), D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1)]
    assert reached_on(run, 3, 1) == D(2026, 2, 1)  # the day after December's deadline
    assert reached_on(run, 4, 1) == D(2026, 3, 1)
    assert reached_on(run, 5, 1) is None
    assert current_run(months, D(2026, 2, 1)) == []  # a month not in the ledger (not owed) ends the run
    assert current_run({**months, D(2025, 12, 1): PAID}, D(2026, 1, 1)) == [D(2026, 1, 1)]


@pytest.fixture
def story(world, dues):
    """member_a from July 2025 to March 2026: July paid, August paid late, September unpaid, October exempt,
    November unpaid, December partly paid, January and February unpaid, March paid in advance in January."""
    member = world.people["member_a"]
    dues.base(member, income="4500.00", applies_from=D(2025, 7, 1))  # 45.00 a month
    relief = relief_propose(
        actor=world.users["secretary_a"],
        person=member,
        kind="exempt",
        first_month=D(2025, 10, 1),
        last_month=D(2025, 10, 1),
        reason="住院",
        branch_decision="支委会 2025-09-20",
        today=D(2025, 9, 25),
    )
    relief_decide(actor=world.users["staff"], relief=relief, approve=True, decision="党委会 2025-09-28", today=TODAY)
    for month in range(7, 13):
        dues.open(D(2025, month, 1), today=D(2025, month, 28))
    for month in (1, 2, 3):
        dues.open(D(2026, month, 1), today=D(2026, month, 28))
    dues.pay(member, D(2025, 7, 1), paid_on=D(2025, 7, 10))
    dues.pay(member, D(2025, 8, 1), paid_on=D(2025, 10, 15))  # after September's end: late (补交)
    dues.pay(member, D(2025, 12, 1), paid_on=D(2026, 1, 5), amount=Decimal("30.00"))  # partly
    dues.pay(member, D(2026, 3, 1), paid_on=D(2026, 1, 5))  # in advance
    return member


def test_arrears_across_a_year_boundary(world, story):
    lines = {p.month.month: p for p in Payment.objects.filter(month__person=story)}
    assert lines[D(2025, 8, 1)].late and not lines[D(2025, 7, 1)].late
    assert lines[D(2026, 3, 1)].advance
    assert DuesMonth.objects.get(person=story, month=D(2025, 10, 1)).exempt

    # 1 April 2026: February's deadline has passed; the run is September, November, December (partly paid),
    # January, February — October is exempt and does not count
    arrears = arrears_on(D(2026, 4, 1), grace=1, people=[story.pk])[story.pk]
    assert arrears.run == [D(2025, 9, 1), D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]
    assert arrears.owed == Decimal("45.00") * 4 + Decimal("15.00")
    assert arrears.reached(3, 1) == D(2026, 2, 1)
    assert arrears.reached(5, 1) == D(2026, 4, 1)
    assert arrears.reached(6, 1) is None
    # the day before, February was still within its time
    assert len(arrears_on(D(2026, 3, 31), grace=1, people=[story.pk])[story.pk].run) == 4
    assert paid_up_to(story) == D(2025, 8, 1)

    # May: March (paid in advance) closes the run; the older months stay owed
    later = arrears_on(D(2026, 5, 1), grace=1, people=[story.pk])[story.pk]
    assert later.run == [] and len(later.unpaid) == 5


def test_paying_the_arrears_late_clears_them_and_is_marked(world, dues, story):
    lines = dues.pay(
        story,
        D(2025, 9, 1),
        D(2025, 11, 1),
        D(2026, 1, 1),
        D(2026, 2, 1),
        paid_on=D(2026, 4, 20),
        now=at(D(2026, 4, 20)),
    )
    assert all(line.late for line in lines)
    # December was partly paid: the difference is a correction of its payment, not a second payment
    from apps.dues.services import payment_correct

    december = Payment.objects.get(month__person=story, month__month=D(2025, 12, 1))
    payment_correct(actor=world.users["secretary_a"], payment=december, amount=Decimal("15.00"), reason="补交差额",
                    now=at(D(2026, 4, 20)))  # fmt: skip
    assert arrears_on(D(2026, 4, 21), grace=1, people=[story.pk]) == {}
    assert paid_up_to(story) == D(2026, 3, 1)


def test_reminders_at_three_and_five_months_to_the_member_and_the_secretary(world, story):
    secretary, member = world.people["secretary_a"], world.people["member_a"]
    sweep(today=D(2026, 2, 1), now=at(D(2026, 2, 1)))
    sweep(today=D(2026, 4, 1), now=at(D(2026, 4, 1)))
    sweep(today=D(2026, 4, 2), now=at(D(2026, 4, 2)))  # nothing new
    # (the other members of the branch, who have no base and paid nothing, are in arrears too)
    reminders = Reminder.objects.filter(source="dues.arrears", params__name=member.name).order_by("due_on", "-role")
    assert [(r.due_on, r.params["months"], r.person_id, r.role) for r in reminders] == [
        (D(2026, 2, 1), 3, member.pk, "subject"),
        (D(2026, 2, 1), 3, secretary.pk, "secretary"),
        (D(2026, 4, 1), 5, member.pk, "subject"),
        (D(2026, 4, 1), 5, secretary.pk, "secretary"),
    ]
    assert reminders[0].url == "/dues/" and reminders[1].url == f"/dues/people/{member.pk}/"
    assert not Reminder.objects.filter(source="dues.arrears_decision", params__name=member.name).exists()


def test_six_months_unpaid_are_flagged_for_the_branch_and_never_decided(world, dues):
    member = world.people["member_a"]  # the only member of the party group
    dues.base(member, category="student", income=None, applies_from=D(2025, 1, 1))
    for month in range(1, 8):
        dues.open(D(2026, month, 1), node=world.group_a, today=D(2026, month, 28))
    dues.pay(member, D(2026, 1, 1), paid_on=D(2026, 1, 20))
    # February to July unpaid: the sixth (July) fell due at the end of August
    assert flags_for_decision([member.pk], D(2026, 8, 31)) == []
    flags = flags_for_decision([member.pk], D(2026, 9, 1))
    assert [(pid, since) for pid, _why, since in flags] == [(member.pk, D(2026, 9, 1))]
    assert "6" in flags[0][1]
    on_membership = flagged_for(user=world.users["secretary_a"], today=D(2026, 9, 1))
    assert [(p.pk, since) for p, _why, since in on_membership] == [(member.pk, D(2026, 9, 1))]
    assert flagged_for(user=world.users["secretary_b"], today=D(2026, 9, 1)) == []  # another branch's member
    sweep(today=D(2026, 9, 1), now=at(D(2026, 9, 1)))
    decision = Reminder.objects.filter(source="dues.arrears_decision")
    assert {r.role for r in decision} == {"secretary", "committee_staff"}
    assert not decision.filter(role="subject").exists()
    member.refresh_from_db()
    assert member.is_active  # flagged, never decided


def test_a_pending_reminder_is_not_sent_once_the_member_paid(world, dues, story):
    from apps.dues.reminders import _current_of, _reminded

    sweep(today=D(2026, 4, 1), now=at(D(2026, 4, 1)))
    reminder = Reminder.objects.get(source="dues.arrears", role="subject", due_on=D(2026, 4, 1))
    current = _current_of(_reminded)
    assert current([reminder.subject_id], D(2026, 4, 2)) == {reminder.subject_id: D(2026, 4, 1)}
    dues.pay(story, D(2026, 2, 1), paid_on=D(2026, 4, 2), now=at(D(2026, 4, 2)))
    assert current([reminder.subject_id], D(2026, 4, 2)) == {}
