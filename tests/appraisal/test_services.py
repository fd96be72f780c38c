"""The appraisal from the roll to the grades, paper counts, the quota of 优秀 at its boundary, the committee's review
and the follow-up, the notice; surveys weighted with 不了解 left out; 述职评议; the assessment components."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.appraisal.models import AppraisalCount, AppraisalPolicy, Appraisee, ReportCount, SurveyCount
from apps.appraisal.selectors import appraisal_results, report_result, survey_results
from apps.appraisal.services import (
    appraisal_close,
    appraisal_fix_grades,
    appraisal_notice_draft,
    appraisal_paper_counts,
    appraisal_vote,
    appraisee_follow_up,
    appraisee_grade_correct,
    appraisee_review,
    report_close,
    report_grade,
    report_paper_counts,
    self_assessment_save,
    survey_answer,
    survey_close,
    survey_paper_counts,
    survey_weights_save,
)
from apps.assessment.components import get, scores_for
from apps.audit.models import AuditEntry
from apps.people.choices import PoliticalStatus
from tests.conftest import _person_with_login
from tests.dates import TODAY

from .conftest import CLOSES

pytestmark = pytest.mark.django_db


def test_the_roll_on_the_appraisal_date_full_and_probationary_members(world, ballots):
    probationary = _person_with_login("probationary", world.branch_a, PoliticalStatus.PROBATIONARY)
    appraisal = ballots.appraisal()
    appraised = set(Appraisee.objects.filter(appraisal=appraisal).values_list("person_id", flat=True))
    assert probationary.pk in appraised and world.people["member_a"].pk in appraised  # a party group's member too
    assert world.people["applicant_a"].pk not in appraised and world.people["member_b"].pk not in appraised
    counters = AppraisalCount.objects.filter(appraisee__appraisal=appraisal)
    assert counters.count() == 4 * len(appraised) * AppraisalCount.SHARDS  # every shard of every counter
    assert set(counters.values_list("shard", flat=True)) == set(range(AppraisalCount.SHARDS))
    with pytest.raises(ValidationError):  # one appraisal per branch and year
        ballots.appraisal()
    with pytest.raises(PermissionDenied):  # the secretary of branch A does not run branch B's
        ballots.appraisal(node=world.branch_b)


def _closed(world, ballots, n):
    extra = ballots.voters(n - 5)
    appraisal = ballots.appraisal()
    appraisal_close(actor=world.users["secretary_a"], appraisal=appraisal)
    appraisees = list(Appraisee.objects.filter(appraisal=appraisal).order_by("pk"))
    assert len(appraisees) == n, extra
    return appraisal, appraisees


@pytest.mark.parametrize(("members", "quota"), [(9, 3), (10, 3), (12, 4)])
def test_excellent_at_most_one_third(world, ballots, members, quota):
    appraisal, appraisees = _closed(world, ballots, members)

    def grades(excellent):
        return {a.pk: ("excellent" if i < excellent else "qualified") for i, a in enumerate(appraisees)}

    with pytest.raises(ValidationError, match=str(quota)):
        appraisal_fix_grades(actor=world.users["secretary_a"], appraisal=appraisal, grades=grades(quota + 1))
    assert not Appraisee.objects.filter(appraisal=appraisal).exclude(grade="").exists()
    appraisal_fix_grades(actor=world.users["secretary_a"], appraisal=appraisal, grades=grades(quota))
    assert Appraisee.objects.filter(appraisal=appraisal, grade="excellent").count() == quota


def test_the_quota_is_a_policy_value(world, ballots):
    AppraisalPolicy.objects.filter(committee__isnull=True).update(excellent_numerator=1, excellent_denominator=2)
    appraisal, appraisees = _closed(world, ballots, 10)
    grades = {a.pk: ("excellent" if i < 5 else "qualified") for i, a in enumerate(appraisees)}
    appraisal_fix_grades(actor=world.users["secretary_a"], appraisal=appraisal, grades=grades)


def test_grades_review_follow_up_and_the_notice(world, ballots):
    appraisal, appraisees = _closed(world, ballots, 6)
    with pytest.raises(ValidationError):  # every member gets a grade
        appraisal_fix_grades(actor=world.users["secretary_a"], appraisal=appraisal, grades={appraisees[0].pk: "basic"})
    grades = {a.pk: "qualified" for a in appraisees} | {appraisees[0].pk: "basic", appraisees[1].pk: "excellent"}
    appraisal_fix_grades(
        actor=world.users["secretary_a"], appraisal=appraisal, grades=grades, feedback={appraisees[0].pk: "加强学习"}
    )
    weak = Appraisee.objects.get(pk=appraisees[0].pk)
    assert (weak.grade, weak.review_state, weak.feedback) == ("basic", "reported", "加强学习")
    with pytest.raises(ValidationError):  # fixed once
        appraisal_fix_grades(actor=world.users["secretary_a"], appraisal=appraisal, grades=grades)
    with pytest.raises(PermissionDenied):  # the branch does not review its own grades
        appraisee_review(actor=world.users["secretary_a"], appraisee=weak, note="同意")
    appraisee_review(actor=world.users["staff"], appraisee=weak, note="同意支部意见")
    appraisee_follow_up(actor=world.users["secretary_a"], appraisee=weak, measures="三个月内改正", due=TODAY)
    weak.refresh_from_db()
    assert (weak.review_state, weak.follow_up_due) == ("reviewed", TODAY)
    with pytest.raises(ValidationError):  # a qualified member has no follow-up
        appraisee_follow_up(actor=world.users["secretary_a"], appraisee=appraisees[2], measures="x", due=TODAY)
    notice = appraisal_notice_draft(actor=world.users["secretary_a"], appraisal=appraisal, today=TODAY)
    assert notice.status == "draft" and notice.category.code == "appraisal"
    for a in appraisees:  # aggregate counts only, never a name
        assert a.person.name not in notice.content
    assert "4" in notice.content and "1" in notice.content
    fixed = AuditEntry.objects.get(action="appraisal.grades_fixed")
    assert fixed.changes["basic"] == [None, 1] and fixed.changes["excellent"] == [None, 1]


def test_self_assessment_is_the_members_own(world, ballots):
    appraisal = ballots.appraisal()
    mine = Appraisee.objects.get(appraisal=appraisal, person=world.people["member_a"])
    self_assessment_save(actor=world.users["member_a"], appraisee=mine, text="认真学习，按时交纳党费。")
    with pytest.raises(PermissionDenied):
        self_assessment_save(actor=world.users["secretary_a"], appraisee=mine, text="x")
    mine.refresh_from_db()
    assert mine.self_assessment == "认真学习，按时交纳党费。"


def test_paper_counts_cannot_exceed_the_ballots(world, ballots):
    appraisal = ballots.appraisal()
    target = Appraisee.objects.filter(appraisal=appraisal).first()
    secretary = world.users["secretary_a"]
    with pytest.raises(ValidationError):  # more returned than handed out
        appraisal_paper_counts(actor=secretary, appraisal=appraisal, handed_out=5, returned=6, counts={})
    with pytest.raises(ValidationError):  # more marks for a member than ballots returned
        appraisal_paper_counts(
            actor=secretary, appraisal=appraisal, handed_out=6, returned=5,
            counts={target.pk: {"excellent": 4, "qualified": 2}},
        )  # fmt: skip
    with pytest.raises(ValidationError):  # a grade outside the set
        appraisal_paper_counts(
            actor=secretary, appraisal=appraisal, handed_out=6, returned=5, counts={target.pk: {"x": 1}}
        )
    appraisal.refresh_from_db()
    assert (appraisal.paper_handed_out, appraisal.paper_returned) == (0, 0)
    assert sum(AppraisalCount.objects.values_list("paper", flat=True)) == 0
    appraisal = appraisal_paper_counts(
        actor=secretary, appraisal=appraisal, handed_out=6, returned=5,
        counts={target.pk: {"excellent": 4, "qualified": 1}},
    )  # fmt: skip
    results = appraisal_results(appraisal)
    assert results.shown and results.voters == 5
    row = next(m for m in results.members if m.appraisee.pk == target.pk)
    assert row.counts["excellent"] == 4 and row.counts["qualified"] == 1


def test_survey_weighted_scores_leave_dont_know_out(world, ballots):
    voters = ballots.voters(5)
    survey = ballots.survey()
    options = {o.label: o.pk for o in survey.options.all()}
    q1, q2 = survey.questions.all()
    answers = ["满意", "满意", "基本满意", "不满意", "不了解"]
    for person, label in zip(voters, answers, strict=True):
        survey_answer(actor=person.user, survey=survey, answers={q1.pk: options[label], q2.pk: options["满意"]},
                      today=TODAY)  # fmt: skip
    results = survey_results(survey)
    assert results.shown and results.respondents == 5
    # q1: (100 + 100 + 75 + 55) / 4, 不了解 not counted; q2: 100; overall: (330 + 500) / 9
    assert [q.score for q in results.questions] == [Decimal("82.50"), Decimal("100.00")]
    assert results.score == Decimal("92.22")
    survey_close(actor=world.users["secretary_a"], survey=survey)
    with pytest.raises(ValidationError):  # an answer to a closed survey
        survey_answer(actor=world.people["member_a"].user, survey=survey, answers={q1.pk: options["满意"]}, today=TODAY)
    assert sum(SurveyCount.objects.values_list("portal", flat=True)) == 10
    assert scores_for("appraisal_survey", node_ids=[world.branch_a.pk, world.branch_b.pk], year=2026) == {
        world.branch_a.pk: Decimal("92.22")
    }
    assert get("appraisal_survey") is not None


def test_survey_paper_counts_and_audience(world, ballots):
    survey = ballots.survey(audience="paper")
    q1 = survey.questions.first()
    satisfied = survey.options.get(label="满意")
    with pytest.raises(PermissionDenied):  # a paper survey takes no portal answers
        survey_answer(actor=world.users["member_a"], survey=survey, answers={q1.pk: satisfied.pk}, today=TODAY)
    with pytest.raises(ValidationError):
        survey_paper_counts(actor=world.users["secretary_a"], survey=survey, handed_out=10, returned=8,
                            counts={(q1.pk, satisfied.pk): 9})  # fmt: skip
    survey = survey_paper_counts(actor=world.users["secretary_a"], survey=survey, handed_out=10, returned=8,
                                 counts={(q1.pk, satisfied.pk): 8})  # fmt: skip
    assert survey_results(survey).questions[0].score == Decimal("100.00")
    staff = ballots.survey(audience="staff", title="职工满意度")
    q = staff.questions.first()
    with pytest.raises(PermissionDenied):  # someone of branch B is not of branch A's unit
        survey_answer(
            actor=world.users["masses_b"], survey=staff, answers={q.pk: staff.options.first().pk}, today=TODAY
        )
    survey_answer(actor=world.users["applicant_a"], survey=staff, answers={q.pk: staff.options.first().pk}, today=TODAY)


def test_report_graded_and_scored(world, ballots):
    voters = ballots.voters(4)
    report = ballots.report()
    for person, grade in zip([world.people["member_a"], *voters], ["good", "good", "fairly_good", "average", "poor"],
                             strict=True):  # fmt: skip
        report_grade(actor=person.user, report=report, grade=grade, today=TODAY)
    result = report_result(report)
    assert result.score == Decimal("76.00")  # (100 + 100 + 80 + 60 + 40) / 5
    assert scores_for("appraisal_report", node_ids=[world.branch_a.pk], year=2026) == {}  # not closed yet
    report_close(actor=world.users["secretary_a"], report=report)
    assert scores_for("appraisal_report", node_ids=[world.branch_a.pk], year=2026) == {
        world.branch_a.pk: Decimal("76.00")
    }
    with pytest.raises(ValidationError):
        report_paper_counts(actor=world.users["secretary_a"], report=report, handed_out=3, returned=3,
                            counts={"good": 4})  # fmt: skip


def test_components_run_a_constant_number_of_queries(world, ballots, django_assert_max_num_queries):
    report = ballots.report()
    report_close(actor=world.users["secretary_a"], report=report)
    survey = ballots.survey()
    survey_close(actor=world.users["secretary_a"], survey=survey)
    nodes = [world.branch_a.pk, world.branch_b.pk, world.committee.pk]
    for code in ("appraisal_report", "appraisal_survey"):
        with django_assert_max_num_queries(3):
            scores_for(code, node_ids=nodes, year=2026)


def test_fixing_needs_voting_closed_and_votes_end_at_the_close(world, ballots):
    appraisal = ballots.appraisal()
    appraisees = list(Appraisee.objects.filter(appraisal=appraisal))
    with pytest.raises(ValidationError):
        appraisal_fix_grades(
            actor=world.users["secretary_a"], appraisal=appraisal, grades={a.pk: "qualified" for a in appraisees}
        )
    appraisal_close(actor=world.users["secretary_a"], appraisal=appraisal)
    other = next(a for a in appraisees if a.person_id != world.people["member_a"].pk)
    with pytest.raises(ValidationError):
        appraisal_vote(actor=world.users["member_a"], appraisal=appraisal, grades={other.pk: "qualified"}, today=TODAY)
    assert datetime.date(2026, 1, 1) < TODAY


def test_reminders_of_an_open_ballot_skip_those_who_voted(world, ballots):
    from apps.notifications.models import Reminder
    from apps.notifications.sweep import sweep
    from tests.dates import at

    appraisal = ballots.appraisal(held_on=TODAY, opens_on=TODAY)
    other = Appraisee.objects.filter(appraisal=appraisal).exclude(person=world.people["member_a"]).first()
    appraisal_vote(actor=world.users["member_a"], appraisal=appraisal, grades={other.pk: "qualified"}, today=TODAY)
    sweep(today=TODAY, now=at(TODAY))
    reminded = set(Reminder.objects.filter(source="appraisal.ballot_open").values_list("person_id", flat=True))
    assert world.people["secretary_a"].pk in reminded
    assert world.people["member_a"].pk not in reminded  # voted: nothing to remind
    assert not Reminder.objects.filter(source="appraisal.ballot_open").exclude(params__has_key="node").exists()


def test_the_ballot_open_reminder_reads_as_the_day_voting_opened_not_as_a_deadline_missed(world, ballots):
    import datetime as dt

    from django.template.loader import render_to_string
    from django.utils import translation

    from apps.notifications.models import Reminder
    from apps.notifications.sweep import sweep
    from tests.dates import at

    opened = TODAY - dt.timedelta(days=3)
    ballots.appraisal(held_on=opened, opens_on=opened)
    sweep(today=opened, now=at(opened))
    reminder = Reminder.objects.filter(source="appraisal.ballot_open").select_related("node").first()
    assert reminder is not None and reminder.reads_as_date and not reminder.is_news
    with translation.override("en"):
        html = render_to_string("notifications/_list.html", {"page": [reminder], "today": TODAY})
    assert opened.isoformat() in html and "was due" not in html
    # a deadline still reads as one
    reminder.source = "appraisal.ballot_closing"
    with translation.override("en"):
        html = render_to_string("notifications/_list.html", {"page": [reminder], "today": TODAY})
    assert f"was due {opened.isoformat()}" in html


def test_a_fixed_grade_is_corrected_with_a_reason_and_the_quota(world, ballots):
    appraisal, appraisees = _closed(world, ballots, 6)  # quota: 2 excellent
    secretary = world.users["secretary_a"]
    with pytest.raises(ValidationError):  # not fixed yet
        appraisee_grade_correct(actor=secretary, appraisee=appraisees[0], grade="qualified", reason="记录有误")
    grades = {a.pk: "qualified" for a in appraisees} | {appraisees[0].pk: "basic", appraisees[1].pk: "excellent"}
    appraisal_fix_grades(actor=secretary, appraisal=appraisal, grades=grades)
    with pytest.raises(ValidationError):  # without a reason
        appraisee_grade_correct(actor=secretary, appraisee=appraisees[0], grade="qualified", reason="  ")
    with pytest.raises(ValidationError):  # a grade outside the set
        appraisee_grade_correct(actor=secretary, appraisee=appraisees[0], grade="perfect", reason="x")
    with pytest.raises(PermissionDenied):  # a member does not run the appraisal
        appraisee_grade_correct(actor=world.users["member_a"], appraisee=appraisees[0], grade="qualified", reason="x")
    # the quota at its boundary: a second excellent is allowed, a third is not, and nothing is saved
    appraisee_grade_correct(actor=secretary, appraisee=appraisees[2], grade="excellent", reason="支部大会复议")
    with pytest.raises(ValidationError, match="2"):
        appraisee_grade_correct(actor=secretary, appraisee=appraisees[3], grade="excellent", reason="复议")
    assert Appraisee.objects.get(pk=appraisees[3].pk).grade == "qualified"
    # basic → qualified: no longer reported to the committee
    corrected = appraisee_grade_correct(actor=secretary, appraisee=appraisees[0], grade="qualified", reason="记录有误")
    assert (corrected.grade, corrected.review_state) == ("qualified", "")
    entry = AuditEntry.objects.filter(action="appraisal.grade_corrected").order_by("-pk").first()
    assert entry.changes["grade"] == ["basic", "qualified"] and entry.changes["reason"] == [None, "记录有误"]
    again = AuditEntry.objects.filter(action="appraisal.grade_corrected").count()
    appraisee_grade_correct(actor=secretary, appraisee=appraisees[0], grade="qualified", reason="记录有误")
    assert AuditEntry.objects.filter(action="appraisal.grade_corrected").count() == again  # nothing changed
    appraisal_notice_draft(actor=secretary, appraisal=appraisal, today=TODAY)
    with pytest.raises(ValidationError):  # the notice's numbers are drafted
        appraisee_grade_correct(actor=secretary, appraisee=appraisees[4], grade="basic", reason="x")


@pytest.mark.parametrize(("day", "needs_confirmation"), [(CLOSES - datetime.timedelta(days=1), True), (CLOSES, False),
                                                         (CLOSES + datetime.timedelta(days=1), False)])  # fmt: skip
def test_closing_before_the_last_day_needs_a_confirmation(world, ballots, day, needs_confirmation):
    secretary = world.users["secretary_a"]
    appraisal, survey, report = ballots.appraisal(), ballots.survey(), ballots.report()
    for close, kw in ((appraisal_close, {"appraisal": appraisal}), (survey_close, {"survey": survey}),
                      (report_close, {"report": report})):  # fmt: skip
        ballot = next(iter(kw.values()))
        if needs_confirmation:
            with pytest.raises(ValidationError):
                close(actor=secretary, today=day, **kw)
            ballot.refresh_from_db()
            assert ballot.state == "open"
            closed = close(actor=secretary, today=day, early=True, **kw)
        else:
            closed = close(actor=secretary, today=day, **kw)
        assert closed.state == "closed"
    early = AuditEntry.objects.filter(action="appraisal.closed").get()
    assert ("closes_on" in early.changes) is needs_confirmation


def test_the_secretary_does_not_grade_their_own_report(world, ballots):
    report = ballots.report()  # reported by secretary_a, on the roll of branch A
    with pytest.raises(PermissionDenied):
        report_grade(actor=world.users["secretary_a"], report=report, grade="good", today=TODAY)
    assert not report.voters.exists() and sum(ReportCount.objects.values_list("portal", flat=True)) == 0
    report_grade(actor=world.users["member_a"], report=report, grade="good", today=TODAY)
    assert report.voters.count() == 1


def test_survey_weights_change_until_the_first_answer(world, ballots):
    secretary = world.users["secretary_a"]
    survey = ballots.survey()
    options = {o.label: o for o in survey.options.all()}
    with pytest.raises(ValidationError):  # outside 0–100
        survey_weights_save(actor=secretary, survey=survey, weights={options["满意"].pk: Decimal("101")})
    with pytest.raises(ValidationError):  # no weight left
        survey_weights_save(actor=secretary, survey=survey, weights={o.pk: None for o in options.values()})
    assert not AuditEntry.objects.filter(action="appraisal.survey_weights").exists()
    survey_weights_save(actor=secretary, survey=survey, weights={options["基本满意"].pk: Decimal("80")})
    assert survey.options.get(label="基本满意").weight == Decimal("80")
    entry = AuditEntry.objects.get(action="appraisal.survey_weights")
    assert entry.changes == {"基本满意": ["75.00", "80"]}
    question = survey.questions.first()
    survey_answer(actor=world.users["member_a"], survey=survey, answers={question.pk: options["满意"].pk}, today=TODAY)
    with pytest.raises(ValidationError):  # answered: the weights stay
        survey_weights_save(actor=secretary, survey=survey, weights={options["基本满意"].pk: Decimal("70")})
    assert survey.options.get(label="基本满意").weight == Decimal("80")
