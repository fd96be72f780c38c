"""Reads of the notifications app, already restricted to the user."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from apps.people.selectors import person_for_user

from . import sources
from .choices import EmailState, Job
from .models import CalendarToken, Digest, JobRun, Reminder
from .services import token_digest

# The calendar feed shows a month of past deadlines (what is overdue) and a year ahead (a term's end, a yearly
# evaluation): a subscribing calendar application replaces the whole feed at each reading.
CALENDAR_DAYS_BACK = 30
CALENDAR_DAYS_AHEAD = 365
# The last use of a calendar token is written at most this often: calendar applications poll the feed again and
# again, and the settings page only says roughly when it was last read ("Last read …").
CALENDAR_LAST_USED_RESOLUTION = datetime.timedelta(hours=1)
# The status page asks Redis for the queue depth and gives up after this long rather than hang with the broker.
BROKER_TIMEOUT_SECONDS = 1


# What the notification centre lists: what still asks for something, what is done or past, or everything.
CURRENT, DONE, EVERYTHING = "current", "done", "all"


def _done_q() -> Q:
    """Reminders that no longer ask for anything: their subject is no longer due (``done_at``), or news read."""
    return Q(done_at__isnull=False) | Q(source__in=sources.news_codes(), read_at__isnull=False)


def reminder_list_for(*, user, show: str = EVERYTHING) -> QuerySet[Reminder]:
    """The user's own reminders shown in the portal, newest first: the current ones (still due, or news not read
    yet), the done and earlier ones, or all."""
    qs = (
        Reminder.objects.filter(person__user=user, in_portal=True).select_related("node").order_by("-created_at", "-pk")
    )
    if show == CURRENT:
        return qs.exclude(_done_q())
    if show == DONE:
        return qs.filter(_done_q())
    return qs


def unread_count(*, user) -> int:
    """Unread reminders that still ask for something (the header's count)."""
    return Reminder.objects.filter(
        person__user=user, in_portal=True, read_at__isnull=True, done_at__isnull=True
    ).count()


def reminder_get_for(*, user, pk) -> Reminder:
    reminder = reminder_list_for(user=user).filter(pk=pk).select_related("person").first()
    if reminder is None:
        raise Http404
    return reminder


def calendar_user(token: str, *, now: datetime.datetime):
    """The user of a live calendar token, or None (unknown or revoked: the caller answers 404)."""
    row = (
        CalendarToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    if row.last_used_at is None or now - row.last_used_at > CALENDAR_LAST_USED_RESOLUTION:
        CalendarToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def calendar_token_live(*, user) -> CalendarToken | None:
    return CalendarToken.objects.filter(user=user, revoked_at__isnull=True).first()


def calendar_events_for(*, user, today: datetime.date):
    """The user's deadlines from ``CALENDAR_DAYS_BACK`` before today to ``CALENDAR_DAYS_AHEAD`` after it:
    [(source, due, role)]."""
    from .sweep import deadlines_for

    person = person_for_user(user)
    if person is None:
        return []
    start = today - datetime.timedelta(days=CALENDAR_DAYS_BACK)
    end = today + datetime.timedelta(days=CALENDAR_DAYS_AHEAD)
    return deadlines_for(person.pk, start=start, end=end, today=today)


def queue_depth() -> int | None:
    """Messages waiting in the Celery queue (Redis), None in the embedded default or when Redis does not answer."""
    if not settings.REDIS_URL:
        return None
    try:
        import redis

        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL,
            socket_timeout=BROKER_TIMEOUT_SECONDS,
            socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        )
        return int(client.llen(settings.CELERY_TASK_DEFAULT_QUEUE))
    except Exception:  # noqa: BLE001 - a status page must not fail with the broker
        return None


def last_runs() -> list[tuple[str, JobRun | None]]:
    """(job label, its latest run) for each periodic job of this app."""
    return [(job.label, JobRun.objects.filter(job=job).order_by("-started_at").first()) for job in Job]


def sweep_health(*, now: datetime.datetime) -> str:
    """ "ok", "never" (no sweep yet: a fresh installation) or "stale" (no successful sweep for too long)."""
    last_ok = JobRun.objects.filter(job=Job.SWEEP, ok=True).order_by("-started_at").values_list("started_at", flat=True)
    last = last_ok.first()
    if last is None:
        return "stale" if JobRun.objects.filter(job=Job.SWEEP).exists() else "never"
    return "ok" if now - last <= datetime.timedelta(minutes=settings.NOTIFY_SWEEP_STALE_MINUTES) else "stale"


def outbox_figures(*, reminders: QuerySet[Reminder], digests: QuerySet[Digest], now: datetime.datetime) -> dict:
    """Counts of the outbox over the given (already scoped) reminders and digests, one query each.

    "In doubt" are the e-mails whose last try has no known outcome — no reply to the end of the data, or found still
    claimed after their worker stopped — and that wait to be sent again with the same Message-ID; "sent after a
    doubt" went out after such a try, so their recipient may have them twice (with the same Message-ID)."""
    pending = Q(email_state=EmailState.PENDING)
    sending = Q(email_state=EmailState.SENDING)
    in_doubt = (pending & Q(doubts__gt=0)) | (sending & Q(next_attempt_at__lte=now))
    figures = reminders.aggregate(
        pending=Count("pk", filter=pending),
        due_now=Count("pk", filter=pending & Q(next_attempt_at__lte=now)),
        retrying=Count("pk", filter=pending & Q(attempts__gt=0, doubts=0)),
        sending=Count("pk", filter=sending & Q(next_attempt_at__gt=now)),
        in_doubt=Count("pk", filter=in_doubt),
        sent_after_doubt=Count("pk", filter=Q(email_state=EmailState.SENT, doubts__gt=0)),
        digest=Count("pk", filter=Q(email_state=EmailState.DIGEST, digest__isnull=True)),
        failed=Count("pk", filter=Q(email_state=EmailState.FAILED)),
    )
    of_digests = digests.aggregate(
        in_doubt=Count("pk", filter=in_doubt),
        sent_after_doubt=Count("pk", filter=Q(email_state=EmailState.SENT, doubts__gt=0)),
    )
    figures["in_doubt"] += of_digests["in_doubt"]
    figures["sent_after_doubt"] += of_digests["sent_after_doubt"]
    return figures
