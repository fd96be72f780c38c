"""Documents sit below the apps that attach files: they offer a registry of readers and import none of those apps."""

import ast
from pathlib import Path

from django.conf import settings

from apps.disclosure.selectors import notice_attachment_readable
from apps.documents.readers import readers

DOCUMENTS = Path(settings.BASE_DIR) / "apps" / "documents"
UPPER_APPS = ("apps.disclosure", "apps.lifecycle", "apps.notifications", "apps.portal")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_documents_import_no_app_above_them():
    found = {
        (str(path.relative_to(DOCUMENTS)), name)
        for path in DOCUMENTS.rglob("*.py")
        for name in _imports(path)
        if name.startswith(UPPER_APPS)
    }
    assert not found


def test_disclosure_registers_its_reader_when_ready():
    assert notice_attachment_readable in readers()
