"""List every rule violation across development cases; exit 1 when there are any."""

import sys
from collections import Counter

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.lifecycle.compliance import compliance_findings
from apps.lifecycle.models import DevelopmentCase


class Command(BaseCommand):
    help = "Compliance audit of development cases (what an archive inspection would find). Exit 1 on findings."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the findings as JSON.")
        parser.add_argument(
            "--branch", action="append", help="Only cases of this organisation code (and below); repeat for several."
        )
        parser.add_argument("--open-only", action="store_true", help="Only open cases.")

    def handle(self, *args, json: bool = False, branch=None, open_only=False, **options):
        import json as json_module

        from django.db.models import Q

        from apps.lifecycle.steps import OPEN_STAGES

        cases = DevelopmentCase.objects.all()
        if branch:
            within = Q()
            for code in branch:
                within |= Q(branch__path__startswith=_path_of(code))
            cases = cases.filter(within)
        if open_only:
            cases = cases.filter(stage__in=OPEN_STAGES)
        findings = list(compliance_findings(cases=cases, today=timezone.localdate()))
        if json:
            self.stdout.write(json_module.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2))
        else:
            for f in findings:
                self.stdout.write(f"case {f.case_id}\t{f.person}\t{f.branch}\t{f.code}\t{f.step}")
            counts = Counter(f.code for f in findings)
            summary = ", ".join(f"{code} {n}" for code, n in counts.most_common()) or "none"
            self.stdout.write(f"{cases.count()} cases, {len(findings)} findings: {summary}")
        if findings:
            sys.exit(1)


def _path_of(code: str) -> str:
    from django.core.management.base import CommandError

    from apps.organisations.models import OrgNode

    node = OrgNode.objects.filter(code=code).first()
    if node is None:
        raise CommandError(f"No organisation with code {code!r}")
    return node.path
