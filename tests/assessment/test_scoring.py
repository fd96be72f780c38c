"""The scoring engine: pure, no database — the worked example of the issue byte for byte, and every mode at its
boundaries."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.assessment.scoring import ScoringError, combine, score, sheet_from_dict

BANDS = [
    {"grade": "好", "min": 90},
    {"grade": "较好", "min": 80},
    {"grade": "一般", "min": 60},
    {"grade": "较差", "min": 0},
]
WORKED_SHEET = (
    '{"bands": [{"grade": "好", "min": 90}, {"grade": "较好", "min": 80}, {"grade": "一般"'
    ', "min": 60}, {"grade": "较差", "min": 0}], "indicators": [{"code": "A", "title": '
    '"…", "max": 30, "children": [{"code": "A1", "max": 10, "mode": "deduct", "points'
    '": 0.5}, {"code": "A2", "max": 5, "mode": "graded", "grades": {"好": 5, "较好": 4, '
    '"一般": 2, "较差": 0}}, {"code": "A3", "max": 3, "mode": "bonus", "points": 1, "cap"'
    ': 3}, {"code": "A4", "mode": "veto", "caps_grade_at": "一般"}, {"code": "A5", "max'
    '": 10, "mode": "multiplier", "factor": 10}]}, {"code": "B", "max": 70, "children'
    '": [{"code": "B1", "max": 70, "mode": "graded", "grades": {"好": 70, "较好": 56, "一'
    '般": 42, "较差": 0}}]}]}'
)
WORKED_FACTS = (
    '{"A1": {"events": [{"key": "case-17"}, {"key": "case-17"}, {"key": "case-18"}]},'
    ' "A2": {"grade": "较好"}, "A3": {"events": [{"key": "a"}, {"key": "b"}, {"key": "c'
    '"}, {"key": "d"}]}, "A4": {"triggered": true}, "A5": {"deducted": 0.3}, "B1": {"'
    'grade": "好"}}'
)
WORKED_OUTPUT = (
    '{"indicators": {"A": 23.0, "A1": 9.0, "A2": 4.0, "A3": 3.0, "A5": 7.0, "B": 70.0'
    ', "B1": 70.0}, "total": 93.0, "grade": "一般", "capped_by": ["A4"]}'
)


def test_the_command_prints_the_worked_example_byte_for_byte(tmp_path, capsys):
    (tmp_path / "sheet.json").write_text(WORKED_SHEET, encoding="utf-8")
    (tmp_path / "facts.json").write_text(WORKED_FACTS, encoding="utf-8")
    call_command("assessment_score", "--sheet", str(tmp_path / "sheet.json"), "--facts", str(tmp_path / "facts.json"))
    assert capsys.readouterr().out == WORKED_OUTPUT + "\n"


def test_the_command_refuses_bad_input_with_a_translated_error(tmp_path):
    (tmp_path / "facts.json").write_text("{}", encoding="utf-8")
    (tmp_path / "sheet.json").write_text("{not json", encoding="utf-8")
    args = ("--sheet", str(tmp_path / "sheet.json"), "--facts", str(tmp_path / "facts.json"))
    with pytest.raises(CommandError, match="JSON"):
        call_command("assessment_score", *args)
    sheet = json.loads(WORKED_SHEET)
    del sheet["indicators"][0]["children"][3]["caps_grade_at"]
    (tmp_path / "sheet.json").write_text(json.dumps(sheet), encoding="utf-8")
    with pytest.raises(CommandError, match="A4: a veto must name the grade"):
        call_command("assessment_score", *args)
    with pytest.raises(CommandError):
        call_command("assessment_score", "--sheet", str(tmp_path / "missing.json"), "--facts", "x")


def one(leaf, facts=None, *, max_=None, bands=BANDS):
    sheet = sheet_from_dict({"bands": bands, "indicators": [{"code": "X", "max": max_, **leaf}]})
    return score(sheet, {"X": facts} if facts is not None else {})


def ev(*keys):
    return {"events": [{"key": k} for k in keys]}


class TestDeduct:
    leaf = {"mode": "deduct", "points": 0.5}

    def test_no_facts_full_points_and_dedupe(self):
        assert one(self.leaf, max_=10).indicators["X"] == Decimal("10.00")
        assert one(self.leaf, ev("a", "a", "a"), max_=10).indicators["X"] == Decimal("9.5")
        result = one(self.leaf, ev("a", "a", "b"), max_=10)
        assert result.details["X"].counted == ["a", "b"] and result.details["X"].duplicates == 1

    def test_events_without_key_count_each(self):
        assert one(self.leaf, {"events": [{}, {}, {"key": ""}]}, max_=10).indicators["X"] == Decimal("8.5")

    def test_floor_zero_at_and_past_the_boundary(self):
        assert one(self.leaf, ev(*"abc"), max_=1.5).indicators["X"] == 0  # exactly used up
        assert one(self.leaf, ev(*"ab"), max_=1.5).indicators["X"] == Decimal("0.5")  # the event before
        assert one(self.leaf, ev(*"abcdefgh"), max_=1.5).indicators["X"] == 0  # never negative

    def test_rounded_half_up_per_leaf(self):
        assert one({"mode": "deduct", "points": "0.333"}, ev("a"), max_=1).indicators["X"] == Decimal("0.67")
        assert one({"mode": "deduct", "points": "0.125"}, ev("a"), max_=1).indicators["X"] == Decimal("0.88")


class TestGraded:
    leaf = {"mode": "graded", "grades": {"好": 5, "较好": 4, "一般": 2, "差": 0}}

    def test_each_grade_and_no_facts_is_zero(self):
        assert one(self.leaf, {"grade": "好"}, max_=5).indicators["X"] == 5
        assert one(self.leaf, {"grade": "差"}, max_=5).indicators["X"] == 0
        assert one(self.leaf, max_=5).indicators["X"] == 0

    def test_unknown_grade_and_grade_above_max_refused(self):
        with pytest.raises(ScoringError, match="not one of this indicator's grades"):
            one(self.leaf, {"grade": "优秀"}, max_=5)
        with pytest.raises(ScoringError, match="more points than the maximum"):
            one(self.leaf, max_=4)


class TestBonus:
    def test_cap_boundary(self):
        leaf = {"mode": "bonus", "points": 1, "cap": 3}
        assert one(leaf, max_=5).indicators["X"] == 0
        assert one(leaf, ev("a", "b"), max_=5).indicators["X"] == 2
        assert one(leaf, ev("a", "b", "c"), max_=5).indicators["X"] == 3
        assert one(leaf, ev("a", "b", "c", "d"), max_=5).indicators["X"] == 3
        assert one(leaf, ev("a", "a", "a"), max_=5).indicators["X"] == 1  # deduped
        assert one({"mode": "bonus", "points": 2}, ev(*"abcd"), max_=5).indicators["X"] == 5  # capped at its max


class TestMultiplier:
    def test_floor_and_cap(self):
        leaf = {"mode": "multiplier", "factor": 10}
        assert one(leaf, max_=10).indicators["X"] == 10
        assert one(leaf, {"deducted": 0}, max_=10).indicators["X"] == 10
        assert one(leaf, {"deducted": "0.99"}, max_=10).indicators["X"] == Decimal("0.1")
        assert one(leaf, {"deducted": 1}, max_=10).indicators["X"] == 0
        assert one(leaf, {"deducted": 5}, max_=10).indicators["X"] == 0
        with pytest.raises(ScoringError, match="cannot be negative"):
            one(leaf, {"deducted": -1}, max_=10)


class TestVeto:
    def test_veto_without_grade_or_unknown_grade_is_an_error(self):
        with pytest.raises(ScoringError, match="must name the grade"):
            one({"mode": "veto"})
        with pytest.raises(ScoringError, match="not a grade of the band set"):
            one({"mode": "veto", "caps_grade_at": "合格"})

    def test_listed_even_when_it_does_not_lower_the_grade(self):
        sheet = sheet_from_dict(
            {
                "bands": BANDS,
                "indicators": [
                    {"code": "P", "max": 100, "mode": "graded", "grades": {"a": 100, "b": 70}},
                    {"code": "V", "mode": "veto", "caps_grade_at": "较好"},
                ],
            }
        )
        capped = score(sheet, {"P": {"grade": "a"}, "V": {"triggered": True}})
        assert (capped.grade, capped.uncapped_grade, capped.capped_by) == ("较好", "好", ["V"])
        assert "V" not in capped.indicators
        low = score(sheet, {"P": {"grade": "b"}, "V": {"triggered": True}})
        assert (low.grade, low.capped_by) == ("一般", ["V"])
        assert score(sheet, {"P": {"grade": "a"}, "V": {"triggered": False}}).grade == "好"
        assert score(sheet, {"P": {"grade": "a"}}).capped_by == []


class TestBandsAndCategories:
    @pytest.mark.parametrize(
        ("total", "grade"),
        [("89.99", "较好"), ("90", "好"), ("80", "较好"), ("79.99", "一般"), ("60", "一般"), ("0", "较差")],
    )
    def test_band_edges_inclusive(self, total, grade):
        result = one({"mode": "multiplier", "factor": 1}, {"deducted": str(100 - Decimal(total))}, max_=100)
        assert result.total == Decimal(total) and result.grade == grade

    def test_bands_are_data(self):
        bands = [
            {"grade": "优秀", "min": 90},
            {"grade": "合格", "min": 70},
            {"grade": "基本合格", "min": 60},
            {"grade": "不合格", "min": 0},
        ]
        assert one({"mode": "graded", "grades": {"x": 65}}, {"grade": "x"}, max_=100, bands=bands).grade == "基本合格"

    @pytest.mark.parametrize(
        "bands",
        [
            [],
            [{"grade": "好", "min": 90}, {"grade": "好", "min": 0}],
            [{"grade": "好", "min": 90}, {"grade": "差", "min": 90}, {"grade": "一般", "min": 0}],
            [{"grade": "好", "min": 90}, {"grade": "差", "min": 10}],
            [{"grade": "好", "min": 90}, {"grade": "差", "min": -1}],
        ],
    )
    def test_bad_band_sets_refused(self, bands):
        with pytest.raises(ScoringError):
            one({"mode": "bonus", "points": 1}, max_=1, bands=bands)

    def test_category_capped_at_its_max_children_may_exceed_it(self):
        sheet = sheet_from_dict(
            {
                "bands": BANDS,
                "indicators": [
                    {
                        "code": "C",
                        "max": 10,
                        "children": [
                            {"code": "C1", "max": 10, "mode": "deduct", "points": 1},
                            {"code": "C2", "max": 3, "mode": "bonus", "points": 1},
                        ],
                    }
                ],
            }
        )
        assert score(sheet, {"C2": ev("a", "b")}).indicators == {"C": 10, "C1": 10, "C2": 2}
        result = score(sheet, {"C1": ev("a", "b", "c"), "C2": ev("a", "b")})
        assert result.indicators["C"] == 9 and result.total == 9
        result = score(sheet, {"C1": ev("a", "b"), "C2": ev("a", "b")})
        assert result.indicators["C"] == 10  # exactly at the max

    def test_nested_three_levels(self):
        sheet = sheet_from_dict(
            {
                "bands": BANDS,
                "indicators": [
                    {
                        "code": "C",
                        "max": 20,
                        "children": [
                            {
                                "code": "I",
                                "max": 5,
                                "children": [
                                    {"code": "S1", "max": 4, "mode": "deduct", "points": 1},
                                    {"code": "S2", "max": 4, "mode": "deduct", "points": 1},
                                ],
                            }
                        ],
                    }
                ],
            }
        )
        assert score(sheet, {"S1": ev("a")}).indicators == {"C": 5, "I": 5, "S1": 3, "S2": 4}


class TestDataIndicators:
    sheet = {
        "bands": BANDS,
        "indicators": [
            {
                "code": "D",
                "max": 5,
                "mode": "data",
                "source": "orglife.meetings",
                "scored_as": {"mode": "deduct", "points": 0.5},
            }
        ],
    }

    def test_scored_as_its_mode(self):
        sheet = sheet_from_dict(self.sheet)
        assert score(sheet, {"D": ev("2026-Q1", "2026-Q2")}).indicators["D"] == 4
        assert score(sheet, {}).indicators["D"] == 5  # the command: no facts, full points (the pages say "no data")

    def test_data_without_source_or_scored_as_refused(self):
        bad = json.loads(json.dumps(self.sheet))
        del bad["indicators"][0]["source"]
        with pytest.raises(ScoringError, match="must name its source"):
            sheet_from_dict(bad)
        del bad["indicators"][0]["scored_as"]
        with pytest.raises(ScoringError, match="scored_as"):
            sheet_from_dict(bad)


@pytest.mark.parametrize(
    "leaf",
    [
        {"code": "X", "max": -1, "mode": "deduct", "points": 1},
        {"code": "X", "max": 5, "mode": "deduct", "points": -1},
        {"code": "X", "max": 5, "mode": "deduct"},
        {"code": "X", "max": 5, "mode": "bonus", "points": 1, "cap": -1},
        {"code": "X", "max": 5, "mode": "sometimes"},
        {"code": "X", "mode": "deduct", "points": 1},
        {"code": "X", "max": "many", "mode": "deduct", "points": 1},
    ],
)
def test_bad_indicators_refused(leaf):
    with pytest.raises(ScoringError):
        sheet_from_dict({"bands": BANDS, "indicators": [leaf]})


def test_facts_for_an_unknown_indicator_refused():
    sheet = sheet_from_dict({"bands": BANDS, "indicators": [{"code": "X", "max": 1, "mode": "bonus", "points": 1}]})
    with pytest.raises(ScoringError, match="does not have: Z"):
        score(sheet, {"Z": {}})


def test_combine_waits_for_a_missing_component_and_refuses_weights_not_100():
    weights = {"target": Decimal(60), "appraisal_report": Decimal(40)}
    assert combine({"target": Decimal("90"), "appraisal_report": Decimal("80")}, weights) == Decimal("86.00")
    assert combine({"target": Decimal("90"), "appraisal_report": None}, weights) is None
    assert combine({"target": Decimal("90")}, weights) is None
    with pytest.raises(ScoringError, match="sum to 100"):
        combine({"target": Decimal("90")}, {"target": Decimal(99)})
