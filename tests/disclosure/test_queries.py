import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.disclosure.chain import GENESIS, version_hash
from apps.disclosure.models import Category, ChainHead, Notice, NoticeStatus, NoticeVersion, Scope
from tests.conftest import sign_in
from tests.dates import TODAY, at

pytestmark = pytest.mark.usefixtures("today")  # the pages see the suite's day


def _notices(world, n):
    """n published notices in one go (the service publishes one at a time; this is test data)."""
    today = TODAY
    category = Category.objects.get(code="meetings")
    head, _ = ChainHead.objects.get_or_create(key="head", defaults={"hash": GENESIS})
    previous = head.hash
    for i in range(n):
        notice = Notice.objects.create(
            node=world.branch_a,
            kind="disclosure",
            category=category,
            scope=Scope.ORGANISATION,
            status=NoticeStatus.PUBLISHED,
            title=f"公开{i}",
            content="<p>x</p>",
            opens_on=today,
            closes_on=today + datetime.timedelta(days=5),
            working_days=5,
        )
        digest = version_hash(
            notice_id=notice.pk,
            number=1,
            title=notice.title,
            content=notice.content,
            opens_on=notice.opens_on,
            closes_on=notice.closes_on,
            attachment_digests=[],
            previous_hash=previous,
        )
        NoticeVersion.objects.create(
            notice=notice,
            number=1,
            title=notice.title,
            content=notice.content,
            opens_on=notice.opens_on,
            closes_on=notice.closes_on,
            published_at=at(TODAY),
            previous_hash=previous,
            hash=digest,
        )
        previous = digest
    ChainHead.objects.filter(pk=head.pk).update(hash=previous)


def _count(client, url):
    cache.clear()
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_board_and_notice_queries_do_not_grow(client, world):
    sign_in(client, world.users["member_a"])
    _notices(world, 3)
    first = Notice.objects.order_by("pk").first()
    small = (_count(client, reverse("disclosure:board")), _count(client, reverse("disclosure:notice", args=[first.pk])))
    _notices(world, 40)
    large = (_count(client, reverse("disclosure:board")), _count(client, reverse("disclosure:notice", args=[first.pk])))
    assert small == large
    assert small[0] <= 10


def test_verify_page_and_command_agree(client, world):
    from io import StringIO

    from django.core.management import call_command

    _notices(world, 5)
    out = StringIO()
    call_command("disclosure_verify", stdout=out)
    assert "5 versions checked, 0 problems" in out.getvalue()
    sign_in(client, world.users["staff"])
    assert "均与发布时一致" in client.get(reverse("disclosure:verify")).content.decode()
