"""A transfer within the committee, from the sending secretary's request to the receiving secretary's acceptance,
clicked from the home page as people do. Screenshots in artifacts/screenshots/membership_*.png."""

import pytest

from apps.membership.models import MembershipPeriod, Transfer

from .test_lifecycle_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_transfer_from_request_to_acceptance(browser, live_server, world, shot):
    base = live_server.url
    member = world.people["member_a"]
    sender = _sign_in(browser, base, world.users["secretary_a"])
    sender.goto(f"{base}/")
    sender.click("header a[href$='/membership/']")
    sender.wait_for_url("**/membership/")
    sender.click("main a[href$='/membership/transfers/new/']")
    sender.select_option("select[name=person]", str(member.pk))
    sender.select_option("select[name=kind]", "within")
    sender.select_option("select[name=to_node]", str(world.branch_b.pk))
    sender.fill("input[name=letter_number]", "组转字第7号")
    shot(sender, "membership_01_request")
    sender.click("main form button[type=submit]")
    sender.wait_for_selector("text=组织关系转接已发出")
    transfer = Transfer.objects.get(person=member)
    assert transfer.state == "requested"

    receiver = _sign_in(browser, base, world.users["secretary_b"])
    receiver.goto(f"{base}/")
    receiver.click("header a[href$='/membership/']")
    receiver.click(f"main a:has-text('{member.name}')")
    receiver.wait_for_url(f"**/membership/transfers/{transfer.pk}/")
    shot(receiver, "membership_02_to_accept")
    receiver.click("form[action$='/accept/'] button[type=submit]")
    receiver.wait_for_selector(".messages li")
    transfer.refresh_from_db()
    assert transfer.state == "accepted"
    assert MembershipPeriod.objects.get(person=member, ended_on__isnull=True).node_id == world.branch_b.pk
    receiver.click(f"main a[href$='/membership/people/{member.pk}/']")
    receiver.wait_for_selector("text=组织关系记录")
    shot(receiver, "membership_03_history")
