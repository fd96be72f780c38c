"""A democratic appraisal clicked through from the ballot to the grade: the secretary opens it from the portal's
menu, a member casts a ballot, more members vote, the counts appear from the fifth voter, the secretary closes
voting and records the branch meeting's grades, and the member reads their own grade and feedback.
Screenshots in artifacts/screenshots/appraisal_*.png."""

import pytest

from apps.appraisal.models import Appraisal, AppraisalVoter, Appraisee
from apps.appraisal.services import appraisal_vote
from apps.people.choices import PoliticalStatus
from tests.conftest import _person_with_login
from tests.dates import TODAY

from .test_lifecycle_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_appraisal_from_ballot_to_grade(browser, live_server, world, shot, today):
    base = live_server.url
    more = [_person_with_login(f"voter{i}", world.branch_a, PoliticalStatus.FULL) for i in range(4)]

    # the secretary opens this year's appraisal of the branch from the menu
    secretary = _sign_in(browser, base, world.users["secretary_a"])
    secretary.goto(f"{base}/")
    secretary.click("header a[href$='/appraisal/']")
    secretary.wait_for_url("**/appraisal/")
    secretary.click("main a[href$='/new/appraisal/']")
    secretary.select_option("select[name=node]", str(world.branch_a.pk))
    for name in ("held_on", "opens_on"):
        secretary.fill(f"input[name={name}]", TODAY.isoformat())
    secretary.fill("input[name=closes_on]", TODAY.replace(day=28).isoformat())
    shot(secretary, "appraisal_01_open")
    secretary.click("main form button[type=submit]")
    secretary.wait_for_selector("text=已发起")
    appraisal = Appraisal.objects.get(node=world.branch_a)
    assert Appraisee.objects.filter(appraisal=appraisal).count() == 9

    # the member finds the ballot on the page of their ballots and grades the others
    me = _sign_in(browser, base, world.users["member_a"], second_factor=False)
    me.goto(f"{base}/")
    me.click("header a[href$='/appraisal/']")
    me.click(f"main a[href$='/appraisals/{appraisal.pk}/ballot/']")
    me.fill("textarea[name=text]", "认真学习，按时参加组织生活。")
    me.click("main form:has(input[value=self]) button")
    me.wait_for_selector("text=您的自我评价已保存")
    for select in me.query_selector_all("main select[name^=g-]"):
        select.select_option("qualified")
    shot(me, "appraisal_02_ballot")
    me.click("main form:has(input[value=vote]) button")
    me.wait_for_selector("text=您已投票")
    assert AppraisalVoter.objects.filter(appraisal=appraisal).count() == 1

    # four more members vote; from the fifth voter the secretary sees the counts
    others = list(Appraisee.objects.filter(appraisal=appraisal))
    for person in more:
        grades = {a.pk: "excellent" if a.person_id == world.people["secretary_a"].pk else "qualified"
                  for a in others if a.person_id != person.pk}  # fmt: skip
        appraisal_vote(actor=person.user, appraisal=appraisal, grades=grades, today=TODAY)
    secretary.goto(f"{base}/appraisal/")
    secretary.click(f"main a[href$='/appraisals/{appraisal.pk}/']")
    secretary.wait_for_selector("text=被评议党员")
    assert secretary.query_selector("text=投票人数达到5人后才显示计票结果") is None
    shot(secretary, "appraisal_03_counts")

    # voting closed, the branch meeting's grades recorded: one member basically qualified, with feedback
    secretary.check("form[action$='/close/'] input[name=early]")  # before its last day: confirmed
    secretary.click("form[action$='/close/'] button")
    secretary.wait_for_selector("text=投票已结束")
    mine = Appraisee.objects.get(appraisal=appraisal, person=world.people["member_a"])
    secretary.select_option(f"select[name=g-{mine.pk}]", "basic")
    secretary.fill(f"input[name=f-{mine.pk}]", "参加组织生活不够经常")
    shot(secretary, "appraisal_04_grades")
    secretary.click("form[action$='/fix/'] button")
    secretary.wait_for_selector("text=支部党员大会确定的等次已记录")
    mine.refresh_from_db()
    assert (mine.grade, mine.review_state) == ("basic", "reported")

    # the member reads their own grade and feedback, privately
    me.goto(f"{base}/appraisal/")
    me.wait_for_selector("text=参加组织生活不够经常")
    assert me.query_selector("main strong:text-is('基本合格')") is not None
    shot(me, "appraisal_05_my_grade")
