"""Benchmarks on PostgreSQL: seed a scaled data set, then measure queries, latency and throughput.

Prints one `name: value unit` line per figure. Uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/partyportal_bench), dropped and created anew. Load is sent only to a
gunicorn started here on 127.0.0.1, for a bounded time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "50000"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))


def emit(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.3f} {unit}" if isinstance(value, float) else f"{name}: {value} {unit}", flush=True)


def _env(url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="partyportal.settings.production",
        DJANGO_SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SECURE_SSL_REDIRECT="False",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    return env


def _recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _run(args: list[str], env: dict) -> float:
    started = time.monotonic()
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def _session_cookie(env: dict, username: str) -> str:
    code = (
        "import django; django.setup();"
        "from django.conf import settings;"
        "from importlib import import_module;"
        "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY;"
        "from django_otp.plugins.otp_totp.models import TOTPDevice;"
        f"u = get_user_model().objects.get(username='{username}');"
        "d, _ = TOTPDevice.objects.get_or_create(user=u, name='bench', defaults={'confirmed': True});"
        "s = import_module(settings.SESSION_ENGINE).SessionStore();"
        "s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = 'apps.accounts.backends.CachedModelBackend';"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s['otp_device_id'] = d.persistent_id;"
        "s['pp_login_at'] = __import__('time').time() + 86400; s.save();"
        "print(settings.SESSION_COOKIE_NAME + '=' + s.session_key)"
    )
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def _in_process_figures(env: dict, cookies: dict[str, str], extra: dict) -> None:
    """Query counts and p50 latency through Django's test client (no network), DEBUG off."""
    code = f"""
import json, statistics, time, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
cookies = {cookies!r}
extra = {extra!r}
results = {{}}
pages = [("home", "secretary", "/"), ("admin_people", "admin", "/admin/people/person/"),
         ("case_page", "secretary", extra["case_url"]), ("pipeline", "pipeline", "/development/pipeline/"),
         ("board", "secretary", "/disclosure/")]
for name, user, url in pages:
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    key, value = cookies[user].split("=", 1)
    client.cookies[key] = value
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, secure=True)
    queries = len(ctx)  # now: every request start clears the query log
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(40):
        started = time.perf_counter()
        client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
    results[name] = (queries, statistics.median(timings))
print(json.dumps(results))
"""
    import json

    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    results = json.loads(out.stdout.strip().splitlines()[-1])
    emit("home_queries", results["home"][0], "queries")
    emit("home_p50_ms", round(results["home"][1], 1), "ms")
    emit("admin_people_queries", results["admin_people"][0], "queries")
    emit("admin_people_p50_ms", round(results["admin_people"][1], 1), "ms")
    emit("case_page_queries", results["case_page"][0], "queries")
    emit("case_page_p50_ms", round(results["case_page"][1], 1), "ms")
    emit("pipeline_cases", extra["pipeline_cases"], "cases")
    emit("pipeline_queries", results["pipeline"][0], "queries")
    emit("pipeline_p50_ms", round(results["pipeline"][1], 1), "ms")
    emit("board_queries", results["board"][0], "queries")
    emit("board_p50_ms", round(results["board"][1], 1), "ms")


def _lifecycle_setup(env: dict) -> dict:
    """A login for the secretary of the branch whose open cases are nearest 500; the fullest case of the demo
    secretary's branch."""
    code = """
import json, django
django.setup()
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from apps.lifecycle.models import DevelopmentCase
from apps.lifecycle.steps import OPEN_STAGES
from apps.organisations.models import OrgNode, Post
from apps.organisations.services import access_sync_user
from django.utils import timezone
branches = OrgNode.objects.filter(kind="branch").annotate(
    n=Count("development_cases", filter=Q(development_cases__stage__in=OPEN_STAGES)))
branch = min(branches, key=lambda b: abs(b.n - 500))
post = Post.objects.filter(node=branch, title__code="secretary", ended_on__isnull=True).select_related("person").first()
user, _ = get_user_model().objects.get_or_create(username="bench_pipeline")
person = post.person
person.user = user
person.save(update_fields=["user"])
access_sync_user(user=user, today=timezone.localdate())
case = (DevelopmentCase.objects.filter(branch__name="一车间党支部").annotate(r=Count("records")).order_by("-r").first())
print(json.dumps({"pipeline_cases": branch.n, "case_url": f"/development/cases/{case.pk}/"}))
"""
    import json

    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _disclosure_setup(env: dict) -> None:
    """1,000 published notices for the whole unit, each corrected nine times: 10,000 chained versions."""
    code = """
import datetime, django
django.setup()
from django.utils import timezone
from apps.disclosure.chain import GENESIS, version_hash
from apps.disclosure.models import Category, ChainHead, Notice, NoticeVersion
from apps.organisations.models import OrgNode
committee = OrgNode.objects.get(depth=1)
category = Category.objects.get(code="goals")
today = timezone.localdate()
notices = Notice.objects.bulk_create([
    Notice(node=committee, kind="disclosure", category=category, scope="unit", status="published",
           title=f"党务公开第{i}号", content="<p>" + "党建工作目标完成情况。" * 20 + "</p>",
           opens_on=today - datetime.timedelta(days=i % 30), closes_on=today + datetime.timedelta(days=10),
           working_days=10)
    for i in range(1000)])
head, _ = ChainHead.objects.get_or_create(key="head", defaults={"hash": GENESIS})
previous, versions, now = head.hash, [], timezone.now()
for number in range(1, 11):
    for n in notices:
        digest = version_hash(notice_id=n.pk, number=number, title=n.title, content=n.content, opens_on=n.opens_on,
                              closes_on=n.closes_on, attachment_digests=[], previous_hash=previous)
        versions.append(NoticeVersion(notice=n, number=number, title=n.title, content=n.content, opens_on=n.opens_on,
                                      closes_on=n.closes_on, published_at=now, previous_hash=previous, hash=digest))
        previous = digest
NoticeVersion.objects.bulk_create(versions, batch_size=2000)
ChainHead.objects.filter(pk=head.pk).update(hash=previous, count=head.count + len(versions))
"""
    subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True)


def _disclosure_figures(env: dict) -> None:
    started = time.monotonic()
    result = subprocess.run([PY, "manage.py", "disclosure_verify"], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-2000:] + result.stderr[-2000:])
    emit("verify_versions", int(result.stdout.strip().splitlines()[-1].split()[0]), "versions")
    emit("verify_10k_s", round(seconds, 1), "s")
    code = """
import time, django
django.setup()
from django.utils import timezone
from apps.disclosure.models import Notice
from apps.disclosure.pdf import notice_pdf
notice = Notice.objects.filter(kind="disclosure").first()
version = notice.versions.order_by("-number").first()
started = time.perf_counter()
pdf = notice_pdf(notice=notice, version=version, size="A4", today=timezone.localdate())
print(round(time.perf_counter() - started, 2), len(pdf))
"""
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    emit("board_pdf_s", float(out.stdout.strip().splitlines()[-1].split()[0]), "s")


def _audit(env: dict) -> None:
    started = time.monotonic()
    result = subprocess.run([PY, "manage.py", "lifecycle_audit"], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode not in (0, 1):
        raise RuntimeError(result.stderr)
    cases = result.stdout.strip().splitlines()[-1].split(" cases")[0]
    emit("audit_cases", int(cases), "cases")
    emit("audit_10k_s", round(seconds, 1), "s")


_SWEEP_SETUP = """
import datetime, django
django.setup()
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone
from apps.lifecycle.models import DevelopmentCase, RuleSet
from apps.lifecycle.steps import OPEN_STAGES
from apps.organisations.models import OrgNode
from apps.people.models import Person
extra_people, target = {extra_people}, {target}
branches = list(OrgNode.objects.filter(kind="branch"))
if extra_people:
    Person.objects.bulk_create([Person(node=branches[i % len(branches)], name=f"测试{{i}}", email=f"p{{i}}@example.org")
                                for i in range(extra_people)], batch_size=5000)
open_cases = DevelopmentCase.objects.filter(stage__in=OPEN_STAGES)
need = target - open_cases.count()
if need > 0:
    rule_set = RuleSet.objects.get(is_default=True)
    free = Person.objects.filter(~Exists(DevelopmentCase.objects.filter(person=OuterRef("pk")))).exclude(
        node__kind="committee").select_related("node").order_by("-pk")[:need]
    opened = timezone.localdate() - datetime.timedelta(days=40)
    DevelopmentCase.objects.bulk_create([
        DevelopmentCase(person=p, branch=p.node if p.node.kind == "branch" else branches[0], rule_set=rule_set,
                        opened_on=opened) for p in free], batch_size=5000)
# deadlines spread over 30 days back and 30 ahead, as the nightly refresh would leave them
with connection.cursor() as cursor:
    cursor.execute(
        "UPDATE lifecycle_developmentcase SET next_due_on = CURRENT_DATE + ((id %% 61) - 30)::int, "
        "next_due_step = 'applicant_talk' WHERE stage = ANY(%s)", [list(OPEN_STAGES)])
print(Person.objects.count(), open_cases.count())
"""

_SWEEP_RUN = """
import json, time, django
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from apps.notifications.models import Reminder
from apps.notifications.sweep import sweep
from django.utils import timezone
Reminder.objects.all().delete()
now = timezone.now()
with CaptureQueriesContext(connection) as ctx:
    started = time.perf_counter()
    result = sweep(today=timezone.localdate(now), now=now)
    first = time.perf_counter() - started
started = time.perf_counter()
again = sweep(today=timezone.localdate(now), now=now)
repeat = time.perf_counter() - started
print(json.dumps({"s": first, "queries": len(ctx), "created": result.created, "considered": result.considered,
                  "repeat_s": repeat, "repeat_created": again.created}))
"""


def _sweep_figures(env: dict) -> None:
    """The reminder sweep over 50k people and 10k open cases; then again with 25k more people and 5k more cases,
    to show that its number of queries does not depend on the size."""
    import json

    def setup(extra_people: int, target: int) -> tuple[int, int]:
        out = subprocess.run(
            [PY, "-c", _SWEEP_SETUP.format(extra_people=extra_people, target=target)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        people, cases = out.stdout.strip().splitlines()[-1].split()
        return int(people), int(cases)

    def run() -> dict:
        out = subprocess.run([PY, "-c", _SWEEP_RUN], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    people, cases = setup(0, 10_000)
    first = run()
    emit("sweep_people", people, "people")
    emit("sweep_open_cases", cases, "cases")
    emit("sweep_reminders", first["created"], "reminders")
    emit("sweep_50k_s", round(first["s"], 2), "s")
    emit("sweep_queries", first["queries"], "queries")
    emit("sweep_repeat_s", round(first["repeat_s"], 2), "s")
    emit("sweep_repeat_created", first["repeat_created"], "reminders")
    people, cases = setup(25_000, cases + 5_000)
    larger = run()
    emit("sweep_larger_people", people, "people")
    emit("sweep_larger_open_cases", cases, "cases")
    emit("sweep_larger_s", round(larger["s"], 2), "s")
    emit("sweep_larger_queries", larger["queries"], "queries")


def _load(url: str, cookie: str | None, seconds: int) -> float:
    """Requests per second against one URL on the local gunicorn (wrk when installed)."""
    headers = ["-H", "X-Forwarded-Proto: https"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t2", "-c8", f"-d{seconds}s", *headers, url], capture_output=True, text=True, check=True
        ).stdout
        line = next(line for line in out.splitlines() if line.startswith("Requests/sec:"))
        return float(line.split()[1])
    return _python_load(url, cookie, seconds)


def _python_load(url: str, cookie: str | None, seconds: int) -> float:
    import http.client
    import threading

    parsed = urlparse(url)
    deadline = time.monotonic() + seconds
    counts = []

    def worker():
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        n = 0
        headers = {"X-Forwarded-Proto": "https", **({"Cookie": cookie} if cookie else {})}
        while time.monotonic() < deadline:
            conn.request("GET", parsed.path, headers=headers)
            conn.getresponse().read()
            n += 1
        counts.append(n)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def _throughput(env: dict, cookie: str) -> None:
    gunicorn = str(Path(PY).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "partyportal.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(50):
            try:
                import urllib.request

                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz/live", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        floor = _load(f"http://127.0.0.1:{PORT}/healthz/live", None, LOAD_SECONDS)
        home = _load(f"http://127.0.0.1:{PORT}/", cookie, LOAD_SECONDS)
        emit("floor_rps", round(floor, 1), "req/s")
        emit("home_rps", round(home, 1), "req/s")
        emit("home_vs_floor_ratio", round(home / floor, 3), "ratio")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/partyportal_bench")
    env = _env(url)
    _recreate_database(url)
    _run(["migrate", "--noinput"], env)
    seconds = _run(["seed_demo", "--members", str(MEMBERS)], env)
    emit(f"seed_{MEMBERS // 1000}k_s", round(seconds, 1), "s")
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    extra = _lifecycle_setup(env)
    _disclosure_setup(env)
    cookies = {
        "secretary": _session_cookie(env, "shuji_yichejian"),
        "admin": _session_cookie(env, "admin"),
        "pipeline": _session_cookie(env, "bench_pipeline"),
    }
    _in_process_figures(env, cookies, extra)
    _audit(env)
    _disclosure_figures(env)
    _throughput(env, cookies["secretary"])
    _sweep_figures(env)
    emit("members", MEMBERS, "people")
    _deliver_figures(env)
    _orglife_figures(env)


_DELIVER_RUN = """
import datetime, json, time, django
django.setup()
from django.test.utils import override_settings
from django.utils import timezone
from apps.notifications.choices import EmailState
from apps.notifications.delivery import deliver
from apps.notifications.models import Reminder, ReminderRule
from apps.organisations.models import OrgNode, Term
from apps.people.models import Person
n, port = {n}, {port}
now = timezone.now()
# Only this function's e-mails are due: one branch of its own, whose term ends in 30 days, and n secretaries.
Reminder.objects.filter(email_state=EmailState.PENDING).update(email_state=EmailState.NONE, next_attempt_at=None)
committee = OrgNode.objects.filter(depth=1).first()
branch = OrgNode.objects.add_child(committee, {{"name": "投递基准支部", "kind": "branch"}})
due = timezone.localdate(now) + datetime.timedelta(days=30)
term = Term.objects.create(node=branch, number=1, elected_on=due.replace(year=due.year - 3), term_years=3,
                           expires_on=due)
people = Person.objects.bulk_create([Person(node=branch, name=f"投递{{i}}", email=f"d{{i}}@example.org")
                                     for i in range(n)], batch_size=5000)
rule = ReminderRule.objects.get(committee=None, source="organisations.term_ending")
Reminder.objects.bulk_create([
    Reminder(rule=rule, source=rule.source, subject_id=term.pk, due_on=due, offset=-30, person=p, role="secretary",
             node=branch, url="/", params={{"name": branch.name, "number": 1}}, email_state=EmailState.PENDING,
             next_attempt_at=now) for p in people], batch_size=5000)
smtp = dict(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port,
            EMAIL_USE_TLS=False, EMAIL_USE_SSL=False)
with override_settings(**smtp):
    started = time.perf_counter()
    result = deliver(now=timezone.now(), limit=n)
    seconds = time.perf_counter() - started
print(json.dumps({{"s": seconds, "sent": result.sent, "failed": result.failed}}))
"""


def _deliver_figures(env: dict, n: int = 5_000) -> None:
    """Delivery of ``n`` reminder e-mails, each claimed in its own committed transaction before it is sent, to a
    local SMTP server (aiosmtpd's sink, in a process of its own)."""
    import json
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [PY, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        script = _DELIVER_RUN.format(n=n, port=port)
        out = subprocess.run([PY, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    emit("deliver_sent", figures["sent"], "e-mails")
    emit(f"deliver_{n // 1000}k_s", round(figures["s"], 2), "s")


def _orglife_figures(env: dict) -> None:
    """Organisational life on the bench data set: a year of meetings generated for the largest base committee (bulk),
    its compliance grid (branches × 12 months, 100 branches a page), a general meeting's page with a roll of 200, and
    the attendance of those 200 saved through the service."""
    import json

    run = """
import datetime, json, random, statistics, time, django
django.setup()
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from apps.membership.models import MembershipPeriod
from apps.membership.selectors import members_on
from apps.organisations.models import OrgNode
from apps.orglife.models import Meeting, MeetingPurpose
from apps.orglife.selectors import meeting_roll
from apps.orglife.services import attendance_record
from apps.people.models import Person
from django.contrib.auth import get_user_model
cookie = {cookie!r}
today, rng = timezone.localdate(), random.Random(15)
D = datetime.date
committees = list(OrgNode.objects.filter(kind="committee"))
count = lambda c: OrgNode.objects.filter(kind="branch", path__startswith=c.path).count()
committee = max(committees, key=count)
nodes = list(OrgNode.objects.filter(path__startswith=committee.path, is_active=True).exclude(kind="committee"))
# a year of held meetings (to today) for every branch and group of the committee, about one in ten skipped
rows = []
for node in nodes:
    for month in range(1, today.month + 1):
        day = D(today.year, month, min(rng.randrange(2, 28), today.day if month == today.month else 28))
        if day > today or rng.random() < 0.1:
            continue
        if node.kind == "group":
            rows.append((node, day, ["group_meeting"]))
        elif node.kind == "branch":
            rows.append((node, day, ["theme_day", "party_lecture"] if month % 3 == 1 else ["theme_day"]))
            rows.append((node, day, ["committee_meeting"]))
            if month % 3 == 2:
                rows.append((node, day, ["general_meeting"]))
        else:
            rows.append((node, day, ["committee_meeting"]))
meetings = Meeting.objects.bulk_create(
    [Meeting(node=n, held_on=d, topic="基准会议", status="held") for n, d, _k in rows], batch_size=5000)
MeetingPurpose.objects.bulk_create(
    [MeetingPurpose(meeting=m, kind=k) for m, (_n, _d, ks) in zip(meetings, rows) for k in ks], batch_size=5000)
# a general meeting of 200: the branch with the most members, topped up to 200 with members of its own
branches = [n for n in nodes if n.kind == "branch"]
branch = max(branches, key=lambda b: members_on(b, today).count())
missing = 200 - members_on(branch, today).count()
if missing > 0:
    added = Person.objects.bulk_create([Person(node=branch, name=f"会议{{i}}", political_status="full",
                                               joined_on=D(2010, 1, 1), full_member_on=D(2011, 1, 1))
                                        for i in range(missing)])
    MembershipPeriod.objects.bulk_create([MembershipPeriod(person=p, node=branch, started_on=D(2010, 1, 1),
                                                           began="migrated") for p in added])
with connection.cursor() as cursor:  # the statistics autovacuum would gather after such a load
    cursor.execute("ANALYZE orglife_meeting, orglife_meetingpurpose, people_person, membership_membershipperiod")
admin = get_user_model().objects.get(username="admin")
def general():
    meeting = Meeting.objects.create(node=branch, held_on=today, topic="基准党员大会", status="planned")
    MeetingPurpose.objects.create(meeting=meeting, kind="general_meeting")
    return Meeting.objects.get(pk=meeting.pk)
for _ in range(2):  # the first save warms the process's caches (content types), the second is counted
    meeting = general()
    marks = {{e.person.pk: "present" for e in meeting_roll(meeting)}}
    meeting = Meeting.objects.get(pk=meeting.pk)
    with CaptureQueriesContext(connection) as ctx:
        attendance_record(actor=admin, meeting=meeting, marks=marks, now=timezone.now())
# statements, without the transaction's BEGIN and COMMIT
save_queries = sum(1 for q in ctx.captured_queries if q["sql"] not in ("BEGIN", "COMMIT"))
client = Client(HTTP_X_FORWARDED_PROTO="https")
key, value = cookie.split("=", 1)
client.cookies[key] = value
def measure(url, runs):
    client.get(url, secure=True)  # the session's renewal out of the way
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, secure=True)
    queries = len(ctx)  # now: the next request clears the query log
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
    return queries, statistics.median(timings)
grid = measure(f"/orglife/compliance/?node={{committee.pk}}", 20)
page = measure(f"/orglife/meetings/{{meeting.pk}}/", 10)
print(json.dumps({{"branches": len(branches), "meetings": len(meetings), "roll": len(marks), "grid": grid,
                  "page": page, "save": save_queries}}))
"""
    script = run.format(cookie=_session_cookie(env, "admin"))
    out = subprocess.run([PY, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    emit("orglife_branches", figures["branches"], "branches")
    emit("orglife_meetings", figures["meetings"], "meetings")
    emit("compliance_grid_queries", figures["grid"][0], "queries")
    emit("compliance_grid_p50_ms", round(figures["grid"][1], 1), "ms")
    emit("meeting_roll", figures["roll"], "people")
    emit("meeting_page_queries", figures["page"][0], "queries")
    emit("meeting_page_p50_ms", round(figures["page"][1], 1), "ms")
    emit("attendance_save_queries", figures["save"], "queries")


if __name__ == "__main__":
    main()
