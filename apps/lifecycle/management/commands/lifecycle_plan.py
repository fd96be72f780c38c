"""Print the plan of a case from a JSON file of facts: the same calculator as the case timeline and the portal."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from apps.lifecycle.models import RuleSet
from apps.lifecycle.plan import compute_plan, facts_from_dict, plan_to_dict
from apps.lifecycle.rules import Rules
from apps.workdays.selectors import calendar_load


class Command(BaseCommand):
    help = "Compute the development plan (three tracks, warnings, votes) from a JSON file of facts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--edition", default=None, help="Rule set edition, e.g. 2026.05 or 2014 (default: the default)."
        )
        parser.add_argument("--facts", required=True, help="Path to a JSON file, or - for standard input.")
        parser.add_argument("--today", default=None, help="Evaluate as of this date (YYYY-MM-DD).")

    def handle(self, *args, edition, facts, today, **options):
        try:
            known = list(RuleSet.objects.values_list("edition", flat=True))
        except DatabaseError:
            raise CommandError("The database has no rule sets table: run `python manage.py migrate` first.") from None
        if not known:
            raise CommandError("No rule sets in the database: run `python manage.py migrate` (it loads the editions).")
        try:
            rule_set = RuleSet.objects.get(edition=edition) if edition else RuleSet.objects.get(is_default=True)
        except RuleSet.DoesNotExist:
            raise CommandError(f"Unknown edition {edition!r}; known: {', '.join(known)}") from None
        try:
            raw = sys.stdin.read() if facts == "-" else open(facts, encoding="utf-8").read()  # noqa: SIM115
            data = json.loads(raw)
            if today:
                data["today"] = today
            parsed = facts_from_dict(data, today=timezone.localdate())
        except (OSError, json.JSONDecodeError, ValueError, TypeError) as exc:
            raise CommandError(f"Cannot read the facts: {exc}") from exc
        plan = compute_plan(rules=Rules.from_model(rule_set), facts=parsed, calendar=calendar_load())
        self.stdout.write(json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=2))
