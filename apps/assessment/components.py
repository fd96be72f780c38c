"""Result components: the parts of an organisation's assessment result besides its target score.

An organisation's year-end result combines the sheet total (the target score) with optional components — the
述职评议 of its secretary, the 民主测评 of its members, a satisfaction survey — by weights held as data (ADR on
assessment). The components are computed by the apps that own their facts; those apps sit above ``assessment`` and
register here in their ``AppConfig.ready``, so that ``assessment`` never imports them.

A component's ``scores`` takes the organisation node ids and the year, and returns a score on a 0–100 scale for each
organisation that has one; an organisation left out has no result for that component (never read as zero). It runs a
number of queries that does not grow with the number of organisations.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Scores = Callable[..., dict[int, decimal.Decimal]]  # scores(*, node_ids: Sequence[int], year: int)


@dataclass(frozen=True)
class Component:
    code: str  # stable identifier held by weight rows, such as "appraisal_report"
    label: str  # translated (gettext_lazy), shown beside the weight
    definition: str  # translated: what the score is, where it comes from, how it is computed
    scores: Scores


_REGISTRY: dict[str, Component] = {}


def register(component: Component) -> Component:
    _REGISTRY[component.code] = component
    return component


def get(code: str) -> Component | None:
    return _REGISTRY.get(code)


def all_components() -> list[Component]:
    return list(_REGISTRY.values())


def component_choices() -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in _REGISTRY.values()]


def scores_for(code: str, *, node_ids: Sequence[int], year: int) -> dict[int, decimal.Decimal]:
    component = _REGISTRY.get(code)
    return component.scores(node_ids=node_ids, year=year) if component else {}
