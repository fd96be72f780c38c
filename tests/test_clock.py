"""No service or selector reads the clock: the day and the moment are arguments.

Views, admin pages, tasks and management commands are the edge: they read the clock once and hand ``today`` or
``now`` (or, for a periodic job that measures itself, the ``clock``) to the services. Everything below them takes
the date it works on, so a test names its day and passes on any day it runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the request and job layer, plus management/commands/*.py
EDGE_FILES = {"views.py", "admin.py", "tasks.py", "middleware.py", "context_processors.py", "receivers.py"}
CLOCK_READS = {
    ("timezone", "now"),
    ("timezone", "localdate"),
    ("timezone", "localtime"),
    ("date", "today"),
    ("datetime", "today"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("time", "time"),
}
NEED_AN_ARGUMENT = {("timezone", "localdate"), ("timezone", "localtime")}  # localdate(now) converts, it reads nothing


def _is_edge(path: Path) -> bool:
    return path.name in EDGE_FILES or "commands" in path.parts


def _reads(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    calls = {id(node.func): node for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", None)
        key = (owner, node.attr)
        if key not in CLOCK_READS:
            continue
        call = calls.get(id(node))
        if key in NEED_AN_ARGUMENT and (call is None or call.args or call.keywords):
            continue  # localdate(now): a conversion; a bare reference is not a call either
        found.append((node.lineno, f"{owner}.{node.attr}"))
    return found


def _modules():
    for path in sorted((ROOT / "apps").rglob("*.py")):
        if "migrations" in path.parts or _is_edge(path):
            continue
        yield path


@pytest.mark.parametrize("path", list(_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_clock_below_the_edge(path):
    reads = _reads(ast.parse(path.read_text(encoding="utf-8")))
    assert not reads, f"{path.relative_to(ROOT)} reads the clock: {reads}; take `today`/`now` as an argument"


def test_the_check_finds_a_clock_read():
    source = "from django.utils import timezone\ndef f():\n    return timezone.localdate()\n"
    assert _reads(ast.parse(source)) == [(3, "timezone.localdate")]
    assert _reads(ast.parse("import datetime\nx = datetime.date.today\n")) == [(2, "date.today")]
    assert _reads(ast.parse("from django.utils import timezone\ny = timezone.localdate(now)\n")) == []
