"""Benchmarks on PostgreSQL: load the bench data set (``python -m bench.dataset``), then measure queries, latency
and throughput.

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

from bench import documents
from bench import reports as reports_bench
from bench.appraisal import figures as appraisal_figures
from bench.assessment import figures as assessment_figures
from bench.improvement import figures as improvement_figures

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
        # production's settings, with the floor page of bench.pages added to the URLs
        DJANGO_SETTINGS_MODULE="partyportal.settings.bench",
        DJANGO_SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SECURE_SSL_REDIRECT="False",
        LOG_LEVEL="WARNING",
        # the production configuration: Redis for the cache (a database of its own: the bench empties it)
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
    )
    return env


def _clear_cache(env: dict) -> None:
    """Empty the bench's Redis database: entries cached against a previous data set carry the same versions."""
    code = "import django; django.setup(); from django.core.cache import cache; cache.clear()"
    subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True)


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
    subprocess.run([PY, *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
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
    """Query counts and p50 latency through Django's test client (no network), DEBUG off. (The home page's queries
    and writes: bench.pages.)"""
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
    """The busiest base committee (its organiser is the pipeline's user), the fullest case of the bench secretary's
    branch, and the committees whose cases first add up to 10,000 (the audit's scope)."""
    code = """
import json, django
django.setup()
from django.db.models import Count
from apps.lifecycle.models import DevelopmentCase
from apps.lifecycle.steps import OPEN_STAGES
from apps.organisations.models import OrgNode, Post
committee = Post.objects.get(person__user__username="bench_committee", title__code="organiser").node
branch = Post.objects.get(person__user__username="bench_secretary", title__code="secretary").node
pipeline = DevelopmentCase.objects.filter(stage__in=OPEN_STAGES, branch__path__startswith=committee.path).count()
case = DevelopmentCase.objects.filter(branch=branch).annotate(r=Count("records")).order_by("-r", "pk").first()
codes, cases = [], 0
for node in OrgNode.objects.filter(depth=1).order_by("path"):
    if cases >= 10000:
        break
    codes.append(node.code)
    cases += DevelopmentCase.objects.filter(branch__path__startswith=node.path).count()
print(json.dumps({"pipeline_cases": pipeline, "case_url": f"/development/cases/{case.pk}/", "audit_codes": codes,
                  "committee": committee.code}))
"""
    import json

    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _disclosure_setup(env: dict, committee: str) -> None:
    """1,000 more published notices for the whole unit of the busiest committee (the bench secretary's board), each
    corrected nine times: 10,000 more chained versions."""
    code = """
import datetime, sys, django
django.setup()
from django.utils import timezone
from apps.disclosure.chain import GENESIS, version_hash
from apps.disclosure.models import Category, ChainHead, Notice, NoticeVersion
from apps.organisations.models import OrgNode
committee = OrgNode.objects.get(code=sys.argv[1])
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
    subprocess.run([PY, "-c", code, committee], cwd=ROOT, env=env, check=True)


def _disclosure_figures(env: dict) -> None:
    """``manage.py disclosure_verify`` over the whole chain; ``verify_10k_s`` is its time per 10,000 versions."""
    started = time.monotonic()
    result = subprocess.run([PY, "manage.py", "disclosure_verify"], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-2000:] + result.stderr[-2000:])
    versions = int(result.stdout.strip().splitlines()[-1].split()[0])
    emit("verify_versions", versions, "versions")
    emit("verify_s", round(seconds, 1), "s")
    emit("verify_10k_s", round(seconds * 10_000 / versions, 1), "s")
    code = """
import time, django
django.setup()
from django.utils import timezone
from apps.disclosure.models import Notice
from apps.disclosure.pdf import notice_pdf
notice = Notice.objects.filter(kind="disclosure", status="published").first()
version = notice.versions.order_by("-number").first()
started = time.perf_counter()
pdf = notice_pdf(notice=notice, version=version, size="A4", today=timezone.localdate())
print(round(time.perf_counter() - started, 2), len(pdf))
"""
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    emit("board_pdf_s", float(out.stdout.strip().splitlines()[-1].split()[0]), "s")


def _audit(env: dict, codes: list[str]) -> None:
    """``manage.py lifecycle_audit`` over the committees whose cases first add up to 10,000."""
    branches = [arg for code in codes for arg in ("--branch", code)]
    started = time.monotonic()
    result = subprocess.run(
        [PY, "manage.py", "lifecycle_audit", *branches], cwd=ROOT, env=env, capture_output=True, text=True
    )
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


def _load(url: str, cookie: str | None, seconds: int, connections: int = 8) -> float:
    """Requests per second against one URL on the local gunicorn (wrk when installed)."""
    headers = ["-H", "X-Forwarded-Proto: https"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", *headers, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        line = next(line for line in out.splitlines() if line.startswith("Requests/sec:"))
        return float(line.split()[1])
    return _python_load(url, cookie, seconds, connections)


def _python_load(url: str, cookie: str | None, seconds: int, connections: int = 8) -> float:
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

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def _walk_figures(url: str) -> None:
    """The link walker of the suite (tests/portal/walker.py) over the demo of `make run`, in a database of its own:
    every demo account, from the portal home and the admin index, two levels deep. `walk_pages`: the pages it opened;
    `walk_s`: how long it took (the test client, no network); `walk_problems`: what the test would fail on."""
    import json

    walk_url = urlparse(url)._replace(path=urlparse(url).path + "_walk").geturl()
    env = _env(walk_url)
    _recreate_database(walk_url)
    _clear_cache(env)  # the same Redis database: nothing cached from the bench data set is served to the demo's
    _run(["manage.py", "migrate", "--noinput"], env)
    _run(["manage.py", "seed_demo"], env)
    _run(["manage.py", "collectstatic", "--noinput"], env)
    code = """
import json, django
django.setup()
from django.test import Client
from apps.organisations.demo import DEMO_PASSWORD
from apps.people.demo import ACCOUNTS
from tests.portal.walker import walk_demo_accounts
result = walk_demo_accounts(Client, accounts=[account[0] for account in ACCOUNTS], password=DEMO_PASSWORD)
print(json.dumps({"pages": result.pages, "seconds": result.seconds, "problems": [str(p) for p in result.problems]}))
"""
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    _clear_cache(env)  # and nothing of the demo's to the figures after this one
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    for problem in figures["problems"]:
        print(f"# {problem}", file=sys.stderr)
    emit("walk_pages", figures["pages"], "pages")
    emit("walk_s", round(figures["seconds"], 1), "s")
    emit("walk_problems", len(figures["problems"]), "problems")


_IMPORT_RUN = """
import datetime, json, time, django
django.setup()
from io import BytesIO
from django.db.models import Exists, OuterRef
from django.utils import timezone
from openpyxl import Workbook
from apps.accounts.models import User
from apps.lifecycle.importer import import_commit, import_parse
from apps.lifecycle.models import DevelopmentCase
from apps.lifecycle.steps import STEPS
from apps.people.models import Person
today = timezone.localdate()
lags = {{"candidate_designated": 380, "conversion_applied": 330, "conversion_meeting": 40}}
history, start = {{}}, today - datetime.timedelta(days=1500)
for step in STEPS:  # every step of the 2026.05 plan, each after the steps it follows (the 公示 and filing aside)
    if step.automatic or step.code == "candidate_filed":
        continue
    base = max((history[a] for a in step.after if a in history), default=start)
    history[step.code] = base + datetime.timedelta(days=lags.get(step.code, 7)) if step.after else start
people = list(Person.objects.filter(political_status="masses", is_active=True).exclude(id_number="").filter(
    ~Exists(DevelopmentCase.objects.filter(person=OuterRef("pk")))).exclude(node__kind="committee")[:{n}])
book = Workbook(write_only=True)
sheet = book.create_sheet("cases")
sheet.append(["身份证号", *history])
for person in people:
    sheet.append([person.id_number, *(d.isoformat() for d in history.values())])
buffer = BytesIO()
book.save(buffer)
user = User.objects.get(username="admin")  # every committee of the data set (the rights are checked all the same)
now = timezone.now()
started = time.perf_counter()
rows = import_parse(user=user, uploaded=BytesIO(buffer.getvalue()), today=today)
errors = [r.errors for r in rows if r.errors]
assert not errors, errors[:3]
cases = import_commit(actor=user, rows=rows, now=now)
print(json.dumps({{"s": time.perf_counter() - started, "cases": len(cases), "steps": len(history)}}))
"""


def _import_figures(env: dict) -> None:
    """The Excel import of 1,000 development cases with their whole history (about 20 recorded steps each) through
    the guarded services, as the administrator (every committee of the data set; the rights are checked all the
    same)."""
    import json

    out = subprocess.run(
        [PY, "-c", _IMPORT_RUN.format(n=1000)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    emit("import_cases", result["cases"], "cases")
    emit("import_steps_per_case", result["steps"], "steps")
    emit("import_1k_s", round(result["s"], 1), "s")


_PARSE_RUN = """
import json, resource, sys, time, django
django.setup()
from django.core.exceptions import ValidationError
from apps.lifecycle.importer import LIMITS
from apps.spreadsheets.reader import sheet_rows
outcomes, started = [], time.perf_counter()
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as upload:
            rows = sum(1 for _row in sheet_rows(upload, limits=LIMITS))
        outcomes.append(f"accepted {rows} rows")
    except ValidationError as exc:
        outcomes.append("refused: " + " ".join(exc.messages)[:80])
seconds = time.perf_counter() - started
print(json.dumps({"peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "outcomes": outcomes, "s": seconds}))
"""


def _import_parse_figures(env: dict) -> None:
    """Peak memory of reading uploads as the import does: a 5 MB workbook at the row limit, and a 702 KB workbook
    that unpacks to one inline string of 740 million characters (29.5 s and 5 GB through openpyxl)."""
    import json
    import random
    import tempfile
    import zipfile

    from openpyxl import Workbook

    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    big, bomb = folder / "5mb.xlsx", folder / "one-string.xlsx"
    rng, alphabet = random.Random(11), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ入党申请积极分子发展对象预备党员"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("cases")
    for _row in range(5000):
        sheet.append(["".join(rng.choice(alphabet) for _ in range(rng.randint(10, 40))) for _ in range(37)])
    book.save(big)
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="r1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>',
        "xl/workbook.xml": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="S" sheetId="1" r:id="r1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="r1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>',
    }
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            member.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>')
            for _chunk in range(740):
                member.write(b"A" * 1_000_000)
            member.write(b"</t></is></c></row></sheetData></worksheet>")
    out = subprocess.run(
        [PY, "-c", _PARSE_RUN, str(big), str(bomb)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    emit("import_workbook_kb", big.stat().st_size // 1024, "KB")
    emit("import_one_string_kb", bomb.stat().st_size // 1024, "KB")
    emit("import_parse_s", round(result["s"], 2), "s")
    emit("import_peak_mb", round(result["peak_kib"] / 1024, 1), "MB")
    print("# import parse: " + "; ".join(result["outcomes"]), flush=True)
    shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """Every figure, on a bench data set seeded anew. ``BENCH_REUSE=1`` keeps the data set of the previous run (its
    seed figure is then not printed); ``BENCH_ONLY=walk,dues,…`` prints only the named groups (see ``groups``)."""
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/partyportal_bench")
    env = _env(url)
    reuse = os.environ.get("BENCH_REUSE") == "1"
    if not reuse:
        _recreate_database(url)
    _clear_cache(env)
    _run(["manage.py", "migrate", "--noinput"], env)  # reused: the migrations added since it was seeded
    if not reuse:
        seconds = _run(["-m", "bench.dataset", "--members", str(MEMBERS)], env)
        emit(f"seed_{MEMBERS // 1000}k_s", round(seconds, 1), "s")
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    extra = _lifecycle_setup(env)
    _disclosure_setup(env, extra["committee"])
    cookies = {
        "secretary": _session_cookie(env, "bench_secretary"),
        "admin": _session_cookie(env, "admin"),
        "pipeline": _session_cookie(env, "bench_committee"),
    }
    from bench import pages  # here: it imports this module

    groups = {
        "pages_in_process": lambda: _in_process_figures(env, cookies, extra),
        "audit": lambda: _audit(env, extra["audit_codes"]),
        "disclosure": lambda: _disclosure_figures(env),
        "pages": lambda: pages.figures(env, pages.cookies_for(env), extra["case_url"]),
        "sweep": lambda: _sweep_figures(env),
        "walk": lambda: _walk_figures(url),
        "dues": lambda: _dues_figures(env),
        "import": lambda: (_import_parse_figures(env), _import_figures(env), emit("members", MEMBERS, "people")),
        "deliver": lambda: _deliver_figures(env),
        "membership": lambda: _membership_figures(env),
        "orglife": lambda: _orglife_figures(env),
        "documents": lambda: documents.figures(env, cookies["pipeline"]),
        "appraisal": lambda: appraisal_figures(env),
        "reports": lambda: reports_bench.figures(env),
        "assessment": lambda: assessment_figures(env),
        "improvement": lambda: improvement_figures(env),
    }
    only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
    unknown = sorted(set(only) - set(groups))
    if unknown:
        raise SystemExit(f"BENCH_ONLY: unknown group(s) {', '.join(unknown)}; known: {', '.join(groups)}")
    for name, run in groups.items():
        if not only or name in only:
            run()


_DUES_RUN = """
import datetime, json, random, statistics, time, django
django.setup()
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from apps.dues.arrears import add_months, month_of, months_between
from apps.dues.models import DuesBase, DuesMonth, Payment
from apps.dues.rates import monthly_amount
from apps.dues.selectors import policy_on
from apps.dues.services import month_open
from apps.membership.backfill import place_members
from apps.membership.models import MembershipPeriod
from apps.organisations.models import OrgNode
from apps.people.models import Person
rng, now = random.Random(7), timezone.now()
today = timezone.localdate(now)
current = month_of(today)
rates = policy_on(today).rates
admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
committee = OrgNode.objects.filter(depth=1).order_by("path").first()  # the first base committee

def base(person_id, applies_from):
    income = Decimal(rng.randrange(2500, 15000))
    return DuesBase(person_id=person_id, applies_from=applies_from, category="employed", income=income,
                    amount=monthly_amount(rates, category="employed", income=income), state="confirmed",
                    source="import", declared_on=applies_from)

# every member on the roll holds a period and a confirmed base; this month is opened afresh for the whole committee
place_members(Person, MembershipPeriod)
based = set(DuesBase.objects.filter(state="confirmed").values_list("person_id", flat=True))
members = Person.objects.filter(political_status__in=("probationary", "full"), is_active=True)
DuesBase.objects.bulk_create([base(pk, add_months(current, -12)) for pk in members.values_list("pk", flat=True)
                              if pk not in based], batch_size=5000)
Payment.objects.filter(month__month=current).delete()
DuesMonth.objects.filter(month=current).delete()
# the data set holds several base committees (roots): each opens its month, the figures are their sum (the rows, the
# time) and the most queries one of them took (set-based: the same for 400 members or 4,000)
rows, month_s, month_queries = 0, 0.0, 0
for root in OrgNode.objects.filter(depth=1).order_by("path"):
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        rows += month_open(actor=admin, node=root, month=current, today=today)
        month_s += time.perf_counter() - started
    month_queries = max(month_queries, len(ctx))

# a branch of 300 members with twelve months of a year in its ledger, most of them paid
year = today.year - 1
branch = OrgNode.objects.add_child(committee, {"name": "党费基准支部", "kind": "branch"})
joined, full = datetime.date(2005, 7, 1), datetime.date(2006, 7, 1)
people = Person.objects.bulk_create([Person(node=branch, name=f"党费{i:03d}", political_status="full", joined_on=joined,
                                            full_member_on=full) for i in range(300)])
MembershipPeriod.objects.bulk_create([MembershipPeriod(person=p, node=branch, started_on=joined, began="migrated")
                                      for p in people])
bases = DuesBase.objects.bulk_create([base(p.pk, datetime.date(year, 1, 1)) for p in people])
months = [DuesMonth(person_id=b.person_id, month=m, node=branch, category="employed", base=b, due=b.amount,
                    opened_on=m, paid=b.amount if rng.random() < 0.9 else Decimal("0.00"))
          for b in bases for m in months_between(datetime.date(year, 1, 1), datetime.date(year, 12, 1))]
DuesMonth.objects.bulk_create(months, batch_size=5000)
Payment.objects.bulk_create([Payment(month=m, amount=m.paid, paid_on=m.month + datetime.timedelta(days=9),
                                     method="cash", recorded_at=now) for m in months if m.paid], batch_size=5000)
device, _ = TOTPDevice.objects.get_or_create(user=admin, name="bench-dues", defaults={"confirmed": True})
client = Client(HTTP_X_FORWARDED_PROTO="https")
client.force_login(admin, backend="apps.accounts.backends.CachedModelBackend")
session = client.session
session["otp_device_id"], session["pp_login_at"] = device.persistent_id, time.time() + 86400
session.save()
url = f"/dues/ledger/?node={branch.pk}&year={year}"
with CaptureQueriesContext(connection) as ctx:
    response = client.get(url, secure=True)
assert response.status_code == 200 and response.content.count(b"<tr>") >= 300, response.status_code
ledger_queries = len(ctx)
timings = []
for _ in range(30):
    started = time.perf_counter()
    client.get(url, secure=True)
    timings.append((time.perf_counter() - started) * 1000)
print(json.dumps({"rows": rows, "month_s": month_s, "month_queries": month_queries, "ledger_queries": ledger_queries,
                  "ledger_p50_ms": statistics.median(timings), "ledger_cells": len(months)}))
"""


def _dues_figures(env: dict) -> None:
    """Party dues: opening this month for every member of the committee (the due rows, set-based: the number of
    queries does not depend on the members), and the ledger page of a branch of 300 members × 12 months. The rows
    are generated here, against whatever the bench seeded."""
    import json

    out = subprocess.run([PY, "-c", _DUES_RUN], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    emit("dues_month_rows", figures["rows"], "rows")
    emit("dues_month_50k_s", round(figures["month_s"], 2), "s")
    emit("dues_month_queries", figures["month_queries"], "queries")
    emit("dues_ledger_cells", figures["ledger_cells"], "months")
    emit("dues_ledger_queries", figures["ledger_queries"], "queries")
    emit("dues_ledger_p50_ms", round(figures["ledger_p50_ms"], 1), "ms")


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


_MEMBERSHIP_RUN = """
import datetime, json, statistics, time, django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from apps.membership.selectors import member_counts_on, members_on, roll_up
from apps.membership.services import transfer_accept, transfer_request
from apps.organisations.models import OrgNode
from apps.people.models import Person

today = timezone.localdate()
past = today - datetime.timedelta(days=400)
branch = OrgNode.objects.filter(kind="branch").order_by("-numchild", "pk").first()
with CaptureQueriesContext(connection) as q:
    roll = list(members_on(branch, past))
roll_queries = len(q)
times = []
nodes = list(OrgNode.objects.only("pk", "path"))
for _ in range(5):
    started = time.perf_counter()
    totals = roll_up(member_counts_on(past), nodes)
    times.append((time.perf_counter() - started) * 1000)
admin = get_user_model().objects.get(username="admin")
person = Person.objects.filter(node__kind="branch", political_status="full", is_active=True).order_by("pk").first()
committee = person.node.path[: OrgNode.steplen]
target = OrgNode.objects.filter(kind="branch", path__startswith=committee).exclude(pk=person.node_id).first()
with transaction.atomic():
    transfer = transfer_request(actor=admin, person=person, kind="within", to_node=target, today=today)
    with CaptureQueriesContext(connection) as q:
        transfer_accept(actor=admin, transfer=transfer, on=today, today=today)
    transfer_queries = len(q)
    transaction.set_rollback(True)
print(json.dumps({"roll": len(roll), "roll_queries": roll_queries, "all_ms": statistics.median(times),
                  "branches": sum(1 for n in nodes), "transfer_queries": transfer_queries}))
"""


def _membership_figures(env: dict) -> None:
    """The roll of the largest branch on a date 400 days back, members counted on that date for every node of the
    data set (median of five), and the queries of accepting a transfer within a committee (rolled back)."""
    import json

    out = subprocess.run([PY, "-c", _MEMBERSHIP_RUN], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    emit("roll_on_date_members", figures["roll"], "people")
    emit("roll_on_date_queries", figures["roll_queries"], "queries")
    emit("roll_all_branches_ms", round(figures["all_ms"], 1), "ms")
    emit("transfer_queries", figures["transfer_queries"], "queries")


if __name__ == "__main__":
    main()
