"""Dues on the portal: who sees what (income only for the member, the branch secretary and organisation member,
committee staff), what the forms refuse without a 500, constant query counts on the list pages, the reports."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from apps.dues.models import DuesBase, DuesMonth, Payment
from apps.dues.services import payment_correct
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.factories import PersonFactory

pytestmark = pytest.mark.usefixtures("today")  # the pages see the suite's day
D = datetime.date


def _as(client, world, role):
    client.logout()
    sign_in(client, world.users[role])
    return client


def test_a_member_declares_on_my_dues_with_a_chinese_comma(client, world):
    c = _as(client, world, "member_a")
    page = c.get(reverse("dues:mine"))
    assert page.status_code == 200 and "申报" in page.content.decode()
    data = {"category": "employed", "income": "4，500", "extra": "", "chosen_amount": "", "applies_from": "2026-01"}
    response = c.post(reverse("dues:mine"), data)
    assert response.status_code == 302
    base = DuesBase.objects.get(person=world.people["member_a"])
    assert base.income == Decimal("4500.00") and base.amount == Decimal("45.00") and base.state == "declared"


@pytest.mark.parametrize(
    ("income", "says"),
    [("-4500", "负"), ("4,5", "千位"), ("abc", "金额"), ("4500.555", "两位"), ("", "月收入")],
)
def test_bad_income_is_a_translated_error_and_nothing_is_saved(client, world, income, says):
    c = _as(client, world, "member_a")
    data = {"category": "employed", "income": income, "applies_from": "2026-01"}
    response = c.post(reverse("dues:mine"), data)
    assert response.status_code == 422
    assert says in response.content.decode()
    assert not DuesBase.objects.exists()


def test_non_members_owe_nothing_and_cannot_declare(client, world):
    c = _as(client, world, "applicant_a")
    assert "无需交纳" in c.get(reverse("dues:mine")).content.decode()
    assert c.post(reverse("dues:mine"), {"category": "student", "applies_from": "2026-01"}).status_code == 403


def test_income_is_seen_by_the_secretary_and_not_by_the_propaganda_member(client, world, dues):
    member = world.people["member_a"]
    dues.base(member, income="7654.32")
    dues.open(D(2026, 10, 1))
    url = reverse("dues:collection") + f"?node={world.branch_a.pk}&month=2026-10"
    assert "7654.32" in _as(client, world, "secretary_a").get(url).content.decode()
    assert "7654.32" in _as(client, world, "organiser_a").get(url).content.decode()
    assert "7654.32" in _as(client, world, "staff").get(url).content.decode()
    other = _as(client, world, "propaganda_a").get(url).content.decode()
    assert "7654.32" not in other and "114.81" in other  # the amount, not the income
    person = reverse("dues:person", args=[member.pk])
    assert "7654.32" not in _as(client, world, "propaganda_a").get(person).content.decode()
    assert "7654.32" in _as(client, world, "member_a").get(person).content.decode()
    assert "7654.32" in _as(client, world, "member_a").get(reverse("dues:mine")).content.decode()


def test_the_secretary_collects_the_month_from_the_page(client, world, dues):
    member = world.people["member_a"]
    dues.base(member)
    c = _as(client, world, "secretary_a")
    response = c.post(reverse("dues:month_open"), {"node": world.branch_a.pk, "month": "2026-11"})
    assert response.status_code == 302 and DuesMonth.objects.filter(month=D(2026, 11, 1)).count() == 5
    pay = reverse("dues:person_action", args=[member.pk, "pay"])
    data = {"first_month": "2026-11", "paid_on": "2026-11-22", "method": "cash", "receipt": "DF-9"}
    assert c.post(pay, data).status_code == 302
    assert Payment.objects.get().amount == Decimal("45.00")
    followed = c.post(pay, data | {"receipt": "DF-10"}, follow=True)  # the month again: refused, said, not a 500
    assert followed.status_code == 200 and "只交一次" in followed.content.decode()
    assert Payment.objects.count() == 1
    bad = c.post(pay, data | {"first_month": "2026-13", "paid_on": "9999-99-99"}, follow=True)
    assert bad.status_code == 200 and Payment.objects.count() == 1


def test_the_other_branch_cannot_touch_a_member(client, world, dues):
    member = world.people["member_a"]
    c = _as(client, world, "secretary_b")
    assert c.get(reverse("dues:person", args=[member.pk])).status_code == 404
    pay = reverse("dues:person_action", args=[member.pk, "pay"])
    assert c.post(pay, {"first_month": "2026-11", "paid_on": "2026-11-22", "method": "cash"}).status_code == 404


def test_the_ledger_export_escapes_formulas(client, world, dues):
    PersonFactory(node=world.branch_a, name='=HYPERLINK("http://x")')
    c = _as(client, world, "secretary_a")
    response = c.get(reverse("dues:ledger_export") + f"?node={world.branch_a.pk}&year=2026")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in names
    summary = c.get(reverse("dues:summary_export") + "?year=2026")
    assert summary.status_code == 200


def test_the_committee_records_a_use_and_drafts_the_disclosure(client, world, dues):
    dues.base(world.people["member_a"])
    dues.open(D(2026, 10, 1))
    c = _as(client, world, "staff")
    data = {
        "node": world.committee.pk, "spent_on": "2026-10-10", "purpose": "education", "description": "培训",
        "amount": "1,200.00", "approved_by": "党委会", "decision": "纪要6号",
    }  # fmt: skip
    assert c.post(reverse("dues:committee_action", args=["use"]), data).status_code == 302
    response = c.post(reverse("dues:committee_action", args=["disclose"]), {"node": world.committee.pk, "year": 2026})
    assert response.status_code == 302 and "/admin/disclosure/notice/" in response["Location"]
    page = c.get(reverse("dues:committee")).content.decode()
    assert "1200.00" in page and "培训" in page


# --- query counts ------------------------------------------------------------------------------------------------


def _grow(world, dues, n):
    """n more members in the branch and in its group, with bases; September and October opened; n of them pay."""
    for _ in range(n):
        for node in (world.branch_a, world.group_a):
            dues.base(PersonFactory(node=node))
    for month in (D(2026, 9, 1), D(2026, 10, 1)):
        dues.open(month)
        rows = DuesMonth.objects.filter(month=month, due__isnull=False, paid=0)
        for row in rows.exclude(person=world.people["member_a"])[:n]:
            dues.pay(row.person, month, paid_on=D(2026, 11, 2))


PAGES = [
    ("secretary_a", lambda w: reverse("dues:collection") + f"?node={w.branch_a.pk}&month=2026-10"),
    ("secretary_a", lambda w: reverse("dues:ledger") + f"?node={w.branch_a.pk}&year=2026"),
    ("secretary_a", lambda w: reverse("dues:arrears")),
    ("staff", lambda w: reverse("dues:committee") + "?year=2026"),
    ("secretary_a", lambda w: reverse("dues:person", args=[w.people["member_a"].pk])),
    ("member_a", lambda w: reverse("dues:mine")),
    ("staff", lambda w: reverse("admin:dues_duesmonth_changelist")),
]


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[f"{r}:{i}" for i, (r, _u) in enumerate(PAGES)])
def test_list_pages_keep_their_query_count(client, world, dues, role, url):
    member = world.people["member_a"]
    dues.base(member)
    c = _as(client, world, role)
    _grow(world, dues, 1)
    dues.pay(member, D(2026, 9, 1), paid_on=D(2026, 9, 9))
    target = url(world)
    cache.clear()
    c.get(target)
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert c.get(target).status_code == 200
    _grow(world, dues, 5)
    dues.pay(member, D(2026, 10, 1), paid_on=D(2026, 10, 9))
    payment_correct(
        actor=world.users["secretary_a"], payment=Payment.objects.filter(month__person=member).first(),
        amount=Decimal("-1.00"), reason="x", now=at(TODAY),
    )  # fmt: skip
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        assert c.get(target).status_code == 200
    assert len(large) == len(small) <= 20, f"{target}: {len(small)} → {len(large)}"


def test_a_month_within_its_payment_window_is_to_pay_not_unpaid(client, world, dues):
    """On TODAY (22 November) November's dues are still to pay (by the end of December, one month's grace); a month
    whose deadline has passed reads unpaid."""
    member = world.people["member_a"]
    dues.base(member)
    c = _as(client, world, "secretary_a")
    for month in ("2026-09", "2026-11"):
        c.post(reverse("dues:month_open"), {"node": world.branch_a.pk, "month": month})
    page = _as(client, world, "member_a").get(reverse("dues:mine")).content.decode()
    rows = [row.split("</tr>", 1)[0] for row in page.split("<tr>")[1:]]
    november = next(r for r in rows if "<td>2026-11</td>" in r)
    september = next(r for r in rows if "<td>2026-09</td>" in r)
    assert "2026-12-31前交纳" in november and "未交" not in november
    assert "未交" in september and "前交纳" not in september
