"""The audit log reads in the reader's language: actions by their label, changes as a table of old → new."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from apps.audit.actions import ACTION_LABELS, action_label
from apps.audit.models import AuditEntry
from apps.people.services import person_set_status, person_update
from tests.conftest import sign_in
from tests.dates import TODAY

# a string literal such as "people.updated" on a line that names an action
ACTION_CODE = re.compile(r'"([a-z]+\.[a-z_]+)"')


def _codes_written_by_the_apps() -> set[str]:
    codes = set()
    for path in (Path(settings.BASE_DIR) / "apps").rglob("*.py"):
        for line in path.read_text().splitlines():
            if "action" in line and "migrations" not in path.parts and path.name != "actions.py":
                codes.update(ACTION_CODE.findall(line))
    return codes


def test_every_action_the_apps_write_has_a_label():
    codes = _codes_written_by_the_apps()
    assert {"people.updated", "lifecycle.step_recorded", "auth.login", "notifications.rule_changed"} <= codes
    missing = sorted(codes - set(ACTION_LABELS))
    assert not missing, f"add a label to apps/audit/actions.py for: {missing}"


def test_labels_are_translated_and_unknown_codes_show_as_they_are():
    with translation.override("zh-hans"):
        assert action_label("lifecycle.step_recorded") == "记录发展程序"
    assert action_label("something.new") == "something.new"


@pytest.fixture
def entries(world):
    person = world.people["plain_a"]
    person_update(actor=world.users["secretary_a"], person=person, fields={"phone": "13912345678"}, today=TODAY)
    person_set_status(actor=world.users["secretary_a"], person=person, status="applicant")
    return AuditEntry.objects.filter(target_id=str(person.pk)).order_by("id")


@pytest.mark.usefixtures("today")
def test_the_log_lists_and_filters_actions_by_their_label(client, world, entries):
    sign_in(client, world.users["admin"])
    url = reverse("admin:audit_auditentry_changelist")
    page = client.get(url).content.decode()
    assert "修改人员信息" in page and "政治面貌变更" in page
    assert "people.updated" not in page.replace("action=people.updated", "")
    filtered = client.get(url, {"action": "people.status_changed"})
    assert list(filtered.context["cl"].result_list) == [entries.get(action="people.status_changed")]


@pytest.mark.usefixtures("today")
def test_an_entry_shows_its_changes_as_a_table_with_field_names_and_choice_labels(client, world, entries):
    sign_in(client, world.users["admin"])
    status_change = entries.get(action="people.status_changed")
    page = client.get(reverse("admin:audit_auditentry_change", args=[status_change.pk])).content.decode()
    assert '<table class="audit-changes">' in page
    assert "<td>政治面貌</td><td>正式党员</td><td>入党申请人</td>" in page
    assert '{"political_status"' not in page and "[&quot;" not in page
    update = entries.get(action="people.updated")
    page = client.get(reverse("admin:audit_auditentry_change", args=[update.pk])).content.decode()
    assert "<td>13912345678</td>" in page
