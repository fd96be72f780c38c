"""Corrective-action figures on the bench data set (issue 17): 5,000 corrective actions across the busiest
committee's branches (a finding each, in every state, a fifth of them overdue), and the committee organiser's list of
them: its queries (constant: one page at a time, the counts in one aggregate) and its median time.

Run by ``python -m bench`` (``figures(env)``), or alone against a loaded bench database:
``BENCH_DATABASE_URL=postgres://… python -m bench.improvement`` (``BENCH_ACTIONS`` for another number of actions)."""

from __future__ import annotations

import json
import os
import subprocess

RUN = """
import datetime, json, random, statistics, time, django
django.setup()
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from apps.improvement.models import CorrectiveAction, Finding
from apps.organisations.models import OrgNode, Post
from apps.people.models import Person
cookie = {cookie!r}
total = {total}
today = timezone.localdate()
committee = Post.objects.get(person__user__username="bench_committee", title__code="organiser").node
branches = list(OrgNode.objects.filter(kind="branch", path__startswith=committee.path, is_active=True).order_by("path"))
owners = {{}}
for person_id, node_id in Person.objects.filter(node__in=branches, is_active=True).values_list("pk", "node_id"):
    owners.setdefault(node_id, person_id)
branches = [b for b in branches if b.pk in owners]
rng = random.Random(17)
found_on = today - datetime.timedelta(days=90)
checker = Post.objects.filter(person__user__username="bench_committee").values_list("person__user_id", flat=True)[0]
findings = Finding.objects.bulk_create(
    Finding(node=branches[i % len(branches)], found_on=found_on, description=f"基准问题{{i}}") for i in range(total)
)
states = ["draft", "open", "open", "submitted", "returned", "closed"]
actions = []
for i, finding in enumerate(findings):
    state = states[i % len(states)]
    actions.append(CorrectiveAction(
        finding=finding, node_id=finding.node_id, title=f"整改{{i}}", owner_id=owners[finding.node_id],
        due_on=found_on + datetime.timedelta(days=rng.randrange(10, 150)), plan="方案", state=state,
        opened_on=None if state == "draft" else found_on,
        closed_on=today if state == "closed" else None,
        check_note="有效" if state == "closed" else "",
        checked_by_id=checker if state == "closed" else None,
    ))
CorrectiveAction.objects.bulk_create(actions, batch_size=2000)
listed = CorrectiveAction.objects.filter(node__path__startswith=committee.path).count()
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
page = measure("/improvement/", 20)
overdue = measure("/improvement/?overdue=1", 10)
print(json.dumps({{"actions": listed, "list": page, "overdue": overdue}}))
"""


def figures(env: dict) -> None:
    from bench.__main__ import PY, ROOT, _session_cookie, emit

    total = int(os.environ.get("BENCH_ACTIONS", "5000"))
    script = RUN.format(cookie=_session_cookie(env, "bench_committee"), total=total)
    out = subprocess.run([PY, "-c", script], cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"bench.improvement failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    emit("actions_listed", result["actions"], "actions")
    emit("actions_list_queries", result["list"][0], "queries")
    emit("actions_list_p50_ms", round(result["list"][1], 1), "ms")
    emit("actions_overdue_list_queries", result["overdue"][0], "queries")
    emit("actions_overdue_list_p50_ms", round(result["overdue"][1], 1), "ms")


if __name__ == "__main__":
    from bench.__main__ import PY, ROOT, _env

    env = _env(os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/partyportal_bench"))
    subprocess.run(  # the production settings serve hashed static names
        [PY, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    figures(env)
