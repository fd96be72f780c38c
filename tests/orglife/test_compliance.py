"""The compliance calculator: pure, no database — every boundary of the rules, and the outside-checkable command with
exactly the JSON of the issue."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command

from apps.orglife.compliance import (
    ComplianceFacts,
    FactsError,
    GroupFact,
    MeetingFact,
    State,
    compute,
    facts_from_dict,
    report_to_dict,
)

D = datetime.date

ISSUE_FACTS = {
    "as_of": "2026-11-30",
    "node_kind": "branch",
    "has_committee": True,
    "groups": ["g1", "g2"],
    "established_on": "2025-03-01",
    "policy": {"general_meeting": "quarter"},
    "meetings": [
        {"kind": "general_meeting", "date": "2026-01-15"},
        {"kind": "general_meeting", "date": "2026-08-10"},
        {"kinds": ["theme_day", "party_lecture"], "date": "2026-02-20"},
        {"kind": "group_meeting", "group": "g1", "date": "2026-01-09"},
        {"kind": "life_meeting", "date": "2026-01-20", "for_year": 2025},
    ],
}


def _months(*numbers, year=2026):
    return [f"{year}-{n:02d}" for n in numbers]


def run(facts: dict) -> dict:
    return report_to_dict(compute(facts_from_dict(facts)))


def test_the_example_of_the_issue():
    result = run(ISSUE_FACTS)
    assert result["year"] == 2026
    assert result["compliant"] is False
    kinds = result["kinds"]
    assert list(kinds) == [
        "general_meeting",
        "committee_meeting",
        "group_meeting:g1",
        "group_meeting:g2",
        "party_lecture",
        "theme_day",
        "life_meeting",
        "appraisal_meeting",
    ]
    assert kinds["general_meeting"] == {"required": 4, "held": 2, "missing": ["2026-Q2"], "in_progress": ["2026-Q4"]}
    assert kinds["committee_meeting"] == {
        "required": 12,
        "held": 0,
        "missing": _months(*range(1, 11)),
        "in_progress": ["2026-11"],
    }
    assert kinds["group_meeting:g1"] == {
        "required": 12,
        "held": 1,
        "missing": _months(*range(2, 11)),
        "in_progress": ["2026-11"],
    }
    assert kinds["group_meeting:g2"]["held"] == 0
    assert kinds["party_lecture"] == {
        "required": 4,
        "held": 1,
        "missing": ["2026-Q2", "2026-Q3"],
        "in_progress": ["2026-Q4"],
    }
    assert kinds["theme_day"] == {
        "required": 12,
        "held": 1,
        "missing": _months(1, 3, 4, 5, 6, 7, 8, 9, 10),
        "in_progress": ["2026-11"],
    }
    # held in January 2026 for 2025: it does not count for 2026, which is still running
    assert kinds["life_meeting"] == {"required": 1, "held": 0, "missing": [], "in_progress": ["2026"]}
    assert kinds["appraisal_meeting"] == {"required": 1, "held": 0, "missing": [], "in_progress": ["2026"]}


def _branch(as_of, meetings, **kw) -> ComplianceFacts:
    return ComplianceFacts(as_of=as_of, node_kind="branch", meetings=meetings, **kw)


def _general(facts):
    return next(k for k in compute(facts).kinds if k.kind == "general_meeting")


@pytest.mark.parametrize(
    ("day", "held"),
    [
        (D(2026, 3, 31), ["2026-Q1"]),
        (D(2026, 4, 1), ["2026-Q2"]),
        (D(2026, 12, 31), ["2026-Q4"]),
        (D(2026, 1, 1), ["2026-Q1"]),
    ],
)
def test_a_meeting_counts_for_the_quarter_of_its_date(day, held):
    report = _general(_branch(D(2027, 1, 15), [MeetingFact(("general_meeting",), day)], year=2026))
    assert [p.name for p in report.periods if p.state == State.HELD] == held


def test_the_last_day_of_the_year_and_the_first_of_the_next():
    meetings = [MeetingFact(("general_meeting",), D(2025, 12, 31)), MeetingFact(("general_meeting",), D(2026, 1, 1))]
    report_2025 = _general(_branch(D(2026, 2, 1), meetings, year=2025))
    report_2026 = _general(_branch(D(2026, 2, 1), meetings))
    assert report_2025.periods[3].state == State.HELD  # 2025-Q4 by the meeting of 12-31
    assert report_2026.periods[0].state == State.HELD  # 2026-Q1 by the meeting of 01-01
    assert report_2026.held == 1


def test_two_meetings_in_march_do_not_cover_april():
    meetings = [MeetingFact(("theme_day",), D(2026, 3, 2)), MeetingFact(("theme_day",), D(2026, 3, 30))]
    report = compute(_branch(D(2026, 5, 15), meetings))
    theme = report.kind("theme_day")
    assert theme.held == 1
    assert "2026-04" in theme.missing
    assert theme.in_progress == ["2026-05"]


@pytest.mark.parametrize(
    ("as_of", "state"),
    [(D(2026, 3, 30), State.IN_PROGRESS), (D(2026, 3, 31), State.IN_PROGRESS), (D(2026, 4, 1), State.MISSING)],
)
def test_a_period_has_ended_only_after_its_last_day(as_of, state):
    assert _general(_branch(as_of, [])).periods[0].state == state


def test_a_life_meeting_held_in_january_for_the_year_before():
    meeting = MeetingFact(("life_meeting",), D(2026, 1, 20), for_year=2025)
    last_year = compute(_branch(D(2026, 2, 1), [meeting], year=2025)).kind("life_meeting")
    this_year = compute(_branch(D(2026, 2, 1), [meeting])).kind("life_meeting")
    assert last_year.held == 1 and last_year.missing == []
    assert this_year.held == 0 and this_year.in_progress == ["2026"]
    # without ``for_year`` it counts for the year of its date
    plain = compute(_branch(D(2026, 2, 1), [MeetingFact(("life_meeting",), D(2026, 1, 20))])).kind("life_meeting")
    assert plain.held == 1


def test_a_meeting_serving_two_kinds_counts_for_each():
    report = compute(_branch(D(2026, 2, 25), [MeetingFact(("theme_day", "party_lecture"), D(2026, 2, 20))]))
    assert report.kind("theme_day").held == 1
    assert report.kind("party_lecture").held == 1
    assert report.kind("general_meeting").held == 0


def test_a_node_created_mid_year_owes_from_its_creation():
    facts = _branch(D(2026, 11, 30), [], established_on=D(2026, 3, 15))
    report = compute(facts)
    general = report.kind("general_meeting")
    assert [p.state for p in general.periods] == [State.NOT_OWED, State.MISSING, State.MISSING, State.IN_PROGRESS]
    assert general.required == 3
    theme = report.kind("theme_day")
    assert theme.required == 9  # April to December; March began before the branch existed
    assert report.kind("life_meeting").required == 0  # it did not exist on 1 January
    on_first = compute(_branch(D(2026, 11, 30), [], established_on=D(2026, 4, 1)))
    assert on_first.kind("general_meeting").required == 3  # existing on the quarter's first day: owed


def test_meetings_after_as_of_are_ignored():
    report = _general(_branch(D(2026, 5, 1), [MeetingFact(("general_meeting",), D(2026, 5, 2))]))
    assert report.held == 0
    assert report.in_progress == ["2026-Q2"]


def test_kinds_that_do_not_apply_are_absent():
    plain = run({"as_of": "2026-06-01", "node_kind": "branch", "meetings": []})
    assert "committee_meeting" not in plain["kinds"]  # no committee
    assert not any(k.startswith("group_meeting") for k in plain["kinds"])  # no groups
    committee = run({"as_of": "2026-06-01", "node_kind": "base_committee", "has_committee": True})
    assert set(committee["kinds"]) == {"committee_meeting", "party_lecture"}
    general_branch = run({"as_of": "2026-06-01", "node_kind": "general_branch", "groups": []})
    assert set(general_branch["kinds"]) == {"party_lecture"}


def test_the_policy_is_applied_as_given():
    result = run(
        {"as_of": "2026-06-15", "node_kind": "branch", "policy": {"party_lecture": "month", "theme_day": "year"}}
    )
    assert result["kinds"]["party_lecture"]["required"] == 12
    assert result["kinds"]["theme_day"]["required"] == 1


def test_group_meetings_are_per_group_and_of_that_group_only():
    facts = _branch(
        D(2026, 2, 10),
        [MeetingFact(("group_meeting",), D(2026, 1, 5), group="g2")],
        groups=(GroupFact("g1"), GroupFact("g2")),
    )
    report = compute(facts)
    assert report.kind("group_meeting:g1").missing == ["2026-01"]
    assert report.kind("group_meeting:g2").missing == []


def test_compliant_when_nothing_is_missing():
    meetings = [MeetingFact(("general_meeting", "party_lecture"), D(2026, 1, 10))]
    meetings += [MeetingFact(("theme_day",), D(2026, 1, 20))]
    assert compute(_branch(D(2026, 1, 31), meetings)).compliant is True
    assert compute(_branch(D(2026, 2, 28), meetings)).compliant is True  # February is still running
    assert compute(_branch(D(2026, 3, 1), meetings)).compliant is False  # February ended without one


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"as_of": None}, "as_of"),
        ({"node_kind": "group"}, "node_kind"),
        ({"meetings": [{"kind": "tea_party", "date": "2026-01-01"}]}, "tea_party"),
        ({"meetings": [{"date": "2026-01-01"}]}, "meetings[0]"),
        ({"meetings": [{"kind": "group_meeting", "date": "2026-01-01"}]}, "group"),
        ({"meetings": [{"kind": "life_meeting", "date": "2026-01-01", "for_year": "2025"}]}, "for_year"),
        ({"policy": {"general_meeting": "decade"}}, "decade"),
        ({"groups": "g1"}, "groups"),
        ({"has_committee": "yes"}, "has_committee"),
    ],
)
def test_bad_facts_are_refused_naming_the_field(change, fragment):
    with pytest.raises(FactsError) as error:
        facts_from_dict({**ISSUE_FACTS, **change})
    assert fragment in str(error.value)


def test_the_command_prints_the_json_of_the_issue(tmp_path, capsys):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(ISSUE_FACTS), encoding="utf-8")
    call_command("orglife_compliance", "--facts", str(path))
    printed = json.loads(capsys.readouterr().out)
    assert printed == run(ISSUE_FACTS)
    assert printed["kinds"]["general_meeting"] == {
        "required": 4,
        "held": 2,
        "missing": ["2026-Q2"],
        "in_progress": ["2026-Q4"],
    }


def test_the_command_refuses_bad_input_with_a_translated_error(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON"):
        call_command("orglife_compliance", "--facts", str(path))
    path.write_text(json.dumps({**ISSUE_FACTS, "node_kind": "village"}), encoding="utf-8")
    with pytest.raises(CommandError, match="node_kind"):
        call_command("orglife_compliance", "--facts", str(path))
    with pytest.raises(CommandError):
        call_command("orglife_compliance", "--facts", str(tmp_path / "missing.json"))


def test_a_month_of_the_grid_shows_the_worst_of_what_was_owed_in_it():
    meetings = [MeetingFact(("theme_day",), D(2026, m, 10)) for m in (1, 2, 4, 5)]
    meetings += [MeetingFact(("general_meeting", "party_lecture"), D(2026, 2, 3))]
    report = compute(_branch(D(2026, 5, 20), meetings))
    states = [report.month_state(m) for m in range(1, 13)]
    assert states[:4] == [State.HELD, State.HELD, State.MISSING, State.HELD]  # March: no theme day
    # April: its theme day held, the quarter's general meeting still possible (judged when Q2 ends)
    assert states[4] == State.IN_PROGRESS  # May, the running month: the quarter's general meeting, the year's ones
    assert states[5:] == [State.LATER] * 7
    after = compute(_branch(D(2026, 7, 2), meetings))
    assert [after.month_state(m) for m in (4, 5, 6)] == [State.MISSING] * 3  # Q2 ended without a general meeting
