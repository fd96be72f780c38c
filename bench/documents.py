"""Official documents in Word on the bench data set: the minutes of the general meeting of 200 that the
organisational-life figures record (its roll read, about three pages of minutes), median of five renders."""

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


def figures(env: dict) -> None:
    out = subprocess.run([sys.executable, "-c", RUN], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"docx_s: {result['s']:.3f} s", flush=True)
    print(f"docx_kb: {result['bytes'] / 1024:.1f} KB", flush=True)
