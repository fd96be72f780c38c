"""`make bench` runs for half an hour before it reaches its last figures: a command it starts that cannot start
must fail here, in a second, instead."""

import ast
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _run_calls():
    for path in sorted(BENCH.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_run" and node.args:
                first = node.args[0]
                if isinstance(first, ast.List) and first.elts and isinstance(first.elts[0], ast.Constant):
                    yield f"{path.name}:{node.lineno}", first.elts[0].value


CALLS = list(_run_calls())


def test_the_bench_starts_commands():
    assert len(CALLS) >= 4


@pytest.mark.parametrize(("where", "first"), CALLS, ids=[where for where, _ in CALLS])
def test_each_command_is_a_script_or_a_module(where, first):
    # `python migrate` is no command: `python manage.py migrate` or `python -m package` is
    assert first == "-m" or (first.endswith(".py") and (BENCH.parent / first).exists()), where
