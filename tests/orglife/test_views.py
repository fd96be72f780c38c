"""The pages of organisational life: what each role sees and does, refusals shown with the input kept, constant query
counts on the grid, the meeting page and the attendance save."""

import datetime
from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.lifecycle.models import Vote
from apps.orglife.models import Attendee, LeaveRequest, Meeting, PlanItem
from apps.orglife.selectors import meeting_roll
from apps.orglife.services import attendance_record
from apps.people.choices import PoliticalStatus
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.factories import PersonFactory, make_node

pytestmark = pytest.mark.usefixtures("today")

D = datetime.date


def _as(client, world, key):
    client.logout()
    sign_in(client, world.users[key])
    return client


def test_home_for_each_role(client, world, notified):
    meeting = notified()
    member = _as(client, world, "member_a").get(reverse("orglife:home"))
    assert member.status_code == 200
    assert meeting.topic in member.content.decode()
    secretary = _as(client, world, "secretary_a").get(reverse("orglife:home"))
    assert world.branch_a.name in secretary.content.decode()
    assert reverse("orglife:node_year", args=[world.branch_a.pk]) in secretary.content.decode()
    for key in ("applicant_a", "staff", "admin", "masses_b"):
        assert _as(client, world, key).get(reverse("orglife:home")).status_code == 200


def test_the_branch_year_shows_plan_calendar_and_compliance(client, world, held):
    held(D(2026, 2, 3), kinds=("general_meeting",))
    PlanItem.objects.create(
        node=world.branch_a, year=2026, planned_on=D(2026, 12, 1), kinds=["theme_day"], topic="十二月"
    )
    page = _as(client, world, "secretary_a").get(reverse("orglife:node_year", args=[world.branch_a.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-period="2026-Q1" data-state="held"' in text
    assert 'data-period="2026-Q2" data-state="missing"' in text
    assert 'data-period="2026-Q4" data-state="in_progress"' in text
    assert "十二月" in text
    assert (
        _as(client, world, "secretary_b").get(reverse("orglife:node_year", args=[world.branch_a.pk])).status_code == 404
    )


def test_arranging_a_meeting_refused_keeps_the_input(client, world):
    c = _as(client, world, "secretary_a")
    url = reverse("orglife:meeting_new", args=[world.branch_a.pk])
    data = {"node": world.branch_a.pk, "kinds": ["party_lecture"], "held_on": "2026-11-10", "topic": "党课",
            "study_hours": "-3"}  # fmt: skip
    response = c.post(url, data)
    assert response.status_code == 422
    assert "党课" in response.content.decode()
    assert not Meeting.objects.exists()
    data["study_hours"] = "2"
    response = c.post(url, data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("orglife:meeting", args=[meeting.pk])


def test_from_notice_to_minutes_through_the_pages(client, world, meet):
    meeting = meet(TODAY)
    c = _as(client, world, "secretary_a")
    assert c.post(reverse("orglife:meeting_action", args=[meeting.pk, "notify"])).status_code == 302
    member = _as(client, world, "member_a")
    assert member.get(reverse("orglife:meeting", args=[meeting.pk])).status_code == 200
    member.post(reverse("orglife:meeting_action", args=[meeting.pk, "leave"]), {"reason": "出差"})
    leave = LeaveRequest.objects.get()
    c = _as(client, world, "secretary_a")
    c.post(reverse("orglife:leave_decide", args=[leave.pk, "approve"]))
    leave.refresh_from_db()
    assert leave.state == "approved"
    page = c.get(reverse("orglife:attendance", args=[meeting.pk]))
    assert page.status_code == 200
    marks = {f"p{e.person.pk}": "present" for e in meeting_roll(meeting)}
    marks[f"p{world.people['member_a'].pk}"] = "leave"
    response = c.post(reverse("orglife:attendance", args=[meeting.pk]), {**marks, "version": 0})
    assert response.status_code == 302
    assert Attendee.objects.get(meeting=meeting, person=world.people["member_a"]).presence == "leave"
    c.post(reverse("orglife:meeting_action", args=[meeting.pk, "minutes"]), {"minutes": "<p>记录</p>", "decisions": ""})
    meeting.refresh_from_db()
    assert meeting.minutes == "<p>记录</p>"
    bad = c.post(reverse("orglife:meeting_action", args=[meeting.pk, "minutes"]),
                 {"minutes": "<script>x</script>", "decisions": ""}, follow=True)  # fmt: skip
    assert "脚本" in bad.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes == "<p>记录</p>"


def test_a_stale_attendance_form_is_refused(client, world, meet):
    meeting = meet(D(2026, 11, 2))
    marks = {f"p{e.person.pk}": "present" for e in meeting_roll(meeting)}
    first = {int(k[1:]): v for k, v in marks.items()}
    attendance_record(actor=world.users["organiser_a"], meeting=meeting, marks=first, now=at(TODAY))
    c = _as(client, world, "secretary_a")
    marks[f"p{world.people['plain_a'].pk}"] = "absent"
    response = c.post(reverse("orglife:attendance", args=[meeting.pk]), {**marks, "version": 0}, follow=True)
    assert "重新" in response.content.decode() or "reload" in response.content.decode()
    assert Attendee.objects.get(meeting=meeting, person=world.people["plain_a"]).presence == "present"


def test_the_vote_form_records_on_the_case(client, world, case, record, held):
    from tests.orglife.test_services import _to_meeting

    _to_meeting(world, case, record)
    meeting = held(D(2025, 12, 20))
    c = _as(client, world, "secretary_a")
    response = c.post(
        reverse("orglife:meeting_action", args=[meeting.pk, "vote"]),
        {"case": case.pk, "step": "admission_meeting", "present": 5, "yes": 5, "passed": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    vote = Vote.objects.get()
    assert vote.record.case_id == case.pk and vote.due == 5
    case_page = c.get(reverse("lifecycle:case_detail", args=[case.pk])).content.decode()
    assert reverse("orglife:meeting", args=[meeting.pk]) in case_page
    meeting_page = c.get(reverse("orglife:meeting", args=[meeting.pk])).content.decode()
    assert f'data-vote="{vote.record_id}"' in meeting_page


def test_the_grid_and_its_export(client, world, held):
    held(D(2026, 2, 3), kinds=("general_meeting",))
    c = _as(client, world, "staff")
    page = c.get(reverse("orglife:grid") + "?kind=general_meeting")
    text = page.content.decode()
    assert page.status_code == 200
    assert f'data-node="{world.branch_a.pk}"' in text and f'data-node="{world.branch_b.pk}"' in text
    assert "sr-only" in text  # a text alternative in every cell
    export = c.get(reverse("orglife:grid_export") + "?kind=general_meeting")
    assert export.status_code == 200
    from openpyxl import load_workbook

    months, kinds = load_workbook(BytesIO(export.content)).worksheets
    rows = {row[0]: row for row in months.iter_rows(values_only=True)}
    assert rows[world.branch_a.name][2] == "已召开"  # February: Q1 held
    assert rows[world.branch_a.name][4] == "未召开"  # April: Q2 missing
    by_kind = list(kinds.iter_rows(values_only=True))
    assert len(by_kind[0]) == 6  # organisation, kind, required, held, missing, in progress
    assert any(row[0] == world.branch_a.name and row[3] >= 1 for row in by_kind[1:])
    secretary = _as(client, world, "secretary_a").get(reverse("orglife:grid"))
    assert f'data-node="{world.branch_b.pk}"' not in secretary.content.decode()
    assert _as(client, world, "member_a").get(reverse("orglife:grid")).status_code == 403


# --- query counts ---------------------------------------------------------------------------------------------------


def _count(client, url, method="get", data=None):
    cache.clear()
    client.get(reverse("orglife:home"))  # the session's once-a-minute renewal and unread count, out of the way
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data or {})
    assert response.status_code in (200, 302), (url, response.status_code)
    return len(ctx)


def _grow_branches(world, n, held):
    for i in range(n):
        branch = make_node(parent=world.committee, name=f"增支部{i}-{n}", established_on=D(2020, 1, 1))
        make_node(parent=branch, kind="group", name=f"增小组{i}-{n}")
        PersonFactory(node=branch)
    for month in (1, 4, 7):
        held(D(2026, month, 10 + n), kinds=("general_meeting", "party_lecture"))


def test_grid_queries_do_not_grow(client, world, held):
    c = _as(client, world, "staff")
    url = reverse("orglife:grid")
    _grow_branches(world, 2, held)
    first = _count(c, url)
    _grow_branches(world, 6, held)
    assert _count(c, url) == first
    assert first <= 12


def test_meeting_page_and_attendance_queries_do_not_grow_with_the_roll(client, world, meet):
    c = _as(client, world, "secretary_a")

    def roll_of(n):
        for _ in range(n):
            PersonFactory(node=world.branch_a)
            PersonFactory(node=world.group_a, political_status=PoliticalStatus.PROBATIONARY, full_member_on=None)
        meeting = meet(D(2026, 11, 2))
        marks = {f"p{e.person.pk}": "present" for e in meeting_roll(meeting)}
        return meeting, marks

    small, small_marks = roll_of(2)
    page_small = _count(c, reverse("orglife:meeting", args=[small.pk]))
    save_small = _count(c, reverse("orglife:attendance", args=[small.pk]), "post", {**small_marks, "version": 0})
    large, large_marks = roll_of(20)
    assert _count(c, reverse("orglife:meeting", args=[large.pk])) == page_small
    assert (
        _count(c, reverse("orglife:attendance", args=[large.pk]), "post", {**large_marks, "version": 0}) == save_small
    )
    assert Attendee.objects.filter(meeting=large).count() == len(large_marks)


def test_the_attendance_service_queries_do_not_grow(world, meet):
    def save(n):
        for _ in range(n):
            PersonFactory(node=world.branch_a)
        meeting = meet(D(2026, 11, 2))
        marks = {e.person.pk: "present" for e in meeting_roll(meeting)}
        meeting = Meeting.objects.get(pk=meeting.pk)
        with CaptureQueriesContext(connection) as ctx:
            attendance_record(actor=world.users["secretary_a"], meeting=meeting, marks=marks, now=at(TODAY))
        # the savepoint statements come from the test's own transaction (a request opens and commits one)
        return sum(1 for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"])

    small = save(1)
    assert save(40) == small
    assert small <= 10


def test_admin_lists_do_not_grow(client, world, held):
    c = _as(client, world, "staff")
    urls = [
        reverse("admin:orglife_meeting_changelist"),
        reverse("admin:orglife_meeting_changelist") + "?minutes=missing&kind=general_meeting",
        reverse("admin:orglife_organisationcompliance_changelist") + "?compliance=missing",
    ]
    _grow_branches(world, 1, held)
    small = [_count(c, url) for url in urls]
    _grow_branches(world, 5, held)
    assert [_count(c, url) for url in urls] == small


def test_the_admin_compliance_filter(client, world, held):
    held(D(2026, 2, 3), kinds=("general_meeting",))
    c = _as(client, world, "staff")
    page = c.get(reverse("admin:orglife_organisationcompliance_changelist") + "?compliance=missing:general_meeting")
    assert page.status_code == 200
    rows = [n.pk for n in page.context["cl"].result_list]
    assert world.branch_a.pk in rows and world.branch_b.pk in rows  # both missed Q2 and Q3
    assert world.committee.pk not in rows  # a committee owes no general meeting of its own
    meetings = c.get(reverse("admin:orglife_meeting_changelist") + "?minutes=missing")
    assert len(meetings.context["cl"].result_list) == 1
