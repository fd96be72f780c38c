"""The dashboards clicked from the home page, for a secretary (their organisations, then their own year) and for a
member; screenshots at desktop width and at 375 px in artifacts/screenshots/dashboards_*.png."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.dues.services import base_declare, dues_pay, month_open
from apps.lifecycle.services import case_open

from .test_lifecycle_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _charts_have_tables(page):
    svgs = page.locator("svg.chart")
    assert svgs.count() >= 1
    assert page.locator("details.chart-table").count() == svgs.count()
    for i in range(svgs.count()):
        assert svgs.nth(i).get_attribute("role") == "img" and svgs.nth(i).get_attribute("aria-label")


def _facts(world):
    """A case under way, and a month of dues owed by two members of which one is paid: on the real day, as the
    live server sees it."""
    now = timezone.now()
    today = timezone.localdate(now)
    secretary = world.users["secretary_a"]
    case_open(
        actor=secretary,
        person=world.people["applicant_a"],
        branch=world.branch_a,
        application_on=today - datetime.timedelta(days=30),
        today=today,
    )
    for who in ("member_a", "secretary_a"):
        base_declare(
            actor=secretary,
            person=world.people[who],
            category="employed",
            income=Decimal("4500.00"),
            applies_from=datetime.date(today.year, 1, 1),
            today=today,
        )
    month = today.replace(day=1)
    month_open(actor=secretary, node=world.branch_a, month=month, today=today)
    dues_pay(actor=secretary, person=world.people["member_a"], months=[month], paid_on=today, method="cash", now=now)


def test_dashboards_from_the_home_page(browser, live_server, world, shot):
    base = live_server.url
    _facts(world)
    secretary = _sign_in(browser, base, world.users["secretary_a"])
    secretary.goto(f"{base}/")
    secretary.click("header a[href$='/dashboards/']")
    secretary.wait_for_url("**/dashboards/")
    for key in ("structure", "funnel", "compliance", "dues"):
        assert secretary.locator(f"section[data-section={key}] svg.chart").count() >= 1, key
    _charts_have_tables(secretary)
    secretary.locator("section[data-section=structure] details.chart-table").first.click()
    assert secretary.locator("section[data-section=structure] table").first.is_visible()
    shot(secretary, "dashboards_01_secretary_desktop")
    secretary.set_viewport_size({"width": 375, "height": 800})
    assert secretary.evaluate("document.documentElement.scrollWidth") <= 375 + 1  # nothing wider than the phone
    shot(secretary, "dashboards_02_secretary_375")
    secretary.set_viewport_size({"width": 1280, "height": 900})
    secretary.click("nav.tabs a[href*='view=mine']")
    secretary.wait_for_selector("section[data-section=mine]")
    _charts_have_tables(secretary)
    shot(secretary, "dashboards_03_secretary_my_year")

    member = _sign_in(browser, base, world.users["member_a"], second_factor=False)
    member.set_viewport_size({"width": 375, "height": 800})
    member.goto(f"{base}/")
    member.click("button.nav-toggle")
    member.click("header a[href$='/dashboards/']")
    member.wait_for_selector("section[data-section=mine]")
    assert member.locator("section[data-section=structure]").count() == 0
    _charts_have_tables(member)
    shot(member, "dashboards_04_member_375")
