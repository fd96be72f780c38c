"""A reminder's page in the admin shows its details as a table, not as JSON."""

import pytest
from django.urls import reverse

from apps.notifications.models import Reminder
from apps.notifications.sweep import sweep
from tests.conftest import sign_in

from .conftest import TODAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]


def test_a_reminders_details_read_as_a_table(client, world, due_case):
    sweep(today=TODAY, now=at(TODAY))
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    assert reminder.params  # {"step": …, "name": …}
    sign_in(client, world.users["staff"])
    page = client.get(reverse("admin:notifications_reminder_change", args=[reminder.pk])).content.decode()
    assert f"<tr><th>提醒</th><td>{reminder.title}</td></tr><tr><th>名称</th><td>{reminder.params['name']}</td>" in page
    assert "{&quot;" not in page and '{"step"' not in page and "applicant_talk" not in page
