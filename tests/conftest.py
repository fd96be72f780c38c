"""Shared fixtures: a small organisation tree with one login per role, and sign-in helpers."""

from __future__ import annotations

import contextlib
import datetime
import os
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode, OrgPolicy
from apps.people.choices import PoliticalStatus
from apps.people.models import Person
from tests.dates import LAST_CALENDAR_YEAR, TODAY, at
from tests.factories import PersonFactory, UserFactory, give_post, make_node


@dataclass
class World:
    committee: OrgNode
    general: OrgNode
    branch_a: OrgNode
    group_a: OrgNode
    branch_b: OrgNode
    users: dict
    people: dict


def _person_with_login(username, node, status=PoliticalStatus.FULL, **fields) -> Person:
    user = UserFactory(username=username)
    return PersonFactory(node=node, user=user, political_status=status, **fields)


def ensure_roles() -> None:
    """The reference data of the data migrations: roles and post titles, the rule set editions, the holiday
    calendar (a transactional test's flush removes them)."""
    import importlib

    from django.apps import apps as django_apps

    from apps.disclosure.models import Category
    from apps.lifecycle.models import RuleSet
    from apps.notifications.models import ReminderRule
    from apps.organisations.models import PostTitle
    from apps.workdays.models import CalendarYear

    # each seed runs only where its rows are missing (after a transactional test's flush): a count is cheaper
    roles = importlib.import_module("apps.organisations.migrations.0003_roles_and_titles")
    if PostTitle.objects.count() < len(roles.TITLES):
        roles.seed(django_apps, None)
        importlib.import_module("apps.organisations.migrations.0004_publish_permission").grant(django_apps, None)
    if not RuleSet.objects.exists():
        importlib.import_module("apps.lifecycle.migrations.0002_editions").seed(django_apps, None)
    catalogue = importlib.import_module("apps.disclosure.migrations.0004_catalogue")
    if Category.objects.count() < len(catalogue.CATALOGUE):
        catalogue.seed(django_apps, None)
    rules = [
        importlib.import_module("apps.notifications.migrations.0002_default_rules"),
        importlib.import_module("apps.notifications.migrations.0003_periodic_disclosure_rule"),
        importlib.import_module("apps.notifications.migrations.0008_objection_answered_rule"),
        importlib.import_module("apps.dues.migrations.0002_defaults"),  # also the default dues policy
        importlib.import_module("apps.appraisal.migrations.0002_defaults"),  # also the default appraisal policy
        importlib.import_module("apps.assessment.migrations.0002_defaults"),  # also the default band sets
    ]
    if ReminderRule.objects.filter(committee=None).count() < sum(len(m.RULES) for m in rules):
        for module in rules:
            module.seed(django_apps, None)
    from apps.appraisal.models import AppraisalPolicy

    if not AppraisalPolicy.objects.filter(committee=None).exists():
        importlib.import_module("apps.appraisal.migrations.0002_defaults").seed(django_apps, None)
    if not CalendarYear.objects.exists():
        importlib.import_module("apps.workdays.migrations.0002_load_packaged_years").load(django_apps, None)


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in names or "live_server" in names


@contextlib.contextmanager
def module_transaction(django_db_blocker):
    """An outer transaction for data a whole module shares, rolled back when the module ends. Each test's own atomic
    (pytest-django's ``db``) nests in it as a savepoint, so nothing one test does reaches the next."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def _module_world(request, django_db_setup, django_db_blocker):
    """The world built once per test module, inside an outer transaction rolled back at the module's end; each test
    runs in a savepoint of it and reads the rows afresh. A module with a transactional test (real commits, other
    threads or processes) builds the world for each test instead (None here)."""
    items = [item for item in request.session.items if item.module is request.module]
    if any(_is_transactional(item) for item in items):
        yield None
        return
    with module_transaction(django_db_blocker):
        built = build_world()
        yield {
            "nodes": [n.pk for n in (built.committee, built.general, built.branch_a, built.group_a, built.branch_b)],
            "people": {key: p.pk for key, p in built.people.items()},
            "admin": built.users["admin"].pk,
        }


@pytest.fixture
def world(_module_world, db) -> World:
    """党委 → 总支 → 支部A (→ 小组) and 支部B; a login for each role; people in both branches. Fresh instances for
    every test (what a test changes is rolled back with its savepoint). ``db`` follows the test's marker: a
    transactional test gets a transactional database (and a world of its own)."""
    if _module_world is None:
        return build_world()
    from django.contrib.auth import get_user_model

    nodes = OrgNode.objects.in_bulk(_module_world["nodes"])
    by_pk = Person.objects.select_related("user").in_bulk(list(_module_world["people"].values()))
    people = {key: by_pk[pk] for key, pk in _module_world["people"].items()}
    users = {key: p.user for key, p in people.items() if p.user_id}
    users["admin"] = get_user_model().objects.get(pk=_module_world["admin"])
    return World(*(nodes[pk] for pk in _module_world["nodes"]), users, people)


def build_world() -> World:
    ensure_roles()
    committee = make_node(name="测试党委")
    OrgPolicy.objects.create(committee=committee)
    general = make_node(parent=committee, kind=NodeKind.GENERAL_BRANCH, name="机关党总支")
    branch_a = make_node(parent=general, name="第一党支部")
    group_a = make_node(parent=branch_a, kind=NodeKind.GROUP, name="第一党小组")
    branch_b = make_node(parent=committee, name="第二党支部")
    people = {
        "staff": _person_with_login("staff", branch_b),
        "secretary_a": _person_with_login("secretary_a", branch_a),
        "organiser_a": _person_with_login("organiser_a", branch_a),
        "propaganda_a": _person_with_login("propaganda_a", branch_a),
        "secretary_b": _person_with_login("secretary_b", branch_b),
        "member_a": _person_with_login("member_a", group_a),
        "applicant_a": _person_with_login("applicant_a", branch_a, PoliticalStatus.APPLICANT),
        "member_b": _person_with_login("member_b", branch_b),
        "masses_b": _person_with_login("masses_b", branch_b, PoliticalStatus.MASSES),
        "plain_a": PersonFactory(node=branch_a, home_address="秘密路1号"),
        "plain_b": PersonFactory(node=branch_b, home_address="秘密路2号"),
    }
    give_post(person=people["staff"], node=committee, title_code="organiser")
    give_post(person=people["secretary_a"], node=branch_a, title_code="secretary")
    give_post(person=people["organiser_a"], node=branch_a, title_code="organisation_member")
    give_post(person=people["propaganda_a"], node=branch_a, title_code="propaganda_member")
    give_post(person=people["secretary_b"], node=branch_b, title_code="secretary")
    users = {key: p.user for key, p in people.items() if p.user_id}
    users["admin"] = UserFactory(username="admin", is_staff=True, is_superuser=True)
    for user in users.values():
        user.refresh_from_db()
    return World(committee, general, branch_a, group_a, branch_b, users, people)


def sign_in(client, user) -> None:
    """Sign in with the second factor already given (a confirmed TOTP device on the session)."""
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (overviews, sessions, throttling)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def signed_in(client):
    def _sign_in(user):
        sign_in(client, user)
        return client

    return _sign_in


@pytest.fixture
def count_queries():
    """``with count_queries() as ctx: ...``; ``len(ctx)`` is the number of queries."""

    def _ctx():
        return CaptureQueriesContext(connection)

    return _ctx


def pytest_addoption(parser):
    parser.addoption(
        "--clock-back-days",
        type=int,
        default=0,
        help="Run the whole session with the process clock moved back this many days (time-machine, ticking): "
        "a test that passes only near the day it was written then fails.",
    )


_session_travel = None


def pytest_configure(config):
    """With --clock-back-days, the process clock runs that many days behind for the whole session."""
    global _session_travel
    days = config.getoption("--clock-back-days")
    if days:
        import time_machine

        destination = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=days)
        _session_travel = time_machine.travel(destination, tick=True)
        _session_travel.start()


def pytest_unconfigure(config):
    if _session_travel is not None:
        _session_travel.stop()


def pytest_report_header(config):
    days = config.getoption("--clock-back-days")
    if days:
        return f"clock moved back {days} days: the process thinks it is {datetime.date.today().isoformat()}"
    return None


@pytest.fixture
def today():
    """The suite's day (``tests.dates.TODAY``), with the process clock moved to 09:00 of it (ticking) for the test:
    for tests that go through a view, a task or a command, which read the clock."""
    import time_machine

    with time_machine.travel(at(TODAY), tick=True):
        yield TODAY


def pytest_itemcollected(item):
    """Transactional tests (real commits; the database is flushed after each) carry the ``transactional`` marker, so
    a run on several workers can leave them out and run them on their own (a flush would empty a worker's reference
    data for the tests after it)."""
    if _is_transactional(item):
        item.add_marker("transactional")


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's chromium; CI sets REQUIRE_BROWSER=1 so that a missing browser fails."""
    if os.path.exists("/usr/bin/chromium") or os.environ.get("REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def case(world):
    """An applicant of branch A whose application came on 2024-09-02 (2026.05 rules, the default)."""
    from apps.lifecycle.services import case_open

    return case_open(
        actor=world.users["secretary_a"],
        person=world.people["applicant_a"],
        branch=world.branch_a,
        application_on=datetime.date(2024, 9, 2),
        today=TODAY,
    )


@pytest.fixture
def record(world, request):
    """``record(case, step, on, who="secretary_a", **kw)`` through the service, recorded on ``today`` (TODAY).
    A test that records on a day after the holiday calendar's last year carries the ``beyond_calendar`` marker."""
    from apps.lifecycle.services import RecordEntry, case_record_step

    def _record(case, step, on, who="secretary_a", today=TODAY, **kw):
        if today.year > LAST_CALENDAR_YEAR and request.node.get_closest_marker("beyond_calendar") is None:
            pytest.fail(f"recording on {today}, after the calendar's last year: mark the test beyond_calendar")
        return case_record_step(
            actor=world.users[who], case=case, entry=RecordEntry(step=step, on=on, **kw), now=at(today)
        )

    return _record
