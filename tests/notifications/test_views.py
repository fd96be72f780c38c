import datetime
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.notifications.models import CalendarToken, JobRun, Preference, Reminder
from apps.notifications.services import reminders_sweep
from apps.notifications.sweep import sweep
from tests.conftest import sign_in

from .conftest import TODAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminded(world, due_case):
    sweep(today=TODAY, now=at(TODAY))
    return Reminder.objects.get(person=world.people["secretary_a"])


def test_header_count_list_open_and_mark_all(client, world, reminded, due_case):
    sign_in(client, world.users["secretary_a"])
    home = client.get(reverse("portal:home")).content.decode()
    assert 'class="count"' in home and ">1</span>" in home
    page = client.get(reverse("notifications:list")).content.decode()
    assert reminded.title in page and "unread" in page
    response = client.get(reverse("notifications:open", args=[reminded.pk]))
    assert response.status_code == 302 and response["Location"] == f"/development/cases/{due_case.pk}/"
    reminded.refresh_from_db()
    first_read = reminded.read_at
    assert first_read is not None
    client.get(reverse("notifications:open", args=[reminded.pk]))  # reading again changes nothing
    reminded.refresh_from_db()
    assert reminded.read_at == first_read
    assert 'class="count"' not in client.get(reverse("portal:home")).content.decode()
    assert "unread=1" in page
    assert reminded.title not in client.get(reverse("notifications:list") + "?unread=1").content.decode()


def test_mark_all_read(client, world, reminded):
    sign_in(client, world.users["secretary_a"])
    assert client.post(reverse("notifications:read_all")).status_code == 302
    assert not Reminder.objects.filter(person=world.people["secretary_a"], read_at__isnull=True).exists()
    # somebody else's reminders are untouched
    assert Reminder.objects.filter(person=world.people["organiser_a"], read_at__isnull=True).exists()


def test_someone_elses_reminder_is_not_found(client, world, reminded):
    sign_in(client, world.users["organiser_a"])
    assert client.get(reverse("notifications:open", args=[reminded.pk])).status_code == 404
    assert Reminder.objects.get(pk=reminded.pk).read_at is None


def test_preference_is_saved_and_used_by_the_next_sweep(client, world, due_case):
    sign_in(client, world.users["secretary_a"])
    assert (
        client.post(reverse("notifications:settings"), {"action": "email", "email_mode": "nonsense"}).status_code == 200
    )
    assert not Preference.objects.exists()
    client.post(reverse("notifications:settings"), {"action": "email", "email_mode": "immediate"})
    assert Preference.objects.get(user=world.users["secretary_a"]).email_mode == "immediate"
    sweep(today=TODAY, now=at(TODAY))
    assert Reminder.objects.get(person=world.people["secretary_a"]).email_state == "pending"
    assert Reminder.objects.get(person=world.people["organiser_a"]).email_state == "digest"


def test_calendar_feed_with_a_revocable_token(client, world, due_case, today):
    sign_in(client, world.users["secretary_a"])
    response = client.post(reverse("notifications:settings"), {"action": "calendar_new"})
    page = response.content.decode()
    url = page.split('id="calendar-url" type="text" readonly value="')[1].split('"')[0]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarToken.objects.filter(digest=token).exists()  # only the hash is kept
    client.logout()
    feed = client.get(reverse("notifications:calendar", args=[token]))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    body = feed.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20261127" in body
    assert f"UID:lifecycle.step_due-{due_case.pk}-20261127@" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    # a new address replaces the old; stopping it leaves nothing that answers
    sign_in(client, world.users["secretary_a"])
    client.post(reverse("notifications:settings"), {"action": "calendar_new"})
    assert client.get(reverse("notifications:calendar", args=[token])).status_code == 404
    client.post(reverse("notifications:settings"), {"action": "calendar_revoke"})
    assert not CalendarToken.objects.filter(revoked_at__isnull=True).exists()


def test_the_applicant_sees_no_branch_deadline_in_the_calendar(client, world, due_case):
    from apps.notifications.selectors import calendar_events_for

    assert calendar_events_for(user=world.users["applicant_a"], today=TODAY) == []
    events = calendar_events_for(user=world.users["secretary_a"], today=TODAY)
    assert [(s.code, d.subject_id) for s, d, _role in events] == [("lifecycle.step_due", due_case.pk)]


def test_healthz_reports_a_stale_sweep(client, db, settings, today):
    assert json.loads(client.get(reverse("healthz")).content)["sweep"] == "never"
    reminders_sweep(clock=timezone.now)  # the process clock, as the task passes it
    assert json.loads(client.get(reverse("healthz")).content)["sweep"] == "ok"
    JobRun.objects.update(
        started_at=timezone.now() - datetime.timedelta(minutes=settings.NOTIFY_SWEEP_STALE_MINUTES + 1)
    )
    response = client.get(reverse("healthz"))
    assert response.status_code == 503 and json.loads(response.content)["sweep"] == "stale"


def test_operations_page_shows_queue_outbox_and_failures(client, world, reminded):
    Reminder.objects.filter(pk=reminded.pk).update(email_state="failed", last_error="SMTPRecipientsRefused: x")
    reminders_sweep(clock=lambda: at(TODAY))
    sign_in(client, world.users["staff"])
    page = client.get(reverse("admin:notifications_reminder_status")).content.decode()
    assert "SMTPRecipientsRefused: x" in page and world.people["secretary_a"].name in page
    sign_in(client, world.users["secretary_b"])  # another branch: sees neither the failure nor the person
    page = client.get(reverse("admin:notifications_reminder_status")).content.decode()
    assert "SMTPRecipientsRefused: x" not in page


def test_run_sweeps_once_prints_what_it_did(world, due_case, capsys):
    from io import StringIO

    out = StringIO()
    call_command("run_sweeps", "--once", stdout=out)
    text = out.getvalue()
    assert "reminders-sweep:" in text and "reminders created" in text and "e-mails sent" in text


def test_admin_retry_action(client, world, reminded):
    Reminder.objects.filter(pk=reminded.pk).update(email_state="failed")
    sign_in(client, world.users["staff"])
    response = client.post(
        reverse("admin:notifications_reminder_changelist"),
        {"action": "retry_email", "_selected_action": [reminded.pk]},
    )
    assert response.status_code == 302
    assert Reminder.objects.get(pk=reminded.pk).email_state == "pending"


def test_staff_add_a_committee_rule_in_the_admin_and_bad_input_is_refused(client, world):
    sign_in(client, world.users["staff"])
    url = reverse("admin:notifications_reminderrule_add")
    data = {
        "committee": world.committee.pk,
        "source": "organisations.term_ending",
        "name": "本党委换届提醒",
        "lead_days": "60, -3",
        "overdue_every_days": "0",
        "by_email": "on",
        "in_portal": "on",
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "lead_days" in errors and "recipients" in errors
    data.update(lead_days="60, 30", recipients=["secretary"])
    assert client.post(url, data).status_code == 302
    from apps.audit.models import AuditEntry
    from apps.notifications.models import ReminderRule

    rule = ReminderRule.objects.get(committee=world.committee)
    assert rule.leads == [60, 30]
    assert AuditEntry.objects.filter(action="notifications.rule_created", target_id=str(rule.pk)).exists()


def test_header_count_is_cached_and_read_once(client, world, reminded):
    """Counted once, then read from the cache (keyed by the reminders' data version; every change of the data behind
    it shows on the next request: tests/portal/test_page_cache.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, world.users["secretary_a"])
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("portal:my_profile")).content.decode()
    assert ">1</span>" in page
    assert not [q for q in ctx.captured_queries if "notifications_reminder" in q["sql"]]
