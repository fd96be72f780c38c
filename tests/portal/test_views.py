import json

from django.urls import reverse

from apps.organisations.models import OrgPolicy
from apps.organisations.services import policy_update
from apps.people.choices import PoliticalStatus
from apps.people.services import person_set_status
from tests.conftest import sign_in
from tests.dates import TODAY


def test_secretary_home_shows_branch_with_warnings(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.users["secretary_a"])
    response = client.get(reverse("portal:home"))
    body = response.content.decode()
    assert world.branch_a.name in body and world.branch_b.name not in body
    # branch A has 5 full members at most; the fixture's policy wants 3: raise it to see the warning
    # the committed change invalidates the cached overview
    with django_capture_on_commit_callbacks(execute=True):
        policy_update(
            actor=world.users["staff"],
            policy=OrgPolicy.objects.get(committee=world.committee),
            fields={"min_full_members": 50},
        )
    body = client.get(reverse("portal:home")).content.decode()
    assert 'data-code="too_few_members"' in body


def test_member_home_shows_own_record_and_agenda(client, world):
    sign_in(client, world.users["member_a"])
    person = world.people["member_a"]
    person.phone = ""
    person.save()
    body = client.get(reverse("portal:home")).content.decode()
    assert person.name in body and "请填写电话和电子邮箱" in body
    assert world.branch_b.name not in body


def test_staff_sees_the_tree(client, world):
    sign_in(client, world.users["staff"])
    body = client.get(reverse("portal:org_tree")).content.decode()
    for node in (world.committee, world.general, world.branch_a, world.group_a, world.branch_b):
        assert node.name in body


def test_person_list_filter_choices_are_scoped(client, world):
    sign_in(client, world.users["secretary_a"])
    response = client.get(reverse("portal:person_list"))
    choices = {str(c) for c in response.context["filter"].form.fields["node"].queryset}
    assert choices == {world.branch_a.name, world.group_a.name}
    # a node outside the scope in the query string is an invalid choice, never a leak
    response = client.get(reverse("portal:person_list"), {"node": world.branch_b.pk})
    assert response.status_code == 200
    assert world.people["plain_b"].name not in response.content.decode()


def test_person_detail_hides_sensitive_fields_from_propaganda_member(client, world):
    sign_in(client, world.users["propaganda_a"])
    body = client.get(reverse("portal:person_detail", args=[world.people["plain_a"].pk])).content.decode()
    assert "秘密路1号" not in body and world.people["plain_a"].id_number not in body
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("portal:person_detail", args=[world.people["plain_a"].pk])).content.decode()
    assert "秘密路1号" in body


def test_my_profile_form_errors_are_translated_and_nothing_saved(client, world):
    sign_in(client, world.users["member_a"])
    response = client.post(reverse("portal:my_profile"), {"phone": "1", "email": "not-an-email"})
    assert response.status_code == 200
    assert "输入一个有效的 Email 地址" in response.content.decode()
    world.people["member_a"].refresh_from_db()
    assert world.people["member_a"].phone != "1"


def test_my_profile_saves(client, world):
    sign_in(client, world.users["member_a"])
    response = client.post(reverse("portal:my_profile"), {"phone": "13912345678", "email": "a@example.org"})
    assert response.status_code == 302
    world.people["member_a"].refresh_from_db()
    assert world.people["member_a"].phone == "13912345678"


def test_healthz_reports_database_and_broker(client, db):
    response = client.get(reverse("healthz"))
    data = json.loads(response.content)
    assert response.status_code == 200
    assert data["database"] == "ok" and data["broker"] in ("ok", "embedded")


def test_healthz_reports_broken_broker(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert json.loads(response.content)["broker"] == "error"


def test_pages_carry_security_headers(client, world):
    sign_in(client, world.users["member_a"])
    response = client.get(reverse("portal:home"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_load_nothing_from_outside(client, world):
    sign_in(client, world.users["member_a"])
    body = client.get(reverse("portal:home")).content.decode()
    assert "http://" not in body.replace("http://testserver", "") and "https://" not in body


def test_warning_chips_are_whole_and_lead_to_the_warning(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        policy_update(
            actor=world.users["staff"],
            policy=OrgPolicy.objects.get(committee=world.committee),
            fields={"min_full_members": 50},
        )
    sign_in(client, world.users["staff"])
    body = client.get(reverse("portal:home")).content.decode()
    detail = reverse("portal:node_detail", args=[world.branch_a.pk])
    assert f'href="{detail}#warning-too_few_members"' in body
    assert "…" not in body  # never cut
    # the link leads to the organisation's page, where the warning carries that anchor
    assert 'id="warning-too_few_members"' in client.get(detail).content.decode()


def _menu(client) -> str:
    body = client.get(reverse("portal:home")).content.decode()
    return body[body.index("<nav") : body.index("</nav>")]


def test_the_menu_offers_a_members_pages_to_members_and_officials_only(
    client, world, django_capture_on_commit_callbacks
):
    dues, dashboards, assessment = reverse("dues:mine"), reverse("portal:dashboards"), reverse("assessment:home")
    sign_in(client, world.users["applicant_a"])
    menu = _menu(client)
    assert dues not in menu and dashboards not in menu and assessment not in menu
    assert reverse("appraisal:home") in menu  # a survey may ask non-members too
    for name in ("member_a", "secretary_a", "staff"):
        sign_in(client, world.users[name])
        menu = _menu(client)
        assert dues in menu and dashboards in menu and assessment in menu, name
    # the applicant admitted: the next page offers them their dues (the status change bumps the version it is cached
    # under)
    with django_capture_on_commit_callbacks(execute=True):
        person_set_status(
            actor=world.users["staff"],
            person=world.people["applicant_a"],
            status=PoliticalStatus.PROBATIONARY,
            joined_on=TODAY,
        )
    sign_in(client, world.users["applicant_a"])
    assert dues in _menu(client)
