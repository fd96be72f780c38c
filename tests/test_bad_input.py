"""Bad input is a clear, translated error, never a 500: every date field has a plausible range, every admin list
filter takes only the values it offers. (The print view's ``?size=``: tests/disclosure/test_print.py; the static
files handler: tests/portal/test_error_pages.py.)"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.filters import SimpleListFilter
from django.test import RequestFactory
from django.urls import reverse

from apps.disclosure.models import Category, Notice
from apps.workdays.forms import DateField
from tests.conftest import sign_in
from tests.dates import TODAY

pytestmark = pytest.mark.usefixtures("today")
ROOT = Path(__file__).resolve().parent.parent
BAD_DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"]


def _form_classes():
    for path in sorted((ROOT / "apps").glob("*/forms.py")):
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def _date_fields(fields) -> list[str]:
    return [name for name, field in fields.items() if isinstance(field, forms.DateField)]


@pytest.mark.django_db
def test_every_date_field_has_a_plausible_range(world):
    """The fields the apps' forms declare, and every field of every admin form (as an administrator sees it, adding
    and changing): the fields a ModelForm takes from its model are built by the admin that uses it."""
    wrong = []
    for cls in _form_classes():
        declared = cls.declared_fields if issubclass(cls, forms.ModelForm) else cls.base_fields
        wrong += [f"{cls.__name__}.{n}" for n in _date_fields(declared) if not isinstance(declared[n], DateField)]
    request = RequestFactory().get("/")
    request.user = world.users["admin"]
    for model, model_admin in admin.site._registry.items():
        obj = model._default_manager.first()
        for form in {model_admin.get_form(request, None), model_admin.get_form(request, obj, change=obj is not None)}:
            fields = form.base_fields
            wrong += [f"{model._meta.label}.{n}" for n in _date_fields(fields) if not isinstance(fields[n], DateField)]
    assert not wrong, f"date fields without the plausible range (apps.workdays.forms.DateField): {wrong}"


@pytest.mark.parametrize("day", BAD_DATES)
def test_the_plan_calculator_refuses_an_implausible_year(client, world, day):
    """The probe: year 0001 or 9999 in the plan calculator was a 500."""
    sign_in(client, world.users["member_a"])
    response = client.post(reverse("lifecycle:plan"), {"edition": "2026.05", "application_received": day})
    assert response.status_code == 200
    assert "请输入1900-01-01至2100-12-31之间的日期" in response.content.decode()


@pytest.mark.parametrize("day", BAD_DATES[:2])
def test_a_notice_cannot_open_in_year_9999(client, world, day):
    """The probe: a notice opening on 9999-12-31 was a 500 (its window of working days overflowed)."""
    sign_in(client, world.users["secretary_a"])
    data = {
        "node": world.branch_a.pk,
        "category": Category.objects.get(code="meetings").pk,
        "scope": "organisation",
        "title": "远期公开",
        "content": "<p>x</p>",
        "opens_on": day,
        "closes_on": "",
    }
    response = client.post(reverse("admin:disclosure_notice_add"), data)
    assert response.status_code == 200
    assert "1900-01-01" in response.content.decode()
    assert not Notice.objects.filter(title="远期公开").exists()
    data["opens_on"], data["closes_on"] = TODAY.isoformat(), "9999-12-31"
    assert client.post(reverse("admin:disclosure_notice_add"), data).status_code == 200
    assert not Notice.objects.filter(title="远期公开").exists()


def _list_filter_parameters(model_admin) -> list[str]:
    return [
        f.parameter_name for f in model_admin.list_filter if isinstance(f, type) and issubclass(f, SimpleListFilter)
    ]


FILTERED = sorted(
    (model._meta.label_lower, name)
    for model, model_admin in admin.site._registry.items()
    if model.__module__.startswith("apps.")
    for name in _list_filter_parameters(model_admin)
)


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "parameter"), FILTERED, ids=[f"{lbl}?{p}" for lbl, p in FILTERED])
@pytest.mark.parametrize("value", ["abc", "1\r\n", "99999999999999999999", "-1"])
def test_a_list_filter_refuses_a_value_it_does_not_offer(client, world, label, parameter, value):
    """The probe: ``?node=abc`` on eight admin changelists was a 500. Now the admin's answer to a bad lookup."""
    app, model = label.split(".")
    url = reverse(f"admin:{app}_{model}_changelist")
    for role in ("secretary_a", "staff"):
        sign_in(client, world.users[role])
        response = client.get(url, {parameter: value})
        assert response.status_code == 302 and response.url.endswith("?e=1"), (role, response.status_code)


@pytest.mark.django_db
def test_a_list_filter_still_filters(client, world):
    sign_in(client, world.users["staff"])
    url = reverse("admin:people_person_changelist")
    body = client.get(url, {"node": world.branch_a.pk}).content.decode()
    assert world.people["plain_a"].name in body and world.people["plain_b"].name not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("portal:person_list", {"node": "abc", "political_status": "x\r\n", "page": "-1"}),
        ("disclosure:board", {"category": "abc\r\n", "page": "abc"}),
        ("lifecycle:compliance", {"code": "abc", "page": "99999999999999999999"}),
        ("lifecycle:pipeline", {"node": "abc", "page": "0"}),
        ("notifications:list", {"unread": "abc", "page": "abc"}),
    ],
)
def test_portal_lists_take_bad_parameters(client, world, name, query):
    sign_in(client, world.users["secretary_a"])
    assert client.get(reverse(name), query).status_code in (200, 400)
