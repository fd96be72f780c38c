import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.lifecycle.models import DevelopmentCase
from apps.notifications.choices import EmailState, RecipientRole
from apps.notifications.models import Reminder, ReminderRule, parse_leads
from apps.notifications.services import rule_save
from apps.notifications.sweep import RuleBook, current_offset, sweep
from apps.organisations.models import OrgNode

from .conftest import TODAY, at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("delta", "expected"),
    [(-8, None), (-7, -7), (-5, -7), (-3, -3), (-1, -1), (0, 0), (6, 0), (7, 7), (13, 7), (14, 14)],
)
def test_current_offset_leads_then_weekly(delta, expected):
    assert current_offset(delta, [7, 3, 1, 0], 7) == expected


def test_current_offset_without_overdue_stays_on_the_day():
    assert current_offset(30, [3, 0], 0) == 0
    assert current_offset(-4, [3, 0], 0) is None


def test_lead_times_are_parsed_and_bad_ones_refused():
    assert parse_leads("7, 3，1, 0, 3") == [7, 3, 1, 0]
    for bad in ("-1", "7, -3", "", "x", "400"):
        with pytest.raises(ValidationError):
            parse_leads(bad)


def _mine(world, key):
    return Reminder.objects.filter(person=world.people[key])


def test_branch_officials_are_reminded_of_the_branch_step(world, due_case):
    result = sweep(today=TODAY, now=at(TODAY))
    assert result.created == 2
    secretary = _mine(world, "secretary_a").get()
    organiser = _mine(world, "organiser_a").get()
    assert (secretary.role, secretary.offset, secretary.due_on) == ("secretary", -7, datetime.date(2026, 11, 27))
    assert organiser.role == "organiser"
    # officials get the daily digest by default; the applicant is not reminded of the branch's own step
    assert {secretary.email_state, organiser.email_state} == {EmailState.DIGEST}
    assert not _mine(world, "applicant_a").exists()
    assert secretary.url == f"/development/cases/{due_case.pk}/"
    # nobody in branch B hears of it
    assert not _mine(world, "secretary_b").exists()


def test_sweep_is_idempotent_and_moves_with_the_leads(world, due_case):
    sweep(today=TODAY, now=at(TODAY))
    assert sweep(today=TODAY, now=at(TODAY, 15)).created == 0
    assert sweep(today=TODAY + datetime.timedelta(days=1), now=at(TODAY)).created == 0  # still the 7-day occurrence
    assert sweep(today=datetime.date(2026, 11, 24), now=at(TODAY)).created == 2  # 3 days before
    # a sweep that was away for days sends only the latest occurrence, once
    assert sweep(today=datetime.date(2026, 12, 5), now=at(TODAY)).created == 3  # 8 days overdue: + committee staff
    offsets = sorted(set(Reminder.objects.values_list("offset", flat=True)))
    assert offsets == [-7, -3, 7]


def test_the_person_is_reminded_of_what_they_hand_in(world, due_case):
    DevelopmentCase.objects.filter(pk=due_case.pk).update(next_due_step="thought_report")
    sweep(today=TODAY, now=at(TODAY))
    mine = _mine(world, "applicant_a").get()
    assert (mine.role, mine.email_state, mine.url) == ("subject", EmailState.PENDING, "/development/")


def test_contacts_are_reminded_at_once(world, due_case, record):
    record(due_case, "applicant_talk", datetime.date(2026, 11, 2))
    record(due_case, "activist_designated", datetime.date(2026, 11, 10))
    record(
        due_case,
        "contacts_assigned",
        datetime.date(2026, 11, 10),
        people=[world.people["member_a"], world.people["propaganda_a"]],
    )
    due_case.refresh_from_db()
    far = due_case.next_due_on
    sweep(today=far, now=at(far))
    contact = _mine(world, "member_a").get()
    assert contact.role == RecipientRole.CONTACTS
    assert contact.email_state == EmailState.PENDING


def test_a_committee_rule_replaces_the_defaults_of_its_source(world, due_case):
    rule = ReminderRule(
        committee=world.committee,
        source="lifecycle.step_due",
        name="本党委：只提醒书记",
        lead_days="5",
        overdue_every_days=0,
        recipients=["secretary"],
    )
    rule_save(actor=world.users["staff"], rule=rule)
    sweep(today=TODAY, now=at(TODAY))
    assert list(Reminder.objects.values_list("rule__name", "person__user__username")) == [
        ("本党委：只提醒书记", "secretary_a")
    ]


def test_the_nearest_rules_win_whatever_order_they_were_added_in():
    def rule(name, path=None):
        node = OrgNode(pk=len(path), path=path) if path else None
        return ReminderRule(committee=node, source="lifecycle.step_due", name=name, recipients=["secretary"])

    default, committee, general = rule("default"), rule("committee", "0001"), rule("general", "00010001")
    for order in ([default, committee, general], [general, committee, default]):
        book = RuleBook()
        for each in order:
            book.add(each)
        assert book.rules_for("000100010002") == [general]  # a branch of the general branch
        assert book.rules_for("00010001") == [general]  # the general branch itself
        assert book.rules_for("00010002") == [committee]  # a branch directly under the committee
        assert book.rules_for("0002") == [default]  # another committee


@pytest.mark.parametrize("general_first", [True, False], ids=["general-branch-first", "committee-first"])
def test_a_general_branch_rule_wins_over_its_committees_for_its_branches(world, due_case, general_first):
    # given: a case due in branch A (under the general branch) and one in branch B (directly under the committee)
    _make_cases(world, 1, branch=world.branch_b)
    rules = [
        ReminderRule(
            committee=world.general,
            source="lifecycle.step_due",
            name="总支：提前五天",
            lead_days="5",
            overdue_every_days=0,
            recipients=["secretary"],
        ),
        ReminderRule(
            committee=world.committee,
            source="lifecycle.step_due",
            name="党委：提前一周",
            lead_days="7",
            overdue_every_days=0,
            recipients=["secretary"],
        ),
    ]
    for rule in rules if general_first else reversed(rules):
        rule_save(actor=world.users["staff"], rule=rule)
    # when
    sweep(today=TODAY, now=at(TODAY))
    # then: branch A's secretary under the general branch's rule, branch B's under the committee's
    got = set(Reminder.objects.values_list("rule__name", "person__user__username", "offset"))
    assert got == {("总支：提前五天", "secretary_a", -5), ("党委：提前一周", "secretary_b", -7)}


def test_rules_are_checked_and_scoped(world):
    bad = ReminderRule(
        committee=world.committee, source="lifecycle.step_due", name="x", lead_days="3, -1", recipients=[]
    )
    with pytest.raises(ValidationError) as exc:
        rule_save(actor=world.users["staff"], rule=bad)
    assert {"lead_days", "recipients"} <= set(exc.value.message_dict)
    wrong_role = ReminderRule(
        committee=world.committee, source="organisations.term_ending", name="y", recipients=["subject"]
    )
    with pytest.raises(ValidationError):
        rule_save(actor=world.users["staff"], rule=wrong_role)
    no_channel = ReminderRule(
        committee=world.committee,
        source="organisations.term_ending",
        name="z",
        recipients=["secretary"],
        by_email=False,
        in_portal=False,
    )
    with pytest.raises(ValidationError):
        rule_save(actor=world.users["staff"], rule=no_channel)
    default = ReminderRule.objects.filter(committee=None).first()
    with pytest.raises(PermissionDenied):
        rule_save(actor=world.users["staff"], rule=default)  # defaults are the administrators'
    with pytest.raises(PermissionDenied):
        rule_save(
            actor=world.users["secretary_a"],
            rule=ReminderRule(
                committee=world.committee, source="organisations.term_ending", name="w", recipients=["secretary"]
            ),
        )
    assert not ReminderRule.objects.filter(committee=world.committee).exists()


def test_term_and_objection_sources(world):
    from apps.organisations.models import Term

    Term.objects.create(
        node=world.branch_a,
        number=1,
        elected_on=datetime.date(2023, 12, 20),
        term_years=3,
        expires_on=datetime.date(2026, 12, 20),
    )
    sweep(today=TODAY, now=at(TODAY))
    got = set(Reminder.objects.values_list("source", "person__user__username", "offset"))
    assert got == {("organisations.term_ending", "secretary_a", -30), ("organisations.term_ending", "staff", -30)}


def _make_cases(world, n, branch=None):
    from tests.factories import PersonFactory

    branch = branch or world.branch_a
    people = [PersonFactory(node=branch) for _ in range(n)]
    cases = DevelopmentCase.objects.bulk_create(
        DevelopmentCase(
            person=p,
            branch=branch,
            rule_set_id=DevelopmentCase.objects.first().rule_set_id,
            opened_on=datetime.date(2026, 10, 27),
            next_due_on=datetime.date(2026, 11, 27),
            next_due_step="applicant_talk",
        )
        for p in people
    )
    return cases


def test_sweep_queries_do_not_grow_with_cases(world, due_case):
    _make_cases(world, 5)
    with CaptureQueriesContext(connection) as small:
        sweep(today=TODAY, now=at(TODAY))
    Reminder.objects.all().delete()
    _make_cases(world, 40)
    with CaptureQueriesContext(connection) as large:
        created = sweep(today=TODAY, now=at(TODAY)).created
    assert created == 2 * 46
    if connection.vendor == "postgresql":
        assert len(large) == len(small)
    else:  # SQLite splits a big INSERT by its variable limit; everything else is the same
        assert len([q for q in large.captured_queries if "INSERT" not in q["sql"]]) == len(
            [q for q in small.captured_queries if "INSERT" not in q["sql"]]
        )


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_create_each_reminder_once(world, due_case):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    _make_cases(world, 30)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        from django.db import connection as own

        try:
            barrier.wait()
            sweep(today=TODAY, now=at(TODAY))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Reminder.objects.count() == 2 * 31
    assert sweep(today=TODAY, now=at(TODAY)).created == 0


def test_periodic_disclosure_due_after_its_period(world):
    from apps.disclosure.models import Category, Notice
    from apps.notifications.delivery import still_due

    meetings = Category.objects.get(code="meetings")  # every 3 months, on the branch's board
    Notice.objects.create(
        node=world.branch_a,
        kind="disclosure",
        category=meetings,
        scope="branch",
        status="closed",
        title="三季度“三会一课”",
        opens_on=datetime.date(2026, 8, 25),
        closes_on=datetime.date(2026, 8, 31),
        working_days=5,
    )
    assert sweep(today=datetime.date(2026, 11, 17), now=at(TODAY)).created == 0  # due 11-25: 8 days ahead
    sweep(today=TODAY, now=at(TODAY))
    got = sorted(Reminder.objects.values_list("source", "person__user__username", "due_on", "offset"))
    assert got == [
        ("disclosure.periodic_due", "secretary_a", datetime.date(2026, 11, 25), -7),
        ("disclosure.periodic_due", "staff", datetime.date(2026, 11, 25), -7),
    ]
    assert Reminder.objects.first().url == "/disclosure/due/"
    # the next one is published: the reminders of the old date are no longer due
    Notice.objects.create(
        node=world.branch_a,
        kind="disclosure",
        category=meetings,
        scope="branch",
        status="published",
        title="四季度“三会一课”",
        opens_on=TODAY,
        closes_on=TODAY,
        working_days=5,
    )
    assert still_due(list(Reminder.objects.all()), today=TODAY) == []
