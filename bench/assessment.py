"""Assessment figures on the bench data set (issue 16): a scheme of 60 indicators (6 categories × 10 standards, one
data indicator per source in each category) scored for 500 organisations with their data sources — the sources'
facts read once for all of them, then the engine per organisation —, the queries of that at 100 and at 500
organisations (constant), the progress page of a scheme with 500 sheets, and a sheet of 60 indicators.

Run by ``python -m bench`` (``figures(env)``), or alone against a loaded bench database:
``BENCH_DATABASE_URL=postgres://… python -m bench.assessment``."""

from __future__ import annotations

import json
import os
import subprocess

RUN = """
import datetime, json, statistics, time, django
django.setup()
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from apps.assessment import scoring
from apps.assessment.models import BandSet, Column, Indicator, Scheme, Sheet
from apps.assessment.selectors import data_facts_for, scheme_sheet
from apps.organisations.models import OrgNode
cookie = {cookie!r}
today = timezone.localdate()
now = timezone.now()
committee = max(OrgNode.objects.filter(kind="committee"),
                key=lambda c: OrgNode.objects.filter(kind="branch", path__startswith=c.path).count())
nodes = list(OrgNode.objects.filter(kind__in=("branch", "general_branch"), is_active=True).order_by("path")[:500])
SOURCES = ["orglife.meetings_missing", "lifecycle.findings", "disclosure.due_unpublished",
           "disclosure.objections_late", "notifications.overdue", "dues.late"]
version = 1 + max(Scheme.objects.filter(assessing_node=committee, year=today.year).values_list("version", flat=True),
                  default=0)
scheme = Scheme.objects.create(assessing_node=committee, year=today.year, name="基准考核", version=version,
                               band_set=BandSet.objects.get(name="好/较好/一般/较差"), status="published")
scheme.weights.create(part="target", percent=100)
grades = {{"好": 10, "较好": 8, "一般": 6, "较差": 0}}
for c in range(6):
    parent = Indicator.objects.create(scheme=scheme, code=f"C{{c}}", title=f"类别{{c}}", order=c,
                                      max_points=Decimal(100) / 6)
    for i in range(10):
        code = f"C{{c}}.{{i}}"
        if i == 0:
            kw = dict(mode="data", source=SOURCES[c], params={{"mode": "deduct", "points": "0.5"}})
        elif i % 3 == 1:
            kw = dict(mode="deduct", params={{"points": "0.5"}})
        elif i % 3 == 2:
            kw = dict(mode="graded", params={{"grades": grades}})
        else:
            kw = dict(mode="bonus", params={{"points": "1", "cap": "3"}})
        Indicator.objects.create(scheme=scheme, parent=parent, code=code, title=code, order=i, max_points=10, **kw)
scheme = Scheme.objects.get(pk=scheme.pk)
leaves = [i for i in scheme.indicators.all() if i.mode]
facts = {{}}
for leaf in leaves:
    if leaf.mode == "deduct":
        facts[leaf.code] = {{"events": [{{"key": "a"}}, {{"key": "b"}}]}}
    elif leaf.mode == "graded":
        facts[leaf.code] = {{"grade": "较好"}}
    elif leaf.mode == "bonus":
        facts[leaf.code] = {{"events": [{{"key": "x"}}]}}

def score_all(batch):
    sheet_def = scheme_sheet(scheme)
    data = data_facts_for(scheme, batch, as_of=today)
    totals = []
    for node in batch:
        present = {{k: v for k, v in data[node.pk].items() if v is not None}}
        totals.append(scoring.score(sheet_def, {{**facts, **present}}).total)
    return totals

class Counter:
    def __init__(self):
        self.n = 0
    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)
small, large = Counter(), Counter()
with connection.execute_wrapper(small):
    score_all(nodes[:100])
started = time.perf_counter()
with connection.execute_wrapper(large):
    score_all(nodes)
score_s = time.perf_counter() - started
# the progress page of 500 sheets, each with a saved column
sheet_def = scheme_sheet(scheme)
result = scoring.score(sheet_def, facts)
points = {{k: str(v) for k, v in result.indicators.items()}}
sheets = Sheet.objects.bulk_create([Sheet(scheme=scheme, node=n, peer_group=n.kind, status="submitted", level=1)
                                    for n in nodes])
Column.objects.bulk_create([Column(sheet=s, level=0, reviewer_node=s.node, facts=facts, total=result.total,
                                   points=points) for s in sheets])
client = Client(HTTP_X_FORWARDED_PROTO="https")
key, value = cookie.split("=", 1)
client.cookies[key] = value
def measure(url, runs):
    client.get(url, secure=True)
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, secure=True)
    queries = len(ctx)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
    return queries, statistics.median(timings)
progress = measure(f"/assessment/schemes/{{scheme.pk}}/progress/", 5)
page = measure(f"/assessment/sheets/{{sheets[0].pk}}/", 20)
print(json.dumps({{"organisations": len(nodes), "score_s": score_s, "queries_100": small.n,
                  "queries_500": large.n, "progress": progress, "sheet": page, "indicators": len(leaves)}}))
"""


def figures(env: dict) -> None:
    from bench.__main__ import PY, ROOT, _session_cookie, emit

    script = RUN.format(cookie=_session_cookie(env, "admin"))
    out = subprocess.run([PY, "-c", script], cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"bench.assessment failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    emit("assessment_organisations", result["organisations"], "organisations")
    emit("assessment_indicators", result["indicators"], "indicators")
    emit("assessment_score_500_s", round(result["score_s"], 2), "s")
    emit("assessment_score_queries_100", result["queries_100"], "queries")
    emit("assessment_score_queries_500", result["queries_500"], "queries")
    emit("assessment_progress_queries", result["progress"][0], "queries")
    emit("assessment_progress_p50_ms", round(result["progress"][1], 1), "ms")
    emit("assessment_sheet_queries", result["sheet"][0], "queries")
    emit("assessment_sheet_p50_ms", round(result["sheet"][1], 1), "ms")


if __name__ == "__main__":
    from bench.__main__ import PY, ROOT, _env

    env = _env(os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/partyportal_bench"))
    subprocess.run(  # the production settings serve hashed static names
        [PY, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    figures(env)
