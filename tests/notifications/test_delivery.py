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

from .conftest import TODAY, at, pending_reminders
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


@pytest.mark.parametrize(
    ("stage", "reply", "permanent"),
    [
        ("rcpt", "451 4.7.1 greylisted, please try again later", False),
        ("rcpt", "550 5.1.1 no such mailbox", True),
        ("data", "451 4.3.0 local error in processing", False),
        ("data", "550 5.7.1 message refused", True),
    ],
)
def test_a_4xx_is_retried_and_a_5xx_fails_at_once(world, due_case, stage, reply, permanent):
    _immediate(world, "secretary_a")
    sweep(today=TODAY, now=at(TODAY))
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    with SmtpSink() as sink, override_settings(**sink.settings()):
        setattr(sink.handler, "rcpt_reply" if stage == "rcpt" else "fail_with", reply)
        result = deliver(now=at(TODAY))
        reminder.refresh_from_db()
        assert reply[:3] in reminder.last_error and reminder.attempts == 1
        failed = AuditEntry.objects.filter(action="notifications.email_failed", target_id=str(reminder.pk))
        if permanent:
            assert (result.failed, result.retried) == (1, 0)
            assert reminder.email_state == EmailState.FAILED and failed.exists()
            return
        assert (result.failed, result.retried) == (0, 1)
        assert reminder.email_state == EmailState.PENDING and not failed.exists()
        assert reminder.next_attempt_at == at(TODAY) + datetime.timedelta(minutes=1)  # the first retry delay
        # the greylisting server takes it on the next try, and the e-mail arrives once
        sink.handler.rcpt_reply = sink.handler.fail_with = None
        assert deliver(now=reminder.next_attempt_at).sent == 1
        assert sink.message_ids() == [f"<reminder-{reminder.pk}@partyportal.local>"]


# The production waits scaled down 20 times: EMAIL_TIMEOUT 20 s -> 1 s, the final-dot wait 600 s -> 30 s.
SCALED = {"EMAIL_TIMEOUT": 1, "NOTIFY_SMTP_FINAL_DOT_SECONDS": 30}


def test_a_server_slow_to_answer_the_end_of_the_data_gets_each_email_once(world, due_case):
    # given a server that answers the end of the data after 1.5 s — 30 s at production scale, longer than
    # EMAIL_TIMEOUT, well within the 10 minutes RFC 5321 allows
    _immediate(world, "secretary_a", "organiser_a")
    sweep(today=TODAY, now=at(TODAY))
    with SmtpSink() as sink, override_settings(**sink.settings(**SCALED)):
        sink.handler.data_delay = 1.5
        result = deliver(now=at(TODAY))
        # then each e-mail was sent once, and nothing waits to be sent again
        assert (result.sent, result.retried, result.in_doubt, result.failed) == (2, 0, 0, 0)
        assert deliver(now=at(TODAY) + datetime.timedelta(hours=1)).sent == 0
    ids = sink.message_ids()
    assert len(ids) == 2 and len(set(ids)) == 2
    assert set(Reminder.objects.values_list("email_state", "doubts")) == {(EmailState.SENT, 0)}


def test_a_server_that_never_answers_before_the_data_is_an_ordinary_temporary_failure(world, due_case):
    from .smtp import SilentServer

    _immediate(world, "secretary_a")
    sweep(today=TODAY, now=at(TODAY))
    silent = SilentServer()  # no greeting: nothing was sent, so nothing can have arrived
    try:
        with override_settings(**SmtpSink(port=silent.port).settings(**SCALED)):
            result = deliver(now=at(TODAY))
    finally:
        silent.close()
    assert (result.retried, result.in_doubt, result.failed) == (1, 0, 0)
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    assert (reminder.email_state, reminder.doubts, reminder.attempts) == (EmailState.PENDING, 0, 1)


def test_no_reply_to_the_end_of_the_data_is_in_doubt_and_sent_again_with_the_same_message_id(client, world, due_case):
    _immediate(world, "secretary_a")
    sweep(today=TODAY, now=at(TODAY))
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    with SmtpSink() as sink, override_settings(**sink.settings(EMAIL_TIMEOUT=1, NOTIFY_SMTP_FINAL_DOT_SECONDS=1)):
        sink.handler.data_delay = 2  # the server took the message, its reply never arrives in time
        result = deliver(now=at(TODAY))
        assert (result.sent, result.failed, result.retried, result.in_doubt) == (0, 0, 0, 1)
        reminder.refresh_from_db()
        assert (reminder.email_state, reminder.doubts) == (EmailState.PENDING, 1)
        assert reminder.last_error.startswith("OutcomeUnknown")
        assert reminder.next_attempt_at == at(TODAY) + datetime.timedelta(minutes=1)
        assert not AuditEntry.objects.filter(action="notifications.email_failed").exists()  # not a failure
        _shows_doubts(client, world, in_doubt=1, sent_after=0)
        sink.handler.data_delay = 0
        assert deliver(now=reminder.next_attempt_at).sent == 1
    # the recipient has it twice, with the same Message-ID, which lets a mail system drop the repeat
    assert sink.message_ids() == [f"<reminder-{reminder.pk}@partyportal.local>"] * 2
    reminder.refresh_from_db()
    assert (reminder.email_state, reminder.doubts) == (EmailState.SENT, 1)
    _shows_doubts(client, world, in_doubt=0, sent_after=1)


def _shows_doubts(client, world, *, in_doubt: int, sent_after: int):
    from django.urls import reverse

    from tests.conftest import sign_in

    sign_in(client, world.users["staff"])
    response = client.get(reverse("admin:notifications_reminder_status"))
    figures = response.context["figures"]
    assert (figures["in_doubt"], figures["sent_after_doubt"]) == (in_doubt, sent_after)
    assert "同一 Message-ID" in response.content.decode()  # the page says what "in doubt" means


def test_a_row_found_claimed_after_its_lease_is_in_doubt_and_sent_again_once(client, world, due_case, today):
    # given a reminder that a worker claimed and never recorded: it was killed while sending
    _immediate(world, "secretary_a")
    sweep(today=TODAY, now=at(TODAY))
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    claimed_until = at(TODAY) + datetime.timedelta(minutes=15)
    Reminder.objects.filter(pk=reminder.pk).update(
        email_state=EmailState.SENDING, attempts=1, next_attempt_at=claimed_until
    )
    # while the claim runs, nobody else takes the row
    assert deliver(now=at(TODAY, 9, 10)).sent == 0
    _shows_doubts(client, world, in_doubt=0, sent_after=0)
    # after it, the row is in doubt: sent again, once, with the same Message-ID
    result = deliver(now=claimed_until)
    assert (result.sent, result.in_doubt) == (1, 1)
    assert deliver(now=claimed_until + datetime.timedelta(hours=1)).sent == 0
    reminder.refresh_from_db()
    assert (reminder.email_state, reminder.attempts, reminder.doubts) == (EmailState.SENT, 2, 1)
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [f"<reminder-{reminder.pk}@partyportal.local>"]
    _shows_doubts(client, world, in_doubt=0, sent_after=1)


@pytest.mark.django_db(transaction=True)
def test_the_claim_is_committed_before_the_server_is_spoken_to(world, due_case):
    _immediate(world, "secretary_a")
    sweep(today=TODAY, now=at(TODAY))
    reminder = Reminder.objects.get(person=world.people["secretary_a"])
    seen = []

    def committed_state(address):  # another connection, in the server's thread: sees committed rows only
        from django.db import connection

        try:
            seen.append(Reminder.objects.values_list("email_state", "attempts", "next_attempt_at").get(pk=reminder.pk))
        finally:
            connection.close()

    with SmtpSink() as sink, override_settings(**sink.settings(NOTIFY_CLAIM_LEASE_SECONDS=900)):
        sink.handler.on_rcpt = committed_state
        assert deliver(now=at(TODAY)).sent == 1
    assert seen == [(EmailState.SENDING, 1, at(TODAY) + datetime.timedelta(minutes=15))]
    reminder.refresh_from_db()
    assert (reminder.email_state, reminder.next_attempt_at) == (EmailState.SENT, None)


def test_delivery_stops_taking_new_emails_when_its_time_budget_is_spent(world):
    pending_reminders(world, 6, due=at(TODAY))
    moments = iter(at(TODAY) + datetime.timedelta(seconds=10 * i) for i in range(100))
    result = deliver(now=at(TODAY), clock=lambda: next(moments), budget=datetime.timedelta(seconds=45))
    assert result.out_of_time and result.sent < 6
    assert Reminder.objects.filter(email_state=EmailState.PENDING).count() == 6 - result.sent
    assert deliver(now=at(TODAY)).sent == 6 - result.sent  # the next run sends the rest


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
