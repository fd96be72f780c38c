"""The record-kind registry (``steps.py``) is the one list every part reads: the plan, the service, the forms, the
model's choices and constraint, the importer. And what the plan may conclude from partial facts."""

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.lifecycle import steps
from apps.lifecycle.models import StepRecord
from apps.lifecycle.plan import compute_plan, facts_from_dict
from apps.lifecycle.rules import EDITION_2014, EDITION_2026, adult_on
from apps.lifecycle.steps import ANCESTORS, KIND_BY_CODE, KINDS, REPEATABLE_KINDS, STEPS
from apps.workdays.calendar import WorkCalendar
from tests.dates import TODAY

from .conftest import take_to_candidate
from .test_plan import BASE, _admitted, _candidate, plan

D = datetime.date


# --- the registry itself ----------------------------------------------------------------------------------------


def test_every_kind_once_with_its_attributes():
    codes = [k.code for k in KINDS]
    assert len(codes) == len(set(codes))
    assert [c for c, _label in StepRecord._meta.get_field("step").choices] == codes
    for kind in KINDS:
        assert kind.recorders, kind.code
        assert kind.body is None or kind.body in kind.allowed_bodies
        assert kind.in_plan == (kind.stage is not None)
        assert kind.in_plan or kind.at_stages, f"{kind.code}: an event outside the plan names its stages"
        for document in kind.documents:
            assert document in dict(steps.ARCHIVE_DOCUMENTS)


def test_the_constraint_lets_exactly_the_repeatable_kinds_repeat():
    constraint = next(c for c in StepRecord._meta.constraints if c.name == "steprecord_once_per_case")
    assert set(constraint.condition.children[0][1]) == set(REPEATABLE_KINDS)
    assert {"thought_report", "activist_evaluation", "probation_evaluation", "reopened"} <= set(REPEATABLE_KINDS)


def test_committee_decisions_are_recorded_by_the_committee():
    for kind in KINDS:
        if kind.body in steps.COMMITTEE_BODIES and not kind.recorded_by:
            assert kind.recorders == (steps.APPROVE,), kind.code
    assert KIND_BY_CODE["training_completed"].recorders == (steps.APPROVE,)
    assert steps.SELF in KIND_BY_CODE["thought_report"].recorders


def test_ancestors_are_transitive():
    assert "application_form" in ANCESTORS["admission_meeting"]
    assert "prereview_passed" in ANCESTORS["admission_meeting"]
    assert "application_received" in ANCESTORS["archived"]
    assert not ANCESTORS["application_received"]


# --- the service reads it ---------------------------------------------------------------------------------------


def test_second_and_third_thought_reports_are_accepted(world, case, record):
    first = record(case, "thought_report", D(2024, 10, 1), who="applicant_a")
    second = record(case, "thought_report", D(2025, 1, 2), who="applicant_a")
    third = record(case, "thought_report", D(2025, 4, 1), who="secretary_a")
    assert len({first.pk, second.pk, third.pk}) == 3
    assert StepRecord.objects.filter(case=case, step="thought_report").count() == 3
    # the same report entered twice by the same person is the same record, not a fourth
    assert record(case, "thought_report", D(2025, 4, 1), who="secretary_a").pk == third.pk


def test_a_kind_the_role_cannot_record_is_refused(world, case, record):
    take_to_candidate(world, case, record)
    with pytest.raises(PermissionDenied):
        record(case, "training_completed", D(2025, 11, 20), training_days=3)  # a branch secretary
    record(case, "training_completed", D(2025, 11, 20), who="staff", training_days=3)
    with pytest.raises(PermissionDenied):
        record(case, "thought_report", D(2025, 11, 21), who="member_a")  # neither the person nor a role


def test_a_body_that_cannot_decide_the_kind_is_refused(world, case, record):
    with pytest.raises(ValidationError, match="谈话|talk"):
        record(case, "applicant_talk", D(2024, 9, 20), body="base_committee")


def test_an_automatic_step_is_not_recorded_by_hand(world, case, record):
    take_to_candidate(world, case, record)
    with pytest.raises(ValidationError):
        record(case, "candidate_publicity", D(2025, 10, 10), who="staff")


def test_an_inversion_with_a_missing_step_between_is_refused(world, case, record):
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    # contacts_assigned comes after activist_designated; evaluation too: a date before the talk (two steps up) is
    # refused even though the direct predecessor is the designation
    with pytest.raises(ValidationError, match="2024-09-20"):
        record(case, "activist_evaluation", D(2024, 9, 10))


def test_the_forms_offer_what_the_user_may_record(world, case):
    from apps.lifecycle.selectors import case_prefetched
    from apps.lifecycle.services import recordable_kinds

    fresh = case_prefetched(type(case).objects.filter(pk=case.pk)).get()
    secretary = {k.code for k in recordable_kinds(world.users["secretary_a"], fresh)}
    staff = {k.code for k in recordable_kinds(world.users["staff"], fresh)}
    person = {k.code for k in recordable_kinds(world.users["applicant_a"], fresh, as_person=True)}
    assert "applicant_talk" in secretary and "application_received" not in secretary  # taken, not repeatable
    assert "thought_report" in secretary and "thought_report" in person
    assert "withdrawn" in secretary and "reopened" not in secretary and "reopened" in staff
    assert "cancelled" not in secretary | staff  # an applicant is not probationary
    assert person == {"thought_report"}
    assert not recordable_kinds(world.users["member_a"], fresh)


# --- date order against every earlier recorded step ---------------------------------------------------------------


def test_prereview_after_the_meeting_is_flagged_when_the_form_is_missing():
    steps_ = _admitted(admission_approved="2025-09-01")
    steps_["prereview_passed"] = "2025-06-25"  # after the meeting of 2025-06-20
    del steps_["application_form"]  # the step between them not entered
    assert ("date_order", "admission_meeting") in plan(EDITION_2026, steps_).warnings


# --- lateness from recorded dates only --------------------------------------------------------------------------


def test_approval_without_a_meeting_entered_is_not_late():
    steps_ = _candidate(application_form="2025-06-10", admission_approved="2026-03-01")
    codes = plan(EDITION_2026, steps_).warning_codes()
    assert not {"approval_late", "approval_expired"} & codes


def test_meeting_without_a_prereview_entered_is_not_late():
    steps_ = _candidate(application_form="2025-06-10", admission_meeting="2026-03-01")
    del steps_["prereview_passed"]
    assert "meeting_late" not in plan(EDITION_2026, steps_).warning_codes()


def test_oath_without_an_approval_entered_is_not_late():
    steps_ = _admitted(oath_taken="2026-05-01")
    assert "oath_late" not in plan(EDITION_2026, steps_).warning_codes()
    assert "oath_late" in plan(EDITION_2026, {**steps_, "admission_approved": "2025-08-01"}).warning_codes()


# --- facts the calculator never asked for ---------------------------------------------------------------------------


def test_the_calculator_does_not_call_unasked_facts_missing():
    asked = ["application_received", "activist_designated", "candidate_designated", "admission_meeting"]
    facts = {
        "application_received": "2024-01-08",
        "activist_designated": "2024-03-04",
        "candidate_designated": "2025-04-01",
        "admission_meeting": "2025-07-01",
    }
    p = plan(EDITION_2014, facts, asked=asked)
    assert not {"training_short", "review_missing", "evaluation_overdue", "oath_late"} & p.warning_codes()
    assert p.step("political_review").entered is False
    assert p.step("admission_meeting").entered is True
    # a case's full record: the same facts are missing steps
    assert {"training_short", "review_missing"} <= plan(EDITION_2014, facts).warning_codes()


def test_earliest_never_after_a_recorded_date_without_a_warning():
    """Random partial facts in order of the steps, with random gaps and random inversions: whenever the plan puts
    an earliest date after a recorded date, that step carries a warning."""
    rng = random.Random(20261130)
    codes = [s.code for s in STEPS if not s.repeated]
    for _ in range(300):
        day, facts = D(2024, 1, 8), {}
        for code in codes:
            day += datetime.timedelta(days=rng.randint(-40, 120))
            if rng.random() < 0.6:
                facts[code] = day.isoformat()
        facts.setdefault("application_received", "2024-01-08")
        for rules in (EDITION_2014, EDITION_2026):
            p = plan(rules, facts, today="2030-01-01")
            warned = {step for _code, step in p.warnings}
            for row in p.steps:
                if row.actual and row.earliest and row.actual < row.earliest:
                    assert row.code in warned, (row.code, facts)


# --- the minimum age, computed once ---------------------------------------------------------------------------


def test_29_february_birthday_gives_the_same_day_to_plan_and_service(world, today):
    from apps.lifecycle.services import case_open

    assert adult_on(D(2008, 2, 29), 18) == D(2026, 3, 1)
    assert adult_on(D(2008, 5, 1), 18) == D(2026, 5, 1)
    cal = WorkCalendar(holidays=frozenset(), workdays=frozenset(), known_years=frozenset({2026}))
    for applied, refused in ((D(2026, 2, 28), True), (D(2026, 3, 1), False)):
        facts = facts_from_dict(
            {"birth_date": "2008-02-29", "steps": {"application_received": applied.isoformat()}}, today=TODAY
        )
        assert ("underage" in compute_plan(rules=EDITION_2026, facts=facts, calendar=cal).warning_codes()) is refused
    person = world.people["applicant_a"]
    person.birth_date = D(2008, 2, 29)
    person.save()
    with pytest.raises(ValidationError, match="2026-03-01"):
        case_open(
            actor=world.users["secretary_a"], person=person, branch=world.branch_a, application_on=D(2026, 2, 28),
            today=TODAY,
        )  # fmt: skip
    case_open(
        actor=world.users["secretary_a"], person=person, branch=world.branch_a, application_on=D(2026, 3, 1),
        today=TODAY,
    )  # fmt: skip


def test_the_plan_reads_the_wait_before_designation():
    local = EDITION_2026.__class__(**{**EDITION_2026.__dict__, "edition": "local", "wait_after_application_months": 6})
    early = {**BASE, "activist_designated": "2024-03-04"}  # two months after the application
    assert ("activist_early", "activist_designated") in plan(local, early).warnings
    assert "activist_early" not in plan(EDITION_2026, early).warning_codes()
