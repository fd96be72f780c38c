"""Demo data: one base committee with general branches, about 20 branches, groups, people at every stage,
posts and terms (one expiring soon), the notice boards, development cases with their papers and 公示, reminders,
and one login per role. ``--members N`` scales the people.

The parts come from their apps, lowest first, each app seeding its own (``apps/<app>/demo.py``): the tree, its
terms, posts and logins (``organisations``), the people (``people``), the boards (``disclosure``), the development
cases (``lifecycle``); then the periodic jobs run once as the scheduler would (the cases' warnings, the disclosure
sweep that closes and archives past windows) and the reminder sweep (``notifications``). A new app adds its
``demo.py`` and one line here.
"""

from __future__ import annotations

import functools
import random
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.appraisal.demo import seed_appraisal
from apps.assessment.demo import seed_assessment
from apps.audit.services import audit_record
from apps.disclosure import demo as disclosure_demo
from apps.disclosure.services import notice_sweep
from apps.dues.demo import seed_dues
from apps.improvement.demo import seed_improvement
from apps.improvement.sources import SOURCE_CODE as CORRECTIVE_SOURCE
from apps.lifecycle import demo as lifecycle_demo
from apps.lifecycle.models import StepRecord
from apps.lifecycle.services import case_refresh_all
from apps.membership import demo as membership_demo
from apps.notifications import demo as notifications_demo
from apps.organisations import demo as organisations_demo
from apps.organisations.models import OrgNode
from apps.organisations.overview_cache import org_data_changed
from apps.orglife.demo import seed_meetings
from apps.people import demo as people_demo
from apps.reports.demo import seed_reports

# Above this many cases the warnings come with the nightly sweep (lifecycle-refresh), not with the demo.
REFRESH_AT_MOST = 2000

# This year's scheme weighs the appraisal's results beside the target score (its components, registered by it).
COMPONENT_WEIGHTS = {"appraisal_report": 10, "appraisal_survey": 10}


class Command(BaseCommand):
    help = "Load demo data (one base committee, ~20 branches, people at every stage, boards, one login per role)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=400, help="How many people to create (default 400).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if an organisation exists.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, members: int, if_empty: bool, seed: int, **options):
        if OrgNode.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already loaded.")
                self._print_accounts()
                return
            self.stderr.write("Organisations exist already; use a fresh database.")
            return
        started = time.monotonic()
        rng = random.Random(seed)
        now = timezone.now()
        today = timezone.localdate(now)
        with transaction.atomic():
            nodes = organisations_demo.seed_tree()
            people = people_demo.seed_people(rng=rng, nodes=nodes, total=members, today=today)
            organisations_demo.seed_committees(
                rng=rng, nodes=nodes, full_members=people_demo.full_members_by_node(people), today=today
            )
            users = self._logins(nodes, today)
            notices = disclosure_demo.seed_boards(
                nodes=nodes, users=users, committee_name=organisations_demo.COMMITTEE_NAME, today=today
            )
            cases = lifecycle_demo.seed_cases(rng=rng, today=today)
            admitted = set(  # the people the development cases took through the branch's admission meeting
                StepRecord.objects.filter(step="admission_meeting").values_list("case__person_id", flat=True)
            )
            membership_demo.seed_membership(rng=rng, today=today, admitted=admitted)
            seed_dues(rng=rng, today=today)
            seed_meetings(rng=rng, today=today)
            seed_appraisal(rng=rng, today=today)
            seed_assessment(
                rng=rng,
                users=users,
                committee_name=organisations_demo.COMMITTEE_NAME,
                today=today,
                corrective_source=CORRECTIVE_SOURCE,
                component_weights=COMPONENT_WEIGHTS,
            )
            seed_improvement(rng=rng, committee_name=organisations_demo.COMMITTEE_NAME, today=today)
            audit_record(actor=None, action="demo.seeded", note=f"{members} people, {cases} development cases")
            org_data_changed()
        if cases <= REFRESH_AT_MOST:
            case_refresh_all(today=today)
        else:
            self.stdout.write("The warnings of the development cases come with the nightly sweep (lifecycle-refresh).")
        notice_sweep(today=today)
        reminders = notifications_demo.seed_reminders(now=now)
        reports = seed_reports(now=now)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(nodes)} organisations, {members} people, {len(notices)} board notices, "
                f"{cases} development cases, {reminders} reminders and {reports} reports "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
        self._print_accounts()

    def _logins(self, nodes, today) -> dict:
        """The demo logins, by username."""
        committee = nodes[organisations_demo.COMMITTEE_NAME]
        for username, title_code, branch, status, _desc in people_demo.ACCOUNTS:
            organisations_demo.seed_login(
                username=username,
                node=None if username == "admin" else (nodes[branch] if branch else committee),
                title_code=title_code,
                person_for=functools.partial(people_demo.login_person, username=username, status=status, nodes=nodes),
                today=today,
            )
        usernames = [account[0] for account in people_demo.ACCOUNTS]
        return {user.username: user for user in get_user_model().objects.filter(username__in=usernames)}

    def _print_accounts(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {organisations_demo.DEMO_PASSWORD})")
        for username, _t, _b, _s, desc in people_demo.ACCOUNTS:
            self.stdout.write(f"  {username:<18} {desc}")
