"""A database constraint that refuses input says why in a sentence, never "Constraint “…” is violated"."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import BaseConstraint
from django.urls import reverse

from apps.organisations.models import OrgPolicy
from apps.organisations.services import policy_update
from tests.conftest import sign_in

# Lifecycle and disclosure word their refusals in their own forms (issue 12, item 11, for cases and notices).
WORDED_ELSEWHERE = {"lifecycle", "disclosure"}
DEFAULT = BaseConstraint.default_violation_error_message


def test_every_constraint_of_the_project_has_a_sentence_of_its_own():
    missing = [
        f"{model._meta.label}.{constraint.name}"
        for config in apps.get_app_configs()
        if config.name.startswith("apps.") and config.label not in WORDED_ELSEWHERE
        for model in config.get_models()
        for constraint in model._meta.constraints
        if constraint.violation_error_message in (None, DEFAULT)
    ]
    assert not missing, missing


def _refusal_is_a_sentence(text: str, constraint: str) -> None:
    assert constraint not in text and "约束" not in text


pytestmark = pytest.mark.usefixtures("today")


def test_a_duplicate_id_card_number_in_the_admin(client, world):
    taken = world.people["plain_a"]
    taken.id_number = "11010519491231002X"
    taken.save(update_fields=["id_number"])
    sign_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("admin:people_person_add"),
        {"node": world.branch_a.pk, "name": "新同志", "political_status": "applicant", "id_number": taken.id_number},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert taken.name in body  # in the secretary's own subtree: the record that holds the number is named
    _refusal_is_a_sentence(body, "person_unique_id_number")


def test_committee_sizes_out_of_order_in_the_service_and_the_admin(client, world):
    policy = OrgPolicy.objects.get(committee=world.committee)
    with pytest.raises(ValidationError) as refused:
        policy_update(actor=world.users["staff"], policy=policy, fields={"committee_min": 9})
    assert refused.value.messages == [
        "支部委员会人数须依次排列：最少人数不超过通常最多人数，通常最多人数不超过最多人数。"
    ]
    sign_in(client, world.users["staff"])
    url = reverse("admin:organisations_orgpolicy_change", args=[policy.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields} | {"committee_min": 9}
    body = client.post(url, data).content.decode()
    assert "支部委员会人数须依次排列" in body
    _refusal_is_a_sentence(body, "orgpolicy_committee_sizes_ordered")


def test_a_reminder_rule_without_a_channel_in_the_admin(client, world):
    sign_in(client, world.users["staff"])
    response = client.post(
        reverse("admin:notifications_reminderrule_add"),
        {
            "committee": world.committee.pk,
            "source": "organisations.term_ending",
            "name": "本党委换届提醒",
            "lead_days": "60, 30",
            "overdue_every_days": "0",
            "recipients": ["secretary"],
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "请至少选择一种方式：电子邮件或门户。" in body
    _refusal_is_a_sentence(body, "reminderrule_a_channel")
