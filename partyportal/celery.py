"""Celery application. With no REDIS_URL, tasks run in-process (see settings.base).

Exactly one beat: at start a beat takes a lock in Redis (SET NX with an expiry it keeps refreshing); a second beat
finds the lock held and exits at once. The sweeps are idempotent anyway, so a second beat could only waste work —
the lock keeps the schedule's cost predictable.
"""

import atexit
import logging
import os
import signal
import socket
import threading

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyportal.settings.local")

logger = logging.getLogger(__name__)

app = Celery("partyportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _setup_periodic_jobs(sender, **kwargs):
    from partyportal.schedule import PERIODIC_JOBS

    for name, task_path, seconds in PERIODIC_JOBS:
        sender.add_periodic_task(seconds, sender.signature(task_path), name=name)


class BeatLock:
    """The Redis lock that makes a beat the only one."""

    def __init__(self, url: str, key: str, seconds: int):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.key, self.seconds = key, seconds
        self.token = f"{socket.gethostname()}:{os.getpid()}"

    def acquire(self) -> bool:
        if self.client.set(self.key, self.token, nx=True, ex=self.seconds):
            return True
        return self.holder() == self.token

    def holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if value else None

    def refresh(self) -> bool:
        """Extend our lock; take it again if it vanished (Redis restarted); False if another beat holds it."""
        if self.holder() == self.token:
            self.client.expire(self.key, self.seconds)
            return True
        return bool(self.client.set(self.key, self.token, nx=True, ex=self.seconds))

    def release(self) -> None:
        try:
            if self.holder() == self.token:
                self.client.delete(self.key)
        except Exception:  # noqa: BLE001 - best effort at exit; the lock expires anyway
            pass


def _keep(lock: BeatLock, stop: threading.Event) -> None:
    while not stop.wait(lock.seconds / 3):
        try:
            if not lock.refresh():
                logger.error("beat lock %s is held by %s: stopping this beat", lock.key, lock.holder())
                os.kill(os.getpid(), signal.SIGTERM)
                return
        except Exception as exc:  # noqa: BLE001 - Redis away: keep beating, the sweeps are idempotent
            logger.warning("beat lock not refreshed (%s)", exc)


@beat_init.connect
def _one_beat(sender=None, **kwargs):
    from django.conf import settings

    if not settings.REDIS_URL:
        return
    lock = BeatLock(settings.REDIS_URL, settings.CELERY_BEAT_LOCK_KEY, settings.CELERY_BEAT_LOCK_SECONDS)
    if not lock.acquire():
        logger.error("another beat is running (%s holds %s): exiting", lock.holder(), lock.key)
        raise SystemExit(1)
    stop = threading.Event()
    threading.Thread(target=_keep, args=(lock, stop), daemon=True, name="beat-lock").start()
    atexit.register(lambda: (stop.set(), lock.release()))
    logger.info("beat lock %s taken by %s", lock.key, lock.token)
