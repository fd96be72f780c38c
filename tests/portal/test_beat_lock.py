"""The beat lock against a private Redis (redis-server on a free port): who waits, who exits, who takes over.

Lifetimes are a second or two here (15 s in production); the logic does not depend on the scale."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time

import pytest

from partyportal.beat_lock import AnotherBeat, BeatLock, wait_for_lock
from tests.notifications.smtp import free_port

KEY = "partyportal:beat-lock"
LIFETIME = 1.5


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis()
    yield server
    server.stop()


class LiveBeat:
    """Another beat that holds the lock and refreshes it, as a running beat does."""

    def __init__(self, url: str):
        self.lock = BeatLock(url, KEY, LIFETIME)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._keep, daemon=True)

    def _keep(self):
        while not self.stop.wait(self.lock.interval):
            self.lock.refresh()

    def __enter__(self):
        assert self.lock.acquire()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def test_a_beat_exits_when_a_live_beat_holds_the_lock(redis_server):
    redis_server.start()
    with LiveBeat(redis_server.url):
        started = time.monotonic()
        with pytest.raises(AnotherBeat) as raised:
            wait_for_lock(BeatLock(redis_server.url, KEY, LIFETIME))
    assert raised.value.code == 1
    assert time.monotonic() - started < 2 * LIFETIME  # it knew before the lock could have expired


def test_a_waiting_beat_takes_over_the_lock_of_a_dead_beat_when_it_expires(redis_server):
    redis_server.start()
    dead = BeatLock(redis_server.url, KEY, LIFETIME)
    assert dead.acquire()  # and is never refreshed: its beat was killed
    waiting = BeatLock(redis_server.url, KEY, LIFETIME)
    started = time.monotonic()
    wait_for_lock(waiting)
    assert LIFETIME * 0.8 < time.monotonic() - started < LIFETIME + 2
    assert waiting.held() and waiting.holder() == waiting.token
    assert not dead.refresh()  # the dead beat, were it to wake up, would find the lock gone to the new one


def test_a_beat_pointed_at_a_dead_redis_waits_and_does_not_hold_the_lock(redis_server):
    lock = BeatLock(redis_server.url, KEY, LIFETIME)  # nothing listens on that port
    tries = []

    def sleep(seconds):
        tries.append(seconds)
        if len(tries) == 3:
            raise TimeoutError("the test stops waiting")

    with pytest.raises(TimeoutError):
        wait_for_lock(lock, sleep=sleep)
    assert len(tries) == 3 and not lock.held()


def test_when_redis_returns_the_waiting_beat_takes_the_free_lock(redis_server):
    lock = BeatLock(redis_server.url, KEY, LIFETIME)

    def sleep(seconds):
        if redis_server.proc is None:
            redis_server.start()  # Redis comes back while the beat waits
        time.sleep(seconds)

    wait_for_lock(lock, sleep=sleep)
    assert lock.held() and lock.holder() == lock.token


def test_when_redis_returns_with_another_live_beat_the_waiting_beat_exits(redis_server):
    lock = BeatLock(redis_server.url, KEY, LIFETIME)
    others = []

    def sleep(seconds):
        if redis_server.proc is None:
            redis_server.start()
            others.append(LiveBeat(redis_server.url).__enter__())  # another beat got there first
        time.sleep(seconds)

    try:
        with pytest.raises(AnotherBeat):
            wait_for_lock(lock, sleep=sleep)
    finally:
        for other in others:
            other.__exit__()
    assert not lock.held()


def test_two_beats_racing_for_an_expired_lock_one_takes_it_the_other_exits(redis_server):
    redis_server.start()
    assert BeatLock(redis_server.url, KEY, LIFETIME).acquire()  # a beat that was killed
    outcomes = []
    stop = threading.Event()

    def beat():
        lock = BeatLock(redis_server.url, KEY, LIFETIME)
        try:
            wait_for_lock(lock)
        except AnotherBeat:
            outcomes.append("exited")
            return
        outcomes.append("schedules")
        while not stop.wait(lock.interval):  # and keeps its lock, as the running beat does
            lock.refresh()

    threads = [threading.Thread(target=beat, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 4 * LIFETIME
    while len(outcomes) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    assert sorted(outcomes) == ["exited", "schedules"]


def test_the_lock_stops_counting_as_held_when_it_is_not_refreshed(redis_server):
    redis_server.start()
    lock = BeatLock(redis_server.url, KEY, LIFETIME)
    assert lock.acquire() and lock.held()
    time.sleep(LIFETIME - lock.interval + 0.1)  # Redis did not confirm it for too long: it may have expired
    assert not lock.held()
    assert lock.refresh() and lock.held()
    redis_server.stop()
    with pytest.raises(Exception):  # noqa: B017 - whichever error redis-py raises for a refused connection
        lock.refresh()
    redis_server.start()  # Redis restarted empty: the holder takes its lock again
    assert lock.refresh() and lock.holder() == lock.token
