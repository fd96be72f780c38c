"""Every link every demo account sees, followed two levels deep on the demo data (``seed_demo``), on the suite's
day: no error status (403, 404, 500 …), no redirect loop, no page that opens with a warning, no English text of the
project's or Django's catalogue on a zh-Hans page. The walker itself: ``tests/portal/walker.py``."""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command
from django.http import HttpResponse, HttpResponseRedirect
from django.test import Client

from apps.organisations.demo import DEMO_PASSWORD
from apps.people.demo import ACCOUNTS
from tests.conftest import module_transaction
from tests.dates import TODAY, at
from tests.portal.walker import Walker, catalogue_texts, shape, sign_in

pytestmark = pytest.mark.slow  # seeds the whole demo and walks about 1,400 pages (a minute or two)

USERNAMES = [account[0] for account in ACCOUNTS]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data of ``make run``, seeded once for the module on the suite's day."""
    with time_machine.travel(at(TODAY), tick=True), module_transaction(django_db_blocker):
        call_command("seed_demo", stdout=StringIO())
        yield catalogue_texts()


@pytest.mark.parametrize("username", USERNAMES)
def test_every_link_answers_in_chinese(demo, db, today, username):
    from django.contrib.auth import get_user_model

    # given a demo account signed in with the demo password (and its second factor when its role needs one)
    client = Client()
    sign_in(client, username, DEMO_PASSWORD)
    staff = get_user_model().objects.get(username=username).is_staff
    # when it follows every link from the home page and the admin index, two levels deep
    result = Walker(client, account=username, texts=demo).walk(expect=None if staff else {"/admin/": 403})
    # then every page answers, in Chinese, without a warning
    assert result.pages > (50 if staff else 10)
    assert not result.problems, "\n".join(str(problem) for problem in result.problems)


def test_the_walker_reports_what_it_should(demo, db, today):
    """A walk that cannot fail proves nothing: a broken link, a page its reader may not open, a redirect loop, a page
    that opens with a warning, and English on a Chinese page are each reported."""
    client = Client()
    sign_in(client, "dangyuan", DEMO_PASSWORD)
    result = Walker(client, account="dangyuan", texts=demo, depth=0).walk(
        starts=("/disclosure/999999/", "/development/pipeline/")
    )
    assert {p.url: p.what for p in result.problems} == {
        "/disclosure/999999/": "answers 404",
        "/development/pipeline/": "answers 403",
    }
    pages = {
        "/loop/": HttpResponseRedirect("/loop/again/"),
        "/loop/again/": HttpResponseRedirect("/loop/"),
        "/warned/": HttpResponse('<ul class="messagelist"><li class="warning">不存在。</li></ul>'),
        "/english/": HttpResponse('<p>公示 Objection to answer</p><select><option lang="en">English</option></select>'),
    }
    fake = SimpleNamespace(get=lambda url, **headers: pages[url])
    result = Walker(fake, account="fake", texts=["Objection to answer", "English"], depth=0).walk(
        starts=("/loop/", "/warned/", "/english/")
    )
    problems = {p.url: p.what for p in result.problems}
    assert problems["/loop/"] == "redirect loop: /loop/ → /loop/again/ → /loop/"
    assert problems["/warned/"] == "the page opens with a warning: 不存在。"
    assert problems["/english/"].startswith("English on a zh-Hans page: 'Objection to answer' in")
    assert len(problems) == 3  # the language switch names English in English, on purpose (lang="en")
    assert shape("/admin/people/person/12/change/?b=1&a=2") == "/admin/people/person/<n>/change/?a&b"
