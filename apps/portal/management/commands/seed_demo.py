"""Demo data: one base committee with general branches, about 20 branches, groups, people at every stage,
posts and terms (one expiring soon), development cases, and one login per role. ``--members N`` scales the people.

The parts come from their apps, lowest first: the tree, its terms, posts and logins (``apps.organisations.demo``),
the people (``apps.people.demo``), the development cases (``apps.lifecycle.demo``)."""

from __future__ import annotations

import functools
import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.lifecycle.demo import seed_cases
from apps.lifecycle.services import case_refresh_all
from apps.organisations import demo as organisations_demo
from apps.organisations.models import OrgNode
from apps.organisations.overview_cache import org_data_changed
from apps.orglife.demo import seed_meetings
from apps.people import demo as people_demo


class Command(BaseCommand):
    help = "Load demo data (one base committee, ~20 branches, people at every stage, one login per role)."

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
        today = timezone.localdate()
        with transaction.atomic():
            nodes = organisations_demo.seed_tree()
            people = people_demo.seed_people(rng=rng, nodes=nodes, total=members, today=today)
            organisations_demo.seed_committees(
                rng=rng, nodes=nodes, full_members=people_demo.full_members_by_node(people), today=today
            )
            self._logins(nodes, today)
            cases = seed_cases(rng=rng, today=today)
            seed_meetings(rng=rng, today=today)
            audit_record(actor=None, action="demo.seeded", note=f"{members} people, {cases} development cases")
            org_data_changed()
        if cases <= 2000:
            case_refresh_all(today=today)
        else:
            self.stdout.write("The warnings of the development cases come with the nightly sweep (lifecycle-refresh).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(nodes)} organisations, {members} people and {cases} development cases "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
        self._print_accounts()

    def _logins(self, nodes, today) -> None:
        committee = nodes[organisations_demo.COMMITTEE_NAME]
        for username, title_code, branch, status, _desc in people_demo.ACCOUNTS:
            organisations_demo.seed_login(
                username=username,
                node=None if username == "admin" else (nodes[branch] if branch else committee),
                title_code=title_code,
                person_for=functools.partial(people_demo.login_person, username=username, status=status, nodes=nodes),
                today=today,
            )

    def _print_accounts(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {organisations_demo.DEMO_PASSWORD})")
        for username, _t, _b, _s, desc in people_demo.ACCOUNTS:
            self.stdout.write(f"  {username:<18} {desc}")
