"""Organisational life through its services: the roll on the meeting's date, notice, leave, attendance, minutes,
votes that feed the case, study hours, the six-month flag, the policy — and what each refuses, leaving nothing."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from apps.audit.models import AuditEntry
from apps.disclosure.models import Notice, NoticeStatus
from apps.lifecycle.models import StepRecord, Vote
from apps.lifecycle.selectors import record_origins
from apps.lifecycle.services import record_vote_correct
from apps.membership.models import MembershipPeriod
from apps.membership.selectors import flagged_for, members_on
from apps.membership.services import membership_end
from apps.orglife.models import Attendee, LeaveRequest, LifePolicy, Meeting, MeetingVote, PlanItem
from apps.orglife.selectors import compliance_reports, meeting_roll, study_ledger
from apps.orglife.services import (
    AttendanceConflict,
    VoteEntry,
    attendance_record,
    compliance_disclosure_draft,
    leave_decide,
    leave_request,
    meeting_notify,
    meeting_update,
    meeting_vote_correct,
    meeting_vote_record,
    minutes_record,
    plan_copy,
    plan_item_add,
    policy_save,
    study_decide,
    study_declare,
)
from apps.people.choices import PoliticalStatus
from tests.dates import TODAY, at
from tests.factories import PersonFactory, UserFactory
from tests.lifecycle.conftest import take_to_candidate

D = datetime.date


def _marks(meeting, **overrides):
    marks = {e.person.pk: "present" for e in meeting_roll(meeting)}
    marks.update({int(k): v for k, v in overrides.items()})
    return marks


def _record(world, meeting, marks, who="secretary_a", now=None, version=None):
    return attendance_record(
        actor=world.users[who], meeting=meeting, marks=marks, now=now or at(TODAY), version=version
    )


# --- the roll -------------------------------------------------------------------------------------------------------


def test_the_roll_is_the_membership_on_the_meetings_date(world, meet):
    # given a member who joined after the meeting and one who left (died) after it
    newcomer = PersonFactory(node=world.branch_a, joined_on=D(2026, 6, 1), full_member_on=None,
                             political_status=PoliticalStatus.PROBATIONARY)  # fmt: skip
    leaver = PersonFactory(node=world.branch_a)
    membership_end(actor=world.users["secretary_a"], person=leaver, on=D(2026, 5, 10), reason="death", today=TODAY)
    meeting = meet(D(2026, 4, 20))
    # when the roll is computed
    names = {e.person.pk: e for e in meeting_roll(meeting)}
    # then: the one who left since is on it, the one who joined later is not; group members are on a branch roll
    assert leaver.pk in names and newcomer.pk not in names
    assert world.people["member_a"].pk in names  # a member of the branch's party group
    assert world.people["applicant_a"].pk not in names  # not a member
    assert set(names) == set(members_on(world.branch_a, D(2026, 4, 20)).values_list("pk", flat=True))
    later = meet(D(2026, 7, 1))
    later_roll = {e.person.pk: e for e in meeting_roll(later)}
    assert newcomer.pk in later_roll and not later_roll[newcomer.pk].voting  # probationary: no vote
    assert leaver.pk not in later_roll


def test_a_committee_meeting_gathers_the_committee_and_a_group_meeting_the_group(world, meet):
    committee = meet(D(2026, 4, 2), kinds=("committee_meeting",))
    assert {e.person.pk for e in meeting_roll(committee)} == {
        world.people[k].pk for k in ("secretary_a", "organiser_a", "propaganda_a")
    }
    group = meet(D(2026, 4, 3), kinds=("group_meeting",), node=world.group_a)
    assert [e.person.pk for e in meeting_roll(group)] == [world.people["member_a"].pk]


@pytest.mark.parametrize(
    ("node", "kinds", "message"),
    [
        ("branch_a", ["group_meeting"], "group"),
        ("group_a", ["general_meeting"], "group"),
        ("branch_a", ["committee_meeting", "theme_day"], "committee"),
        ("branch_a", [], "kind"),
        ("committee", ["theme_day"], ""),
    ],
)
def test_kinds_a_node_does_not_hold_are_refused(world, meet, node, kinds, message):
    with pytest.raises(ValidationError):
        meet(D(2026, 4, 2), kinds=kinds, node=getattr(world, node), who="staff")
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("hours", ["-1", "41", "1.3", "many"])
def test_negative_or_absurd_hours_are_refused(world, meet, hours):
    with pytest.raises(ValidationError, match="学时"):
        meet(D(2026, 4, 2), kinds=("party_lecture",), study_hours=hours)
    assert not Meeting.objects.exists()


def test_study_hours_only_on_study_kinds(world, meet):
    with pytest.raises(ValidationError):
        meet(D(2026, 4, 2), kinds=("general_meeting",), study_hours=2)
    assert meet(D(2026, 4, 2), kinds=("party_lecture",), study_hours="2.5").study_hours == Decimal("2.5")


def test_someone_outside_the_subtree_cannot_arrange_a_meeting(world, meet):
    with pytest.raises(PermissionDenied):
        meet(D(2026, 4, 2), who="secretary_b")
    with pytest.raises(PermissionDenied):
        meet(D(2026, 4, 2), who="member_a")
    assert not Meeting.objects.exists()


# --- notice, leave, attendance --------------------------------------------------------------------------------------


def test_the_notice_goes_to_the_roll_of_the_date(world, notified):
    meeting = notified()
    assert meeting.status == "notified"
    on_roll = set(Attendee.objects.filter(meeting=meeting).values_list("person_id", flat=True))
    assert on_roll == set(members_on(world.branch_a, TODAY).values_list("pk", flat=True))
    again = meeting_notify(actor=world.users["secretary_a"], meeting=meeting, now=at(TODAY))  # idempotent
    assert again.notified_at == meeting.notified_at
    assert AuditEntry.objects.filter(action="orglife.meeting_notified").count() == 1


def test_leave_versus_absent(world, notified):
    meeting = notified()
    member, plain = world.people["member_a"], world.people["plain_a"]
    request = leave_request(actor=world.users["member_a"], meeting=meeting, reason="出差", now=at(TODAY))
    assert request.state == "requested"
    # not yet approved: "on leave" is refused and nothing is saved
    with pytest.raises(ValidationError, match=member.name):
        _record(world, meeting, _marks(meeting, **{str(member.pk): "leave"}))
    assert not Attendee.objects.filter(meeting=meeting).exclude(presence="").exists()
    meeting.refresh_from_db()
    assert meeting.status == "notified"
    leave_decide(actor=world.users["secretary_a"], leave=request, approve=True, now=at(TODAY))
    # someone without a leave request is absent, not on leave
    with pytest.raises(ValidationError, match=plain.name):
        _record(world, meeting, _marks(meeting, **{str(member.pk): "leave", str(plain.pk): "leave"}))
    _record(world, meeting, _marks(meeting, **{str(member.pk): "leave", str(plain.pk): "absent"}))
    presence = dict(Attendee.objects.filter(meeting=meeting).values_list("person_id", "presence"))
    assert presence[member.pk] == "leave" and presence[plain.pk] == "absent"
    meeting.refresh_from_db()
    assert meeting.status == "held" and meeting.recorded_by == world.users["secretary_a"]
    assert not meeting.backfilled


def test_leave_only_for_people_on_the_roll_and_before_the_meeting(world, notified, meet):
    meeting = notified()
    with pytest.raises(ValidationError):
        leave_request(actor=world.users["member_b"], meeting=meeting, reason="出差", now=at(TODAY))
    with pytest.raises(ValidationError):
        leave_request(actor=world.users["member_a"], meeting=meeting, reason="  ", now=at(TODAY))
    with pytest.raises(ValidationError):
        leave_request(actor=world.users["member_a"], meeting=meeting, reason="出差", now=at(TODAY + D.resolution))
    past = meet(D(2026, 3, 1))
    with pytest.raises(ValidationError):
        leave_request(actor=world.users["member_a"], meeting=past, reason="出差", now=at(TODAY))
    assert not LeaveRequest.objects.exists()


def test_attendance_for_someone_not_on_the_roll_is_refused(world, meet):
    meeting = meet(D(2026, 4, 2))
    stranger = world.people["member_b"]
    with pytest.raises(ValidationError, match=stranger.name):
        _record(world, meeting, _marks(meeting, **{str(stranger.pk): "present"}))
    assert not Attendee.objects.exists()
    meeting.refresh_from_db()
    assert meeting.status == "planned"


def test_everyone_on_the_roll_is_marked(world, meet):
    meeting = meet(D(2026, 4, 2))
    marks = _marks(meeting)
    marks.pop(world.people["plain_a"].pk)
    with pytest.raises(ValidationError, match=world.people["plain_a"].name):
        _record(world, meeting, marks)
    with pytest.raises(ValidationError):
        _record(world, meeting, _marks(meeting, **{str(world.people["plain_a"].pk): "asleep"}))
    assert not Attendee.objects.exists()


def test_a_meeting_in_the_future_cannot_be_recorded_as_held(world, meet):
    meeting = meet(TODAY + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match=str(meeting.held_on)):
        _record(world, meeting, _marks(meeting))
    meeting.refresh_from_db()
    assert meeting.status == "planned" and not Attendee.objects.exists()
    held = meet(TODAY)
    _record(world, held, _marks(held))
    with pytest.raises(ValidationError):
        meeting_update(actor=world.users["secretary_a"], meeting=held, fields={"held_on": TODAY + D.resolution},
                       today=TODAY)  # fmt: skip
    held.refresh_from_db()
    assert held.held_on == TODAY


def test_a_meeting_recorded_long_after_is_marked_and_audited(world, meet):
    meeting = meet(TODAY - datetime.timedelta(days=8))
    _record(world, meeting, _marks(meeting))
    meeting.refresh_from_db()
    assert meeting.backfilled
    entry = AuditEntry.objects.get(action="orglife.attendance_recorded", target_id=str(meeting.pk))
    assert entry.note  # "recorded after the fact"
    on_time = meet(TODAY - datetime.timedelta(days=7))
    _record(world, on_time, _marks(on_time))
    on_time.refresh_from_db()
    assert not on_time.backfilled


def test_correcting_the_attendance_keeps_one_row_per_person(world, meet):
    meeting = meet(D(2026, 4, 2))
    _record(world, meeting, _marks(meeting))
    _record(world, meeting, _marks(meeting, **{str(world.people["plain_a"].pk): "absent"}))
    assert Attendee.objects.filter(meeting=meeting).count() == 5
    assert Attendee.objects.get(meeting=meeting, person=world.people["plain_a"]).presence == "absent"
    assert AuditEntry.objects.filter(action="orglife.attendance_corrected").count() == 1


def test_a_form_opened_before_another_save_is_refused(world, meet):
    meeting = meet(D(2026, 4, 2))
    _record(world, meeting, _marks(meeting), version=0)
    with pytest.raises(AttendanceConflict):
        _record(world, meeting, _marks(meeting, **{str(world.people["plain_a"].pk): "absent"}), version=0)
    assert Attendee.objects.get(meeting=meeting, person=world.people["plain_a"]).presence == "present"


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True)
def test_two_secretaries_saving_attendance_at_once(world, meet):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    meeting = meet(D(2026, 4, 2))
    barrier = threading.Barrier(2)
    results = []

    def worker(who, absent):
        try:
            barrier.wait()
            _record(world, meeting, _marks(meeting, **{str(world.people[absent].pk): "absent"}), who=who, version=0)
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.messages[0])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=("secretary_a", "plain_a")),
        threading.Thread(target=worker, args=("organiser_a", "member_a")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert Attendee.objects.filter(meeting=meeting).count() == 5
    assert Attendee.objects.filter(meeting=meeting, presence="absent").count() == 1
    meeting.refresh_from_db()
    assert meeting.attendance_version == 1


# --- minutes and documents -------------------------------------------------------------------------------------------


def test_minutes_with_script_tags_are_refused(world, held):
    meeting = held(D(2026, 4, 2))
    for bad in ("<p>会议</p><script>alert(1)</script>", '<p onclick="x()">会议</p>', '<a href="javascript:x">x</a>'):
        with pytest.raises(ValidationError, match="script|脚本"):
            minutes_record(actor=world.users["secretary_a"], meeting=meeting, minutes=bad, decisions="", now=at(TODAY))
    meeting.refresh_from_db()
    assert meeting.minutes == ""
    minutes_record(
        actor=world.users["secretary_a"], meeting=meeting, minutes='<p style="x">一、<strong>学习</strong></p>',
        decisions="同意", now=at(TODAY),
    )  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.minutes == "<p>一、<strong>学习</strong></p>"  # formatting kept, attributes dropped
    assert meeting.minutes_by == world.users["secretary_a"]


def test_minutes_belong_to_a_held_meeting(world, meet):
    meeting = meet(D(2026, 4, 2))
    with pytest.raises(ValidationError):
        minutes_record(
            actor=world.users["secretary_a"], meeting=meeting, minutes="<p>x</p>", decisions="", now=at(TODAY)
        )


# --- compliance from the records --------------------------------------------------------------------------------------


def test_compliance_counts_held_meetings_only(world, meet, held):
    meet(D(2026, 5, 10))  # arranged, never recorded
    held(D(2026, 2, 3), kinds=("general_meeting", "party_lecture"), study_hours=2)
    held(D(2026, 1, 20), kinds=("life_meeting",), for_year=2025)
    held(D(2026, 1, 9), kinds=("group_meeting",), node=world.group_a)
    report = compliance_reports(nodes=[world.branch_a], year=2026, as_of=TODAY)[world.branch_a.pk]
    general = report.kind("general_meeting")
    assert general.held == 1 and general.missing == ["2026-Q2", "2026-Q3"] and general.in_progress == ["2026-Q4"]
    assert report.kind("party_lecture").held == 1
    assert report.kind("life_meeting").held == 0  # held for 2025
    assert report.kind(f"group_meeting:{world.group_a.name}").held == 1
    assert report.kind("committee_meeting") is not None  # branch A has three committee members
    last_year = compliance_reports(nodes=[world.branch_a], year=2025, as_of=TODAY)[world.branch_a.pk]
    assert last_year.kind("life_meeting").held == 1
    branch_b = compliance_reports(nodes=[world.branch_b], year=2026, as_of=TODAY)[world.branch_b.pk]
    assert branch_b.kind("committee_meeting") is None  # only a secretary: no committee


# --- the meeting feeds the case --------------------------------------------------------------------------------------


def _to_meeting(world, case, record):
    take_to_candidate(world, case, record)
    record(case, "sponsors_assigned", D(2025, 11, 3), people=[world.people["secretary_a"], world.people["organiser_a"]])
    record(case, "political_review", D(2025, 11, 10), who="staff", conclusion="政治审查合格")
    record(case, "training_completed", D(2025, 11, 20), who="staff", training_days=3)
    record(case, "committee_review", D(2025, 11, 25))
    record(case, "prereview_passed", D(2025, 12, 1), who="staff")
    record(case, "application_form", D(2025, 12, 5))


def test_the_vote_entered_in_the_meeting_is_the_cases_one_vote(world, case, record, held):
    _to_meeting(world, case, record)
    meeting = held(D(2025, 12, 20), absent=[world.people["plain_a"]])
    entry = VoteEntry(case=case, step="admission_meeting", counts={"present": 4, "yes": 4}, passed=True)
    step = meeting_vote_record(actor=world.users["secretary_a"], meeting=meeting, entry=entry, now=at(TODAY))
    # the case holds the record with its vote, computed against the roll of the meeting's day
    assert step.case_id == case.pk and step.on == D(2025, 12, 20) and step.body == "branch_meeting"
    assert step.vote.due == 5 and step.vote.present == 4 and step.vote.passed
    # entered once: the same entry again changes nothing
    again = meeting_vote_record(actor=world.users["secretary_a"], meeting=meeting, entry=entry, now=at(TODAY))
    assert again.pk == step.pk
    assert StepRecord.objects.filter(case=case, step="admission_meeting").count() == 1
    assert Vote.objects.count() == 1 and MeetingVote.objects.get().record_id == step.pk
    # shown in both places: the case page links the meeting, the meeting lists the case's vote
    assert record_origins([step.pk])[step.pk][1] == f"/orglife/meetings/{meeting.pk}/"
    # corrected on the meeting: the case reads the same row
    meeting_vote_correct(
        actor=world.users["secretary_a"], meeting=meeting, record=step, counts={"present": 4, "yes": 3, "no": 1},
        reason="计票更正", now=at(TODAY),
    )  # fmt: skip
    assert StepRecord.objects.get(pk=step.pk).vote.yes == 3
    # corrected on the case: the meeting reads the same row
    record_vote_correct(actor=world.users["secretary_a"], record=step, counts={"present": 4, "yes": 4},
                        reason="再次核对", now=at(TODAY))  # fmt: skip
    assert MeetingVote.objects.select_related("record__vote").get().record.vote.yes == 4
    assert Vote.objects.count() == 1
    assert AuditEntry.objects.filter(action="lifecycle.vote_corrected").count() == 2


def test_a_vote_counting_more_present_than_attended_is_refused(world, case, record, held):
    _to_meeting(world, case, record)
    meeting = held(D(2025, 12, 20), absent=[world.people["plain_a"], world.people["member_a"]])
    entry = VoteEntry(case=case, step="admission_meeting", counts={"present": 4, "yes": 4}, passed=True)
    with pytest.raises(ValidationError, match="3"):
        meeting_vote_record(actor=world.users["secretary_a"], meeting=meeting, entry=entry, now=at(TODAY))
    assert not StepRecord.objects.filter(step="admission_meeting").exists()


def test_a_correction_that_changes_the_result_is_refused(world, case, record, held):
    _to_meeting(world, case, record)
    meeting = held(D(2025, 12, 20))
    entry = VoteEntry(case=case, step="admission_meeting", counts={"present": 5, "yes": 4}, passed=True)
    step = meeting_vote_record(actor=world.users["secretary_a"], meeting=meeting, entry=entry, now=at(TODAY))
    with pytest.raises(ValidationError):
        meeting_vote_correct(actor=world.users["secretary_a"], meeting=meeting, record=step,
                             counts={"present": 5, "yes": 2, "no": 3}, reason="x", now=at(TODAY))  # fmt: skip
    assert Vote.objects.get().yes == 4


def test_votes_are_taken_in_a_general_meeting_of_the_cases_branch(world, case, record, held):
    _to_meeting(world, case, record)
    lecture = held(D(2025, 12, 20), kinds=("party_lecture",))
    entry = VoteEntry(case=case, step="admission_meeting", counts={"present": 4, "yes": 4}, passed=True)
    with pytest.raises(ValidationError):
        meeting_vote_record(actor=world.users["secretary_a"], meeting=lecture, entry=entry, now=at(TODAY))
    with pytest.raises(ValidationError):
        meeting_vote_record(actor=world.users["secretary_a"], meeting=lecture,
                            entry=VoteEntry(case=case, step="applicant_talk", counts={}), now=at(TODAY))  # fmt: skip
    assert not MeetingVote.objects.exists()


# --- study hours, the six-month flag ---------------------------------------------------------------------------------


def test_study_hours_from_attended_meetings_and_confirmed_declarations(world, held):
    member = world.people["member_a"]
    held(D(2026, 3, 5), kinds=("party_lecture",), study_hours=4)
    held(D(2026, 4, 5), kinds=("theme_day",), study_hours=3, absent=[member])
    ledger = study_ledger(person=member, year=2026)
    assert ledger.total == Decimal(4) and ledger.required == 32 and ledger.missing == Decimal(28)
    secretary = study_ledger(person=world.people["secretary_a"], year=2026)
    assert secretary.required == 56 and secretary.total == Decimal(7)
    # declared study counts only where the committee's policy says so, once confirmed by the secretary
    with pytest.raises(ValidationError):
        study_declare(actor=world.users["member_a"], studied_on=D(2026, 5, 1), hours=2, title="网上学习", now=at(TODAY))
    policy_save(actor=world.users["staff"], committee=world.committee, values={"self_study_counts": True})
    for hours in (-1, 0, 100):
        with pytest.raises(ValidationError):
            study_declare(actor=world.users["member_a"], studied_on=D(2026, 5, 1), hours=hours, title="x",
                          now=at(TODAY))  # fmt: skip
    declaration = study_declare(actor=world.users["member_a"], studied_on=D(2026, 5, 1), hours=2, title="网上学习",
                                now=at(TODAY))  # fmt: skip
    assert study_ledger(person=member, year=2026).total == Decimal(4)  # not yet confirmed
    with pytest.raises(PermissionDenied):
        study_decide(actor=world.users["secretary_b"], declaration=declaration, confirm=True, now=at(TODAY))
    study_decide(actor=world.users["secretary_a"], declaration=declaration, confirm=True, now=at(TODAY))
    assert study_ledger(person=member, year=2026).total == Decimal(6)


def test_members_not_taking_part_for_six_months_are_flagged_for_the_branch(world, held):
    plain, member = world.people["plain_a"], world.people["member_a"]
    held(D(2026, 4, 10), absent=[plain])
    held(D(2026, 6, 10), absent=[plain])
    flags = {(p.pk, why): since for p, why, since in flagged_for(user=world.users["secretary_a"], today=TODAY)}
    assert flags[(plain.pk, "absent")] == D(2026, 4, 9)  # never took part since the first meeting on record
    assert (member.pk, "absent") not in flags
    # an approved leave is a good reason: taking part, not flagged
    assert not [f for f in flags if f[0] == world.people["secretary_a"].pk]
    assert flagged_for(user=world.users["secretary_b"], today=TODAY) == []


# --- the policy ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"frequencies": {"general_meeting": "year"}}, "general_meeting"),
        ({"frequencies": {"committee_meeting": "quarter"}}, "committee_meeting"),
        ({"member_hours": 20}, "member_hours"),
        ({"leader_hours": 40}, "leader_hours"),
        ({"frequencies": {"training": "month"}}, "training"),
    ],
)
def test_a_policy_looser_than_the_national_rule_is_refused(world, values, field):
    with pytest.raises(ValidationError) as error:
        policy_save(actor=world.users["staff"], committee=world.committee, values=values)
    assert field in error.value.message_dict
    assert not LifePolicy.objects.exists()


def test_a_policy_between_the_default_and_the_floor_is_saved_and_applied(world, held):
    policy = policy_save(
        actor=world.users["staff"], committee=world.committee,
        values={"frequencies": {"party_lecture": "year", "theme_day": "quarter"}, "member_hours": 40},
    )  # fmt: skip
    assert policy.frequencies == {"party_lecture": "year", "theme_day": "quarter"}
    report = compliance_reports(nodes=[world.branch_a], year=2026, as_of=TODAY)[world.branch_a.pk]
    assert report.kind("party_lecture").required == 1 and report.kind("theme_day").required == 4
    assert study_ledger(person=world.people["member_a"], year=2026).required == 40
    with pytest.raises(PermissionDenied):
        policy_save(actor=world.users["secretary_a"], committee=world.committee, values={"member_hours": 50})
    assert AuditEntry.objects.filter(action="orglife.policy_changed").count() == 1


# --- the plan and the periodic disclosure ----------------------------------------------------------------------------


def test_the_plan_is_copied_from_last_year_and_edited(world):
    plan_item_add(actor=world.users["secretary_a"], node=world.branch_a, planned_on=D(2025, 3, 15),
                  kinds=["general_meeting"], topic="一季度党员大会")  # fmt: skip
    plan_item_add(actor=world.users["secretary_a"], node=world.branch_a, planned_on=D(2025, 7, 1),
                  kinds=["theme_day", "party_lecture"], topic="七一党课")  # fmt: skip
    assert plan_copy(actor=world.users["secretary_a"], node=world.branch_a, to_year=2026) == 2
    assert plan_copy(actor=world.users["secretary_a"], node=world.branch_a, to_year=2026) == 0  # kept, not doubled
    assert sorted(PlanItem.objects.filter(year=2026).values_list("planned_on", flat=True)) == [
        D(2026, 3, 15),
        D(2026, 7, 1),
    ]
    with pytest.raises(ValidationError):
        plan_item_add(actor=world.users["secretary_a"], node=world.branch_a, planned_on=D(2026, 1, 1), kinds=["x"])


def test_the_periodic_disclosure_is_drafted_not_published(world, held):
    held(D(2026, 2, 3))
    notice = compliance_disclosure_draft(actor=world.users["secretary_a"], node=world.branch_a, year=2026, today=TODAY)
    assert notice.status == NoticeStatus.DRAFT and notice.category.code == "meetings"
    assert notice.created_by == world.users["secretary_a"]
    assert "2026-Q2" in notice.content and "<script" not in notice.content
    assert Notice.objects.filter(status=NoticeStatus.PUBLISHED).count() == 0
    with pytest.raises(PermissionDenied):
        compliance_disclosure_draft(actor=world.users["secretary_b"], node=world.branch_a, year=2026, today=TODAY)


def test_a_member_who_leaves_stays_on_the_recorded_roll(world, held):
    meeting = held(D(2026, 4, 10))
    membership_end(actor=world.users["secretary_a"], person=world.people["plain_a"], on=D(2026, 6, 1), reason="death",
                   today=TODAY)  # fmt: skip
    assert MembershipPeriod.objects.get(person=world.people["plain_a"]).ended_on == D(2026, 6, 1)
    assert world.people["plain_a"].pk in {e.person.pk for e in meeting_roll(meeting)}


def test_an_invitee_is_on_the_roll_without_a_vote(world, notified):
    from apps.orglife.services import meeting_invite

    meeting = notified()
    applicant = world.people["applicant_a"]
    meeting_invite(actor=world.users["secretary_a"], meeting=meeting, person=applicant, now=at(TODAY))
    entry = next(e for e in meeting_roll(meeting) if e.person.pk == applicant.pk)
    assert entry.invited and not entry.voting
    _record(world, meeting, _marks(meeting))
    row = Attendee.objects.get(meeting=meeting, person=applicant)
    assert row.invited and row.presence == "present" and not row.voting


def test_a_member_sees_own_meetings_only(world, notified, meet):
    from apps.orglife.selectors import meeting_list_for

    visible = notified()
    planned = meet(TODAY)
    committee = notified(kinds=("committee_meeting",))
    mine = set(meeting_list_for(user=world.users["member_a"]).values_list("pk", flat=True))
    assert visible.pk in mine and planned.pk not in mine and committee.pk not in mine
    assert set(meeting_list_for(user=world.users["member_b"]).values_list("pk", flat=True)) == set()
    outsider = UserFactory(username="outsider")
    assert not meeting_list_for(user=outsider).exists()


def test_groups_are_found_the_same_way_for_many_branches(world, held, monkeypatch):
    from apps.orglife import selectors

    held(D(2026, 1, 9), kinds=("group_meeting",), node=world.group_a)
    by_path = compliance_reports(nodes=[world.branch_a, world.branch_b], year=2026, as_of=TODAY)
    monkeypatch.setattr(selectors, "GROUPS_BY_PATH", 0)
    read_all = compliance_reports(nodes=[world.branch_a, world.branch_b], year=2026, as_of=TODAY)
    key = f"group_meeting:{world.group_a.name}"
    assert [k.key for k in read_all[world.branch_a.pk].kinds] == [k.key for k in by_path[world.branch_a.pk].kinds]
    assert read_all[world.branch_a.pk].kind(key).held == 1
    assert not any(k.kind == "group_meeting" for k in read_all[world.branch_b.pk].kinds)


def test_attendance_is_not_recorded_before_the_meeting_begins(world, meet):
    """Found by a reviewer: a meeting at 18:00 could be marked as held at 03:10 the same morning."""
    import datetime as _dt

    from django.core.exceptions import ValidationError as _VE
    from django.utils import timezone as _tz

    from apps.orglife.services import attendance_record

    meeting = meet(TODAY, starts_at=_dt.time(18, 0))
    early = _tz.make_aware(_dt.datetime.combine(TODAY, _dt.time(3, 10)))
    with pytest.raises(_VE, match="18:00"):
        attendance_record(actor=world.users["secretary_a"], meeting=meeting, marks={}, now=early)


def test_minutes_typed_as_plain_text_keep_their_lines():
    from apps.orglife.services import minutes_check

    html = minutes_check("一、学习传达\n二、讨论发展对象\n\n1. 同意")
    assert html.count("<p>") == 2 and "<br>" in html and "一、学习传达" in html
