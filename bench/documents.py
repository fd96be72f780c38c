"""Official documents and dashboards on the bench data set: the minutes of the general meeting of 200 that the
organisational-life figures record (its roll read, about three pages of minutes) in Word, median of five renders;
the committee dashboard of the busiest committee's staff: its queries, and its time with a cleared cache (cold) and
again (warm), medians of ten."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = """
import json, statistics, time, django
django.setup()
from apps.orglife.models import Meeting
from apps.orglife.word import minutes_docx
meeting = Meeting.objects.filter(topic="基准党员大会", status="held").order_by("-pk").first()
meeting.minutes = "".join(f"<p>第{i}项：会议听取了支部委员会的工作报告，讨论了发展党员、党费收缴和组织生活安排。</p>"
                          for i in range(1, 41))
meeting.decisions = "\\n".join(f"决议{i}：同意。" for i in range(1, 11))
timings, size = [], 0
for _ in range(5):
    started = time.perf_counter()
    size = len(minutes_docx(meeting))
    timings.append(time.perf_counter() - started)
print(json.dumps({"s": statistics.median(timings), "bytes": size}))
"""


DASHBOARD = """
import json, statistics, time, django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_X_FORWARDED_PROTO="https")
key, value = {cookie!r}.split("=", 1)
client.cookies[key] = value
url = "/dashboards/"
client.get(url, secure=True)  # the session's renewal out of the way
with CaptureQueriesContext(connection) as ctx:
    response = client.get(url, secure=True)
assert response.status_code == 200, response.status_code
queries = len(ctx)
def timed(clear):
    timings = []
    for _ in range(10):
        if clear:
            cache.clear()
        started = time.perf_counter()
        client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)
cold = timed(True)
warm = timed(False)
print(json.dumps({{"queries": queries, "cold": cold, "warm": warm}}))
"""


def figures(env: dict, cookie: str | None = None) -> None:
    out = subprocess.run([sys.executable, "-c", RUN], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"docx_s: {result['s']:.3f} s", flush=True)
    print(f"docx_kb: {result['bytes'] / 1024:.1f} KB", flush=True)
    if cookie is None:
        return
    script = DASHBOARD.format(cookie=cookie)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"dashboard_queries: {result['queries']} queries", flush=True)
    print(f"dashboard_p50_ms: {result['warm']:.1f} ms", flush=True)
    print(f"dashboard_cold_p50_ms: {result['cold']:.1f} ms", flush=True)
