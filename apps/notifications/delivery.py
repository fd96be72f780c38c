"""The outbox: e-mails of reminders and digests, rendered in the recipient's language, sent at least once.

Each e-mail is claimed before anybody talks to the mail server: in its own committed transaction the row becomes
"being sent" (one more attempt) until a lease runs out (``NOTIFY_CLAIM_LEASE_SECONDS``; ``SKIP LOCKED`` keeps two
workers off the same row). The SMTP conversation runs with no transaction open; its outcome is recorded in another
transaction, only if the claim is still this worker's. So after a crash a row is never silently lost or silently
sent twice: a row found still being sent after its lease is *in doubt* — its worker stopped somewhere between the
claim and the record, perhaps in the moment the server accepted the message — and is sent again, with the same
Message-ID (derived from the row: receiving systems and mail archives drop such a repeat). A reply to the end of the
data that never comes (``apps.notifications.mail``) is in doubt the same way. Both are counted on the row
(``doubts``), in the job run and on the status page.

Temporary failures (a 4xx reply — greylisting answers 451 at RCPT TO —, no connection, a time-out before the data
was sent) follow the retry delays; permanent ones (a 5xx reply, no address) fail at once and show up for the staff.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.audit.services import audit_record

from . import mail
from .choices import EmailState
from .models import Digest, Reminder

logger = logging.getLogger(__name__)


class PermanentFailure(Exception):
    """The e-mail cannot be delivered by trying again (no address, the address refused)."""


def retry_delays() -> list[datetime.timedelta]:
    return [datetime.timedelta(minutes=m) for m in settings.NOTIFY_RETRY_MINUTES]


def max_attempts() -> int:
    return len(settings.NOTIFY_RETRY_MINUTES) + 1


def language_of(person) -> str:
    user = getattr(person, "user", None)
    return (user.language if user is not None and user.language else None) or settings.LANGUAGE_CODE


def address_of(person) -> str:
    user = getattr(person, "user", None)
    return (user.email if user is not None and user.email else "") or person.email


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def due_phrase(due_on: datetime.date, today: datetime.date) -> str:
    days = (due_on - today).days
    if days == 0:
        return _("due today (%(date)s)") % {"date": due_on.isoformat()}
    if days > 0:
        return ngettext("due in %(n)s day (%(date)s)", "due in %(n)s days (%(date)s)", days) % {
            "n": days,
            "date": due_on.isoformat(),
        }
    return ngettext("%(n)s day overdue (due %(date)s)", "%(n)s days overdue (due %(date)s)", -days) % {
        "n": -days,
        "date": due_on.isoformat(),
    }


def _committee_name(node, committees: dict[str, str] | None = None) -> str:
    """The name of the base committee above ``node``; ``committees`` keeps the names already read (a delivery run)."""
    from apps.organisations.models import OrgNode

    path = node.path[: node.steplen]
    if committees is not None and path in committees:
        return committees[path]
    name = OrgNode.objects.filter(path=path).values_list("name", flat=True).first() or node.name
    if committees is not None:
        committees[path] = name
    return name


def _item(reminder: Reminder, today: datetime.date) -> dict:
    return {
        "title": reminder.title,
        # news (an answer given) says when it happened; a deadline says when it is due
        "when": reminder.due_on.isoformat() if reminder.reads_as_date else due_phrase(reminder.due_on, today),
        "role": reminder.get_role_display(),
        "node": reminder.node.name,
        "link": absolute(reminder.url),
    }


def render_reminder(
    reminder: Reminder, *, today: datetime.date, committees: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    """The e-mail of one reminder, in the recipient's language."""
    with translation.override(language_of(reminder.person)):
        item = _item(reminder, today)
        context = {
            "person": reminder.person,
            "item": item,
            "organisation": _committee_name(reminder.node, committees),
            "preferences": absolute(reverse("notifications:settings")),
        }
        subject = f"[{context['organisation']}] {item['title']} — {item['when']}"
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("notifications/email/reminder.txt", context),
            headers={"Message-ID": f"<reminder-{reminder.pk}@{settings.NOTIFY_MESSAGE_DOMAIN}>"},
        )
        message.attach_alternative(render_to_string("notifications/email/reminder.html", context), "text/html")
    return message


def still_due(reminders: list[Reminder], *, today: datetime.date) -> list[Reminder]:
    """The reminders whose subject is still due on the reminder's date (one query per source); the others — the
    step was recorded, the notice closed, the objection answered — are marked withdrawn and not e-mailed."""
    from . import sources

    by_source: dict[str, list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        by_source[reminder.source].append(reminder)
    keep, gone = [], []
    for code, items in by_source.items():
        source = sources.get(code)
        if source is None or source.current is None:
            keep.extend(items)
            continue
        current = source.current([r.subject_id for r in items], today)
        for reminder in items:
            (keep if current.get(reminder.subject_id) == reminder.due_on else gone).append(reminder)
    if gone:
        Reminder.objects.filter(pk__in=[r.pk for r in gone]).update(
            email_state=EmailState.WITHDRAWN, next_attempt_at=None
        )
    return keep


def render_digest(
    digest: Digest, *, today: datetime.date, committees: dict[str, str] | None = None
) -> EmailMultiAlternatives | None:
    items = still_due(list(digest.items.filter(email_state=EmailState.DIGEST).select_related("node")), today=today)
    items.sort(key=lambda r: (r.due_on, r.pk))
    if not items:
        return None
    with translation.override(language_of(digest.person)):
        organisation = _committee_name(items[0].node, committees)
        context = {
            "person": digest.person,
            "items": [_item(r, today) for r in items],
            "organisation": organisation,
            "day": digest.day,
            "preferences": absolute(reverse("notifications:settings")),
            "centre": absolute(reverse("notifications:list")),
        }
        count = ngettext("Daily digest: %(n)s reminder", "Daily digest: %(n)s reminders", len(items)) % {
            "n": len(items)
        }
        subject = f"[{organisation}] {count}"
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("notifications/email/digest.txt", context),
            headers={"Message-ID": f"<digest-{digest.pk}@{settings.NOTIFY_MESSAGE_DOMAIN}>"},
        )
        message.attach_alternative(render_to_string("notifications/email/digest.html", context), "text/html")
    return message


def _smtp_codes(exc: Exception) -> list[int]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return [code for code, _reply in exc.recipients.values()]
    code = getattr(exc, "smtp_code", None)
    return [code] if isinstance(code, int) else []


def _is_permanent(exc: Exception) -> bool:
    """No address, or a 5xx reply (RFC 5321 §4.2.1). A 4xx — greylisting answers 451 at RCPT TO, a full mailbox
    452 — and everything without a reply (refused connection, time-out) is temporary and follows the retry delays."""
    if isinstance(exc, PermanentFailure):
        return True
    codes = _smtp_codes(exc)
    return bool(codes) and all(500 <= code < 600 for code in codes)


@dataclass
class DeliveryResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    withdrawn: int = 0
    in_doubt: int = 0  # found claimed after a crash, or no reply to the end of the data: sent again, same Message-ID
    out_of_time: bool = False  # the run's time budget ran out with e-mails still due

    def __iadd__(self, other):
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.withdrawn += other.withdrawn
        self.in_doubt += other.in_doubt
        return self


class _Connection:
    """One SMTP connection for a batch, reopened after an error."""

    def __init__(self):
        self.connection = None

    def send(self, message: EmailMultiAlternatives) -> None:
        if self.connection is None:
            self.connection = get_connection(fail_silently=False)
            if type(self.connection) is DjangoSmtpBackend:  # the stock one: the same, with the final-dot wait
                self.connection = mail.EmailBackend(fail_silently=False)
            self.connection.open()
        message.connection = self.connection
        try:
            if message.send() != 1:
                raise smtplib.SMTPException("the server did not accept the message")
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self.connection.close()
            self.connection = None


_RELATED = {Reminder: ("person__user", "person__node", "node"), Digest: ("person__user", "person__node")}


def _claim(model, state: str, *, now: datetime.datetime, today: datetime.date, committees: dict):
    """Take the next due row of ``model`` in ``state`` and commit the claim before anybody talks to the mail server:
    the row is marked as being sent, one more attempt, until the lease ends. A row found still being sent after its
    lease is in doubt — the worker sending it stopped, maybe in the moment the server accepted it — and is sent
    again, with the same Message-ID. Returns (row, message or None when it is no longer due, in doubt), or None
    when nothing is due."""
    with transaction.atomic():
        # One state and the order of the outbox index (state, next attempt): the first free row ends the scan,
        # however long the queue (a tie-break on pk would make PostgreSQL sort every row due at the same moment).
        item = (
            model.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(email_state=state, next_attempt_at__lte=now)
            .select_related(*_RELATED[model])
            .order_by("next_attempt_at")
            .first()
        )
        if item is None:
            return None
        in_doubt = state == EmailState.SENDING
        if in_doubt:
            item.doubts += 1
            item.last_error = _(
                "In doubt: the worker sending it stopped before recording the outcome; sent again with the same "
                "Message-ID."
            )[:300]
            logger.warning("e-mail %s was found claimed after its lease: in doubt, sending it again", item.pk)
        if model is Reminder and not still_due([item], today=today):
            model.objects.filter(pk=item.pk).update(doubts=item.doubts, last_error=item.last_error)
            return item, None, in_doubt
        message = (render_reminder if model is Reminder else render_digest)(item, today=today, committees=committees)
        if message is None:  # a digest whose reminders are all no longer due
            item.email_state, item.next_attempt_at = EmailState.WITHDRAWN, None
        else:
            item.email_state = EmailState.SENDING
            item.attempts += 1
            item.next_attempt_at = now + datetime.timedelta(seconds=settings.NOTIFY_CLAIM_LEASE_SECONDS)
        item.save(update_fields=["email_state", "attempts", "next_attempt_at", "doubts", "last_error"])
    return item, message, in_doubt


def _outcome(item, error: Exception | None, *, now: datetime.datetime) -> tuple[dict, DeliveryResult]:
    """The fields to record after one try, and how it counts."""
    if error is None:
        fields = {"email_state": EmailState.SENT, "sent_at": now, "last_error": "", "next_attempt_at": None}
        return fields, DeliveryResult(sent=1)
    fields = {"last_error": f"{type(error).__name__}: {error}"[:300]}
    unknown = isinstance(error, mail.OutcomeUnknown)
    if unknown:
        fields["doubts"] = item.doubts + 1
    if _is_permanent(error) or item.attempts >= max_attempts():
        fields.update(email_state=EmailState.FAILED, next_attempt_at=None)
        return fields, DeliveryResult(failed=1, in_doubt=int(unknown))
    fields.update(email_state=EmailState.PENDING, next_attempt_at=now + retry_delays()[item.attempts - 1])
    return fields, (DeliveryResult(in_doubt=1) if unknown else DeliveryResult(retried=1))


def _record(item, address: str, error: Exception | None, *, now: datetime.datetime) -> DeliveryResult:
    """Record the outcome of one try on the claimed row — unless the claim is no longer ours (its lease ran out and
    another worker took the row: that worker records it)."""
    fields, result = _outcome(item, error, now=now)
    if error is None:
        fields["sent_to"] = address
    with transaction.atomic():
        mine = type(item).objects.filter(pk=item.pk, email_state=EmailState.SENDING, attempts=item.attempts)
        if not mine.update(**fields):
            logger.warning("e-mail %s was taken over by another worker before its outcome was recorded", item.pk)
            return DeliveryResult()
        for name, value in fields.items():
            setattr(item, name, value)
        if error is None and isinstance(item, Digest):
            item.items.filter(email_state=EmailState.DIGEST).update(
                email_state=EmailState.SENT, sent_at=now, sent_to=address
            )
        if item.email_state == EmailState.FAILED:
            audit_record(
                actor=None,
                action="notifications.email_failed",
                target=item,
                node=getattr(item, "node", None) or item.person.node,
                note=item.last_error,
            )
            logger.warning("e-mail %s failed for good: %s", item, item.last_error)
    return result


def _send_one(item, message, connection: _Connection, *, now: datetime.datetime) -> DeliveryResult:
    """Talk to the mail server about one claimed row (no transaction is open meanwhile), then record the outcome."""
    address = address_of(item.person)
    error = None
    try:
        if not address:
            raise PermanentFailure(_("No e-mail address."))
        message.to = [address]
        connection.send(message)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        error = exc
    return _record(item, address, error, now=now)


def deliver(
    *,
    now: datetime.datetime,
    limit: int = 500,
    clock: Callable[[], datetime.datetime] | None = None,
    budget: datetime.timedelta | None = None,
) -> DeliveryResult:
    """Send what is due in the outbox, one claimed row at a time; returns the counts.

    With a ``clock`` and a ``budget`` the run stops taking new rows once the budget is spent (what is left goes out
    in the next run), so that a slow mail server cannot hold up the jobs that run after this one; claims and
    outcomes are then stamped with the clock's time."""
    today = timezone.localdate(now)
    moment = clock or (lambda: now)
    result = DeliveryResult()
    connection = _Connection()
    committees: dict[str, str] = {}  # the organisation names of this run's e-mails
    try:
        for model in (Reminder, Digest):
            taken = 0
            for state in (EmailState.SENDING, EmailState.PENDING):  # the rows in doubt first
                while taken < limit:
                    if clock is not None and budget is not None and clock() - now >= budget:
                        result.out_of_time = True
                        return result
                    claimed = _claim(model, state, now=moment(), today=today, committees=committees)
                    if claimed is None:
                        break
                    taken += 1
                    item, message, in_doubt = claimed
                    result.in_doubt += int(in_doubt)
                    if message is None:
                        result.withdrawn += 1
                        continue
                    result += _send_one(item, message, connection, now=moment())
    finally:
        connection.close()
    return result


def digests_build(*, now: datetime.datetime) -> int:
    """From the digest hour on, gather the day's waiting reminders of each recipient into one digest; returns how
    many digests are waiting to be sent. Reminders that arrive after a recipient's digest went out wait for the
    next day's."""
    local = timezone.localtime(now)
    if local.hour < settings.NOTIFY_DIGEST_HOUR:
        return 0
    today = local.date()
    waiting = Reminder.objects.filter(email_state=EmailState.DIGEST, digest__isnull=True)
    people = list(waiting.values_list("person_id", flat=True).distinct())
    if not people:
        return 0
    Digest.objects.bulk_create(
        [Digest(person_id=p, day=today, email_state=EmailState.PENDING, next_attempt_at=now) for p in people],
        ignore_conflicts=True,
    )
    with transaction.atomic():
        # Lock today's unsent digests; one that a worker is sending right now is skipped (its reminders wait).
        open_digests = dict(
            Digest.objects.select_for_update(skip_locked=True)
            .filter(day=today, email_state=EmailState.PENDING, person_id__in=people)
            .values_list("person_id", "pk")
        )
        if open_digests:
            waiting.filter(person_id__in=list(open_digests)).update(
                digest_id=Subquery(
                    Digest.objects.filter(pk__in=list(open_digests.values()), person_id=OuterRef("person_id")).values(
                        "pk"
                    )[:1]
                )
            )
    return len(open_digests)
