"""The portal pages: a ballot cast and refused, paper counts refused above the ballots, the grades fixed and the quota
refused, the export; query counts that do not grow with members, votes, surveys and answers."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.appraisal.models import AppraisalCount, AppraisalVoter, Appraisee, SurveyCount
from apps.appraisal.services import appraisal_close, appraisal_vote, report_grade, survey_answer
from tests.conftest import sign_in
from tests.dates import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]


def _count(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def test_a_ballot_through_the_page_then_twice_refused(client, world, ballots):
    ballots.voters(4)
    appraisal = ballots.appraisal()
    others = Appraisee.objects.filter(appraisal=appraisal).exclude(person=world.people["member_a"])
    sign_in(client, world.users["member_a"])
    url = reverse("appraisal:ballot", args=[appraisal.pk])
    page = client.get(url)
    assert page.status_code == 200 and "g-" in page.content.decode()
    data = {"form": "vote"} | {f"g-{a.pk}": "qualified" for a in others}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data | {f"g-{others[0].pk}": "excellent"})
    assert response.status_code == 422
    assert "已经投过票" in response.content.decode()
    assert AppraisalVoter.objects.count() == 1
    assert sum(AppraisalCount.objects.values_list("portal", flat=True)) == others.count()
    assert not AppraisalCount.objects.filter(grade="excellent", portal__gt=0).exists()
    # a grade outside the set from another member: refused, nothing saved
    sign_in(client, ballots.voters(1, prefix="late")[0].user)
    assert client.get(url).status_code == 404  # not on the roll of the appraisal date


def test_paper_counts_above_the_ballots_are_refused_on_the_page(client, world, ballots):
    appraisal = ballots.appraisal()
    target = Appraisee.objects.filter(appraisal=appraisal).first()
    sign_in(client, world.users["secretary_a"])
    url = reverse("appraisal:appraisal_action", args=[appraisal.pk, "paper"])
    response = client.post(url, {"handed_out": 3, "returned": 3, f"c-{target.pk}-excellent": 4}, follow=True)
    assert "3" in response.content.decode() and not AppraisalCount.objects.filter(paper__gt=0).exists()
    response = client.post(url, {"handed_out": "x", "returned": 3}, follow=True)
    assert not AppraisalCount.objects.filter(paper__gt=0).exists()
    client.post(url, {"handed_out": 6, "returned": 5, f"c-{target.pk}-excellent": 4})
    assert AppraisalCount.objects.get(appraisee=target, grade="excellent", shard=0).paper == 4


def test_grades_fixed_on_the_page_with_the_quota(client, world, ballots):
    ballots.voters(4)  # nine members appraised: three may be excellent
    appraisal = ballots.appraisal()
    appraisal_close(actor=world.users["secretary_a"], appraisal=appraisal)
    appraisees = list(Appraisee.objects.filter(appraisal=appraisal).order_by("pk"))
    sign_in(client, world.users["secretary_a"])
    url = reverse("appraisal:appraisal_action", args=[appraisal.pk, "fix"])
    mine = next(a for a in appraisees if a.person_id == world.people["member_a"].pk)
    others = [a for a in appraisees if a is not mine]
    four = {f"g-{a.pk}": ("excellent" if i < 4 else "qualified") for i, a in enumerate(others)}
    client.post(url, four | {f"g-{mine.pk}": "qualified"})
    assert not Appraisee.objects.exclude(grade="").exists()
    three = four | {f"g-{others[3].pk}": "qualified", f"g-{mine.pk}": "unqualified", f"f-{mine.pk}": "限期改正学习"}
    client.post(url, three)
    assert Appraisee.objects.filter(grade="excellent").count() == 3
    assert Appraisee.objects.get(pk=mine.pk).review_state == "reported"
    # the member sees their own grade and feedback, privately (the appraisal's page is the officials')
    sign_in(client, world.users["member_a"])
    assert "限期改正学习" in client.get(reverse("appraisal:home")).content.decode()
    assert "限期改正学习" in client.get(reverse("appraisal:ballot", args=[appraisal.pk])).content.decode()
    assert client.get(reverse("appraisal:appraisal", args=[appraisal.pk])).status_code == 404
    sign_in(client, world.users["organiser_a"])  # another member of the branch
    assert "限期改正学习" not in client.get(reverse("appraisal:ballot", args=[appraisal.pk])).content.decode()


def test_the_export_holds_counts_only_above_the_fewest_voters(client, world, ballots):
    from openpyxl import load_workbook

    voters = ballots.voters(5)
    appraisal = ballots.appraisal()
    target = Appraisee.objects.get(appraisal=appraisal, person=world.people["secretary_a"])
    sign_in(client, world.users["secretary_a"])
    url = reverse("appraisal:appraisal_export", args=[appraisal.pk])

    def rows():
        sheet = load_workbook(BytesIO(client.get(url).content)).active
        return {r[0]: r[1:5] for r in sheet.iter_rows(min_row=2, values_only=True)}

    for person in voters[:4]:
        appraisal_vote(actor=person.user, appraisal=appraisal, grades={target.pk: "excellent"}, today=TODAY)
    assert rows()[target.person.name] == (None, None, None, None)
    appraisal_vote(actor=voters[4].user, appraisal=appraisal, grades={target.pk: "excellent"}, today=TODAY)
    assert rows()[target.person.name] == (5, 0, 0, 0)


def test_survey_and_report_pages(client, world, ballots):
    voters = ballots.voters(5)
    survey, report = ballots.survey(), ballots.report()
    q = survey.questions.first()
    for person in voters:
        survey_answer(actor=person.user, survey=survey, answers={q.pk: survey.options.first().pk}, today=TODAY)
        report_grade(actor=person.user, report=report, grade="good", today=TODAY)
    sign_in(client, world.users["member_a"])
    answer = reverse("appraisal:survey_answer", args=[survey.pk])
    assert client.get(answer).status_code == 200
    assert client.post(answer, {f"q-{q.pk}": survey.options.get(label="不满意").pk}).status_code == 302
    assert client.post(answer, {f"q-{q.pk}": survey.options.first().pk}).status_code == 422  # answered already
    chosen = SurveyCount.objects.filter(question=q, option=survey.options.get(label="不满意"))
    assert sum(chosen.values_list("portal", flat=True)) == 1
    grade = reverse("appraisal:report_grade", args=[report.pk])
    assert client.post(grade, {"grade": "excellent"}).status_code == 422  # not a grade of a report
    assert client.post(grade, {"grade": "fairly_good"}).status_code == 302
    sign_in(client, world.users["secretary_a"])
    page = client.get(reverse("appraisal:survey", args=[survey.pk])).content.decode()
    assert "92.50" in page  # five satisfied (100) and one not satisfied (55): 555 / 6
    assert client.get(reverse("appraisal:report", args=[report.pk])).status_code == 200
    assert client.get(reverse("appraisal:survey_export", args=[survey.pk])).status_code == 200


def test_query_counts_do_not_grow(client, world, ballots):
    """The appraisal page of the secretary, the survey page, the home pages: members, votes, answers and ballots
    added do not add queries."""
    first = ballots.voters(5, prefix="first")
    appraisal, survey, report = ballots.appraisal(), ballots.survey(), ballots.report()
    q = survey.questions.first()

    def vote(people):
        targets = list(Appraisee.objects.filter(appraisal=appraisal).values_list("pk", "person_id"))
        for person in people:
            grades = {pk: "qualified" for pk, pid in targets if pid != person.pk}
            appraisal_vote(actor=person.user, appraisal=appraisal, grades=grades, today=TODAY)
            survey_answer(actor=person.user, survey=survey, answers={q.pk: survey.options.first().pk}, today=TODAY)

    vote(first)
    pages = [
        ("secretary_a", reverse("appraisal:appraisal", args=[appraisal.pk])),
        ("secretary_a", reverse("appraisal:appraisal", args=[appraisal.pk]) + "?paper=1"),
        ("secretary_a", reverse("appraisal:survey", args=[survey.pk])),
        ("secretary_a", reverse("appraisal:report", args=[report.pk])),
        ("secretary_a", reverse("appraisal:home")),
        ("staff", reverse("appraisal:home")),
        ("member_a", reverse("appraisal:home")),
        ("member_a", reverse("appraisal:ballot", args=[appraisal.pk])),
    ]
    small = {}
    for role, url in pages:
        sign_in(client, world.users[role])
        _count(client, url)
        small[url, role] = _count(client, url)
    # more members appraised (added to the appraisal as the roll would), more votes and answers, more ballots
    more = ballots.voters(12, prefix="more")
    created = Appraisee.objects.bulk_create([Appraisee(appraisal=appraisal, person=p) for p in more])
    AppraisalCount.objects.bulk_create([AppraisalCount(appraisee=a, grade=g, shard=n) for a in created for g in
                                        ("excellent", "qualified", "basic", "unqualified")
                                        for n in range(AppraisalCount.SHARDS)])  # fmt: skip
    vote(more)
    ballots.survey(title="第二次测评")
    ballots.appraisal(node=world.branch_b, who="staff")
    for role, url in pages:
        sign_in(client, world.users[role])
        _count(client, url)
        large = _count(client, url)
        assert large == small[url, role], f"{role} {url}: {small[url, role]} → {large}"
        assert large <= 20, f"{role} {url}: {large}"


def test_closing_early_and_the_weights_on_the_pages(client, world, ballots):
    """Closing before the last day asks for the box ticked; a weight that is not a number is refused with a
    translated sentence and nothing saved; the weights then change through the page."""
    survey = ballots.survey()
    sign_in(client, world.users["secretary_a"])
    page = client.get(reverse("appraisal:survey", args=[survey.pk])).content.decode()
    assert 'name="early"' in page and f'name="w-{survey.options.first().pk}"' in page
    close = reverse("appraisal:survey_action", args=[survey.pk, "close"])
    client.post(close, {})
    survey.refresh_from_db()
    assert survey.state == "open"
    weights = reverse("appraisal:survey_action", args=[survey.pk, "weights"])
    option = survey.options.get(label="基本满意")
    answer = client.post(weights, {f"w-{option.pk}": "很多"}, follow=True)
    assert answer.status_code == 200 and "权重" in answer.content.decode()
    assert survey.options.get(pk=option.pk).weight == 75
    data = {f"w-{o.pk}": "" if o.weight is None else str(o.weight) for o in survey.options.all()}
    client.post(weights, data | {f"w-{option.pk}": "80"})
    assert survey.options.get(pk=option.pk).weight == 80
    client.post(close, {"early": "1"})
    survey.refresh_from_db()
    assert survey.state == "closed"
