import datetime

import pytest
from django.core import mail
from django.test import override_settings

from apps.audit.models import AuditEntry
from apps.notifications.choices import EmailState
from apps.notifications.delivery import deliver, digests_build, max_attempts
from apps.notifications.models import Digest, Reminder
from apps.notifications.selectors import reminder_list_for
from apps.notifications.services import email_retry, preference_set
from apps.notifications.sweep import sweep

from .conftest import TODAY, at
from .smtp import SmtpSink

pytestmark = pytest.mark.django_db


def _immediate(world, *keys):
    for key in keys:
        preference_set(user=world.users[key], email_mode="immediate")


def test_each_recipient_reads_their_own_language(world, due_case):
    _immediate(world, "secretary_a", "organiser_a")
    world.users["secretary_a"].language = "en"
    world.users["secretary_a"].save()
    world.users["organiser_a"].language = "zh-hans"
    world.users["organiser_a"].save()
    sweep(today=TODAY, now=at(TODAY))
    result = deliver(now=at(TODAY))
    assert result.sent == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    english = by_address[world.users["secretary_a"].email]
    chinese = by_address[world.users["organiser_a"].email]
    assert "due in 5 days (2026-11-27)" in english.subject
    assert english.subject.startswith("[测试党委] ")  # the organisation's name, as it is written
    assert "Dear" in english.body and "同志" not in english.body
    assert "同志" in chinese.body and "Dear" not in chinese.body
    assert "还有5天" in chinese.subject
    link = f"http://127.0.0.1:8000/development/cases/{due_case.pk}/"
    assert link in english.body and link in english.alternatives[0][0]
    assert english.extra_headers["Message-ID"].startswith("<reminder-")


def test_officials_get_one_daily_digest(world, due_case):
    from apps.organisations.models import Term

    Term.objects.create(
        node=world.branch_a,
        number=1,
        elected_on=datetime.date(2023, 12, 20),
        term_years=3,
        expires_on=datetime.date(2026, 12, 20),
    )
    sweep(today=TODAY, now=at(TODAY, 6))
    assert set(Reminder.objects.values_list("email_state", flat=True)) == {EmailState.DIGEST}
    assert digests_build(now=at(TODAY, 6)) == 0  # before the digest hour
    assert deliver(now=at(TODAY, 6)).sent == 0
    assert digests_build(now=at(TODAY, 8)) == 3  # secretary, organiser, committee staff
    assert deliver(now=at(TODAY, 8)).sent == 3
    secretary = next(m for m in mail.outbox if m.to == [world.users["secretary_a"].email])
    assert "2" in secretary.subject and secretary.body.count("http://127.0.0.1:8000/") >= 2  # both items
    # nothing twice, and everything in the digest counts as sent
    assert digests_build(now=at(TODAY, 9)) == 0
    assert deliver(now=at(TODAY, 9)).sent == 0
    assert len(mail.outbox) == 3
    assert set(Reminder.objects.values_list("email_state", flat=True)) == {EmailState.SENT}
    assert Digest.objects.count() == 3


def test_smtp_failing_is_retried_with_backoff_then_shown_and_sent_once_after_a_retry(world, due_case):
    _immediate(world, "secretary_a")
    sweep(today=TODAY, now=at(TODAY))
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    with SmtpSink() as sink, override_settings(**sink.settings()):
        sink.handler.fail_with = "451 4.3.0 mailbox busy, try later"
        now = at(TODAY)
        waits = []
        for _attempt in range(max_attempts()):
            assert deliver(now=now).sent == 0
            assert deliver(now=now).sent == 0  # not due again before its next attempt
            reminder.refresh_from_db()
            if reminder.email_state == EmailState.FAILED:
                break
            waits.append(reminder.next_attempt_at - now)
            now = reminder.next_attempt_at
        assert [w.total_seconds() / 60 for w in waits] == [1, 5, 30, 120, 480]
        assert reminder.email_state == EmailState.FAILED and reminder.attempts == max_attempts()
        assert "451" in reminder.last_error
        assert AuditEntry.objects.filter(action="notifications.email_failed", target_id=str(reminder.pk)).exists()
        # SMTP recovers; the failure stays until the staff send it again — then it goes once
        sink.handler.fail_with = None
        assert deliver(now=now).sent == 0
        assert email_retry(actor=world.users["secretary_a"], reminder_ids=[reminder.pk], now=at(TODAY)) == 1
        assert deliver(now=at(TODAY)).sent == 1
        assert deliver(now=at(TODAY)).sent == 0
        assert sink.message_ids() == [f"<reminder-{reminder.pk}@partyportal.local>"]


def test_a_refused_address_fails_at_once_and_nothing_is_lost(world, due_case):
    _immediate(world, "secretary_a")
    sweep(today=TODAY, now=at(TODAY))
    with SmtpSink() as sink, override_settings(**sink.settings()):
        sink.handler.refuse = {world.users["secretary_a"].email}
        assert deliver(now=at(TODAY)).failed == 1
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    assert (reminder.email_state, reminder.attempts) == (EmailState.FAILED, 1)
    assert "SMTPRecipientsRefused" in reminder.last_error
    assert reminder in reminder_list_for(user=world.users["secretary_a"])  # still in the portal


def test_no_address_is_a_visible_failure(world, due_case):
    _immediate(world, "secretary_a")
    user = world.users["secretary_a"]
    user.email = ""
    user.save()
    world.people["secretary_a"].email = ""
    world.people["secretary_a"].save()
    sweep(today=TODAY, now=at(TODAY))
    assert deliver(now=at(TODAY)).failed == 1
    assert Reminder.objects.get(person=world.people["secretary_a"]).last_error.startswith("PermanentFailure")
    assert not mail.outbox


def test_retry_is_limited_to_the_staff_subtree(world, due_case):
    from django.core.exceptions import PermissionDenied

    _immediate(world, "secretary_a")
    sweep(today=TODAY, now=at(TODAY))
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    Reminder.objects.filter(pk=reminder.pk).update(email_state=EmailState.FAILED)
    with pytest.raises(PermissionDenied):
        email_retry(actor=world.users["secretary_b"], reminder_ids=[reminder.pk], now=at(TODAY))
    assert Reminder.objects.get(pk=reminder.pk).email_state == EmailState.FAILED


def test_a_reminder_no_longer_due_is_not_emailed(world, due_case, record):
    _immediate(world, "secretary_a")
    sweep(today=TODAY, now=at(TODAY))
    record(due_case, "applicant_talk", TODAY)  # the branch talked to the applicant: the deadline is met
    result = deliver(now=at(TODAY))
    assert (result.sent, result.withdrawn) == (0, 1)
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    assert reminder.email_state == EmailState.WITHDRAWN
    assert reminder in reminder_list_for(user=world.users["secretary_a"])  # the portal keeps the record
    assert not mail.outbox


def test_the_digest_leaves_out_what_is_no_longer_due(world, due_case, record):
    from apps.organisations.models import Term

    Term.objects.create(
        node=world.branch_a,
        number=1,
        elected_on=datetime.date(2023, 12, 20),
        term_years=3,
        expires_on=datetime.date(2026, 12, 20),
    )
    sweep(today=TODAY, now=at(TODAY, 6))
    record(due_case, "applicant_talk", TODAY)
    digests_build(now=at(TODAY, 8))
    deliver(now=at(TODAY, 8))
    secretary = next(m for m in mail.outbox if m.to == [world.users["secretary_a"].email])
    assert "1" in secretary.subject and "/development/cases/" not in secretary.body
    assert "/org/" in secretary.body
    states = dict(Reminder.objects.filter(person=world.people["secretary_a"]).values_list("source", "email_state"))
    assert states == {"lifecycle.step_due": EmailState.WITHDRAWN, "organisations.term_ending": EmailState.SENT}


def test_a_failed_digest_is_sent_again_by_the_staff(world):
    from django.core.exceptions import PermissionDenied

    digest = Digest.objects.create(person=world.people["secretary_a"], day=TODAY, email_state=EmailState.FAILED)
    with pytest.raises(PermissionDenied):
        email_retry(actor=world.users["secretary_b"], digest_ids=[digest.pk], now=at(TODAY))
    assert email_retry(actor=world.users["staff"], digest_ids=[digest.pk], now=at(TODAY)) == 1
    digest.refresh_from_db()
    assert (digest.email_state, digest.attempts) == (EmailState.PENDING, 0)
    assert AuditEntry.objects.filter(action="notifications.email_retried", target_id=str(digest.pk)).exists()
