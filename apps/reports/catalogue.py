"""The report catalogue: every report the portal can run, declared in code (ADR 15).

A report is registered once, at ``AppConfig.ready`` of the app that owns its numbers::

    from apps.reports.catalogue import Column, Report, Table, register

    register(Report(
        name="meeting_compliance",            # the code: URLs, report_run, schedules
        title=_("Meeting compliance"),        # what people read
        form=YearForm,                        # a Django form: its cleaned_data is what ``rows`` receives
        columns=lambda params: [Column("branch", _("Branch"), width=30), Column("n", _("Meetings"), kind="int")],
        rows=meeting_compliance_table,        # rows(*, user, params, today) -> Table
    ))

``rows`` reads through the same selectors as the page that shows the same numbers (restricted to the runner's
subtree there), never a second implementation of a number; it returns a ``Table``: how many rows (for progress)
and the rows themselves, an iterator of tuples in the columns' order, read once. ``allowed(user)`` says who may run
it (by default whoever has a scope: secretaries, committee staff, administrators). ``formats`` are Excel and PDF.

An official document (ADR 16: the 公示 notice, a meeting's minutes, the 整改 plan) is a report too, written as Word:
``document(*, user, params, today) -> bytes`` instead of columns and rows, ``formats=("docx",)``, and a form that
takes the ``user`` (``takes_user = True``) so that it offers only the records the user may open (the same
selectors as the record's page); the run, its progress, private file and download are the tables' own.
The apps below reports (membership, lifecycle, disclosure, audit) have theirs in ``apps/reports/definitions.py``;
the apps above it (orglife, dues, and those after them) register in their own ``ready``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from apps.organisations.choices import VIEW_SCOPE
from apps.organisations.permissions import has_any_scope

FORMATS = ("xlsx", "pdf", "docx")
TABLE_FORMATS = ("xlsx", "pdf")
KINDS = ("text", "int", "date", "number", "code")


@dataclass(frozen=True)
class Column:
    key: str
    title: str | Promise
    width: int = 14  # characters (Excel); PDF widths follow
    kind: str = "text"  # text, int, number, date, or code (an ID or phone number: text never broken across lines)


@dataclass
class Table:
    count: int  # rows to come (progress is measured against it)
    rows: Iterable[Sequence]
    totals: dict = field(default_factory=dict)  # named totals, as the page shows them (tests compare them)
    note: str = ""  # one line printed under the title (e.g. "masked: cannot be imported again")
    organisation: str = ""  # the organisation the rows belong to, for the PDF's header
    caption: str = ""  # what the rows are of, besides the parameters (e.g. "members on the roll on 2026-12-31")
    marking: str = ""  # printed at the head of every PDF page (e.g. that the file holds sensitive data in full)


def officials(user) -> bool:
    return has_any_scope(user, VIEW_SCOPE)


@dataclass(frozen=True)
class Report:
    name: str
    title: str | Promise
    form: type[forms.Form]
    columns: Callable[[dict], list[Column]] | None = None
    rows: Callable[..., Table] | None = None
    allowed: Callable[[object], bool] = officials
    formats: tuple[str, ...] = TABLE_FORMATS
    description: str | Promise = ""
    # an official document: (*, user, params, today) -> the .docx bytes (formats=("docx",))
    document: Callable[..., bytes] | None = None

    def _form(self, data, user):
        kwargs = {"user": user} if getattr(self.form, "takes_user", False) else {}
        return self.form(data, prefix="p", **kwargs)

    def params_form(self, data=None, *, user=None) -> forms.Form:
        return self._form(data, user)

    def describe(self, params: dict) -> str:
        """The parameters in words, each by its field's label ("Year: 2025 · For exchange"), from cleaned or stored
        values; a record chosen by its id alone (stored) is left out rather than read."""
        words = []
        for name, form_field in self.form.base_fields.items():
            value = params.get(name)
            if value in (None, "", False):
                continue
            label = str(form_field.label or name)
            if value is True or value == "on":
                words.append(label)
                continue
            if isinstance(value, datetime.date):
                value = value.isoformat()
            elif hasattr(form_field, "queryset"):
                if not hasattr(value, "pk"):
                    continue
            elif getattr(form_field, "choices", None):
                value = dict(form_field.choices).get(value, value)
            words.append(_("%(label)s: %(value)s") % {"label": label, "value": value})
        return " · ".join(words)

    def clean(self, raw: dict, *, user=None) -> dict:
        """The parameters as the form cleans them from text (``raw``: name → text); ``ValidationError`` otherwise.
        A form that takes the user checks the records chosen against what the user may open."""
        form = self._form({f"p-{k}": v for k, v in raw.items()}, user)
        unknown = set(raw) - set(form.fields)
        if unknown:
            raise ValidationError(
                _("Unknown parameters for this report: %(names)s.") % {"names": ", ".join(sorted(unknown))}
            )
        if not form.is_valid():
            raise ValidationError(
                [f"{form.fields[k].label if k in form.fields else k}: {' '.join(v)}" for k, v in form.errors.items()]
            )
        return form.cleaned_data


_REGISTRY: dict[str, Report] = {}


def register(report: Report) -> Report:
    """Add a report to the catalogue (once per name: a second registration of the same name is an error)."""
    if report.name in _REGISTRY and _REGISTRY[report.name] is not report:
        raise ValueError(f"report {report.name!r} is registered twice")
    unknown = set(report.formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"report {report.name!r}: unknown formats {unknown}")
    if ("docx" in report.formats) != (report.document is not None):
        raise ValueError(f"report {report.name!r}: a document is written as docx, and only a document")
    if set(report.formats) & set(TABLE_FORMATS) and (report.columns is None or report.rows is None):
        raise ValueError(f"report {report.name!r}: a table needs its columns and rows")
    _REGISTRY[report.name] = report
    return report


def get(name: str) -> Report:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValidationError(_("There is no report called “%(name)s”.") % {"name": str(name)[:60]}) from None


def all_reports() -> list[Report]:
    """In the order they were registered: the roster and the membership's first, each app's after them."""
    return list(_REGISTRY.values())


def for_user(user) -> list[Report]:
    return [r for r in all_reports() if r.allowed(user)]


# --- what parameters are written as and read back (JSON on the run row, text on the command line) -------------


def to_json(params: dict) -> dict:
    out = {}
    for key, value in params.items():
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif hasattr(value, "pk"):
            value = value.pk
        out[key] = value
    return out


def to_raw(params: dict) -> dict:
    """Stored parameters as form data (booleans as the checkbox sends them; nothing for False)."""
    return {k: ("on" if v is True else v) for k, v in params.items() if v is not False and v is not None}
