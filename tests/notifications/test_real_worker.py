"""A real Celery worker and beat on a private Redis, against the test database (PostgreSQL) and a real SMTP server.

Skipped without PostgreSQL (a worker in another process cannot see an in-memory SQLite database) or without
``redis-server`` on the PATH; ``.ci/run`` has both, so CI runs them.
"""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.notifications.choices import EmailState
from apps.notifications.models import JobRun, Reminder
from apps.notifications.services import preference_set
from tests.conftest import sign_in

from .conftest import pending_reminders
from .smtp import SilentServer, SmtpSink, free_port

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# Scaled down for the tests (production: a 15 s beat lock, a 15 min claim on an outbox row).
BEAT_LOCK_SECONDS = 3
LEASE_SECONDS = 3
BEAT_LOCK_KEY = "partyportal:beat-lock"
SCHEDULING = "Scheduler: Sending due task"


def _until(condition, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@pytest.fixture
def services(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a worker in another process needs PostgreSQL (set DATABASE_URL)")
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    return Services(tmp_path)


class Services:
    """A private Redis, Celery worker and beat; stopped at the end of the test."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.procs: dict[str, subprocess.Popen] = {}

    def start_redis(self):
        self.procs["redis"] = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def stop_redis(self):
        proc = self.procs.pop("redis")
        proc.terminate()
        proc.wait(timeout=10)

    def env(self, sink: SmtpSink | SilentServer) -> dict:
        db = connection.settings_dict
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="partyportal.settings.local",
            DJANGO_DEBUG="False",
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            REDIS_URL=self.redis_url,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
            SCHEDULE_SCALE="0.01",  # the sweep every 3 s, delivery every second
            CELERY_BEAT_LOCK_SECONDS=str(BEAT_LOCK_SECONDS),
            NOTIFY_CLAIM_LEASE_SECONDS=str(LEASE_SECONDS),
            LOG_LEVEL="INFO",
        )
        return env

    def start(self, name: str, args: list[str], env: dict):
        log = (self.tmp / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [CELERY, "-A", "partyportal", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def start_worker(self, env, name="worker"):
        self.start(
            name,
            [
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                f"--hostname={name}@%h",
            ],
            env,
        )

    def start_beat(self, env, name="beat"):
        self.start(name, ["beat", "--loglevel=INFO", "--schedule", str(self.tmp / f"{name}-schedule")], env)

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def lock_holder(self) -> str:
        return (
            subprocess.run(["redis-cli", "-p", str(self.redis_port), "get", BEAT_LOCK_KEY], capture_output=True)
            .stdout.decode()
            .strip()
        )

    def kill(self, name: str):
        proc = self.procs.pop(name)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def send(self, task: str):
        from celery import Celery

        app = Celery("sender", broker=self.redis_url)
        app.send_task(task)
        app.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.tmp.glob("*.log"))

    def stop(self):
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


def test_worker_killed_mid_batch_then_restarted_sends_every_email_once(world, services):
    reminders = pending_reminders(world, 20, due=timezone.now())
    with SmtpSink() as sink:
        sink.handler.rcpt_delay = 0.25  # a slow server, so that the worker is killed in the middle of the batch
        services.start_redis()
        env = services.env(sink)
        try:
            services.start_worker(env)
            services.send("apps.notifications.tasks.outbox_deliver_task")
            assert sink.wait_for(5, timeout=60), services.logs()
            sink.handler.in_rcpt.clear()
            assert sink.handler.in_rcpt.wait(10)  # the worker is inside an SMTP conversation right now
            services.kill("worker")
            sent_before = len(sink.messages)
            assert 5 <= sent_before < 20
            time.sleep(0.5)
            # what the killed worker had recorded is sent; the row it was sending is claimed, nothing else
            assert Reminder.objects.filter(email_state=EmailState.SENT).count() == sent_before
            assert Reminder.objects.filter(email_state=EmailState.SENDING).count() == 1
            sink.handler.rcpt_delay = 0
            time.sleep(LEASE_SECONDS)  # the killed worker's claim runs out
            services.start_worker(env, name="worker2")
            services.send("apps.notifications.tasks.outbox_deliver_task")  # the next tick
            assert sink.wait_for(20, timeout=60), services.logs()
            time.sleep(1)
        finally:
            services.stop()
    ids = sink.message_ids()
    assert len(ids) == 20 and len(set(ids)) == 20
    assert set(ids) == {f"<reminder-{r.pk}@partyportal.local>" for r in reminders}
    assert Reminder.objects.filter(email_state=EmailState.SENT).count() == 20
    # the one killed in the middle of its conversation was in doubt, and sent again once
    assert sorted(Reminder.objects.values_list("doubts", flat=True)) == [0] * 19 + [1]


def _status_figures(client, world) -> dict:
    sign_in(client, world.users["staff"])
    response = client.get(reverse("admin:notifications_reminder_status"))
    assert response.status_code == 200
    return response.context["figures"]


def _claimed(reminder) -> bool:
    return Reminder.objects.filter(pk=reminder.pk, email_state=EmailState.SENDING).exists()


def test_a_worker_killed_between_the_claim_and_the_smtp_conversation_leaves_a_row_in_doubt_sent_once(
    client, world, services
):
    (reminder,) = pending_reminders(world, 1, due=timezone.now())
    silent = SilentServer()  # the worker claims the row, connects, and waits for a greeting that never comes
    services.start_redis()
    env = services.env(silent)
    try:
        services.start_worker(env)
        services.send("apps.notifications.tasks.outbox_deliver_task")
        assert _until(lambda: _claimed(reminder), 30), services.logs()
        time.sleep(0.3)
        services.kill("worker")
        silent.close()
        with SmtpSink(port=silent.port) as sink:
            assert _claimed(reminder)  # committed before the conversation, left behind by the kill
            assert _status_figures(client, world)["sending"] == 1  # its lease has not run out yet
            time.sleep(LEASE_SECONDS)
            assert _status_figures(client, world)["in_doubt"] == 1
            services.start_worker(env, name="worker2")
            services.send("apps.notifications.tasks.outbox_deliver_task")
            assert sink.wait_for(1, timeout=30), services.logs()
            time.sleep(1)
            services.send("apps.notifications.tasks.outbox_deliver_task")  # nothing more to send
            time.sleep(1)
    finally:
        services.stop()
    assert sink.message_ids() == [f"<reminder-{reminder.pk}@partyportal.local>"]
    reminder.refresh_from_db()
    assert (reminder.email_state, reminder.attempts, reminder.doubts) == (EmailState.SENT, 2, 1)
    figures = _status_figures(client, world)
    assert (figures["in_doubt"], figures["sent_after_doubt"]) == (0, 1)


def test_a_worker_killed_between_acceptance_and_commit_leaves_a_row_in_doubt_sent_again_with_the_same_id(
    client, world, services
):
    from django.db import transaction

    (reminder,) = pending_reminders(world, 1, due=timezone.now())
    with SmtpSink() as sink:
        sink.handler.data_delay = 1.0
        services.start_redis()
        env = services.env(sink)
        try:
            services.start_worker(env)
            services.send("apps.notifications.tasks.outbox_deliver_task")
            assert _until(lambda: _claimed(reminder), 30, step=0.02), services.logs()
            with transaction.atomic():
                # Hold the row: the worker, once the server has accepted the message, waits here to record it.
                Reminder.objects.select_for_update().get(pk=reminder.pk)
                assert sink.wait_for(1, timeout=30), services.logs()
                time.sleep(2)  # the server's "250" has arrived; the worker waits for the row
                services.kill("worker")
            assert _until(lambda: _claimed(reminder), 5)  # its transaction died with it: nothing recorded
            time.sleep(LEASE_SECONDS)
            sink.handler.data_delay = 0
            services.start_worker(env, name="worker2")
            services.send("apps.notifications.tasks.outbox_deliver_task")
            assert sink.wait_for(2, timeout=30), services.logs()
            time.sleep(1)
            services.send("apps.notifications.tasks.outbox_deliver_task")  # nothing more to send
            time.sleep(1)
        finally:
            services.stop()
    # twice, with the same Message-ID: the window SMTP cannot close, made visible
    assert sink.message_ids() == [f"<reminder-{reminder.pk}@partyportal.local>"] * 2
    reminder.refresh_from_db()
    assert (reminder.email_state, reminder.attempts, reminder.doubts) == (EmailState.SENT, 2, 1)
    assert _status_figures(client, world)["sent_after_doubt"] == 1


def test_redis_away_for_a_minute_portal_answers_and_reminders_follow(client, world, services):
    from apps.lifecycle.services import case_open

    for key in ("secretary_a", "organiser_a"):
        preference_set(user=world.users[key], email_mode="immediate")
    today = timezone.localdate()
    with SmtpSink() as sink:
        services.start_redis()
        env = services.env(sink)
        try:
            services.start_worker(env)
            services.start_beat(env)
            deadline = time.monotonic() + 60
            while not JobRun.objects.filter(job="sweep", ok=True).exists() and time.monotonic() < deadline:
                time.sleep(0.5)
            assert JobRun.objects.filter(job="sweep", ok=True).exists(), services.logs()
            services.stop_redis()
            stopped = time.monotonic()
            # while Redis is away: something falls due, and the portal keeps answering
            case = case_open(
                actor=world.users["secretary_a"],
                person=world.people["applicant_a"],
                branch=world.branch_a,
                application_on=today - datetime.timedelta(days=27),
                today=today,
            )
            caches = {
                "default": {
                    "BACKEND": "partyportal.cache.ResilientRedisCache",
                    "LOCATION": services.redis_url,
                    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
                },
                "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments"},
            }
            with override_settings(CACHES=caches, REDIS_URL=services.redis_url):
                sign_in(client, world.users["secretary_a"])
                for url in ("/", reverse("notifications:list"), reverse("lifecycle:case_detail", args=[case.pk])):
                    assert client.get(url).status_code == 200, url
                assert client.get(reverse("healthz")).status_code == 503  # and says why: the broker
            assert not sink.messages
            time.sleep(max(0.0, 60 - (time.monotonic() - stopped)))
            assert not Reminder.objects.filter(person=world.people["secretary_a"]).exists()
            services.start_redis()  # the same port: worker and beat reconnect
            assert sink.wait_for(2, timeout=90), services.logs()
            time.sleep(5)  # several more sweeps and deliveries: still one e-mail
        finally:
            services.stop()
    assert sorted(m["To"] for m in sink.messages) == sorted(
        [world.users["organiser_a"].email, world.users["secretary_a"].email]
    )
    assert len(set(sink.message_ids())) == 2
    for key in ("secretary_a", "organiser_a"):
        reminder = Reminder.objects.get(person=world.people[key])
        assert reminder.email_state == EmailState.SENT and reminder.subject_id == case.pk


def test_a_second_beat_exits(services):
    with SmtpSink() as sink:
        services.start_redis()
        env = services.env(sink)
        try:
            services.start_beat(env)
            key = "partyportal:beat-lock"
            deadline = time.monotonic() + 30
            holder = b""
            while time.monotonic() < deadline and not holder:
                holder = subprocess.run(
                    ["redis-cli", "-p", str(services.redis_port), "get", key], capture_output=True
                ).stdout.strip()
                time.sleep(0.2)
            assert holder, services.logs()
            services.start("beat2", ["beat", "--loglevel=INFO", "--schedule", str(services.tmp / "beat2")], env)
            second = services.procs["beat2"]
            assert second.wait(timeout=30) != 0
            assert "another beat is running" in (services.tmp / "beat2.log").read_text()
            assert services.procs["beat"].poll() is None  # the first one beats on
        finally:
            services.stop()


def test_a_beat_started_while_redis_is_down_does_not_schedule_then_takes_the_lock_when_it_returns(services):
    with SmtpSink() as sink:
        env = services.env(sink)
        try:
            services.start_beat(env)  # Redis is not running
            assert _until(lambda: "cannot be taken" in services.log("beat"), 30), services.logs()
            time.sleep(2 * BEAT_LOCK_SECONDS)
            assert services.procs["beat"].poll() is None  # it waits…
            assert SCHEDULING not in services.log("beat")  # …and sends nothing
            services.start_redis()
            assert _until(lambda: SCHEDULING in services.log("beat"), 30), services.logs()
            assert services.lock_holder()  # it holds the lock
        finally:
            services.stop()


def test_two_beats_racing_for_the_lock_of_a_killed_beat_exactly_one_schedules(services):
    with SmtpSink() as sink:
        services.start_redis()
        env = services.env(sink)
        try:
            services.start_beat(env, name="beat1")
            assert _until(lambda: SCHEDULING in services.log("beat1"), 30), services.logs()
            killed_holder = services.lock_holder()
            services.kill("beat1")  # its lock stays until it expires; nothing restarts it
            services.start_beat(env, name="beat2")
            services.start_beat(env, name="beat3")
            # within a lock lifetime (and a few seconds to start), one of the two takes over and the other exits
            assert _until(lambda: any(services.procs[n].poll() is not None for n in ("beat2", "beat3")), 30), (
                services.logs()
            )
            time.sleep(2 * BEAT_LOCK_SECONDS)
            exited = [n for n in ("beat2", "beat3") if services.procs[n].poll() is not None]
            running = [n for n in ("beat2", "beat3") if services.procs[n].poll() is None]
            assert len(exited) == 1 and len(running) == 1, services.logs()
            assert services.procs[exited[0]].returncode == 1
            assert "another beat is running" in services.log(exited[0])
            assert SCHEDULING not in services.log(exited[0])
            assert SCHEDULING in services.log(running[0])
            assert services.lock_holder() not in ("", killed_holder)
        finally:
            services.stop()
