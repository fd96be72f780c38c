"""Writes of the notifications app: the periodic jobs, rules, preferences, calendar tokens, read marks, retries."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_diff, audit_record, snapshot
from apps.organisations.choices import MANAGE_ORG, MANAGE_PEOPLE
from apps.organisations.permissions import covers

from . import sources
from .choices import EmailMode, EmailState, Job
from .delivery import deliver, digests_build
from .models import CalendarToken, Digest, JobRun, Preference, Reminder, ReminderRule
from .sweep import sweep, sweep_dues

# The operations page and /healthz read the latest runs; two weeks of them tell a recurring failure from a one-off.
JOB_RUN_KEEP_DAYS = 14
# Bytes of randomness in a calendar token (256 bits, as for a session key or a password-reset token).
CALENDAR_TOKEN_BYTES = 32


Clock = Callable[[], datetime.datetime]


def _run(job: str, work, *, clock: Clock) -> JobRun:
    """Run one periodic job and record when it started and finished (the operations page and /healthz read these
    rows). A job is handed a clock, not a moment: it measures its own duration; ``work`` gets the start."""
    now = clock()
    run = JobRun.objects.create(job=job, started_at=now)
    try:
        counts = work(now)  # {"created": …, "sent": …, "failed": …, "in_doubt": …}, the ones that apply
    except Exception as exc:
        JobRun.objects.filter(pk=run.pk).update(finished_at=clock(), error=f"{type(exc).__name__}: {exc}")
        raise
    for field, value in counts.items():
        setattr(run, field, value)
    run.finished_at, run.ok = clock(), True
    run.save(update_fields=["finished_at", "ok", *counts])
    return run


def reminders_sweep(*, clock: Clock) -> JobRun:
    """The periodic sweep: insert the reminders due now (idempotent), mark done those no longer due, prune old job
    runs."""

    def work(now):
        result = sweep(today=timezone.localdate(now), now=now)
        reminders_settle(now=now)
        JobRun.objects.filter(started_at__lt=now - datetime.timedelta(days=JOB_RUN_KEEP_DAYS)).delete()
        return {"created": result.created}

    return _run(Job.SWEEP, work, clock=clock)


# How many subjects one source is asked about at a time when reminders are settled.
SETTLE_BATCH = 5000


def reminders_settle(
    *, now: datetime.datetime, source_codes: list[str] | None = None, subject_ids: list[int] | None = None
) -> int:
    """Mark done the reminders whose subject is no longer due on the reminder's date — the step was recorded, the
    notice closed, the objection answered, the deadline moved (the source's ``current``): they leave the
    notification centre's list and stay under "done and earlier". Of every source, or of some subjects of some
    sources (the service that recorded the step, right away); the sweep settles the rest. Returns how many."""
    open_rows = Reminder.objects.filter(done_at__isnull=True)
    if source_codes is not None:
        open_rows = open_rows.filter(source__in=source_codes)
    if subject_ids is not None:
        open_rows = open_rows.filter(subject_id__in=subject_ids)
    by_source: dict[str, list[tuple[int, int, datetime.date]]] = {}
    for pk, code, subject, due_on in open_rows.values_list("pk", "source", "subject_id", "due_on").iterator():
        by_source.setdefault(code, []).append((pk, subject, due_on))
    today, done = timezone.localdate(now), []
    for code, rows in by_source.items():
        source = sources.get(code)
        if source is None or source.current is None:
            continue
        subjects = sorted({subject for _pk, subject, _due in rows})
        current: dict[int, datetime.date] = {}
        for start in range(0, len(subjects), SETTLE_BATCH):
            current.update(source.current(subjects[start : start + SETTLE_BATCH], today))
        done += [pk for pk, subject, due_on in rows if current.get(subject) != due_on]
    for start in range(0, len(done), SETTLE_BATCH):
        Reminder.objects.filter(pk__in=done[start : start + SETTLE_BATCH], done_at__isnull=True).update(done_at=now)
    return len(done)


def reminders_notify(*, source_code: str, dues: list, now: datetime.datetime) -> int:
    """News for the people it concerns, at once (an objection answered: its reporter), under the source's rules —
    in the portal, and by e-mail to those who have an address. Idempotent (the reminder's unique key)."""
    source = sources.get(source_code)
    if source is None:
        raise ValueError(f"unknown reminder source {source_code}")
    return sweep_dues(source=source, dues=dues, today=timezone.localdate(now), now=now)


def outbox_deliver(*, clock: Clock) -> JobRun:
    """Build the day's digests when it is time, then send what is due in the outbox, for at most
    ``NOTIFY_DELIVERY_BUDGET_SECONDS`` (what is left goes out in the next run)."""

    def work(now):
        digests = digests_build(now=now)
        budget = datetime.timedelta(seconds=settings.NOTIFY_DELIVERY_BUDGET_SECONDS)
        result = deliver(now=now, clock=clock, budget=budget)
        return {"created": digests, "sent": result.sent, "failed": result.failed, "in_doubt": result.in_doubt}

    return _run(Job.DELIVER, work, clock=clock)


# --- rules -----------------------------------------------------------------------------------------------------------

RULE_FIELDS = [
    "committee",
    "source",
    "name",
    "lead_days",
    "overdue_every_days",
    "recipients",
    "by_email",
    "in_portal",
    "digest_allowed",
    "is_active",
]


def _may_edit_rule(actor, node) -> bool:
    if node is None:
        return bool(getattr(actor, "is_superuser", False))
    return covers(actor, MANAGE_ORG, node.path)


@transaction.atomic
def rule_save(*, actor, rule: ReminderRule, before: dict | None = None) -> ReminderRule:
    """Create or change a reminder rule. Defaults (no organisation) are the administrators'; an organisation's own
    rules are its staff's (a role that manages the organisation)."""
    if not _may_edit_rule(actor, rule.committee):
        raise PermissionDenied(_("You cannot change the reminder rules of this organisation."))
    rule.full_clean()
    created = rule.pk is None
    if not created:
        ReminderRule.objects.select_for_update().get(pk=rule.pk)
    rule.save()
    changes = (
        {f: [None, getattr(rule, f)] for f in RULE_FIELDS} if created else audit_diff(rule, before or {}, RULE_FIELDS)
    )
    if changes:
        audit_record(
            actor=actor,
            action="notifications.rule_created" if created else "notifications.rule_changed",
            target=rule,
            node=rule.committee,
            changes=changes,
        )
    return rule


def rule_snapshot(rule: ReminderRule) -> dict:
    return snapshot(rule, RULE_FIELDS)


# --- the recipient's own -------------------------------------------------------------------------------------------


@transaction.atomic
def preference_set(*, user, email_mode: str) -> Preference:
    if email_mode not in EmailMode.values:
        raise ValidationError(_("Unknown e-mail preference."))
    pref, _created = Preference.objects.select_for_update().get_or_create(user=user)
    if pref.email_mode != email_mode:
        audit_record(
            actor=user,
            action="notifications.preference_changed",
            target=pref,
            changes={"email_mode": [pref.email_mode, email_mode]},
        )
        pref.email_mode = email_mode
        pref.save(update_fields=["email_mode"])
    return pref


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_create(*, user, now: datetime.datetime) -> str:
    """A new secret calendar token; any earlier one stops working. Returns the token (shown once, stored hashed)."""
    calendar_token_revoke(user=user, now=now)
    token = secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
    CalendarToken.objects.create(user=user, digest=token_digest(token))
    audit_record(actor=user, action="notifications.calendar_token_created", target=user)
    return token


@transaction.atomic
def calendar_token_revoke(*, user, now: datetime.datetime) -> int:
    revoked = CalendarToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    count = revoked.update(revoked_at=now)
    if count:
        audit_record(actor=user, action="notifications.calendar_token_revoked", target=user)
    return count


def reminder_mark_read(*, user, reminder: Reminder, now: datetime.datetime) -> Reminder:
    """Mark one of the user's own reminders read (idempotent; the first reading counts)."""
    if reminder.person.user_id != user.pk:
        raise PermissionDenied
    if reminder.read_at is None:
        Reminder.objects.filter(pk=reminder.pk, read_at__isnull=True).update(read_at=now)
    return reminder


def reminders_mark_all_read(*, user, now: datetime.datetime) -> int:
    return Reminder.objects.filter(person__user=user, read_at__isnull=True, in_portal=True).update(read_at=now)


@transaction.atomic
def email_retry(*, actor, now: datetime.datetime, reminder_ids: list[int] = (), digest_ids: list[int] = ()) -> int:
    """Staff: send failed e-mails again (after an address was corrected, say). Only rows in the actor's subtree;
    nothing changes if one of them is outside it."""
    reminders = list(
        Reminder.objects.select_for_update(of=("self",))
        .select_related("node")
        .filter(pk__in=reminder_ids, email_state=EmailState.FAILED)
    )
    digests = list(
        Digest.objects.select_for_update(of=("self",))
        .select_related("person__node")
        .filter(pk__in=digest_ids, email_state=EmailState.FAILED)
    )
    rows = [(r, r.node) for r in reminders] + [(d, d.person.node) for d in digests]
    if not all(covers(actor, MANAGE_PEOPLE, node.path) for _row, node in rows):
        raise PermissionDenied(_("Some of these reminders are outside your organisations."))
    for row, node in rows:
        type(row).objects.filter(pk=row.pk).update(
            email_state=EmailState.PENDING, attempts=0, next_attempt_at=now, last_error=""
        )
        audit_record(
            actor=actor,
            action="notifications.email_retried",
            target=row,
            node=node,
            changes={"email_state": [EmailState.FAILED, EmailState.PENDING]},
        )
    return len(rows)
