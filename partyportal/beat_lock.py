"""Exactly one Celery beat schedules: the one holding a lock in Redis.

A beat starts by taking the lock (SET NX with a lifetime of ``CELERY_BEAT_LOCK_SECONDS``, 15 s) and sends nothing
before it has it. While Redis does not answer it waits and tries again. When the lock is held, it watches it: a lock
that a live beat keeps refreshing (every third of its lifetime) means another beat is running, and this one exits; a
lock that nobody refreshes belonged to a beat that died (SIGKILL, a lost host), and this one takes it over as soon
as it expires — no restart needed. While running, a beat refreshes its lock atomically (it only extends the lock if
it is still its own, and takes it again if Redis lost it); if another beat took it meanwhile it stops. Its scheduler
sends a task only while the lock is confirmed: after a lifetime without a successful refresh the lock may have
expired and been taken, so the beat holds its tasks until Redis answers again.

The sweeps are idempotent, so two beats could only waste work; the lock keeps the schedule's cost predictable.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import secrets
import signal
import socket
import threading
import time

from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

_REFRESH = """
local value = redis.call('get', KEYS[1])
if value == ARGV[1] then
    redis.call('pexpire', KEYS[1], ARGV[2])
    return 1
end
if not value then
    redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2])
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class AnotherBeat(SystemExit):
    """A live beat holds the lock: this one must not run."""

    def __init__(self):
        super().__init__(1)


class BeatLock:
    """The Redis lock that makes a beat the only one that schedules."""

    def __init__(self, url: str, key: str, seconds: float):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.key, self.seconds = key, seconds
        self.interval = seconds / 3  # how often the holder refreshes it
        # A new token for each start: a restarted beat (same host, maybe the same pid in a container) does not mistake
        # the lock of the beat it replaces for its own.
        self.token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._refresh = self.client.register_script(_REFRESH)
        self._release = self.client.register_script(_RELEASE)
        self._valid_until = 0.0

    def _confirmed(self, asked_at: float) -> None:
        # Redis expires the lock no earlier than a lifetime after we asked; one refresh interval is kept as margin.
        self._valid_until = asked_at + self.seconds - self.interval

    def held(self) -> bool:
        """Whether this beat may send tasks now: it has the lock and Redis confirmed it recently enough."""
        return time.monotonic() < self._valid_until

    def acquire(self) -> bool:
        asked_at = time.monotonic()
        if self.client.set(self.key, self.token, nx=True, px=int(self.seconds * 1000)):
            self._confirmed(asked_at)
            return True
        return False

    def refresh(self) -> bool:
        """Extend our lock, or take it again if it vanished (Redis restarted empty); False if another beat has it."""
        asked_at = time.monotonic()
        if self._refresh(keys=[self.key], args=[self.token, int(self.seconds * 1000)]):
            self._confirmed(asked_at)
            return True
        self._valid_until = 0.0
        return False

    def look(self) -> tuple[str | None, int]:
        """(holder, milliseconds until the lock expires: -1 for never, -2 when there is no lock)."""
        with self.client.pipeline(transaction=False) as pipe:
            value, ttl = pipe.get(self.key).pttl(self.key).execute()
        return (value.decode() if value else None), ttl

    def holder(self) -> str | None:
        return self.look()[0]

    def release(self) -> None:
        self._valid_until = 0.0
        with contextlib.suppress(Exception):  # best effort at exit; the lock expires anyway
            self._release(keys=[self.key], args=[self.token])


def wait_for_lock(lock: BeatLock, *, sleep=time.sleep) -> None:
    """Return once this beat holds the lock. Meanwhile nothing is scheduled: while Redis does not answer, try again
    every refresh interval; while another beat holds the lock, watch it — refreshed means that beat is alive, and this
    one exits (``AnotherBeat``); not refreshed means it died, and its lock is taken when it expires."""
    margin_ms = lock.seconds * 1000 / 6  # a refresh puts a third of the lifetime back
    seen: tuple[str, int, float] | None = None  # holder, its time to live, when the answer had arrived
    while True:
        try:
            if lock.acquire():
                logger.info("beat lock %s taken by %s", lock.key, lock.token)
                return
            asked_at = time.monotonic()
            holder, ttl = lock.look()
        except Exception as exc:  # noqa: BLE001 - Redis away: wait, never schedule without the lock
            logger.warning("beat lock %s cannot be taken (%s): not scheduling, trying again", lock.key, exc)
            seen = None
            sleep(lock.interval)
            continue
        if holder is not None and ttl == -1:
            logger.error("%s holds the beat lock %s without an expiry: exiting", holder, lock.key)
            raise AnotherBeat
        if holder is not None and seen is not None and seen[0] == holder:
            # Unrefreshed, the lock lost at least the time between the two readings; more left means a refresh.
            at_most = seen[1] - (asked_at - seen[2]) * 1000
            if ttl > at_most + margin_ms:
                logger.error("another beat is running (%s holds %s and refreshes it): exiting", holder, lock.key)
                raise AnotherBeat
        if holder is not None:
            logger.info("beat lock %s held by %s, %.1f s left unless refreshed: waiting", lock.key, holder, ttl / 1000)
        seen = (holder, ttl, time.monotonic()) if holder is not None else None
        sleep(lock.interval / 2)


_lock: BeatLock | None = None  # this process's lock, once it is a beat that holds it


def _keep(lock: BeatLock, stop: threading.Event) -> None:
    while not stop.wait(lock.interval):
        try:
            if not lock.refresh():
                logger.error("beat lock %s is held by %s: this beat stops", lock.key, lock.holder())
                os.kill(os.getpid(), signal.SIGTERM)
                return
        except Exception as exc:  # noqa: BLE001 - Redis away: tasks wait (LockedScheduler) until it answers again
            logger.warning("beat lock %s not refreshed (%s): no task is sent until it is", lock.key, exc)


def take(url: str, key: str, seconds: float) -> BeatLock:
    """Wait for the lock (see ``wait_for_lock``), then keep it refreshed until the process exits."""
    global _lock
    lock = BeatLock(url, key, seconds)
    wait_for_lock(lock)
    stop = threading.Event()
    threading.Thread(target=_keep, args=(lock, stop), daemon=True, name="beat-lock").start()
    atexit.register(lambda: (stop.set(), lock.release()))
    _lock = lock
    return lock


class LockedScheduler(PersistentScheduler):
    """Celery's default scheduler, sending a task only while this beat's lock is confirmed."""

    def apply_entry(self, entry, producer=None):
        from django.conf import settings

        if settings.REDIS_URL and (_lock is None or not _lock.held()):
            logger.warning("beat lock not confirmed: %s not sent (the next run follows its schedule)", entry.name)
            return
        super().apply_entry(entry, producer=producer)
