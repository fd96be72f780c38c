"""Print the compliance of an organisation's meetings from a JSON file of facts: the same calculator as the pages."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.orglife.compliance import FactsError, compute, facts_from_dict, report_to_dict


class Command(BaseCommand):
    help = "Compute the compliance of an organisation's meetings (required, held, missing, in progress) from JSON."

    def add_arguments(self, parser):
        parser.add_argument("--facts", required=True, help="Path to a JSON file, or - for standard input.")

    def handle(self, *args, facts, **options):
        try:
            raw = sys.stdin.read() if facts == "-" else open(facts, encoding="utf-8").read()  # noqa: SIM115
        except OSError as exc:
            raise CommandError(_("Cannot read the facts: %(error)s") % {"error": exc.strerror or exc}) from exc
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CommandError(
                _("The facts are not valid JSON (line %(line)s, column %(column)s).")
                % {"line": exc.lineno, "column": exc.colno}
            ) from exc
        try:
            parsed = facts_from_dict(data)
        except FactsError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(report_to_dict(compute(parsed)), ensure_ascii=False, indent=2))
