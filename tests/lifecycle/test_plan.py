"""The plan calculator at every rule boundary — the day before, the day of, the day after — in both editions.
Pure: no database."""

import datetime

import pytest

from apps.lifecycle.plan import VoteCounts, compute_plan, facts_from_dict, plan_to_dict
from apps.lifecycle.rules import EDITION_2014, EDITION_2026, Rules, loosened
from apps.workdays.calendar import WorkCalendar

D = datetime.date
EDITIONS = [EDITION_2014, EDITION_2026]
# 2026 National Day: 10/1–10/7 off; Sunday 9/20 and Saturday 10/10 are working days.
CAL = WorkCalendar(
    holidays=frozenset(D(2026, 10, d) for d in range(1, 8)) | {D(2026, 1, 1), D(2026, 1, 2)},
    workdays=frozenset({D(2026, 9, 20), D(2026, 10, 10)}),
    known_years=frozenset({2025, 2026}),
)


def plan(rules, steps, today="2026-11-22", **extra):
    data = {"birth_date": "2000-05-01", "steps": steps, **extra}
    return compute_plan(rules=rules, facts=facts_from_dict(data, today=D.fromisoformat(today)), calendar=CAL)


BASE = {
    "application_received": "2024-01-08",
    "applicant_talk": "2024-01-20",
    "activist_designated": "2024-03-04",
    "contacts_assigned": {"date": "2024-03-04", "count": 2},
}


# --- working days -------------------------------------------------------------------------------------------------


@pytest.mark.beyond_calendar
def test_publicity_over_national_day_and_a_working_saturday():
    assert CAL.add_working_days(D(2026, 9, 28), 5) == (D(2026, 10, 9), False)
    assert CAL.add_working_days(D(2026, 10, 9), 2) == (D(2026, 10, 10), False)  # 调休 Saturday
    assert CAL.add_working_days(D(2026, 9, 19), 1) == (D(2026, 9, 20), False)  # 调休 Sunday
    assert CAL.add_working_days(D(2026, 12, 30), 5) == (D(2027, 1, 5), True)  # 2027 not loaded: provisional


# --- §5 age ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules", EDITIONS, ids=lambda r: r.edition)
@pytest.mark.parametrize(("applied", "warned"), [("2018-04-30", True), ("2018-05-01", False), ("2018-05-02", False)])
def test_minimum_age(rules, applied, warned):
    p = plan(rules, {"application_received": applied})
    assert ("underage" in p.warning_codes()) is warned


# --- §7 talk within a month -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules", EDITIONS, ids=lambda r: r.edition)
@pytest.mark.parametrize(("talk", "warned"), [("2024-02-07", False), ("2024-02-08", False), ("2024-02-09", True)])
def test_talk_within_one_month(rules, talk, warned):
    p = plan(rules, {"application_received": "2024-01-08", "applicant_talk": talk})
    assert p.step("applicant_talk").latest == D(2024, 2, 8)
    assert ("talk_overdue" in p.warning_codes()) is warned


@pytest.mark.parametrize(("today", "warned"), [("2024-02-08", False), ("2024-02-09", True)])
def test_talk_overdue_when_not_taken(today, warned):
    p = plan(EDITION_2026, {"application_received": "2024-01-08"}, today=today)
    assert ("talk_overdue" in p.warning_codes()) is warned


# --- §11 evaluation every 6 months ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("today", "warned"), [("2024-09-03", False), ("2024-09-04", False), ("2024-09-05", True)])
def test_evaluation_every_six_months(today, warned):
    p = plan(EDITION_2026, {**BASE, "activist_evaluation": ["2024-03-04"]}, today=today)
    assert p.step("activist_evaluation").latest == D(2024, 9, 4)
    assert ("evaluation_overdue" in p.warning_codes()) is warned


# --- §13 one year as activist ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules", EDITIONS, ids=lambda r: r.edition)
@pytest.mark.parametrize(("designated", "warned"), [("2025-03-03", True), ("2025-03-04", False), ("2025-03-05", False)])
def test_one_year_as_activist(rules, designated, warned):
    p = plan(rules, {**BASE, "candidate_designated": designated})
    assert p.step("candidate_designated").earliest == D(2025, 3, 4)
    assert ("activist_period_short" in p.warning_codes()) is warned


def test_editions_differ_on_candidate_publicity():
    p2014 = plan(EDITION_2014, {**BASE, "candidate_designated": "2025-04-01"})
    p2026 = plan(EDITION_2026, {**BASE, "candidate_designated": "2025-04-01"})
    assert p2014.step("candidate_publicity") is None and p2014.step("candidate_filed") is not None
    assert p2026.step("candidate_publicity") is not None and p2026.step("candidate_filed") is None


# --- §13 (2026) publicity gate ------------------------------------------------------------------------------------


def test_publicity_window_gates_the_next_steps():
    steps = {**BASE, "candidate_designated": "2026-09-25", "candidate_publicity": "2026-09-28"}
    p = plan(EDITION_2026, steps, today="2026-10-09")
    assert p.step("candidate_publicity").latest == D(2026, 10, 9)
    assert p.step("sponsors_assigned").earliest == D(2026, 10, 10)
    assert "publicity_open" in p.warning_codes()
    assert "publicity_open" not in plan(EDITION_2026, steps, today="2026-10-10").warning_codes()


@pytest.mark.parametrize(("sponsors_on", "warned"), [("2026-10-09", True), ("2026-10-10", False)])
def test_step_inside_the_window_is_flagged(sponsors_on, warned):
    steps = {
        **BASE,
        "candidate_designated": "2026-09-25",
        "candidate_publicity": "2026-09-28",
        "sponsors_assigned": {"date": sponsors_on, "count": 2},
    }
    p = plan(EDITION_2026, steps, today="2026-11-01")
    assert (("publicity_open", "sponsors_assigned") in p.warnings) is warned


def test_unresolved_objection_is_a_warning():
    steps = {
        **BASE,
        "candidate_designated": "2026-09-25",
        "candidate_publicity": {"date": "2026-09-28", "objections_open": 1},
    }
    assert "objection_open" in plan(EDITION_2026, steps).warning_codes()


# --- §14 sponsors, §16 review, §17 training ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "ineligible", "warned"), [(2, [], False), (1, [], True), (3, [], True), (2, ["x"], True)]
)
def test_sponsors(count, ineligible, warned):
    steps = {
        **BASE,
        "candidate_designated": "2025-04-01",
        "sponsors_assigned": {"date": "2025-04-20", "count": count, "ineligible": ineligible},
    }
    assert ("sponsor_ineligible" in plan(EDITION_2014, steps).warning_codes()) is warned


@pytest.mark.parametrize(("days", "hours", "warned"), [(2, 23, True), (3, 0, False), (0, 24, False), (2.5, 23.5, True)])
def test_training_three_days_or_24_hours(days, hours, warned):
    steps = {
        **BASE,
        "candidate_designated": "2025-04-01",
        "training_completed": {"date": "2025-05-01", "days": days, "hours": hours},
    }
    assert ("training_short" in plan(EDITION_2014, steps).warning_codes()) is warned


def _candidate(**more):
    return {
        **BASE,
        "candidate_designated": "2025-04-01",
        "sponsors_assigned": {"date": "2025-04-20", "count": 2},
        "political_review": "2025-05-10",
        "training_completed": {"date": "2025-05-15", "days": 3},
        "committee_review": "2025-05-20",
        "prereview_passed": "2025-06-02",
        **more,
    }


def test_review_missing():
    steps = _candidate()
    del steps["political_review"]
    assert "review_missing" in plan(EDITION_2014, steps).warning_codes()
    assert "review_missing" not in plan(EDITION_2014, _candidate()).warning_codes()


# --- §18 departure within 3 months ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("leaves", "warned"), [("2025-09-01", True), ("2025-09-02", False), ("2025-09-03", False)])
def test_departure_within_three_months(leaves, warned):
    p = plan(EDITION_2014, _candidate(), departure_on=leaves)
    assert ("departure_soon" in p.warning_codes()) is warned


# --- §19 meeting within a month of the pre-review ---------------------------------------------------------------


@pytest.mark.parametrize(("meeting", "warned"), [("2025-07-01", False), ("2025-07-02", False), ("2025-07-03", True)])
def test_meeting_within_one_month(meeting, warned):
    steps = _candidate(
        application_form="2025-06-10", admission_meeting={"date": meeting, "due": 20, "present": 15, "yes": 14}
    )
    p = plan(EDITION_2014, steps)
    assert p.step("admission_meeting").latest == D(2025, 7, 2)
    assert ("meeting_late" in p.warning_codes()) is warned


# --- §20 votes ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "quorum", "passed"),
    [
        ({"due": 20, "present": 10, "yes": 10}, False, False),  # present exactly half: no quorum
        ({"due": 20, "present": 11, "yes": 10}, True, False),  # yes exactly half of due: fails
        ({"due": 20, "present": 11, "yes": 11}, True, True),
        ({"due": 20, "present": 11, "yes": 10, "written_yes": 1}, True, True),  # written opinions count
        ({"due": 21, "present": 11, "yes": 10, "written_yes": 0}, True, False),
        ({"due": 21, "present": 11, "yes": 11}, True, True),
    ],
)
def test_quorum_and_majority_of_those_due(counts, quorum, passed):
    vote = VoteCounts(**counts)
    assert not vote.problems()
    assert (vote.quorum, vote.passed) == (quorum, passed)


@pytest.mark.parametrize(
    "counts",
    [
        {"due": 10, "present": 11, "yes": 5},
        {"due": 10, "present": 6, "yes": 4, "no": 2, "abstain": 1},
        {"due": 10, "present": 8, "yes": 5, "written_yes": 3},
        {"due": 10, "present": 6, "yes": -1},
    ],
)
def test_counts_that_do_not_add_up(counts):
    assert VoteCounts(**counts).problems()


def test_vote_result_in_plan_output():
    steps = _candidate(
        application_form="2025-06-10", admission_meeting={"date": "2025-06-20", "due": 20, "present": 10, "yes": 10}
    )
    out = plan_to_dict(plan(EDITION_2014, steps))
    assert out["vote"]["admission_meeting"] == {"quorum": False, "passed": False}
    assert {"code": "no_quorum", "step": "admission_meeting"} in out["warnings"]


# --- §25 approval 3 months, at most 6; §29 oath -----------------------------------------------------------------


def _admitted(**more):
    return _candidate(
        application_form="2025-06-10",
        admission_meeting={"date": "2025-06-20", "due": 20, "present": 15, "yes": 14},
        committee_talk="2025-07-01",
        **more,
    )


@pytest.mark.parametrize(
    ("approved", "codes"),
    [
        ("2025-09-19", set()),
        ("2025-09-20", set()),
        ("2025-09-21", {"approval_late"}),
        ("2025-12-20", {"approval_late"}),
        ("2025-12-21", {"approval_expired"}),
    ],
)
def test_approval_limits(approved, codes):
    p = plan(EDITION_2026, _admitted(admission_approved=approved))
    assert {"approval_late", "approval_expired"} & p.warning_codes() == codes


def test_approval_by_a_general_branch_is_flagged():
    p = plan(EDITION_2014, _admitted(admission_approved={"date": "2025-07-10", "by_committee": False}))
    assert "not_committee" in p.warning_codes()


@pytest.mark.parametrize(("oath", "warned"), [("2025-08-09", False), ("2025-08-10", False), ("2025-08-11", True)])
def test_oath_within_one_month(oath, warned):
    p = plan(EDITION_2014, _admitted(admission_approved="2025-07-10", oath_taken=oath))
    assert ("oath_late" in p.warning_codes()) is warned


# --- §31 probation of one year from the branch meeting; extension 6–12 months once -----------------------------------


@pytest.mark.parametrize(("meeting", "warned"), [("2026-06-19", True), ("2026-06-20", False), ("2026-06-21", False)])
def test_probation_of_one_year(meeting, warned):
    steps = _admitted(
        admission_approved="2025-07-10",
        conversion_applied="2026-05-20",
        conversion_meeting={"date": meeting, "due": 20, "present": 15, "yes": 14},
    )
    p = plan(EDITION_2014, steps)
    assert p.probation_end == D(2026, 6, 20)
    assert ("probation_short" in p.warning_codes()) is warned


@pytest.mark.beyond_calendar
@pytest.mark.parametrize(("months", "warned"), [(5, True), (6, False), (12, False), (13, True)])
def test_extension_six_to_twelve_months(months, warned):
    steps = _admitted(
        admission_approved="2025-07-10",
        conversion_applied="2026-05-20",
        conversion_meeting={"date": "2027-06-20", "due": 20, "present": 15, "yes": 14, "extension_months": [months]},
    )
    assert ("extension_invalid" in plan(EDITION_2014, steps, today="2027-07-01").warning_codes()) is warned


@pytest.mark.beyond_calendar
def test_extension_only_once():
    steps = _admitted(
        admission_approved="2025-07-10",
        conversion_meeting={"date": "2027-12-20", "due": 20, "present": 15, "yes": 14, "extension_months": [6, 6]},
    )
    assert "extension_invalid" in plan(EDITION_2014, steps, today="2028-01-01").warning_codes()


def test_reference_of_conversion_application_is_a_month_before_the_end():
    p = plan(EDITION_2026, _admitted(admission_approved="2025-07-10"), today="2025-08-01")
    assert p.step("conversion_applied").reference == D(2026, 6, 20) - datetime.timedelta(days=30)
    assert p.step("conversion_meeting").earliest == D(2026, 6, 20)


@pytest.mark.parametrize(("today", "warned"), [("2026-07-20", False), ("2026-07-21", True)])
def test_conversion_overdue(today, warned):
    p = plan(EDITION_2026, _admitted(admission_approved="2025-07-10"), today=today)
    assert ("conversion_overdue" in p.warning_codes()) is warned


# --- §33 conversion approval within 3 months ---------------------------------------------------------------------


@pytest.mark.parametrize(("approved", "warned"), [("2026-09-20", False), ("2026-09-21", True)])
def test_conversion_approval_within_three_months(approved, warned):
    steps = _admitted(
        admission_approved="2025-07-10",
        conversion_applied="2026-05-20",
        conversion_meeting={"date": "2026-06-20", "due": 20, "present": 15, "yes": 14},
        conversion_approved=approved,
    )
    assert ("approval_late" in plan(EDITION_2014, steps).warning_codes()) is warned


# --- order, future, recomputation ----------------------------------------------------------------------------------


def test_dates_out_of_order():
    p = plan(EDITION_2026, {"application_received": "2024-01-08", "applicant_talk": "2024-01-07"})
    assert ("date_order", "applicant_talk") in p.warnings


def test_future_dates_are_flagged():
    p = plan(EDITION_2026, {"application_received": "2026-12-01"}, today="2026-11-22")
    assert "future_date" in p.warning_codes()


def test_changing_an_upstream_date_recomputes_only_the_future():
    before = plan(EDITION_2026, {**BASE, "candidate_designated": "2025-04-01"})
    after = plan(EDITION_2026, {**BASE, "activist_designated": "2024-03-11", "candidate_designated": "2025-04-01"})
    assert before.step("candidate_designated").actual == after.step("candidate_designated").actual
    assert after.step("sponsors_assigned").reference == before.step("sponsors_assigned").reference
    assert after.step("activist_filed").reference > before.step("activist_filed").reference


def test_every_step_code_in_order_in_the_output():
    out = plan_to_dict(plan(EDITION_2026, {"application_received": "2025-01-06"}))
    codes = [s["code"] for s in out["steps"]]
    assert codes[0] == "application_received" and codes[-1] == "archived"
    assert len(codes) == 25  # 26 codes less candidate_filed (2014 only)


def test_malformed_facts_are_refused():
    with pytest.raises(ValueError):
        facts_from_dict({"steps": {"no_such_step": "2025-01-01"}}, today=D(2026, 11, 22))
    with pytest.raises(ValueError):
        facts_from_dict({"steps": {"application_received": "2025-13-01"}}, today=D(2026, 11, 22))


# --- local rules tighten, never loosen -----------------------------------------------------------------------------


def test_local_rules_may_tighten():
    local = Rules(
        edition="local",
        activist_min_months=18,
        thought_report_interval_months=3,
        publicity_working_days=7,
        wait_after_application_months=3,
    )
    assert loosened(local, EDITION_2026) == []


@pytest.mark.parametrize(
    "change",
    [
        {"activist_min_months": 11},
        {"publicity_working_days": 4},
        {"approval_max_months": 7},
        {"candidate_publicity": False},
        {"probation_months": 6},
        {"min_age_years": 17},
        {"extension_max_months": 13},
    ],
)
def test_local_rules_may_not_loosen(change):
    local = Rules(**{**EDITION_2026.__dict__, **change, "edition": "local"})
    assert loosened(local, EDITION_2026)


# --- local rules: an extra publicity before the approval, quarterly thought reports ------------------------------

LOCAL = Rules(
    **{**EDITION_2026.__dict__, "edition": "local", "admission_publicity": True, "thought_report_interval_months": 3}
)


def test_local_publicity_before_approval_gates_it():
    steps = _admitted(admission_publicity="2026-09-28")
    p = plan(LOCAL, steps, today="2026-10-09")
    assert p.step("admission_publicity").latest == D(2026, 10, 9)
    assert p.step("admission_approved").earliest == D(2026, 10, 10)
    assert ("publicity_open", "admission_publicity") in p.warnings
    assert plan(EDITION_2026, steps).step("admission_publicity") is None


@pytest.mark.parametrize(("today", "warned"), [("2024-12-04", False), ("2024-12-05", True)])
def test_quarterly_thought_reports(today, warned):
    steps = {**BASE, "thought_report": ["2024-09-04"]}
    assert ("thought_report_overdue" in plan(LOCAL, steps, today=today).warning_codes()) is warned
    assert "thought_report_overdue" not in plan(EDITION_2026, steps, today=today).warning_codes()


# --- which limits are deadlines ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules", EDITIONS, ids=lambda r: r.edition)
def test_a_limit_is_a_deadline_only_when_it_counts_from_recorded_dates(rules):
    # the talk's month counts from the recorded application: a deadline
    p = plan(rules, {"application_received": "2026-11-02"})
    talk = p.step("applicant_talk")
    assert talk.latest == D(2026, 12, 2) and talk.deadline
    # the branch meeting's limit counts from a pre-review that is only planned: a plan, not a deadline
    meeting = p.step("admission_meeting")
    assert meeting.latest is not None and not meeting.deadline
    # once the pre-review is recorded, the meeting's month is a deadline
    steps = {**BASE, "candidate_designated": "2025-03-10", "committee_review": "2026-10-01"}
    steps["prereview_passed"] = "2026-10-15"
    p = plan(rules, steps)
    assert p.step("admission_meeting").deadline
    assert next(s for s in plan_to_dict(p)["steps"] if s["code"] == "admission_meeting")["deadline"] is True
