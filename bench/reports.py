"""Report figures (ADR 15): the roster of every bench member in the register layout written to Excel, its time and
the peak resident memory of the process that writes it; a 1,000-row PDF report.

Each figure runs in a process of its own (``python -c``), so the peak RSS is that of the writing process alone
(Django and the project imported, the query streamed in chunks, the workbook written row by row)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_ROSTER = """
import json, resource, tempfile, time, django
django.setup()
from django.contrib.auth import get_user_model
from django.utils import timezone
from apps.reports.services import run_write_now
admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
out = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False).name
started = time.perf_counter()
rows = run_write_now(actor=admin, report_name="roster", params={"exchange": "on"}, fmt="xlsx", out=out,
                     today=timezone.localdate())
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
import os
size = os.path.getsize(out)
os.unlink(out)
print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_mb, "bytes": size}))
"""

_PDF = """
import itertools, json, tempfile, time, django
django.setup()
from django.contrib.auth import get_user_model
from django.utils import timezone
from apps.reports.catalogue import Table
from apps.reports.definitions import ROSTER_COLUMNS, branch_names, roster_people, roster_row
from apps.reports.formats import write_pdf
admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
people = list(roster_people(admin).select_related("node")[:1000])
out = tempfile.NamedTemporaryFile(suffix=".pdf", delete=False).name
started = time.perf_counter()
branches = branch_names()
rows = (roster_row(p, masked=True, branches=branches) for p in people)
table = Table(count=len(people), rows=rows, organisation="bench")
rows = write_pdf(out, title="roster", columns=ROSTER_COLUMNS, table=table, day=timezone.localdate(), page_cap=2000,
                 on_row=lambda n: None)
seconds = time.perf_counter() - started
import os
os.unlink(out)
print(json.dumps({"rows": rows, "seconds": seconds}))
"""


def _measure(script: str, env: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def emit(name: str, value: float, unit: str) -> None:
    """As ``bench.__main__.emit`` (not imported: under ``python -m bench`` that module is ``__main__``)."""
    print(f"{name}: {value:.3f} {unit}" if isinstance(value, float) else f"{name}: {value} {unit}", flush=True)


def figures(env: dict) -> None:
    roster = _measure(_ROSTER, env)
    emit("roster_export_rows", roster["rows"], "rows")
    emit("roster_export_50k_s", round(roster["seconds"], 1), "s")
    emit("roster_export_peak_mb", round(roster["peak_mb"], 1), "MB")
    pdf = _measure(_PDF, env)
    emit("report_pdf_1k_rows", pdf["rows"], "rows")
    emit("report_pdf_1k_s", round(pdf["seconds"], 1), "s")
