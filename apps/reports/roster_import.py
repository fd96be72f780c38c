"""The roster's way back: a roster exported for exchange (党员花名册, unmasked) read again, all rows or none.

Each row is found by its citizen ID number among the people the importer manages (``manage_people``) — a row without
one by its name, if that singles out one person without an ID number —, compared with
the record, and what differs goes through ``people.services.person_update`` (the same guards, audit and refusals as
the portal). Re-importing an unchanged export changes nothing. The formula escaping of the export is undone
(``spreadsheets.export.cell_read``). Columns the services do not own here (category, branch, joining and conversion
dates, status) must equal the record: a change to those is a row error (they belong to the lifecycle and the
membership history). A masked export (its first line says so) is refused as a whole. The workbook is read through
``spreadsheets.reader.sheet_rows`` within limits."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from apps.organisations.choices import MANAGE_PEOPLE
from apps.people.choices import Education, Gender, Occupation
from apps.people.selectors import person_list_for
from apps.people.services import person_update
from apps.spreadsheets.export import cell_read
from apps.spreadsheets.reader import Limits, sheet_rows

from .definitions import MASK, ROSTER_COLUMNS, branch_names, roster_row

HEAD_LINES_MOST = 3  # the header is the first line of more than one cell, at most this far down
LIMITS = Limits(rows=60000, columns=len(ROSTER_COLUMNS) + 5, cell_chars=200)
UPDATABLE = (
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "job_title",
    "occupation",
    "phone",
    "home_address",
)
CHOICES = {"gender": Gender, "education": Education, "occupation": Occupation}


@dataclass
class ImportResult:
    rows: int = 0
    changed: int = 0
    errors: list[str] = field(default_factory=list)
    saved: bool = False


def _titles(header: list) -> tuple[str, dict[str, str]]:
    """The language the header is written in (the one that knows most of its texts) and its text → column key."""
    best = ("", {})
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            titles = {str(c.title): c.key for c in ROSTER_COLUMNS}
        if sum(str(h) in titles for h in header) > sum(str(h) in best[1] for h in header):
            best = (code, titles)
    return best


def _masked_notes() -> set[str]:
    notes = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            notes.add(_("ID numbers and addresses are masked: this file cannot be imported again."))
    return notes


def _value(key: str, raw):
    raw = cell_read(raw)
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if raw is None:
        return None if key in ("birth_date", "joined_on", "full_member_on") else ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if key in ("birth_date", "joined_on", "full_member_on") and not isinstance(raw, datetime.date):
        try:
            return datetime.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValidationError(_("“%(value)s” is not a date.") % {"value": str(raw)[:40]}) from None
    return raw if isinstance(raw, datetime.date) else str(raw).strip()


def _code(choices, label: str) -> str:
    if not label:
        return ""
    for value, text in choices.choices:
        if label in (str(text), value):
            return value
    raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": label[:40]})


def _find(people, values: dict):
    """The person of a row: by the citizen ID number; a row without one (a record that never had it) by the name,
    when exactly one person of that name among those the importer manages has no ID number either."""
    if values.get("id_number"):
        person = people.filter(id_number=values["id_number"]).first()
        if person is None:
            raise ValidationError(_("no one with this ID number in the organisations you manage"))
        return person
    name = values.get("name") or ""
    found = list(people.filter(id_number="", name=name)[:2]) if name else []
    if len(found) != 1:
        raise ValidationError(
            _("no ID number, and the name does not single out one person without one in the organisations you manage")
        )
    return found[0]


def roster_import(*, actor, upload, today: datetime.date, dry_run: bool) -> ImportResult:
    """Read and check every row; unless ``dry_run`` and if no row has an error, save every change (or none)."""
    result = ImportResult()
    rows = sheet_rows(upload, limits=LIMITS)
    first, header_line = [], 1
    try:
        # the lines above the header (what the file is of, its marking, the masked note), then the header
        for header_line, header in enumerate(rows, start=1):
            first = [cell_read(c) for c in header]
            text = str(first[0] or "") if first else ""
            if any(note in text for note in _masked_notes()):
                result.errors.append(_("This roster was exported masked and cannot be imported again."))
                return result
            if sum(1 for h in first if h not in (None, "")) > 1 or header_line >= HEAD_LINES_MOST:
                break
    except ValidationError as exc:
        result.errors += exc.messages
        return result
    language, titles = _titles(first)
    unknown = [str(h) for h in first if h not in (None, "") and str(h) not in titles]
    if unknown:
        result.errors.append(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown[:10])})
        return result
    keys = [titles.get(str(h)) for h in first]
    if "id_number" not in keys:
        result.errors.append(_("The column “%(name)s” is needed.") % {"name": ROSTER_COLUMNS[3].title})
        return result
    people = person_list_for(user=actor, perm=MANAGE_PEOPLE).select_related("node")
    branches = branch_names()
    plans = []
    try:
        for line, row in enumerate(rows, start=header_line + 1):
            if not any(v not in (None, "") for v in row):
                continue
            result.rows += 1
            try:
                values = {k: _value(k, row[i] if i < len(row) else None) for i, k in enumerate(keys) if k}
                if MASK in (values.get("id_number"), values.get("home_address")):
                    raise ValidationError(_("masked values cannot be imported"))
                person = _find(people, values)
                with translation.override(language or None):
                    current = dict(
                        zip(
                            [c.key for c in ROSTER_COLUMNS],
                            roster_row(person, masked=False, branches=branches),
                            strict=True,
                        )
                    )
                fixed = [k for k in values if k not in UPDATABLE and values[k] != current[k]]
                if fixed:
                    names = ", ".join(str(c.title) for c in ROSTER_COLUMNS if c.key in fixed)
                    raise ValidationError(
                        _("these columns are changed elsewhere, not here: %(names)s") % {"names": names}
                    )
                fields = {}
                for key in UPDATABLE:
                    if key not in values:
                        continue
                    with translation.override(language or None):
                        new = _code(CHOICES[key], values[key]) if key in CHOICES else values[key]
                    if new != getattr(person, key):
                        fields[key] = new
                if fields:
                    plans.append((line, person, fields))
            except ValidationError as exc:
                result.errors.append(_("Row %(row)s: %(error)s") % {"row": line, "error": " ".join(exc.messages)})
    except ValidationError as exc:  # a limit of the reader
        result.errors += exc.messages
    result.changed = len(plans)
    if result.errors or dry_run or not plans:
        return result
    try:
        with transaction.atomic():
            for line, person, fields in plans:
                try:
                    person_update(actor=actor, person=person, fields=fields, today=today)
                except (ValidationError, PermissionDenied) as exc:
                    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                    result.errors.append(_("Row %(row)s: %(error)s") % {"row": line, "error": " ".join(messages)})
            if result.errors:
                raise _Rollback
    except _Rollback:
        return result
    result.saved = True
    return result


class _Rollback(Exception):
    pass
