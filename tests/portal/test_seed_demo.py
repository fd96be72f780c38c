from io import StringIO

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode, Term
from apps.organisations.permissions import scope_paths
from apps.organisations.selectors import node_overviews
from apps.people.choices import PoliticalStatus
from apps.people.models import Person
from tests.dates import TODAY


def test_seed_demo_builds_a_realistic_committee(db):
    out = StringIO()
    call_command("seed_demo", "--members", "300", stdout=out)
    assert OrgNode.objects.filter(kind=NodeKind.COMMITTEE).count() == 1
    assert OrgNode.objects.filter(kind=NodeKind.GENERAL_BRANCH).count() == 3
    assert 18 <= OrgNode.objects.filter(kind=NodeKind.BRANCH).count() <= 22
    assert OrgNode.objects.filter(kind=NodeKind.GROUP).exists()
    assert Person.objects.count() >= 300
    statuses = set(Person.objects.values_list("political_status", flat=True))
    assert statuses == set(PoliticalStatus.values)
    codes = {w.code for o in node_overviews(nodes=list(OrgNode.objects.all()), today=TODAY) for w in o.warnings}
    assert {"too_few_members", "term_expiring", "term_expired"} <= codes
    assert Term.objects.filter(closed_on__isnull=True).count() >= 5
    for username in ("admin", "zuzhiyuan", "shuji_yichejian", "dangyuan", "shenqingren", "qunzhong"):
        assert username in out.getvalue()
    user = get_user_model().objects.get(username="shuji_yichejian")
    assert user.is_staff and len(scope_paths(user, "organisations.view_scope")) == 1
    assert not get_user_model().objects.get(username="dangyuan").is_staff


def test_seed_demo_if_empty_is_idempotent(db):
    call_command("seed_demo", "--members", "50", stdout=StringIO())
    count = Person.objects.count()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert Person.objects.count() == count
    assert "demo-pass-2026" in out.getvalue()


def test_seed_demo_places_every_member_on_a_roll(db):
    from apps.membership.models import ContactLoss, Transfer
    from apps.membership.selectors import members_without_period

    call_command("seed_demo", "--members", "300", stdout=StringIO())
    assert not members_without_period().exists()  # the move to membership periods placed everyone
    assert Transfer.objects.filter(state="requested").exists() and Transfer.objects.filter(state="sent").exists()
    assert ContactLoss.objects.filter(found_on__isnull=True).exists()


def test_seed_demo_exercises_every_feature(db, today):
    from collections import Counter

    from apps.disclosure.models import Notice, NoticeStatus, NoticeVersion, Objection
    from apps.disclosure.selectors import BOARD_STATUSES
    from apps.lifecycle.compliance import compliance_findings
    from apps.lifecycle.demo import READY_MONTHS, SHOWCASE_BRANCH
    from apps.lifecycle.models import DevelopmentCase, StepRecord
    from apps.lifecycle.services import RecordEntry, case_record_step
    from apps.lifecycle.steps import OPEN_STAGES, Stage
    from apps.notifications.models import Reminder
    from tests.dates import at

    # given the demo of `make run`, on the suite's day
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "board notices" in out.getvalue()

    # the boards: every notice a reader can open has its published version, in a chain that verifies
    assert not Notice.objects.filter(status__in=BOARD_STATUSES, versions__isnull=True).exists()
    assert not Notice.objects.filter(category__isnull=True).exists()
    verify = StringIO()
    call_command("disclosure_verify", stdout=verify)
    assert f"{NoticeVersion.objects.count()} versions checked, 0 problems" in verify.getvalue()
    statuses = set(Notice.objects.values_list("status", flat=True))
    assert statuses == set(NoticeStatus.values)  # drafts to check, … published, closed, archived, held, corrections
    assert Notice.objects.filter(versions__number=2).exists()
    # an open 公示 of the development with an objection and its answer; an objection still to be answered
    answered = Objection.objects.get(notice__case__isnull=False)
    assert answered.notice.is_open_on(TODAY) and answered.outcome and answered.answer
    assert Objection.objects.filter(notice__case__isnull=True, outcome="").count() == 1

    # the cases: every stage, the papers of completed steps (a few missing), thought reports
    stages = set(DevelopmentCase.objects.values_list("stage", flat=True))
    assert stages >= {*OPEN_STAGES, Stage.FULL, Stage.WITHDRAWN, Stage.NOT_ADMITTED}
    assert StepRecord.objects.filter(step="thought_report", documents__isnull=False).count() >= 3
    findings = Counter(f.code for f in compliance_findings(cases=DevelopmentCase.objects.all(), today=TODAY))
    assert 0 < findings["documents_missing"] <= DevelopmentCase.objects.count() // 10
    assert sum(findings.values()) <= DevelopmentCase.objects.count() // 4  # real findings, few

    # the reminders of the sweep: steps, 公示 closing, an objection, periodic disclosures, terms
    sources = set(Reminder.objects.values_list("source", flat=True))
    assert sources >= {"lifecycle.step_due", "organisations.term_ending"}
    assert sources >= {"disclosure.window_closing", "disclosure.objection_due", "disclosure.periodic_due"}

    # an activist of the secretary's branch is ready: the designation as candidate is recorded without a refusal
    secretary = get_user_model().objects.get(username="shuji_yichejian")
    designated = TODAY - relativedelta(months=READY_MONTHS)
    ready = DevelopmentCase.objects.get(
        branch__name=SHOWCASE_BRANCH, records__step="activist_designated", records__on=designated
    )
    entry = RecordEntry(step="candidate_designated", on=TODAY)
    case_record_step(actor=secretary, case=ready, entry=entry, now=at(TODAY))
    ready.refresh_from_db()
    assert ready.stage == Stage.CANDIDATE and ready.notices.get().versions.count() == 1
