import datetime
import json
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.documents.models import Document
from apps.lifecycle.compliance import compliance_findings
from apps.lifecycle.models import DevelopmentCase, StepRecord
from apps.lifecycle.selectors import case_facts, case_prefetched, case_prefetched_for_plan
from apps.lifecycle.services import case_open
from apps.organisations.models import OrgNode
from apps.people.choices import PoliticalStatus
from tests.dates import TODAY, at
from tests.factories import PersonFactory

D = datetime.date


def _cases(world, n):
    for _ in range(n):
        person = PersonFactory(node=world.branch_a, political_status=PoliticalStatus.MASSES)
        case = case_open(
            actor=world.users["staff"], person=person, branch=world.branch_a, application_on=D(2025, 1, 6), today=TODAY
        )
        StepRecord.objects.create(case=case, step="applicant_talk", on=D(2025, 1, 5))  # before the application


def test_findings_name_the_rule_and_the_step(world):
    _cases(world, 2)
    findings = list(compliance_findings(cases=DevelopmentCase.objects.all(), today=TODAY))
    assert {("date_order", "applicant_talk"), ("documents_missing", "application_received")} <= {
        (f.code, f.step) for f in findings
    }


def test_queries_per_batch_are_constant(world):
    _cases(world, 3)
    with CaptureQueriesContext(connection) as few:
        list(compliance_findings(cases=DevelopmentCase.objects.all(), batch=100, today=TODAY))
    _cases(world, 12)
    with CaptureQueriesContext(connection) as more:
        list(compliance_findings(cases=DevelopmentCase.objects.all(), batch=100, today=TODAY))
    assert len(more) == len(few)


def test_batches_cover_every_case_once(world):
    _cases(world, 7)
    every = DevelopmentCase.objects.all()
    in_one = sorted((f.case_id, f.code, f.step) for f in compliance_findings(cases=every, today=TODAY))
    in_threes = sorted((f.case_id, f.code, f.step) for f in compliance_findings(cases=every, batch=3, today=TODAY))
    assert in_one == in_threes
    assert len({case_id for case_id, _c, _s in in_one}) == 7


def test_the_audit_reads_the_same_facts_as_the_case_page(world):
    _cases(world, 2)
    attached, bare = DevelopmentCase.objects.order_by("pk")
    document = Document(
        node=world.branch_a,
        person=attached.person,
        title="入党申请书",
        original_name="a.pdf",
        content_type="application/pdf",
        size=5,
        sha256="0" * 64,
        uploaded_at=at(TODAY),
    )
    document.file.save("a", ContentFile(b"%PDF-"), save=False)
    document.save()
    attached.records.get(step="application_received").documents.add(document)
    page = {c.pk: case_facts(c, today=TODAY) for c in case_prefetched(DevelopmentCase.objects.all())}
    audit = {c.pk: case_facts(c, today=TODAY) for c in case_prefetched_for_plan(DevelopmentCase.objects.all())}
    assert page == audit
    assert audit[attached.pk].missing_documents == [] and audit[bare.pk].missing_documents == ["application_received"]


def test_command_audits_several_organisations(world):
    _cases(world, 1)
    other = PersonFactory(node=world.branch_b, political_status=PoliticalStatus.MASSES)
    case_open(
        actor=world.users["staff"], person=other, branch=world.branch_b, application_on=D(2025, 1, 6), today=TODAY
    )
    OrgNode.objects.filter(pk=world.branch_a.pk).update(code="A-01")
    OrgNode.objects.filter(pk=world.branch_b.pk).update(code="B-01")
    for codes, cases in ((["A-01"], 1), (["A-01", "B-01"], 2)):
        out = StringIO()
        with pytest.raises(SystemExit):
            call_command("lifecycle_audit", *[arg for code in codes for arg in ("--branch", code)], stdout=out)
        assert out.getvalue().splitlines()[-1].startswith(f"{cases} cases")


def test_command_exits_non_zero_with_json(world):
    _cases(world, 1)
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("lifecycle_audit", "--json", stdout=out)
    assert exit_info.value.code == 1
    assert any(f["code"] == "date_order" for f in json.loads(out.getvalue()))


def test_command_exits_zero_without_findings(db):
    out = StringIO()
    call_command("lifecycle_audit", stdout=out)
    assert "0 findings" in out.getvalue()


def test_lifecycle_plan_command(db, tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text(
        json.dumps(
            {
                "birth_date": "2000-05-01",
                "steps": {
                    "application_received": "2025-01-06",
                    "activist_designated": "2025-03-03",
                    "admission_meeting": {"date": "2026-06-01", "due": 20, "present": 15, "yes": 11},
                },
            }
        )
    )
    out = StringIO()
    call_command("lifecycle_plan", "--edition", "2026.05", "--facts", str(facts), "--today", "2026-11-22", stdout=out)
    data = json.loads(out.getvalue())
    assert data["edition"] == "2026.05"
    assert data["vote"]["admission_meeting"] == {"quorum": True, "passed": True}
    step = next(s for s in data["steps"] if s["code"] == "candidate_designated")
    assert step["earliest"] == "2026-03-03" and step["actual"] is None


def test_lifecycle_plan_rejects_bad_input(db, tmp_path):
    from django.core.management.base import CommandError

    facts = tmp_path / "facts.json"
    facts.write_text("{not json")
    with pytest.raises(CommandError):
        call_command("lifecycle_plan", "--facts", str(facts))
    with pytest.raises(CommandError):
        call_command("lifecycle_plan", "--edition", "1999", "--facts", str(facts))


def test_lifecycle_plan_without_rule_sets_says_what_to_run(db, tmp_path):
    from django.core.management.base import CommandError

    from apps.lifecycle.models import RuleSet

    RuleSet.objects.all().delete()
    facts = tmp_path / "facts.json"
    facts.write_text('{"steps": {"application_received": "2024-01-08"}}')
    with pytest.raises(CommandError, match="manage.py migrate"):
        call_command("lifecycle_plan", "--facts", str(facts))
