"""Demo reports: a few finished runs (the branch secretary's roster and development statistics, the committee
organiser's membership structure) with their files in place, and a monthly schedule of the roster."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from .choices import Cadence, Format
from .models import ReportSchedule
from .services import run_execute, run_request

RUNS = [
    ("shuji_yichejian", "roster", {}, Format.XLSX),
    ("shuji_yichejian", "development_stats", {}, Format.PDF),
    ("zuzhiyuan", "membership_structure", {"year": "{year}"}, Format.XLSX),
]


def seed_reports(*, now: datetime.datetime) -> int:
    """Run the demo reports synchronously (as of ``now``); returns how many finished."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in={r[0] for r in RUNS})}
    today = timezone.localdate(now)
    done = 0
    for username, report, params, fmt in RUNS:
        user = users.get(username)
        if user is None:
            continue
        params = {k: v.format(year=today.year) for k, v in params.items()}
        run = run_request(actor=user, report_name=report, params=params, fmt=fmt, now=now)
        run = run_execute(run_id=run.pk, clock=lambda: now)
        done += bool(run and run.downloadable)
    if "zuzhiyuan" not in users:
        return done
    first_of_next = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    ReportSchedule.objects.get_or_create(
        owner=users["zuzhiyuan"],
        report="roster",
        defaults={"fmt": Format.XLSX, "cadence": Cadence.MONTHLY, "next_on": first_of_next},
    )
    return done
