"""Recording the development steps through the guarded service: transitions, guards, gate, votes, conflicts."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from apps.audit.models import AuditEntry
from apps.disclosure.models import Notice
from apps.disclosure.services import objection_file, objection_resolve
from apps.lifecycle.models import DevelopmentCase, RuleSet, StepRecord, Vote
from apps.lifecycle.services import StepConflict, case_open
from apps.lifecycle.steps import Stage
from apps.people.choices import PenaltyKind, PoliticalStatus
from apps.people.models import Penalty
from tests.dates import at
from tests.lifecycle.conftest import TODAY, take_to_candidate

D = datetime.date


def test_open_case_makes_an_applicant(world, case):
    assert case.stage == Stage.APPLICANT
    assert case.rule_set.edition == "2026.05"
    assert case.records.get().step == "application_received"
    world.people["applicant_a"].refresh_from_db()
    assert world.people["applicant_a"].political_status == PoliticalStatus.APPLICANT
    assert AuditEntry.objects.filter(action="lifecycle.case_opened").exists()


def test_one_open_case_per_person(world, case):
    with pytest.raises(ValidationError):
        case_open(
            actor=world.users["secretary_a"],
            person=world.people["applicant_a"],
            branch=world.branch_a,
            application_on=D(2025, 1, 1),
            today=TODAY,
        )
    assert DevelopmentCase.objects.count() == 1


@pytest.mark.parametrize(("applied", "ok"), [(D(2003, 2, 28), False), (D(2003, 3, 1), True), (D(2003, 3, 2), True)])
def test_minimum_age_at_application(world, applied, ok):
    person = world.people["plain_a"]
    person.political_status, person.birth_date = PoliticalStatus.MASSES, D(1985, 3, 1)
    person.save()
    if ok:
        case_open(
            actor=world.users["secretary_a"], person=person, branch=world.branch_a, application_on=applied, today=TODAY
        )
    else:
        with pytest.raises(ValidationError, match="18"):
            case_open(
                actor=world.users["secretary_a"],
                person=person,
                branch=world.branch_a,
                application_on=applied,
                today=TODAY,
            )


def test_outside_the_subtree_refused(world):
    with pytest.raises(PermissionDenied):
        case_open(
            actor=world.users["secretary_b"],
            person=world.people["applicant_a"],
            branch=world.branch_a,
            application_on=D(2025, 1, 1),
            today=TODAY,
        )


def test_future_date_refused(world, case, record):
    with pytest.raises(ValidationError, match="晚于今天"):
        record(case, "applicant_talk", TODAY + datetime.timedelta(days=1))
    assert case.records.count() == 1


def test_out_of_order_refused(world, case, record):
    with pytest.raises(ValidationError):
        record(case, "applicant_talk", D(2024, 9, 1))
    with pytest.raises(ValidationError):  # a later stage's step cannot come first
        record(case, "candidate_designated", D(2025, 10, 1))


@pytest.mark.parametrize(("designated", "ok"), [(D(2025, 10, 7), False), (D(2025, 10, 8), True)])
def test_candidate_needs_a_year_as_activist(world, case, record, designated, ok):
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    record(case, "contacts_assigned", D(2024, 10, 8), people=[world.people["member_a"]])
    if ok:
        record(case, "candidate_designated", designated)
        case.refresh_from_db()
        assert case.stage == Stage.CANDIDATE
    else:
        with pytest.raises(ValidationError) as exc:
            record(case, "candidate_designated", designated)
        assert "2025-10-08" in exc.value.messages[0]
        case.refresh_from_db()
        assert case.stage == Stage.ACTIVIST


def test_contacts_must_be_full_members(world, case, record):
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    with pytest.raises(ValidationError, match="not a full Party member|不是正式党员"):
        record(case, "contacts_assigned", D(2024, 10, 8), people=[world.people["masses_b"]])
    with pytest.raises(ValidationError):
        record(
            case,
            "contacts_assigned",
            D(2024, 10, 8),
            people=[world.people["member_a"], world.people["organiser_a"], world.people["plain_a"]],
        )
    assert not StepRecord.objects.filter(step="contacts_assigned").exists()


def test_the_publicity_states_the_particulars_from_the_records_never_the_id_number(world, case, record):
    """The 公示's text is written from the records: who, proposed by which body for what, sex, ethnicity, month of
    birth, education, the development's dates so far; never the ID number, the address or the telephone."""
    from django.utils import translation

    person = case.person
    person.gender, person.ethnicity, person.birth_date = "m", "汉族", D(1995, 3, 14)
    person.id_number, person.home_address, person.phone = "110101199503140011", "秘密路9号", "13900000000"
    person.save()
    with translation.override("zh-hans"):
        take_to_candidate(world, case, record)
    content = Notice.objects.get(case=case).content
    assert "拟将" in content and "列为发展对象" in content and "现将有关情况公示如下" in content
    assert "，男，汉族，1995年3月生" in content and "递交入党申请书" in content
    assert "被确定为入党积极分子" in content
    assert not any(secret in content for secret in ("110101199503140011", "秘密路9号", "13900000000"))


def test_publicity_gate_and_objection(world, case, record):
    take_to_candidate(world, case, record)
    notice = Notice.objects.get(case=case)
    assert notice.opens_on == D(2025, 10, 9) and notice.working_days == 5
    # while the window is open, nothing after it can be recorded
    with pytest.raises(ValidationError, match=str(notice.closes_on)):
        record(
            case,
            "sponsors_assigned",
            notice.closes_on,
            today=notice.closes_on,
            people=[world.people["secretary_a"], world.people["organiser_a"]],
        )
    objection = objection_file(
        actor=world.users["member_b"],
        notice=notice,
        content="有异议",
        reporter=world.people["member_b"],
        received_on=notice.opens_on,
        today=TODAY,
    )
    after = notice.closes_on + datetime.timedelta(days=3)
    with pytest.raises(ValidationError):
        record(
            case,
            "sponsors_assigned",
            after,
            today=after,
            people=[world.people["secretary_a"], world.people["organiser_a"]],
        )
    objection_resolve(
        actor=world.users["staff"], objection=objection, outcome="unfounded", resolution="经查不属实", today=TODAY
    )
    record(
        case, "sponsors_assigned", after, today=after, people=[world.people["secretary_a"], world.people["organiser_a"]]
    )


def test_founded_objection_stops_until_the_committee_decides(world, case, record):
    take_to_candidate(world, case, record)
    notice = Notice.objects.get(case=case)
    with pytest.raises(ValidationError):  # the development category accepts signed objections only
        objection_file(
            actor=world.users["staff"],
            notice=notice,
            content="匿名",
            received_on=notice.opens_on,
            channel="phone",
            today=TODAY,
        )
    objection = objection_file(
        actor=world.users["staff"],
        notice=notice,
        content="反映问题",
        received_on=notice.opens_on,
        channel="phone",
        reporter=world.people["member_b"],
        today=TODAY,
    )
    resolved = objection_resolve(
        actor=world.users["staff"], objection=objection, outcome="founded_hold", resolution="暂缓", today=TODAY
    )
    assert resolved.resolved_on == TODAY  # the day handed in, whatever day the machine thinks it is
    with pytest.raises(ValidationError):
        record(
            case, "sponsors_assigned", D(2025, 11, 3), people=[world.people["secretary_a"], world.people["organiser_a"]]
        )
    record(case, "reopened", TODAY, who="staff", decision="党委研究决定继续")
    record(case, "sponsors_assigned", D(2025, 11, 3), people=[world.people["secretary_a"], world.people["organiser_a"]])


def test_sponsor_under_penalty_refused(world, case, record):
    take_to_candidate(world, case, record)
    Penalty.objects.create(
        person=world.people["organiser_a"],
        kind=PenaltyKind.WARNING,
        effective_from=D(2025, 1, 1),
        effective_until=D(2026, 1, 1),
    )
    with pytest.raises(ValidationError, match="penalty|处分"):
        record(
            case, "sponsors_assigned", D(2025, 11, 3), people=[world.people["secretary_a"], world.people["organiser_a"]]
        )


def _to_admission(world, case, record):
    take_to_candidate(world, case, record)
    record(case, "sponsors_assigned", D(2025, 11, 3), people=[world.people["secretary_a"], world.people["organiser_a"]])
    record(case, "political_review", D(2025, 11, 10), who="staff", conclusion="政治审查合格")
    record(case, "training_completed", D(2025, 11, 20), who="staff", training_days=3)
    record(case, "committee_review", D(2025, 11, 25))
    record(case, "prereview_passed", D(2025, 12, 1), who="staff")
    record(case, "application_form", D(2025, 12, 5))


def test_training_too_short_refused(world, case, record):
    take_to_candidate(world, case, record)
    with pytest.raises(ValidationError, match="24"):
        record(case, "training_completed", D(2025, 11, 20), who="staff", training_days=2, training_hours=20)


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"present": 6, "yes": 4}, "more than"),  # 5 due
        ({"present": 4, "yes": 3, "no": 1, "abstain": 1}, "exceed"),
        ({"due": 9, "present": 4, "yes": 4}, "roll"),
    ],
)
def test_vote_counts_that_do_not_add_up_are_refused(world, case, record, counts, message):
    _to_admission(world, case, record)
    with pytest.raises(ValidationError) as exc:
        record(case, "admission_meeting", D(2025, 12, 20), vote=counts, passed=True)
    assert any(message in m for m in exc.value.messages) or exc.value.messages
    assert not Vote.objects.exists()


def test_vote_claim_must_match_the_counts(world, case, record):
    _to_admission(world, case, record)
    with pytest.raises(ValidationError, match="did not pass|未通过"):
        record(case, "admission_meeting", D(2025, 12, 20), vote={"present": 3, "yes": 2}, passed=True)


def test_failed_admission_vote_ends_the_case(world, case, record):
    _to_admission(world, case, record)
    record(case, "admission_meeting", D(2025, 12, 20), vote={"present": 3, "yes": 2}, passed=False)
    case.refresh_from_db()
    assert case.stage == Stage.NOT_ADMITTED and case.closed_on == D(2025, 12, 20)
    world.people["applicant_a"].refresh_from_db()
    assert world.people["applicant_a"].political_status == PoliticalStatus.MASSES


def test_branch_secretary_cannot_approve(world, case, record):
    _to_admission(world, case, record)
    record(case, "admission_meeting", D(2025, 12, 20), vote={"present": 4, "yes": 4}, passed=True)
    record(case, "committee_talk", D(2026, 1, 5), who="staff")
    with pytest.raises(PermissionDenied):
        record(case, "admission_approved", D(2026, 1, 10))


@pytest.mark.beyond_calendar
def test_from_application_to_full_member(world, case, record):
    _to_admission(world, case, record)
    meeting = record(case, "admission_meeting", D(2025, 12, 20), vote={"present": 4, "yes": 4}, passed=True)
    assert meeting.vote.due == 5 and meeting.vote.passed  # 5 full members of branch A with a vote
    record(case, "committee_talk", D(2026, 1, 5), who="staff")
    record(case, "admission_approved", D(2026, 1, 10), who="staff", body="base_committee")
    case.refresh_from_db()
    person = world.people["applicant_a"]
    person.refresh_from_db()
    assert case.stage == Stage.PROBATIONARY
    assert person.political_status == PoliticalStatus.PROBATIONARY and person.joined_on == D(2025, 12, 20)
    record(case, "oath_taken", D(2026, 1, 20), who="staff")
    record(case, "placed_in_branch", D(2026, 1, 12))
    record(case, "admission_filed", D(2026, 1, 25), who="staff")
    record(case, "conversion_applied", D(2026, 11, 20))
    later = D(2027, 1, 10)
    with pytest.raises(ValidationError, match="2026-12-20"):
        record(case, "conversion_meeting", D(2026, 12, 19), today=later, vote={"present": 4, "yes": 4}, passed=True)
    record(case, "conversion_meeting", D(2026, 12, 20), today=later, vote={"present": 4, "yes": 4}, passed=True)
    record(case, "conversion_approved", D(2027, 1, 5), who="staff", today=later)
    case.refresh_from_db()
    person.refresh_from_db()
    assert case.stage == Stage.FULL and case.closed_on == D(2027, 1, 5)
    assert person.political_status == PoliticalStatus.FULL and person.full_member_on == D(2026, 12, 20)
    assert AuditEntry.objects.filter(action="lifecycle.step_recorded", target_id=str(case.pk)).count() >= 20


@pytest.mark.beyond_calendar
@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False)])
def test_extension_of_six_to_twelve_months(world, case, record, months, ok):
    _to_admission(world, case, record)
    record(case, "admission_meeting", D(2025, 12, 20), vote={"present": 4, "yes": 4}, passed=True)
    record(case, "committee_talk", D(2026, 1, 5), who="staff")
    record(case, "admission_approved", D(2026, 1, 10), who="staff", body="base_committee")
    record(case, "conversion_applied", D(2026, 11, 20))
    later = D(2027, 1, 10)
    if ok:
        record(case, "probation_extended", D(2026, 12, 20), today=later, months=months, vote={"present": 4, "yes": 4})
    else:
        with pytest.raises(ValidationError, match="6"):
            record(
                case, "probation_extended", D(2026, 12, 20), today=later, months=months, vote={"present": 4, "yes": 4}
            )
        assert not StepRecord.objects.filter(step="probation_extended").exists()


def test_same_step_twice_is_idempotent_for_the_same_actor(world, case, record):
    first = record(case, "applicant_talk", D(2024, 9, 20))
    again = record(case, "applicant_talk", D(2024, 9, 20))
    assert first == again and case.records.filter(step="applicant_talk").count() == 1


def test_conflict_between_two_staff(world, case, record):
    record(case, "applicant_talk", D(2024, 9, 20))
    with pytest.raises(StepConflict, match="secretary_a"):
        record(case, "applicant_talk", D(2024, 9, 20), who="organiser_a")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_staff_recording_at_once(world):
    from django.db import connections

    from apps.lifecycle.services import RecordEntry, case_record_step

    case = case_open(
        actor=world.users["secretary_a"],
        person=world.people["applicant_a"],
        branch=world.branch_a,
        application_on=D(2024, 9, 2),
        today=TODAY,
    )
    barrier = threading.Barrier(2)
    results = []

    def worker(username):
        try:
            barrier.wait()
            case_record_step(
                actor=world.users[username],
                case=case,
                entry=RecordEntry(step="applicant_talk", on=D(2024, 9, 20)),
                now=at(TODAY),
            )
            results.append("ok")
        except StepConflict as exc:
            results.append(str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(u,)) for u in ("secretary_a", "organiser_a")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r == "ok" for r in results) == [False, True]
    assert StepRecord.objects.filter(case=case, step="applicant_talk").count() == 1


def test_2014_edition_files_the_candidate_without_publicity(world, record):
    person = world.people["plain_a"]
    person.political_status = PoliticalStatus.MASSES
    person.save()
    case = case_open(
        actor=world.users["secretary_a"],
        person=person,
        branch=world.branch_a,
        application_on=D(2024, 9, 2),
        rule_set=RuleSet.objects.get(edition="2014"),
        today=TODAY,
    )
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    record(case, "contacts_assigned", D(2024, 10, 8), people=[world.people["member_a"]])
    record(case, "candidate_designated", D(2025, 10, 9))
    assert not Notice.objects.filter(case=case).exists()
    record(case, "candidate_filed", D(2025, 10, 10), who="staff")
    record(
        case, "sponsors_assigned", D(2025, 10, 10), people=[world.people["secretary_a"], world.people["organiser_a"]]
    )


def test_local_rule_set_adds_a_publicity_before_the_approval(world, record):
    from apps.lifecycle.models import CommitteeRuleSet

    national = RuleSet.objects.get(edition="2026.05")
    values = {f.name: getattr(national, f.name) for f in RuleSet._meta.concrete_fields if f.name not in ("id",)}
    values.update(edition="local", name="本地", is_default=False, base=national, admission_publicity=True)
    local = RuleSet.objects.create(**values)
    CommitteeRuleSet.objects.create(committee=world.committee, rule_set=local)
    case = case_open(
        actor=world.users["secretary_a"],
        person=world.people["applicant_a"],
        branch=world.branch_a,
        application_on=D(2024, 9, 2),
        today=TODAY,
    )
    assert case.rule_set == local
    take_to_candidate(world, case, record)
    record(case, "sponsors_assigned", D(2025, 11, 3), people=[world.people["secretary_a"], world.people["organiser_a"]])
    record(case, "political_review", D(2025, 11, 10), who="staff", conclusion="合格")
    record(case, "training_completed", D(2025, 11, 20), who="staff", training_days=3)
    record(case, "committee_review", D(2025, 11, 25))
    record(case, "prereview_passed", D(2025, 12, 1), who="staff")
    record(case, "application_form", D(2025, 12, 5))
    meeting_day = D(2025, 12, 20)
    record(case, "admission_meeting", meeting_day, vote={"present": 4, "yes": 4}, passed=True, today=meeting_day)
    notice = Notice.objects.get(case=case, step="admission_publicity")
    record(case, "committee_talk", D(2025, 12, 22), who="staff", today=D(2025, 12, 22))
    with pytest.raises(ValidationError):
        record(case, "admission_approved", notice.closes_on, who="staff", body="base_committee", today=notice.closes_on)
    after = notice.closes_on + datetime.timedelta(days=1)
    record(case, "admission_approved", after, who="staff", body="base_committee", today=after)


def test_a_rule_set_is_named_once_with_its_edition(db):
    from django.utils import translation

    national = RuleSet.objects.get(edition="2014")
    assert str(national) == "中国共产党发展党员工作细则（2014）"  # not "…（2014） (2014)"
    local = RuleSet(edition="local-7", name="某党委细则")
    with translation.override("zh-hans"):
        assert str(local) == "某党委细则（local-7版）"
