"""Notifications sits above the organisation tree: it reads posts, paths and permissions from organisations, and
organisations knows nothing of reminders (its term source is declared in apps/notifications/reminders.py)."""

import ast
from pathlib import Path

import apps.organisations
from apps.notifications import sources


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_organisations_imports_nothing_from_notifications():
    root = Path(apps.organisations.__file__).parent
    offenders = {
        str(path.relative_to(root)): sorted(m for m in _imported_modules(path) if m.startswith("apps.notifications"))
        for path in root.rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_the_term_source_is_registered_by_notifications():
    source = sources.get("organisations.term_ending")
    assert source is not None
    assert source.dues.__module__ == "apps.notifications.reminders"
