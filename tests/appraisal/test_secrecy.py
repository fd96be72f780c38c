"""Secret by construction (ADR 14): after several votes, no table of the app holds a row with both a person who
voted and a choice; no audit entry, history or log line holds a choice; one vote per person, also under
concurrency; no result below the fewest voters."""

from __future__ import annotations

import logging
import threading
from collections import Counter

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models

from apps.accounts.models import User
from apps.appraisal.models import AppraisalCount, AppraisalVoter, Appraisee, ReportCount, SurveyCount
from apps.appraisal.selectors import appraisal_results, report_result, survey_results
from apps.appraisal.services import appraisal_vote, report_grade, survey_answer
from apps.audit.models import AuditEntry
from apps.people.models import Person
from tests.dates import TODAY

from .conftest import CLOSES, OPENS

pytestmark = pytest.mark.django_db

CHOICE_VALUES = {"excellent", "qualified", "basic", "unqualified", "good", "fairly_good", "average", "poor"}


def _vote_everything(world, ballots):
    voters = ballots.voters(4)
    appraisal = ballots.appraisal()
    survey = ballots.survey()
    report = ballots.report()
    members = {a.person_id: a.pk for a in Appraisee.objects.filter(appraisal=appraisal)}
    option = {o.label: o.pk for o in survey.options.all()}
    questions = list(survey.questions.values_list("pk", flat=True))
    grades = ["excellent", "qualified", "basic", "unqualified", "qualified"]
    for i, person in enumerate([world.people["member_a"], *voters]):
        grade = grades[i]
        appraisal_vote(
            actor=person.user,
            appraisal=appraisal,
            grades={pk: grade for pid, pk in members.items() if pid != person.pk},
            today=TODAY,
        )
        survey_answer(actor=person.user, survey=survey, answers=dict.fromkeys(questions, option["满意"]), today=TODAY)
        report_grade(actor=person.user, report=report, grade=["good", "average"][i % 2], today=TODAY)
    return appraisal, survey, report, [world.people["member_a"], *voters]


def test_no_row_of_the_app_holds_a_voter_and_a_choice(world, ballots, caplog):
    caplog.set_level(logging.DEBUG)
    before_audit = AuditEntry.objects.count()
    appraisal, survey, report, voters = _vote_everything(world, ballots)
    voter_ids = {p.pk for p in voters}
    voter_users = {p.user_id for p in voters}
    option_ids = set(survey.options.values_list("pk", flat=True))
    offending = []
    for model in apps.get_app_config("appraisal").get_models(include_auto_created=True):
        person_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.ForeignKey) and f.related_model in (Person, User)
        ]
        for row in model.objects.values():
            who = {row[f] for f in person_fields} & (voter_ids | voter_users)
            choice = {v for k, v in row.items() if k in ("grade", "option_id") and v}
            choice |= {row.get("option_id")} & option_ids
            if who and choice:
                offending.append((model.__name__, row))
    assert not offending
    # the rows that say who voted hold nothing else: no choice, no moment
    for model in ("AppraisalVoter", "SurveyRespondent", "ReportVoter"):
        fields = {f.name for f in apps.get_model("appraisal", model)._meta.concrete_fields}
        assert fields - {"id", "person"} in ({"appraisal"}, {"survey"}, {"report"}), model
    # a vote writes no audit entry, no history and no log line
    assert AuditEntry.objects.count() == before_audit + 3  # the three openings
    assert not any(v in str(r.getMessage()) for r in caplog.records for v in CHOICE_VALUES)
    assert not any(hasattr(apps.get_model("appraisal", m), "history") for m in ("AppraisalCount", "SurveyCount"))
    # the counts hold the ballots
    assert AppraisalVoter.objects.filter(appraisal=appraisal).count() == 5
    assert sum(AppraisalCount.objects.values_list("portal", flat=True)) == 5 * (Appraisee.objects.count() - 1)
    assert sum(SurveyCount.objects.values_list("portal", flat=True)) == 10
    by_grade = Counter()
    for grade, portal in ReportCount.objects.values_list("grade", "portal"):
        by_grade[grade] += portal
    assert +by_grade == {"good": 3, "average": 2}
    # the counters are split into shards (ADR 14): the shard rows hold counts and no voter (checked above)
    for model in (AppraisalCount, SurveyCount, ReportCount):
        assert {f.name for f in model._meta.concrete_fields} >= {"shard", "portal", "paper"}
        assert model.objects.values("shard").distinct().count() == model.SHARDS


def test_voting_twice_is_refused_and_saves_nothing(world, ballots):
    ballots.voters(4)
    appraisal = ballots.appraisal()
    other = Appraisee.objects.filter(appraisal=appraisal).exclude(person=world.people["member_a"]).first()
    appraisal_vote(actor=world.users["member_a"], appraisal=appraisal, grades={other.pk: "qualified"}, today=TODAY)
    with pytest.raises(ValidationError, match="already voted|已经投过票"):
        appraisal_vote(actor=world.users["member_a"], appraisal=appraisal, grades={other.pk: "excellent"}, today=TODAY)
    by_grade = dict.fromkeys(("excellent", "qualified", "basic", "unqualified"), 0)
    for grade, portal in AppraisalCount.objects.filter(appraisee=other).values_list("grade", "portal"):
        by_grade[grade] += portal
    assert by_grade == {"excellent": 0, "qualified": 1, "basic": 0, "unqualified": 0}


@pytest.mark.parametrize(("day", "ok"), [(OPENS - TODAY.resolution, False), (OPENS, True), (CLOSES, True),
                                         (CLOSES + TODAY.resolution, False)])  # fmt: skip
def test_voting_outside_the_window_is_refused(world, ballots, day, ok):
    appraisal = ballots.appraisal()
    other = Appraisee.objects.filter(appraisal=appraisal).exclude(person=world.people["member_a"]).first()

    def vote():
        appraisal_vote(actor=world.users["member_a"], appraisal=appraisal, grades={other.pk: "qualified"}, today=day)

    if ok:
        vote()
    else:
        with pytest.raises(ValidationError):
            vote()
    assert AppraisalVoter.objects.count() == int(ok)
    assert sum(AppraisalCount.objects.values_list("portal", flat=True)) == int(ok)


def test_a_grade_outside_the_set_and_a_stranger_are_refused(world, ballots):
    appraisal = ballots.appraisal()
    other = Appraisee.objects.filter(appraisal=appraisal).exclude(person=world.people["member_a"]).first()
    with pytest.raises(ValidationError):
        appraisal_vote(actor=world.users["member_a"], appraisal=appraisal, grades={other.pk: "perfect"}, today=TODAY)
    with pytest.raises(ValidationError):  # oneself
        mine = Appraisee.objects.get(appraisal=appraisal, person=world.people["member_a"])
        appraisal_vote(actor=world.users["member_a"], appraisal=appraisal, grades={mine.pk: "excellent"}, today=TODAY)
    with pytest.raises(PermissionDenied):  # a member of branch B
        appraisal_vote(actor=world.users["member_b"], appraisal=appraisal, grades={other.pk: "qualified"}, today=TODAY)
    report = ballots.report()
    with pytest.raises(ValidationError):
        report_grade(actor=world.users["member_a"], report=report, grade="excellent", today=TODAY)
    assert not AppraisalVoter.objects.exists() and not report.voters.exists()
    assert sum(AppraisalCount.objects.values_list("portal", flat=True)) == 0


@pytest.mark.parametrize(("voting", "shown"), [(4, False), (5, True)])
def test_results_need_the_fewest_voters(world, ballots, voting, shown):
    voters = ballots.voters(5)
    appraisal, report, survey = ballots.appraisal(), ballots.report(), ballots.survey()
    target = Appraisee.objects.get(appraisal=appraisal, person=world.people["secretary_a"])
    question = survey.questions.first()
    for person in voters[:voting]:
        appraisal_vote(actor=person.user, appraisal=appraisal, grades={target.pk: "excellent"}, today=TODAY)
        report_grade(actor=person.user, report=report, grade="good", today=TODAY)
        survey_answer(actor=person.user, survey=survey, answers={question.pk: survey.options.first().pk}, today=TODAY)
    results = appraisal_results(appraisal)
    assert results.voters == voting and results.shown is shown
    row = next(m for m in results.members if m.appraisee.pk == target.pk)
    assert row.counts == ({"excellent": 5, "qualified": 0, "basic": 0, "unqualified": 0} if shown else {})
    assert (report_result(report).score is not None) is shown
    assert (survey_results(survey).score is not None) is shown


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True)
def test_one_vote_per_person_under_concurrency(world, ballots):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    appraisal = ballots.appraisal()
    other = Appraisee.objects.filter(appraisal=appraisal).exclude(person=world.people["member_a"]).first()
    barrier = threading.Barrier(2)
    results = []

    def worker(grade):
        try:
            barrier.wait()
            appraisal_vote(actor=world.users["member_a"], appraisal=appraisal, grades={other.pk: grade}, today=TODAY)
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(g,)) for g in ("excellent", "unqualified")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert AppraisalVoter.objects.filter(appraisal=appraisal).count() == 1
    assert sum(AppraisalCount.objects.filter(appraisee=other).values_list("portal", flat=True)) == 1
