"""The admin's autocomplete, list filters and foreign-key choices are restricted like its lists."""

import json

from django.urls import reverse

from tests.conftest import sign_in


def test_autocomplete_offers_only_the_subtree(client, world):
    sign_in(client, world.users["secretary_a"])
    url = reverse("admin:autocomplete")
    response = client.get(url, {"app_label": "organisations", "model_name": "post", "field_name": "person", "term": ""})
    names = {r["text"] for r in json.loads(response.content)["results"]}
    assert world.people["plain_a"].name in names
    assert world.people["plain_b"].name not in names and world.people["staff"].name not in names


def test_changelist_filter_offers_only_the_subtree(client, world):
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("admin:people_person_changelist")).content.decode()
    assert world.branch_a.name in body and world.group_a.name in body
    assert world.branch_b.name not in body and world.committee.name not in body


def test_filtering_on_a_node_outside_the_subtree_shows_nothing(client, world):
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("admin:people_person_changelist"), {"node": world.branch_b.pk}).content.decode()
    assert world.people["plain_b"].name not in body


def test_person_add_form_offers_only_manageable_nodes(client, world):
    sign_in(client, world.users["secretary_a"])
    form = client.get(reverse("admin:people_person_add")).context["adminform"].form
    assert set(form.fields["node"].queryset) == {world.branch_a, world.group_a}


def test_admin_add_person_through_service_with_audit(client, world):
    from apps.audit.models import AuditEntry
    from apps.people.models import Person

    sign_in(client, world.users["secretary_a"])
    data = {
        "node": world.branch_a.pk,
        "name": "新申请人",
        "political_status": "applicant",
        "gender": "f",
        "family-TOTAL_FORMS": 0,
        "family-INITIAL_FORMS": 0,
    }
    response = client.post(reverse("admin:people_person_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(name="新申请人")
    assert AuditEntry.objects.filter(action="people.created", target_id=str(person.pk)).exists()


def test_admin_refused_service_save_writes_nothing(client, world):
    from apps.organisations.models import Term

    sign_in(client, world.users["staff"])
    response = client.post(
        reverse("admin:organisations_term_add"), {"node": world.branch_a.pk, "elected_on": "2099-01-01"}
    )
    assert response.status_code == 302
    assert not Term.objects.filter(node=world.branch_a).exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("选举日期不能晚于今天" in m for m in messages)


def test_person_foreign_keys_offer_only_the_subtree(rf, world):
    # the hook apps.people registers at start-up (the tree does not import people)
    from django.contrib import admin

    from apps.organisations.models import Post

    request = rf.get("/")
    request.user = world.users["secretary_a"]
    field = admin.site._registry[Post].formfield_for_foreignkey(Post._meta.get_field("person"), request)
    assert world.people["plain_a"] in field.queryset
    assert world.people["plain_b"] not in field.queryset and world.people["staff"] not in field.queryset
