"""The scoring engine: a sheet of indicators and the facts of one column → points per indicator, total and grade.

Pure: no database, no clock. The pages and ``manage.py assessment_score`` both call :func:`score`, so what the
command prints is what the pages show. The semantics (issue 16, ADR 13):

- amounts are ``Decimal``; each leaf is rounded half up to two decimals, floored at 0 and capped at its max;
- ``deduct``: max − points × distinct events (events with the same ``key`` count once; an event without a key
  counts on its own); ``graded``: the points of the grade given; ``bonus``: points × distinct events, capped at
  ``cap`` and at max; ``multiplier``: max − deducted × factor; ``veto``: no points, when triggered it caps the grade;
  ``data``: the facts come from an indicator source and are scored by its ``scored_as`` mode;
- an indicator without facts gets its full points (deduct, multiplier), zero (bonus, graded) or is not triggered
  (veto);
- a category is the sum of its (rounded) children, capped at its own max (children may together exceed it: bonus
  items are often on top); the total is the sum of the top level;
- the grade is the band with the highest minimum not above the total (minimums inclusive); every triggered veto is
  listed in ``capped_by`` and caps the grade at the band it names, whether or not that lowers it.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

MODES = ("deduct", "graded", "bonus", "veto", "multiplier", "data")
LEAF_MODES = ("deduct", "graded", "bonus", "veto", "multiplier")
CENT = Decimal("0.01")


class ScoringError(ValueError):
    """A sheet or facts that cannot be scored; the message is translated and names the indicator."""


@dataclass(frozen=True)
class Band:
    grade: str
    min: Decimal


@dataclass
class Indicator:
    code: str
    title: str = ""
    max: Decimal | None = None
    mode: str = ""  # "" for a category (an indicator with children)
    params: dict = field(default_factory=dict)  # points, grades, cap, factor, caps_grade_at
    source: str = ""  # data indicators: the indicator source's code
    children: list[Indicator] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return bool(self.children) or not self.mode

    @property
    def scoring_mode(self) -> str:
        """The mode that scores the facts: a data indicator's ``scored_as`` mode."""
        return self.params.get("mode", "") if self.mode == "data" else self.mode


@dataclass
class Sheet:
    bands: list[Band]
    indicators: list[Indicator]

    def leaves(self) -> list[Indicator]:
        out: list[Indicator] = []

        def walk(items):
            for item in items:
                if item.children:
                    walk(item.children)
                elif item.mode:
                    out.append(item)

        walk(self.indicators)
        return out


@dataclass
class LeafDetail:
    """How a leaf's points came about: the events counted (after dedupe) or the grade, for the pages."""

    counted: list[str] = field(default_factory=list)
    duplicates: int = 0
    grade: str = ""
    deducted: Decimal | None = None
    triggered: bool = False
    has_facts: bool = False


@dataclass
class Result:
    indicators: dict[str, Decimal]  # every indicator except vetoes, in tree order
    total: Decimal
    grade: str | None
    uncapped_grade: str | None
    capped_by: list[str]
    details: dict[str, LeafDetail]

    def as_json(self) -> dict:
        return {
            "indicators": {code: float(value) for code, value in self.indicators.items()},
            "total": float(self.total),
            "grade": self.grade,
            "capped_by": list(self.capped_by),
        }


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value, *, what: str, code: str = "") -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ScoringError(_("%(code)s: %(what)s must be a number.") % {"code": code or "—", "what": what})
    try:
        number = Decimal(str(value))
    except decimal.InvalidOperation as exc:
        raise ScoringError(_("%(code)s: %(what)s must be a number.") % {"code": code or "—", "what": what}) from exc
    if not number.is_finite():
        raise ScoringError(_("%(code)s: %(what)s must be a number.") % {"code": code or "—", "what": what})
    return number


def _non_negative(value, *, what: str, code: str) -> Decimal:
    number = to_decimal(value, what=what, code=code)
    if number < 0:
        raise ScoringError(_("%(code)s: %(what)s cannot be negative.") % {"code": code, "what": what})
    return number


# ---------------------------------------------------------------- parsing and checking a sheet


def check_bands(bands: list[Band]) -> list[Band]:
    """Bands ordered best first. Refused: none, a grade or a minimum twice, a negative minimum, no band from 0."""
    if not bands:
        raise ScoringError(_("The band set has no bands."))
    grades = [b.grade for b in bands]
    if len(set(grades)) != len(grades):
        raise ScoringError(_("A grade appears twice in the band set."))
    mins = [b.min for b in bands]
    if len(set(mins)) != len(mins):
        raise ScoringError(_("Two bands start at the same score: the bands overlap."))
    if any(m < 0 for m in mins):
        raise ScoringError(_("A band cannot start below 0."))
    ordered = sorted(bands, key=lambda b: b.min, reverse=True)
    if ordered[-1].min != 0:
        raise ScoringError(_("The lowest band must start at 0, or the scores below it would have no grade."))
    return ordered


def check_leaf(item: Indicator, grades: set[str]) -> None:
    """Refuse a leaf whose parameters cannot be scored (translated message naming the indicator)."""
    code, mode, p = item.code, item.scoring_mode, item.params
    if item.mode == "data" and not item.source:
        raise ScoringError(_("%(code)s: a data indicator must name its source.") % {"code": code})
    if mode not in LEAF_MODES:
        raise ScoringError(_("%(code)s: unknown scoring mode “%(mode)s”.") % {"code": code, "mode": mode or "—"})
    if mode != "veto":
        if item.max is None:
            raise ScoringError(_("%(code)s: the maximum points are missing.") % {"code": code})
        if item.max < 0:
            raise ScoringError(_("%(code)s: the maximum points cannot be negative.") % {"code": code})
    if mode in ("deduct", "bonus"):
        _non_negative(p.get("points"), what=_("the points per event"), code=code)
    if mode == "bonus" and p.get("cap") is not None:
        _non_negative(p.get("cap"), what=_("the cap"), code=code)
    if mode == "multiplier":
        _non_negative(p.get("factor"), what=_("the factor"), code=code)
    if mode == "graded":
        table = p.get("grades")
        if not isinstance(table, Mapping) or not table:
            raise ScoringError(_("%(code)s: a graded indicator needs its grades and their points.") % {"code": code})
        for grade, points in table.items():
            value = _non_negative(points, what=_("the points of a grade"), code=code)
            if item.max is not None and value > item.max:
                raise ScoringError(
                    _("%(code)s: the grade “%(grade)s” gives more points than the maximum.")
                    % {"code": code, "grade": grade}
                )
    if mode == "veto":
        caps = p.get("caps_grade_at")
        if not caps:
            raise ScoringError(_("%(code)s: a veto must name the grade it caps the result at.") % {"code": code})
        if grades and caps not in grades:
            raise ScoringError(
                _("%(code)s: the veto caps at “%(grade)s”, which is not a grade of the band set.")
                % {"code": code, "grade": caps}
            )


def _parse_indicator(raw, grades: set[str], seen: set[str]) -> Indicator:
    if not isinstance(raw, Mapping):
        raise ScoringError(_("An indicator must be an object."))
    code = str(raw.get("code") or "").strip()
    if not code:
        raise ScoringError(_("An indicator has no code."))
    if code in seen:
        raise ScoringError(_("%(code)s: the code appears twice in the sheet.") % {"code": code})
    seen.add(code)
    mode = raw.get("mode") or ""
    maximum = raw.get("max")
    item = Indicator(
        code=code,
        title=str(raw.get("title") or ""),
        max=None if maximum is None else to_decimal(maximum, what=_("the maximum points"), code=code),
        mode=mode,
    )
    children = raw.get("children") or []
    if children:
        if mode:
            raise ScoringError(_("%(code)s: an indicator with children has no scoring mode.") % {"code": code})
        if item.max is not None and item.max < 0:
            raise ScoringError(_("%(code)s: the maximum points cannot be negative.") % {"code": code})
        item.children = [_parse_indicator(child, grades, seen) for child in children]
        return item
    if not mode:
        raise ScoringError(_("%(code)s: an indicator without children needs a scoring mode.") % {"code": code})
    if mode == "data":
        item.source = str(raw.get("source") or "")
        scored_as = raw.get("scored_as")
        if not isinstance(scored_as, Mapping):
            raise ScoringError(_("%(code)s: a data indicator needs “scored_as”.") % {"code": code})
        if scored_as.get("mode") == "data":
            raise ScoringError(_("%(code)s: a data indicator cannot be scored as data.") % {"code": code})
        item.params = dict(scored_as)
    else:
        item.params = {k: v for k, v in raw.items() if k not in ("code", "title", "max", "mode", "children")}
    check_leaf(item, grades)
    return item


def sheet_from_dict(data) -> Sheet:
    if not isinstance(data, Mapping):
        raise ScoringError(_("The sheet must be an object with “bands” and “indicators”."))
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, list):
        raise ScoringError(_("The sheet must be an object with “bands” and “indicators”."))
    bands = []
    for raw in raw_bands:
        if not isinstance(raw, Mapping) or not raw.get("grade"):
            raise ScoringError(_("Each band needs a grade and a minimum."))
        bands.append(Band(grade=str(raw["grade"]), min=to_decimal(raw.get("min"), what=_("a band's minimum"))))
    bands = check_bands(bands)
    raw_indicators = data.get("indicators")
    if not isinstance(raw_indicators, list):
        raise ScoringError(_("The sheet must be an object with “bands” and “indicators”."))
    grades = {b.grade for b in bands}
    seen: set[str] = set()
    return Sheet(bands=bands, indicators=[_parse_indicator(raw, grades, seen) for raw in raw_indicators])


# ---------------------------------------------------------------- scoring


def _distinct(events, code: str) -> tuple[list[str], int]:
    """The events counted once each by their key (an event without a key counts alone), and the duplicates."""
    if not isinstance(events, list):
        raise ScoringError(_("%(code)s: “events” must be a list.") % {"code": code})
    keys: list[str] = []
    duplicates = 0
    for index, event in enumerate(events):
        key = event.get("key") if isinstance(event, Mapping) else None
        key = f"#{index}" if key in (None, "") else str(key)
        if key in keys:
            duplicates += 1
        else:
            keys.append(key)
    return keys, duplicates


def _clamp(value: Decimal, maximum: Decimal) -> Decimal:
    return min(max(round2(value), Decimal(0)), round2(maximum))


def score_leaf(item: Indicator, facts) -> tuple[Decimal, LeafDetail]:
    """Points of one leaf (not a veto) from its facts (``None``: no facts)."""
    code, mode, p = item.code, item.scoring_mode, item.params
    detail = LeafDetail(has_facts=facts is not None)
    if facts is not None and not isinstance(facts, Mapping):
        raise ScoringError(_("%(code)s: the facts must be an object.") % {"code": code})
    facts = facts or {}
    maximum = item.max if item.max is not None else Decimal(0)
    if mode == "deduct":
        keys, detail.duplicates = _distinct(facts.get("events", []), code)
        detail.counted = keys
        value = maximum - to_decimal(p.get("points"), what=_("the points per event"), code=code) * len(keys)
    elif mode == "bonus":
        keys, detail.duplicates = _distinct(facts.get("events", []), code)
        detail.counted = keys
        value = to_decimal(p.get("points"), what=_("the points per event"), code=code) * len(keys)
        if p.get("cap") is not None:
            value = min(value, to_decimal(p["cap"], what=_("the cap"), code=code))
    elif mode == "graded":
        grade = facts.get("grade")
        if grade in (None, ""):
            value = Decimal(0)
        else:
            table = p.get("grades") or {}
            if grade not in table:
                raise ScoringError(
                    _("%(code)s: “%(grade)s” is not one of this indicator's grades.") % {"code": code, "grade": grade}
                )
            detail.grade = str(grade)
            value = to_decimal(table[grade], what=_("the points of a grade"), code=code)
    elif mode == "multiplier":
        deducted = facts.get("deducted")
        if deducted is None:
            value = maximum
        else:
            detail.deducted = _non_negative(deducted, what=_("the deduction"), code=code)
            value = maximum - detail.deducted * to_decimal(p.get("factor"), what=_("the factor"), code=code)
    else:  # pragma: no cover - checked when parsed
        raise ScoringError(_("%(code)s: unknown scoring mode “%(mode)s”.") % {"code": code, "mode": mode})
    return _clamp(value, maximum), detail


def score(sheet: Sheet, facts: Mapping[str, Mapping] | None) -> Result:
    facts = facts or {}
    if not isinstance(facts, Mapping):
        raise ScoringError(_("The facts must be an object keyed by indicator code."))
    codes = set()

    def collect(items):
        for item in items:
            codes.add(item.code)
            collect(item.children)

    collect(sheet.indicators)
    unknown = sorted(set(facts) - codes)
    if unknown:
        raise ScoringError(
            _("Facts for an indicator the sheet does not have: %(codes)s.") % {"codes": ", ".join(unknown)}
        )

    values: dict[str, Decimal] = {}
    details: dict[str, LeafDetail] = {}
    capped_by: list[str] = []

    def walk(item: Indicator) -> Decimal | None:
        if item.children:
            values[item.code] = Decimal(0)  # keeps the tree order: the category before its children
            subtotal = sum((v for child in item.children if (v := walk(child)) is not None), Decimal(0))
            if item.max is not None:
                subtotal = min(subtotal, round2(item.max))
            values[item.code] = max(subtotal, Decimal(0))
            return values[item.code]
        if item.scoring_mode == "veto":
            raw = facts.get(item.code)
            if raw is not None and not isinstance(raw, Mapping):
                raise ScoringError(_("%(code)s: the facts must be an object.") % {"code": item.code})
            triggered = bool(raw and raw.get("triggered"))
            details[item.code] = LeafDetail(triggered=triggered, has_facts=raw is not None)
            if triggered:
                capped_by.append(item.code)
            return None
        if not item.mode:  # a category without children
            values[item.code] = Decimal(0)
            return Decimal(0)
        values[item.code], details[item.code] = score_leaf(item, facts.get(item.code))
        return values[item.code]

    total = sum((v for item in sheet.indicators if (v := walk(item)) is not None), Decimal(0))
    uncapped = grade_for(sheet.bands, total)
    grade = capped_grade(sheet, total, capped_by)
    return Result(
        indicators=values, total=total, grade=grade, uncapped_grade=uncapped, capped_by=capped_by, details=details
    )


def capped_grade(sheet: Sheet, total: Decimal, capped_by: list[str]) -> str | None:
    """The grade of ``total`` from the sheet's bands, capped by each triggered veto."""
    grade = grade_for(sheet.bands, total)
    vetoes = {item.code: item for item in sheet.leaves()}
    for code in capped_by:
        grade = cap_grade(sheet.bands, grade, vetoes[code].params["caps_grade_at"])
    return grade


def grade_for(bands: list[Band], total: Decimal) -> str | None:
    """The band with the highest minimum not above ``total`` (minimums inclusive); bands are best first."""
    for band in sorted(bands, key=lambda b: b.min, reverse=True):
        if total >= band.min:
            return band.grade
    return None


def cap_grade(bands: list[Band], grade: str | None, cap: str) -> str | None:
    """``grade`` lowered to ``cap`` when it is better (a band with a higher minimum)."""
    order = [b.grade for b in sorted(bands, key=lambda b: b.min, reverse=True)]
    if grade is None or cap not in order:
        return grade
    return cap if order.index(grade) < order.index(cap) else grade


def combine(parts: Mapping[str, Decimal | None], weights: Mapping[str, Decimal]) -> Decimal | None:
    """The weighted result of the target score and the components (weights in percent, summing to 100).

    A part with no score yet (``None`` or absent) makes the result wait: ``None`` (ADR 13) — the weights of the
    parts present are never renormalised, so a missing 述职评议 cannot silently become a 100 % target score.
    """
    if sum(weights.values(), Decimal(0)) != 100:
        raise ScoringError(_("The weights must sum to 100."))
    total = Decimal(0)
    for code, weight in weights.items():
        value = parts.get(code)
        if value is None:
            return None
        total += Decimal(value) * Decimal(weight) / 100
    return round2(total)
