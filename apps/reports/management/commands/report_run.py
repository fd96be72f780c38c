"""``manage.py report_run REPORT --format xlsx|pdf --out FILE --user USERNAME [--param key=value …]``: a report
written synchronously with that user's scope (for cron and for checking); ``report_run --list`` prints the
catalogue, one line a report: its name, formats and parameters with their types."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.reports import catalogue
from apps.reports.services import run_write_now


def _type_of(field) -> str:
    name = type(field).__name__.removesuffix("Field").lower()
    return f"{name}{'' if field.required else '?'}"


class Command(BaseCommand):
    help = "Write a report to a file with a user's scope, or list the reports (--list)."

    def add_arguments(self, parser):
        parser.add_argument("report", nargs="?")
        parser.add_argument("--list", action="store_true", help="List the reports, their formats and parameters.")
        parser.add_argument("--format", dest="fmt", choices=catalogue.FORMATS, default="xlsx")
        parser.add_argument("--out", help="The file to write.")
        parser.add_argument("--user", help="Whose scope the report covers.")
        parser.add_argument("--param", action="append", default=[], help="A parameter, key=value (repeatable).")

    def handle(self, *args, report, list, fmt, out, user, param, **options):
        if list:
            for r in catalogue.all_reports():
                fields = r.form().fields
                params = " ".join(f"{name}:{_type_of(f)}" for name, f in fields.items()) or "-"
                self.stdout.write(f"{r.name}\t{','.join(r.formats)}\t{params}\t{r.title}")
            return
        if not (report and out and user):
            raise CommandError("REPORT, --out and --user are needed (or --list).")
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {user!r}.")
        params = {}
        for item in param:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"A parameter is key=value, not {item!r}.")
            params[key.strip()] = value
        try:
            rows = run_write_now(
                actor=actor, report_name=report, params=params, fmt=fmt, out=out, today=timezone.localdate()
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{report}: {rows} rows written to {out}")
