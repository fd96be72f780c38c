"""How audit entries read in the admin: actions by their label, changes as a table of old → new.

The admin of the log itself is registered by ``apps.organisations.admin``, which owns the scoping it needs.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .actions import ACTION_LABELS

EMPTY = "—"


class ActionListFilter(admin.SimpleListFilter):
    """Filter by action, offered by label from the table (no scan of the log for its distinct codes)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda pair: pair[1])

    def value(self):
        """Only a code of the table: anything else in the query string is an invalid lookup (the admin's own
        answer), never a query built from it."""
        value = super().value()
        if value is not None and str(value) not in ACTION_LABELS:
            raise IncorrectLookupParameters(f"action={str(value)[:50]}")
        return value

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value(field, value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(_value(field, v) for v in value) or EMPTY
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def changes_rows(entry) -> list[tuple[str, str, str]]:
    """(field label, before, after) for each change of the entry; labels and choice values translated."""
    model = entry.target_type.model_class() if entry.target_type_id else None
    rows = []
    for name, pair in (entry.changes or {}).items():
        field = _field(model, name)
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        label = capfirst(field.verbose_name) if field is not None and hasattr(field, "verbose_name") else name
        rows.append((str(label), _value(field, old), _value(field, new)))
    return rows


def changes_table(entry) -> str:
    rows = changes_rows(entry)
    if not rows:
        return EMPTY
    return format_html(
        '<table class="audit-changes"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody>'
        "</table>",
        gettext("field"),
        gettext("before"),
        gettext("after"),
        format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
    )
