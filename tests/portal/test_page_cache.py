"""Cached pages and fragments (docs/adr/0004): a read request writes nothing to the database (the session is saved
again at most once a minute), a warm home page makes at most six queries, and every cached fragment shows a change
of the data behind it on the next request, whichever way the data was changed."""

import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.middleware import SEEN_AT_KEY
from apps.disclosure.models import Category, Notice, Scope
from apps.disclosure.services import notice_draft, notice_transition
from apps.lifecycle.models import StepRecord
from apps.notifications.models import Reminder
from apps.notifications.sweep import sweep
from apps.organisations import overview_cache
from apps.organisations.models import OrgNode, Post
from apps.organisations.services import post_end
from apps.people.models import Person
from apps.people.services import person_create, person_update
from apps.workdays.models import CalendarDay
from tests.conftest import sign_in
from tests.dates import TODAY, at

pytestmark = pytest.mark.usefixtures("today")

HOME = "/"
D = datetime.date


WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().split(None, 1)[0].upper() in WRITES]


def _home(client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["secretary_a", "staff", "admin", "member_a"])
def test_reading_the_home_page_twice_within_a_minute_writes_nothing_the_second_time(client, world, who):
    sign_in(client, world.users[who])
    _home(client)  # the first request of the session stamps it (sign-in time, last seen)
    with CaptureQueriesContext(connection) as ctx:
        _home(client)
    assert _writes(ctx) == []
    assert len(ctx) <= 6, [q["sql"][:120] for q in ctx.captured_queries]


def test_the_session_is_saved_again_once_a_minute_has_passed(client, world):
    sign_in(client, world.users["secretary_a"])
    _home(client)
    session = client.session
    session[SEEN_AT_KEY] = time.time() - 61
    session.save()
    with CaptureQueriesContext(connection) as ctx:
        _home(client)
    writes = _writes(ctx)
    assert len(writes) == 1 and "django_session" in writes[0]  # the idle limit renewed
    with CaptureQueriesContext(connection) as ctx:
        _home(client)
    assert _writes(ctx) == []


@pytest.mark.parametrize("url", ["notifications:list", "disclosure:board", "portal:my_profile"])
def test_other_read_pages_write_nothing_either(client, world, url):
    sign_in(client, world.users["secretary_a"])
    client.get(reverse(url))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(url)).status_code == 200
    assert _writes(ctx) == []


def _draft(world, author, title):
    return notice_draft(
        actor=world.users[author],
        node=world.branch_a,
        category=Category.objects.get(code="meetings"),
        title=title,
        content="<p>内容</p>",
        opens_on=TODAY,
        scope=Scope.ORGANISATION,
    )


def test_the_cached_to_do_shows_every_change_on_the_next_request(client, world):
    sign_in(client, world.users["secretary_a"])
    assert 'id="todo"' not in _home(client)
    # a service: the committee's staff drafts a notice of branch A, which the secretary is to check
    notice = _draft(world, "staff", "党委公开事项")
    assert "党委公开事项" in _home(client)
    # a write that bypasses the services (a queryset update) shows too
    Notice.objects.filter(pk=notice.pk).update(title="改过的公开事项")
    body = _home(client)
    assert "改过的公开事项" in body and "党委公开事项" not in body
    # checked by someone else: nothing waits for the secretary any more
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    assert 'id="todo"' not in _home(client)


def test_the_cached_home_body_shows_a_change_of_people_on_the_next_request(client, world):
    me = world.people["secretary_a"]
    sign_in(client, world.users["secretary_a"])
    assert me.name in _home(client)
    person_update(actor=world.users["admin"], person=me, fields={"name": "新名字"}, today=TODAY)
    body = _home(client)
    assert "新名字" in body and me.name not in body


def test_the_cached_unread_count_shows_every_change_on_the_next_request(client, world, due_case):
    sign_in(client, world.users["secretary_a"])
    assert 'class="count"' not in _home(client)
    sweep(today=TODAY, now=at(TODAY))  # a reminder for the secretary: the applicant's talk is due
    assert ">1</span>" in _home(client)
    with CaptureQueriesContext(connection) as ctx:
        assert ">1</span>" in client.get(reverse("portal:my_profile")).content.decode()
    assert not [q for q in ctx.captured_queries if "notifications_reminder" in q["sql"]]  # counted once, cached
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    client.get(reverse("notifications:open", args=[reminder.pk]))  # read: the count goes
    assert 'class="count"' not in _home(client)
    Reminder.objects.filter(pk=reminder.pk).update(read_at=None)  # not through a service: it comes back
    assert ">1</span>" in _home(client)


@pytest.fixture
def due_case(world):
    from apps.lifecycle.services import case_open

    return case_open(
        actor=world.users["secretary_a"],
        person=world.people["applicant_a"],
        branch=world.branch_a,
        application_on=TODAY.replace(month=TODAY.month - 1),
        today=TODAY,
    )


def test_a_version_is_bumped_at_the_first_write_and_once_on_commit(world, django_capture_on_commit_callbacks):
    overview_cache.watch_tables("test-notices", ("disclosure_notice",))
    try:
        before = overview_cache.data_version("test-notices")
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            _draft(world, "staff", "一")
            _draft(world, "staff", "二")
            Notice.objects.filter(title="一").update(title="三")
            at_once = overview_cache.data_version("test-notices")
        bumps = [c for c in callbacks if getattr(c, "name", "") == "test-notices"]
        assert at_once == before + 1  # at the first write: a page cached before the commit is not served after it
        assert len(bumps) == 1  # and once on commit, however many writes
        assert overview_cache.data_version("test-notices") == before + 2
        # reads bump nothing
        list(Notice.objects.all())
        assert overview_cache.data_version("test-notices") == before + 2
    finally:
        overview_cache._watched.pop("test-notices")


def _published(world, title):
    notice = _draft(world, "secretary_a", title)
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    notice_transition(actor=world.users["admin"], notice=notice, move="approve")
    notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=at(TODAY))
    return notice


def test_the_cached_board_shows_every_change_on_the_next_request(client, world):
    sign_in(client, world.users["member_a"])
    board = reverse("disclosure:board")
    assert "支部公开事项" not in client.get(board).content.decode()
    notice = _published(world, "支部公开事项")
    assert "支部公开事项" in client.get(board).content.decode()
    Notice.objects.filter(pk=notice.pk).update(title="改过的支部公开")  # bypassing the services: shown too
    body = client.get(board).content.decode()
    assert "改过的支部公开" in body and "支部公开事项" not in body
    # another member's board is their own (cached per user): a member of branch B does not read branch A's notice
    sign_in(client, world.users["member_b"])
    assert "改过的支部公开" not in client.get(board).content.decode()


def test_the_cached_notification_centre_shows_every_change_on_the_next_request(client, world, due_case):
    sign_in(client, world.users["secretary_a"])
    centre = reverse("notifications:list")
    assert '<li class="reminder' not in client.get(centre).content.decode()
    sweep(today=TODAY, now=at(TODAY))
    assert 'class="reminder unread' in client.get(centre).content.decode()
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    client.get(reverse("notifications:open", args=[reminder.pk]))
    body = client.get(centre).content.decode()
    assert body.count('<li class="reminder') == 1 and 'class="reminder unread' not in body


# -- the development case page (apps.lifecycle.views.case_detail) ----------------------------------------------------


def _case_page(client, case):
    response = client.get(reverse("lifecycle:case_detail", args=[case.pk]))
    return response.status_code, response.content.decode()


@pytest.fixture
def case_parts(monkeypatch):
    """What the case page computed and cached during the test (its parts, rendered)."""
    from apps.lifecycle import views

    computed = []
    compute = views._case_parts

    def recorded(*args, **kwargs):
        computed.append(compute(*args, **kwargs))
        return computed[-1]

    monkeypatch.setattr(views, "_case_parts", recorded)
    return computed


def test_the_cached_case_page_shows_every_change_on_the_next_request(client, world, case, record, case_parts):
    sign_in(client, world.users["secretary_a"])
    status, body = _case_page(client, case)
    assert status == 200 and "2024-09-20" not in body
    assert all("csrfmiddlewaretoken" not in str(parts) for parts in case_parts)  # never a token in the cache
    with CaptureQueriesContext(connection) as ctx:
        _status, again = _case_page(client, case)
    assert again.count("csrfmiddlewaretoken") == body.count("csrfmiddlewaretoken") > 0  # the forms are the frame's
    assert len(case_parts) == 1 and len(ctx) == 0  # served from the cache: not a row read
    # a service: a step recorded shows in the timeline and the records
    record(case, "applicant_talk", D(2024, 9, 20))
    assert body.count("2024-09-20") < _case_page(client, case)[1].count("2024-09-20")
    # a write that bypasses the services (a queryset update) shows too
    StepRecord.objects.filter(case=case, step="applicant_talk").update(on=D(2024, 9, 21))
    body = _case_page(client, case)[1]
    assert "2024-09-21" in body and "2024-09-20" not in body
    # the person's name (the people's tables), the branch's name (the organisations')
    Person.objects.filter(pk=case.person_id).update(name="改过的申请人")
    OrgNode.objects.filter(pk=world.branch_a.pk).update(name="改过的支部")
    body = _case_page(client, case)[1]
    assert "改过的申请人" in body and "改过的支部" in body


def test_the_cached_case_page_drops_the_upload_once_the_document_is_attached(client, world, case, case_parts):
    sign_in(client, world.users["secretary_a"])
    first = case.records.get(step="application_received")
    body = _case_page(client, case)[1]
    assert f'form="attach-{first.pk}"' in body and f'id="attach-{first.pk}"' in body
    url = reverse("lifecycle:record_document", args=[case.pk, first.pk])
    client.post(url, {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")})
    assert first.documents.count() == 1
    body = _case_page(client, case)[1]
    assert f"attach-{first.pk}" not in body and f"/documents/{first.documents.get().pk}/download/" in body


def test_the_cached_case_page_is_per_user_and_follows_their_grants(client, world, case, case_parts):
    sign_in(client, world.users["secretary_a"])
    assert _case_page(client, case)[0] == 200
    # someone else outside the subtree: the secretary's cached parts are not theirs
    sign_in(client, world.users["secretary_b"])
    assert _case_page(client, case)[0] == 404
    # the secretary's post ends: no access any more, on the next request
    post = Post.objects.get(person=world.people["secretary_a"], node=world.branch_a)
    post_end(actor=world.users["admin"], post=post, ended_on=TODAY - datetime.timedelta(days=1), today=TODAY)
    sign_in(client, world.users["secretary_a"])
    assert _case_page(client, case)[0] == 404


def test_the_cached_case_page_shows_a_change_of_the_holiday_calendar(client, world, case, record, case_parts):
    record(case, "applicant_talk", D(2024, 9, 20))
    sign_in(client, world.users["secretary_a"])
    _case_page(client, case)
    computed = len(case_parts)
    CalendarDay.objects.filter(date=D(2024, 10, 1)).update(name="national_day")  # any write to the calendar
    _case_page(client, case)
    assert len(case_parts) == computed + 1  # computed again: the plan's working days are counted on it


def test_the_cached_case_page_is_computed_again_after_a_write_to_the_meetings(client, world, case, case_parts):
    """A vote's link to the meeting it was taken in (orglife adds its meetings to the page's watched tables)."""
    from apps.orglife.models import Meeting

    sign_in(client, world.users["secretary_a"])
    _case_page(client, case)
    _case_page(client, case)
    assert len(case_parts) == 1
    Meeting.objects.filter(pk=0).update(topic="")  # a write statement to the meetings' table, however few rows
    _case_page(client, case)
    assert len(case_parts) == 2


# -- the admin: the people changelist's count, rows and node filter, and the sidebar ---------------------------------

PEOPLE_ADMIN = "/admin/people/person/"


def test_the_cached_admin_people_list_shows_every_change_on_the_next_request(client, world):
    sign_in(client, world.users["admin"])
    first = client.get(PEOPLE_ADMIN)
    count, body = first.context["cl"].result_count, first.content.decode()
    plain = world.people["plain_a"]
    assert plain.name in body
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(PEOPLE_ADMIN).status_code == 200
    assert len(ctx) == 1  # the page's rows: the count, the filter and the rendered rows are cached
    # a write that bypasses the services: the row shows it
    Person.objects.filter(pk=plain.pk).update(name="改过的群众")
    body = client.get(PEOPLE_ADMIN).content.decode()
    assert "改过的群众" in body and f">{plain.name}<" not in body
    # a person added: counted
    person_create(
        actor=world.users["admin"], node=world.branch_a, name="新来的人", political_status="masses", today=TODAY
    )
    again = client.get(PEOPLE_ADMIN)
    assert again.context["cl"].result_count == count + 1
    # the organisation filter names the nodes as they are now
    OrgNode.objects.filter(pk=world.committee.pk).update(name="改过的党委")
    assert "改过的党委" in client.get(PEOPLE_ADMIN).content.decode()


def test_the_cached_admin_people_list_is_per_user_and_query(client, world):
    sign_in(client, world.users["admin"])
    assert world.people["plain_b"].name in client.get(PEOPLE_ADMIN).content.decode()
    searched = client.get(PEOPLE_ADMIN, {"q": world.people["plain_a"].name}).content.decode()
    assert world.people["plain_b"].name not in searched.split('id="result_list"')[1]
    # the secretary of branch A: their own subtree, never the administrator's cached rows or count
    sign_in(client, world.users["secretary_a"])
    response = client.get(PEOPLE_ADMIN)
    assert world.people["plain_b"].name not in response.content.decode()
    assert (
        response.context["cl"].result_count == Person.objects.filter(node__path__startswith=world.branch_a.path).count()
    )


def test_the_cached_admin_sidebar_marks_the_page_and_follows_the_language(client, world):
    sign_in(client, world.users["admin"])
    body = client.get(PEOPLE_ADMIN).content.decode()
    assert 'id="nav-sidebar"' in body and 'class="model-person current-model"' in body
    body = client.get("/admin/organisations/orgnode/").content.decode()
    assert 'class="model-orgnode current-model"' in body and 'class="model-person current-model"' not in body
    assert "csrfmiddlewaretoken" not in body.split('id="nav-sidebar"')[1].split("</nav>")[0]
    chinese = client.get(PEOPLE_ADMIN).content.decode().split('id="nav-sidebar"')[1].split("</nav>")[0]
    client.post(reverse("set_language"), {"language": "en", "next": PEOPLE_ADMIN})
    english = client.get(PEOPLE_ADMIN).content.decode().split('id="nav-sidebar"')[1].split("</nav>")[0]
    assert english != chinese and "People" in english


def test_the_cached_admin_sidebar_follows_the_users_permissions(client, world):
    from django.contrib.auth.models import Permission

    staff = world.users["staff"]
    sign_in(client, staff)
    assert "/admin/auth/group/" not in client.get(PEOPLE_ADMIN).content.decode()
    staff.user_permissions.add(Permission.objects.get(codename="view_group"))  # a write to the users' permissions
    sign_in(client, type(staff).objects.get(pk=staff.pk))
    assert "/admin/auth/group/" in client.get(PEOPLE_ADMIN).content.decode()
