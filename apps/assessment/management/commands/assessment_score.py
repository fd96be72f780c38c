"""Score a sheet from JSON files: the same engine as the pages (``apps.assessment.scoring``)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.assessment.scoring import ScoringError, score, sheet_from_dict


def _load(path: str, what: str):
    try:
        raw = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
    except OSError as exc:
        raise CommandError(
            _("Cannot read the %(what)s: %(error)s") % {"what": what, "error": exc.strerror or exc}
        ) from exc
    try:
        return json.loads(raw, parse_float=str, parse_int=str)
    except json.JSONDecodeError as exc:
        raise CommandError(
            _("The %(what)s is not valid JSON (line %(line)s, column %(column)s).")
            % {"what": what, "line": exc.lineno, "column": exc.colno}
        ) from exc


class Command(BaseCommand):
    help = "Score an assessment sheet (indicators and bands) against the facts of one column; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--sheet", required=True, help="Path to the sheet JSON (bands and indicators).")
        parser.add_argument("--facts", required=True, help="Path to the facts JSON keyed by indicator code, or -.")

    def handle(self, *args, sheet, facts, **options):
        sheet_data = _load(sheet, _("sheet"))
        facts_data = _load(facts, _("facts"))
        try:
            result = score(sheet_from_dict(sheet_data), facts_data)
        except ScoringError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
