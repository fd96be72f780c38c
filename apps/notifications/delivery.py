"""The outbox: e-mails of reminders and digests, rendered in the recipient's language and sent once.

Each e-mail is sent inside its own transaction that holds the row lock (``SELECT … FOR UPDATE SKIP LOCKED``):
two workers never take the same row, and a worker killed mid-send leaves its row untouched for the next one. The
only window for a duplicate is between the SMTP server's acceptance and our commit (milliseconds); the Message-ID is
derived from the row, so a receiving system can drop such a repeat. Temporary failures are retried with backoff;
permanent ones (a refused address, no address) fail at once and show up for the staff.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.audit.services import audit_record

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


def _committee_name(node) -> str:
    from apps.organisations.models import OrgNode

    root = OrgNode.objects.filter(path=node.path[: node.steplen]).values_list("name", flat=True).first()
    return root or node.name


def _item(reminder: Reminder, today: datetime.date) -> dict:
    return {
        "title": reminder.title,
        # news (an answer given) says when it happened; a deadline says when it is due
        "when": reminder.due_on.isoformat() if reminder.is_news else due_phrase(reminder.due_on, today),
        "role": reminder.get_role_display(),
        "node": reminder.node.name,
        "link": absolute(reminder.url),
    }


def render_reminder(reminder: Reminder, *, today: datetime.date) -> EmailMultiAlternatives:
    """The e-mail of one reminder, in the recipient's language."""
    with translation.override(language_of(reminder.person)):
        item = _item(reminder, today)
        context = {
            "person": reminder.person,
            "item": item,
            "organisation": _committee_name(reminder.node),
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


def render_digest(digest: Digest, *, today: datetime.date) -> EmailMultiAlternatives | None:
    items = still_due(list(digest.items.filter(email_state=EmailState.DIGEST).select_related("node")), today=today)
    items.sort(key=lambda r: (r.due_on, r.pk))
    if not items:
        return None
    with translation.override(language_of(digest.person)):
        organisation = _committee_name(items[0].node)
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


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, (PermanentFailure, smtplib.SMTPRecipientsRefused)):
        return True
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


@dataclass
class DeliveryResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    withdrawn: int = 0

    def __iadd__(self, other):
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.withdrawn += other.withdrawn
        return self


class _Connection:
    """One SMTP connection for a batch, reopened after an error."""

    def __init__(self):
        self.connection = None

    def send(self, message: EmailMultiAlternatives) -> None:
        if self.connection is None:
            self.connection = get_connection(fail_silently=False)
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


def _send_one(item, message, connection: _Connection, now: datetime.datetime) -> DeliveryResult:
    """Send one locked outbox row and record the outcome on it (inside the caller's transaction)."""
    item.attempts += 1
    try:
        if message is None:  # a digest whose reminders are all no longer due
            item.email_state = EmailState.WITHDRAWN
            item.next_attempt_at = None
            item.save(update_fields=["email_state", "attempts", "next_attempt_at"])
            return DeliveryResult(withdrawn=1)
        address = address_of(item.person)
        if not address:
            raise PermanentFailure(_("No e-mail address."))
        message.to = [address]
        connection.send(message)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        item.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if _is_permanent(exc) or item.attempts >= max_attempts():
            item.email_state = EmailState.FAILED
            item.next_attempt_at = None
            item.save(update_fields=["attempts", "last_error", "email_state", "next_attempt_at"])
            audit_record(
                actor=None,
                action="notifications.email_failed",
                target=item,
                node=getattr(item, "node", None) or item.person.node,
                note=item.last_error,
            )
            logger.warning("e-mail %s failed for good: %s", item, item.last_error)
            return DeliveryResult(failed=1)
        item.next_attempt_at = now + retry_delays()[item.attempts - 1]
        item.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        return DeliveryResult(retried=1)
    item.email_state = EmailState.SENT
    item.sent_at = now
    item.sent_to = address
    item.last_error = ""
    item.next_attempt_at = None
    item.save(update_fields=["attempts", "email_state", "sent_at", "sent_to", "last_error", "next_attempt_at"])
    if isinstance(item, Digest):
        item.items.filter(email_state=EmailState.DIGEST).update(
            email_state=EmailState.SENT, sent_at=now, sent_to=address
        )
    return DeliveryResult(sent=1)


def deliver(*, now: datetime.datetime, limit: int = 500) -> DeliveryResult:
    """Send what is due in the outbox, one locked row per transaction; returns the counts."""
    today = timezone.localdate(now)
    result = DeliveryResult()
    connection = _Connection()
    try:
        for model, render in ((Reminder, render_reminder), (Digest, render_digest)):
            done = 0
            while done < limit:
                with transaction.atomic():
                    item = (
                        model.objects.select_for_update(skip_locked=True, of=("self",))
                        .filter(email_state=EmailState.PENDING, next_attempt_at__lte=now)
                        .select_related("person__user", "person__node")
                        .order_by("next_attempt_at", "pk")
                        .first()
                    )
                    if item is None:
                        break
                    if model is Reminder:
                        item = Reminder.objects.select_related("person__user", "person__node", "node").get(pk=item.pk)
                        if not still_due([item], today=today):
                            result.withdrawn += 1
                            done += 1
                            continue
                    message = render(item, today=today)
                    result += _send_one(item, message, connection, now)
                done += 1
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
