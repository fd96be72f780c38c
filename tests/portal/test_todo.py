"""The committee's to-do on the home page: what waits for each official's check, approval, publication, answer or
record, by the workflow's table and the steps' recorders; each item links where it is done, only for those who may
open it; a constant number of queries."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.disclosure.models import Category, Notice, NoticeStatus, Scope
from apps.disclosure.selectors import notices_awaiting_for
from apps.disclosure.services import notice_draft, notice_moves_for, notice_transition, objection_file
from apps.improvement.models import CommitmentCategory
from apps.improvement.services import commitments_submit, commitments_vet_many
from apps.lifecycle.services import case_open
from apps.people.choices import PoliticalStatus
from apps.portal.todo import todo_for
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.factories import PersonFactory

pytestmark = pytest.mark.usefixtures("today")
D = datetime.date


def _draft(world, author, title, node=None, opens_on=TODAY):
    return notice_draft(
        actor=world.users[author],
        node=node or world.branch_a,
        category=Category.objects.get(code="meetings"),
        title=title,
        content="<p>内容</p>",
        opens_on=opens_on,
        scope=Scope.ORGANISATION,
    )


def _lists(world, who):
    return {t.key: t for t in todo_for(user=world.users[who], today=TODAY)}


def _titles(todo, key):
    return [item.text for item in todo[key].items] if key in todo else []


def test_notices_wait_for_whoever_may_make_the_next_move_and_never_for_their_author(world):
    # given: a draft of the branch secretary, one of the committee staff, one checked, one approved
    by_secretary = _draft(world, "secretary_a", "支部党员大会公开")
    _draft(world, "staff", "党委公开事项")
    checked = _draft(world, "secretary_a", "已审查的公开")
    notice_transition(actor=world.users["organiser_a"], notice=checked, move="check")
    approved = _draft(world, "secretary_a", "已审批的公开")
    notice_transition(actor=world.users["organiser_a"], notice=approved, move="check")
    notice_transition(actor=world.users["staff"], notice=approved, move="approve")
    # then: each official is offered what they may do, never what they wrote
    staff = _lists(world, "staff")
    assert _titles(staff, "notices_check") == ["支部党员大会公开"]  # not their own draft
    assert _titles(staff, "notices_approve") == ["已审查的公开"]
    assert _titles(staff, "notices_publish") == ["已审批的公开"]
    secretary = _lists(world, "secretary_a")
    assert _titles(secretary, "notices_check") == ["党委公开事项"]  # the secretary wrote the others
    assert "notices_approve" not in secretary  # a branch secretary does not approve
    assert _titles(secretary, "notices_publish") == ["已审批的公开"]  # publishing has no four-eyes rule
    organiser = _lists(world, "organiser_a")
    assert set(_titles(organiser, "notices_check")) == {"支部党员大会公开", "党委公开事项"}
    assert "notices_approve" not in organiser and "notices_publish" not in organiser
    # an editor of a draft is one of its authors too
    by_secretary.editors.add(world.users["organiser_a"])
    assert _titles(_lists(world, "organiser_a"), "notices_check") == ["党委公开事项"]
    # a member has nothing to do
    assert todo_for(user=world.users["member_a"], today=TODAY) == []
    # and each item links to the notice's page in the admin
    item = staff["notices_check"].items[0]
    assert item.url == reverse("admin:disclosure_notice_change", args=[by_secretary.pk])


@pytest.mark.parametrize("who", ["staff", "secretary_a", "organiser_a", "secretary_b", "admin"])
def test_what_the_to_do_offers_is_what_the_workflow_allows(world, who):
    drafts = [_draft(world, author, f"{author}的公开") for author in ("staff", "secretary_a", "organiser_a")]
    drafts.append(_draft(world, "secretary_b", "二支部公开", node=world.branch_b))
    notice_transition(actor=world.users["admin"], notice=drafts[0], move="check")
    notice_transition(actor=world.users["organiser_a"], notice=drafts[1], move="check")
    notice_transition(actor=world.users["admin"], notice=drafts[1], move="approve")
    user = world.users[who]
    offered, counts = notices_awaiting_for(user=user)
    assert sum(counts.values()) == len(offered)
    for notice in Notice.objects.all():
        moves = {t.move for t, refused in notice_moves_for(actor=user, notice=notice, now=at(TODAY)) if not refused}
        expected = moves & {"check", "approve", "publish"}
        got = {move.move for n, move in offered if n.pk == notice.pk}
        assert got == expected, (who, notice.title, notice.status)


def test_a_backdated_notice_waiting_to_be_published_says_what_to_do(world):
    notice = _draft(world, "secretary_a", "晚了的公开", opens_on=TODAY)
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    notice_transition(actor=world.users["staff"], notice=notice, move="approve")
    Notice.objects.filter(pk=notice.pk).update(opens_on=TODAY - datetime.timedelta(days=2))
    item = _lists(world, "staff")["notices_publish"].items[0]
    assert item.late and "退回草稿" in item.detail


def test_a_draft_whose_window_has_begun_is_flagged_before_it_is_checked(world):
    """It could never be published with that window: the checker learns it now, not the publisher later."""
    _draft(world, "secretary_a", "过期的草稿", opens_on=TODAY - datetime.timedelta(days=3))
    _draft(world, "secretary_a", "按时的草稿", opens_on=TODAY)
    items = {i.text: i for i in _lists(world, "organiser_a")["notices_check"].items}
    assert items["过期的草稿"].late and "新的公示期" in items["过期的草稿"].detail
    assert not items["按时的草稿"].late


def test_objections_wait_for_their_handlers(world):
    notice = _draft(world, "secretary_a", "公示")
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    notice_transition(actor=world.users["staff"], notice=notice, move="approve")
    notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=at(TODAY))
    objection = objection_file(
        actor=world.users["member_a"], notice=notice, content="有异议", reporter=world.people["member_a"], today=TODAY
    )
    for who in ("staff", "secretary_a", "organiser_a"):
        item = _lists(world, who)["objections"].items[0]
        assert item.text == "公示" and item.url == reverse("admin:disclosure_objection_change", args=[objection.pk])
        assert world.people["member_a"].name not in item.detail  # the list does not name the reporter
    assert "objections" not in _lists(world, "secretary_b")  # another branch's


def test_the_committee_sees_the_filings_and_approvals_it_records(world, record):
    person = world.people["plain_a"]
    person.political_status = PoliticalStatus.MASSES
    person.save()
    case = case_open(
        actor=world.users["secretary_a"],
        person=person,
        branch=world.branch_a,
        application_on=D(2025, 9, 1),
        today=TODAY,
    )
    record(case, "applicant_talk", D(2025, 9, 20))
    record(case, "activist_designated", D(2025, 12, 8))  # an activist not yet filed with the committee
    item = _lists(world, "staff")["committee"].items[0]
    assert item.text == person.name and "积极分子备案" in item.detail
    assert item.url == reverse("lifecycle:case_detail", args=[case.pk])
    assert "committee" not in _lists(world, "secretary_a")  # the branch does not file with itself
    # once filed, it leaves the list
    record(case, "activist_filed", D(2025, 12, 15), who="staff")
    committee = _lists(world, "staff").get("committee")
    assert committee is None or reverse("lifecycle:case_detail", args=[case.pk]) not in [i.url for i in committee.items]


def test_the_pipeline_lists_only_what_waits_for_the_committee_when_the_to_do_asks(client, world, record):
    waiting_person, other_person = world.people["plain_a"], PersonFactory(node=world.branch_a)
    cases = {}
    for person in (waiting_person, other_person):
        person.political_status = PoliticalStatus.MASSES
        person.save()
        cases[person.pk] = case_open(actor=world.users["secretary_a"], person=person, branch=world.branch_a,
                                     application_on=D(2025, 9, 1), today=TODAY)  # fmt: skip
    waiting = cases[waiting_person.pk]
    record(waiting, "applicant_talk", D(2025, 9, 20))
    record(waiting, "activist_designated", D(2025, 12, 8))  # waits for the committee's filing
    sign_in(client, world.users["staff"])
    page = client.get(reverse("lifecycle:pipeline") + "?waiting=committee").content.decode()
    assert waiting_person.name in page and other_person.name not in page
    whole = client.get(reverse("lifecycle:pipeline")).content.decode()
    assert waiting_person.name in whole and other_person.name in whole
    sign_in(client, world.users["secretary_a"])  # records no committee step: the whole pipeline
    assert other_person.name in client.get(reverse("lifecycle:pipeline") + "?waiting=committee").content.decode()


def test_home_page_shows_the_to_do_with_links_only_to_pages_the_user_opens(client, world):
    notice = _draft(world, "secretary_a", "支部党员大会公开")
    sign_in(client, world.users["staff"])
    body = client.get(reverse("portal:home")).content.decode()
    assert "待办" in body and "支部党员大会公开" in body
    link = reverse("admin:disclosure_notice_change", args=[notice.pk])
    assert f'href="{link}"' in body and client.get(link).status_code == 200
    sign_in(client, world.users["member_a"])
    assert 'id="todo"' not in client.get(reverse("portal:home")).content.decode()


def _commitments(n):
    categories = list(CommitmentCategory.objects.all())
    return [(categories[i % len(categories)], f"承诺{i}") for i in range(n)]


def test_a_members_commitments_wait_for_the_vetting_of_their_branch_a_set_to_a_line(client, world):
    member = world.people["member_a"]
    submitted = commitments_submit(actor=world.users["member_a"], person=member, year=TODAY.year, items=_commitments(3))
    earlier = PersonFactory(node=world.branch_a, political_status=PoliticalStatus.FULL)
    old = commitments_submit(
        actor=world.users["secretary_a"], person=earlier, year=TODAY.year - 1, items=_commitments(2)
    )
    todo = _lists(world, "secretary_a")["commitments"]
    assert todo.total == 2
    this_year = next(i for i in todo.items if i.text == member.name)
    assert "3" in this_year.detail and this_year.url == reverse("improvement:commitments") + "#to-vet"
    last_year = next(i for i in todo.items if i.text == earlier.name)
    assert last_year.url == reverse("improvement:commitment", args=[min(c.pk for c in old)])
    assert "commitments" in _lists(world, "staff")  # the committee runs the branch's organisations too
    assert "commitments" not in _lists(world, "secretary_b")  # another branch's
    assert "commitments" not in _lists(world, "member_a")
    # on the home page, the link opens and shows them to vet; once vetted they leave the to-do (its cache too)
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("portal:home")).content.decode()
    assert "待审核的承诺" in body and member.name in body
    page = client.get(reverse("improvement:commitments")).content.decode()
    assert 'id="to-vet"' in page and submitted[0].text in page
    commitments_vet_many(actor=world.users["secretary_a"], commitments=submitted)
    assert member.name not in client.get(reverse("portal:home")).content.decode()


def _grow(world, n):
    for i in range(n):
        _draft(world, "secretary_a", f"公开{i}-{n}")
        checked = _draft(world, "secretary_a", f"已审查{i}-{n}")
        notice_transition(actor=world.users["organiser_a"], notice=checked, move="check")
        published = _draft(world, "secretary_a", f"已发布{i}-{n}")
        notice_transition(actor=world.users["organiser_a"], notice=published, move="check")
        notice_transition(actor=world.users["admin"], notice=published, move="approve")
        notice_transition(actor=world.users["staff"], notice=published, move="publish", now=at(TODAY))
        objection_file(actor=None, notice=published, content="异议", reporter=None, channel="letter", today=TODAY)
        person = PersonFactory(node=world.branch_a, political_status=PoliticalStatus.MASSES)
        case_open(
            actor=world.users["staff"], person=person, branch=world.branch_a, application_on=D(2026, 1, 5), today=TODAY
        )
        member = PersonFactory(node=world.branch_a, political_status=PoliticalStatus.FULL)
        commitments_submit(actor=world.users["secretary_a"], person=member, year=TODAY.year, items=_commitments(2))


def _count(client):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("who", ["staff", "secretary_a", "admin"])
def test_the_to_do_keeps_the_home_page_at_a_constant_number_of_queries(client, world, who):
    sign_in(client, world.users[who])
    _grow(world, 1)
    _count(client)
    small = _count(client)
    _grow(world, 12)  # more than a list shows
    assert _count(client) == small
    # with an empty cache: one query per to-do list (notices, objections, committee, transfers, assessment sheets to
    # review, commitments to vet), the session, the user, their device, the grants, the menu's standing, the
    # overviews and the header's unread count
    assert small <= 20, small
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("portal:home")).status_code == 200
    assert len(ctx) <= 6, [q["sql"] for q in ctx.captured_queries]  # warm: the to-do and the body are cached


def test_the_notice_page_shows_who_checks_and_approves_and_offers_the_next_move(client, world):
    notice = _draft(world, "secretary_a", "支部党员大会公开")
    url = reverse("admin:disclosure_notice_change", args=[notice.pk])
    move = reverse("admin:disclosure_notice_move", args=[notice.pk])
    # the author is told why they cannot check it; no button
    sign_in(client, world.users["secretary_a"])
    body = client.get(url).content.decode()
    assert "起草人" in body and "尚未审查" in body and "审查须由起草人以外的同志进行" in body
    assert f'formaction="{move}"' not in body
    assert client.post(move, {"move": "check"}).status_code == 302
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT
    # the organisation member checks it from the page
    sign_in(client, world.users["organiser_a"])
    assert f'formaction="{move}"' in client.get(url).content.decode()
    client.post(move, {"move": "check"})
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CHECKED and notice.checked_by == world.users["organiser_a"]
    # the committee staff approves it; the page names both
    sign_in(client, world.users["staff"])
    client.post(move, {"move": "approve"})
    body = client.get(url).content.decode()
    assert world.people["organiser_a"].name in body and world.people["staff"].name in body
    # another branch's secretary cannot reach it
    sign_in(client, world.users["secretary_b"])
    assert client.post(move, {"move": "publish"}).status_code == 404
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.APPROVED


def test_the_board_names_checker_and_approver_for_staff_only(client, world):
    notice = _draft(world, "secretary_a", "支部党员大会公开")
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    notice_transition(actor=world.users["staff"], notice=notice, move="approve")
    notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=at(TODAY))
    url = reverse("disclosure:notice", args=[notice.pk])
    sign_in(client, world.users["secretary_a"])
    body = client.get(url).content.decode()
    assert "data-workflow" in body and world.people["organiser_a"].name in body
    sign_in(client, world.users["member_a"])
    assert "data-workflow" not in client.get(url).content.decode()
