"""Apps import one another in one direction only.

Every ``apps/**/*.py`` is parsed, imports at module level and inside functions alike (a lazy import is still a
dependency: it only moves the failure from start-up to the first call). The app-to-app graph must have no two apps
importing each other, no longer cycle, and every edge must point down the layers below. A lower app that needs
something from an upper one offers a registry or a hook, and the upper app registers at ``AppConfig.ready``
(``apps.notifications.sources``, ``apps.organisations.counters``).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS_DIR = ROOT / "apps"

# Lowest first. An app may import the apps of its own layer and of the layers below it, never above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("audit", "spreadsheets"),  # spreadsheets: reading imports and writing exports, within limits
    ("workdays",),
    ("organisations",),  # the tree, posts and roles, subtree permissions, the scoped admin
    ("people", "accounts"),
    ("documents",),
    ("notifications", "disclosure"),
    ("membership",),  # membership periods, the roll on a date, transfers
    ("lifecycle",),
    ("reports",),  # the report catalogue and its runs; the apps above register their reports
    ("orglife",),  # organisational life: meetings, attendance, compliance; its votes feed the case
    ("dues",),  # party dues: the ledger over the roll, its reminders and disclosure
    ("assessment",),  # target-responsibility assessment: schemes, sheets scored from indicator sources, results
    ("appraisal",),  # secret ballots: democratic appraisal, satisfaction surveys, 述职评议 (components of assessment)
    ("improvement",),  # inspections, corrective actions (整改, an indicator source of assessment), commitments
    ("portal",),  # the top: home pages, composition (seed_demo)
)

# Pairs allowed to import each other: none.
ALLOWED_PAIRS: frozenset[frozenset[str]] = frozenset()

Graph = dict[str, dict[str, list[str]]]  # app → imported app → ["path:line", ...]


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "apps" else None


def imported_apps(source: str, module: str) -> list[tuple[int, str]]:
    """``(line, app)`` for each import of ``apps.<app>`` in the source of ``module`` (``apps.x.y``), anywhere in it."""
    found = []
    package = module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, app) for alias in node.names if (app := _app_of(alias.name))]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the importing module's package
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "apps":  # from apps import people
                found += [(node.lineno, alias.name) for alias in node.names]
            elif app := _app_of(target):
                found.append((node.lineno, app))
    return found


def app_graph() -> Graph:
    graph: Graph = defaultdict(lambda: defaultdict(list))
    for path in sorted(APPS_DIR.rglob("*.py")):
        relative = path.relative_to(ROOT)
        module = ".".join(relative.with_suffix("").parts)
        app = relative.parts[1]
        for line, target in imported_apps(path.read_text(encoding="utf-8"), module):
            if target != app:
                graph[app][target].append(f"{relative}:{line}")
    return graph


def mutual_pairs(graph: Graph) -> dict[frozenset[str], str]:
    """Each pair of apps that import each other, described with the import lines of both directions."""
    pairs = {}
    for a, targets in graph.items():
        for b in targets:
            if a < b and a in graph.get(b, {}):
                pairs[frozenset({a, b})] = f"{_edge(a, b, graph[a][b])}; {_edge(b, a, graph[b][a])}"
    return pairs


def _edge(a: str, b: str, lines: list[str], shown: int = 3) -> str:
    more = f", +{len(lines) - shown} more" if len(lines) > shown else ""
    return f"{a} → {b} ({', '.join(lines[:shown])}{more})"


def cycles(graph: Graph, *, ignore: frozenset[frozenset[str]] = frozenset()) -> list[list[str]]:
    """The strongly connected components of more than one app (Tarjan), leaving out the edges of ``ignore``."""
    edges = {a: sorted(b for b in targets if frozenset({a, b}) not in ignore) for a, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        on_stack.add(app)
        for target in edges.get(app, []):
            if target not in index:
                visit(target)
                low[app] = min(low[app], low[target])
            elif target in on_stack:
                low[app] = min(low[app], index[target])
        if low[app] == index[app]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == app:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for app in sorted(edges):
        if app not in index:
            visit(app)
    return found


def upward_edges(graph: Graph, *, ignore: frozenset[frozenset[str]] = frozenset()) -> list[str]:
    rank = {app: i for i, layer in enumerate(LAYERS) for app in layer}
    return [
        _edge(a, b, lines)
        for a, targets in sorted(graph.items())
        for b, lines in sorted(targets.items())
        if frozenset({a, b}) not in ignore and rank[b] > rank[a]
    ]


def _describe(pairs: dict[frozenset[str], str]) -> str:
    return " | ".join(
        f"{' ↔ '.join(sorted(pair))}: {lines}"
        for pair, lines in sorted(pairs.items(), key=lambda item: sorted(item[0]))
    )


def test_no_two_apps_import_each_other():
    pairs = {p: lines for p, lines in mutual_pairs(app_graph()).items() if p not in ALLOWED_PAIRS}
    assert not pairs, f"apps that import each other: {_describe(pairs)}"


def test_no_cycle_between_apps():
    found = cycles(app_graph(), ignore=ALLOWED_PAIRS)
    assert not found, f"import cycles between apps: {found}"


def test_every_app_has_a_layer():
    # every package under apps/, installed or not (a registry module such as apps/assessment/components.py is
    # imported before its app is installed)
    apps = {p.parent.name for p in APPS_DIR.glob("*/__init__.py")}
    layered = [app for layer in LAYERS for app in layer]
    assert sorted(layered) == sorted(apps), "every app in exactly one layer of LAYERS (tests/test_import_graph.py)"


def test_imports_point_down_the_layers():
    upward = upward_edges(app_graph(), ignore=ALLOWED_PAIRS)
    assert not upward, f"imports of an upper app (register with a hook of the lower one instead): {upward}"


def test_each_allowed_pair_still_imports_each_other():
    """The allowance is temporary: once a pair is broken, take it out of ALLOWED_PAIRS."""
    broken = sorted(" ↔ ".join(sorted(p)) for p in ALLOWED_PAIRS - set(mutual_pairs(app_graph())))
    assert not broken, f"no longer import each other, remove from ALLOWED_PAIRS: {broken}"


def test_the_check_sees_every_kind_of_import():
    source = (
        "import apps.people.models\n"
        "from apps.lifecycle import services\n"
        "from apps import documents\n"
        "from . import models\n"
        "from ..audit.services import audit_record\n"
        "def f():\n"
        "    from apps.disclosure.selectors import notice_board_for\n"
    )
    assert imported_apps(source, "apps.organisations.selectors") == [
        (1, "people"),
        (2, "lifecycle"),
        (3, "documents"),
        (4, "organisations"),
        (5, "audit"),
        (7, "disclosure"),
    ]


def test_the_check_finds_a_pair_and_a_longer_cycle():
    graph = {"a": {"b": ["a.py:1"]}, "b": {"a": ["b.py:1"], "c": ["b.py:2"]}, "c": {"d": ["c.py:1"]}, "d": {"b": []}}
    assert list(mutual_pairs(graph)) == [frozenset({"a", "b"})]
    assert cycles(graph) == [["a", "b", "c", "d"]]
    assert cycles(graph, ignore=frozenset({frozenset({"a", "b"})})) == [["b", "c", "d"]]
