"""Bench figures of the secret ballots (issue 18, ADR 14), on the bench database:

- ``appraisal_results_queries`` / ``appraisal_results_p50_ms``: the secretary's page of the appraisal of a
  300-member branch after every member has voted (300 ballots of 299 grades), through the test client;
- ``ballot_votes_per_s``: 1,000 members grading their secretary's report at once (16 threads, one connection each,
  through ``report_grade``), each also trying a second time: ``ballot_lost_votes`` and ``ballot_double_votes`` must
  be 0 (counts = voters = 1,000, every second attempt refused);
- ``appraisal_votes_per_s``: the 300 members of the branch casting their appraisal ballots at once (299 counters
  each, the same 16 threads);
- ``survey_results_queries`` / ``survey_results_p50_ms``: the page of a survey of 10 questions answered by the
  1,000 members (10,000 answers).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_RUN = """
import datetime, json, queue, statistics, threading, time, django
django.setup()
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from apps.appraisal.models import Appraisee, Report, ReportCount, ReportVoter, SurveyCount, SurveyRespondent
from apps.appraisal.services import appraisal_open, appraisal_vote, report_grade, report_open, survey_open
from apps.membership.models import MembershipPeriod
from apps.organisations.models import OrgNode
from apps.people.models import Person

THREADS = 16
now = timezone.now()
today = timezone.localdate(now)
User = get_user_model()
admin = User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.create_superuser(
    "bench_appraisal_admin", password=None)
committee = OrgNode.objects.filter(kind="committee").order_by("depth", "path").first() or OrgNode.add_root(
    name="测评基准党委", kind="committee")
stamp = now.strftime("%H%M%S")

def branch(name, size, kind="branch"):
    node = committee.add_child(name=f"{name}{stamp}", kind=kind)
    users = User.objects.bulk_create([User(username=f"bench-ap-{node.pk}-{i}") for i in range(size)])
    people = Person.objects.bulk_create([Person(name=f"党员{node.pk}-{i}", node=node, user=u,
        political_status="full", full_member_on=datetime.date(2000, 1, 1), joined_on=datetime.date(1999, 1, 1))
        for i, u in enumerate(users)])
    MembershipPeriod.objects.bulk_create([MembershipPeriod(person=p, node=node, started_on=datetime.date(2000, 1, 1),
        began="migrated") for p in people])
    return node, people

def in_threads(jobs, work):
    tasks, errors, done = queue.Queue(), [], []
    for job in jobs:
        tasks.put(job)
    def worker():
        try:
            while True:
                try:
                    job = tasks.get_nowait()
                except queue.Empty:
                    return
                done.append(work(job))
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connections.close_all()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, done, errors

opens, closes = today - datetime.timedelta(days=1), today + datetime.timedelta(days=7)
small, members = branch("测评基准支部", 300)
big, voters = branch("测评基准总支", 1001, kind="general_branch")
reporter, voters = voters[0], voters[1:]  # the secretary does not grade their own report

# 1,000 members grade their secretary's report at once, and each tries again
report = report_open(actor=admin, node=big, year=today.year, reporter=reporter, held_on=opens, opens_on=opens,
                     closes_on=closes)
grades = ["good", "fairly_good", "average", "poor"]
def grade(i):
    person = voters[i]
    report_grade(actor=person.user, report=report, grade=grades[i % 4], today=today)
    return 1
seconds, done, errors = in_threads(range(len(voters)), grade)
def again(i):
    try:
        report_grade(actor=voters[i].user, report=report, grade="good", today=today)
        return "counted twice"
    except ValidationError:
        return "refused"
_s, second, errors2 = in_threads(range(len(voters)), again)
counted = sum(ReportCount.objects.filter(report=report).values_list("portal", flat=True))
voted = ReportVoter.objects.filter(report=report).count()

# the 300 members of the branch cast their appraisal ballots at once (299 grades each)
appraisal = appraisal_open(actor=admin, node=small, year=today.year, held_on=opens, opens_on=opens, closes_on=closes)
appraisees = list(Appraisee.objects.filter(appraisal=appraisal).values_list("pk", "person_id"))
choice = ["excellent", "qualified", "qualified", "qualified", "basic"]
def ballot(i):
    person = members[i]
    appraisal_vote(actor=person.user, appraisal=appraisal, today=today,
                   grades={pk: choice[(i + pk) % 5] for pk, pid in appraisees if pid != person.pk})
    return 1
ap_seconds, ap_done, ap_errors = in_threads(range(len(members)), ballot)

# a survey of 10 questions answered by the 1,000 members: 10,000 answers (written as the votes write them)
survey = survey_open(actor=admin, node=big, year=today.year, title="满意度测评（基准）", audience="members",
                     opens_on=opens, closes_on=closes, questions=[f"第{i}题" for i in range(1, 11)])
SurveyRespondent.objects.bulk_create([SurveyRespondent(survey=survey, person=p) for p in voters])
counts = list(SurveyCount.objects.filter(question__survey=survey, shard=0).order_by("question_id", "option_id"))
for n, c in enumerate(counts):
    c.portal = [700, 200, 60, 40][n % 4]
SurveyCount.objects.bulk_update(counts, ["portal"])

device, _ = TOTPDevice.objects.get_or_create(user=admin, name="bench-appraisal", defaults={"confirmed": True})
client = Client(HTTP_X_FORWARDED_PROTO="https")
client.force_login(admin, backend="apps.accounts.backends.CachedModelBackend")
session = client.session
session["otp_device_id"], session["pp_login_at"] = device.persistent_id, time.time() + 86400
session.save()

def page(url, marker):
    client.get(url, secure=True)
    seen = []
    def count(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)
    with connection.execute_wrapper(count):  # every statement, whatever the request does with the query log
        response = client.get(url, secure=True)
    assert response.status_code == 200 and marker in response.content, (url, response.status_code)
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
    return len(seen), statistics.median(timings)

ap_queries, ap_ms = page(f"/appraisal/appraisals/{appraisal.pk}/", f"党员{small.pk}-299".encode())
sv_queries, sv_ms = page(f"/appraisal/surveys/{survey.pk}/", "第10题".encode())
print(json.dumps({
    "votes_per_s": len(done) / seconds, "lost": len(voters) - counted, "double": second.count("counted twice"),
    "voters": voted, "errors": (errors + errors2 + ap_errors)[:3], "ap_votes_per_s": len(ap_done) / ap_seconds,
    "ap_queries": ap_queries, "ap_ms": ap_ms, "sv_queries": sv_queries, "sv_ms": sv_ms,
}))
"""


def figures(env: dict) -> None:
    from bench.__main__ import emit

    out = subprocess.run([sys.executable, "-c", _RUN], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for error in result["errors"]:
        print(f"# {error}", file=sys.stderr)
    emit("appraisal_results_queries", result["ap_queries"], "queries")
    emit("appraisal_results_p50_ms", round(result["ap_ms"], 1), "ms")
    emit("ballot_votes_per_s", round(result["votes_per_s"], 1), "votes/s")
    emit("ballot_lost_votes", result["lost"], "votes")
    emit("ballot_double_votes", result["double"], "votes")
    emit("appraisal_votes_per_s", round(result["ap_votes_per_s"], 1), "ballots/s")
    emit("survey_results_queries", result["sv_queries"], "queries")
    emit("survey_results_p50_ms", round(result["sv_ms"], 1), "ms")
