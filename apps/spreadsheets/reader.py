"""Reading an uploaded workbook (.xlsx) row by row, within limits checked before anything large is built.

Every import of a spreadsheet (development cases now, rosters and payrolls later) reads through ``sheet_rows``.
A workbook is a zip of XML files; a small upload can unpack to gigabytes (a 702 KB file holding one inline string
of hundreds of millions of characters took 29.5 s and 5 GB through openpyxl). So, before parsing, each member's
unpacked size (the zip's own record of it, which ``zipfile`` never reads past) is checked against a limit; the sheet
and its shared strings are then parsed as a stream (expat: no tree, no DTD, no entities), and a sheet is refused
at its first row over the row limit, its first cell beyond the column limit, or the first character over the cell
limit — before the cell's text is kept.
"""

from __future__ import annotations

import datetime
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from defusedxml import ElementTree
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

# What a member may unpack to: the sheet and its shared strings (streamed), the small parts read whole.
MAX_SHEET_BYTES = 64 * 1024 * 1024
MAX_STRINGS_BYTES = 16 * 1024 * 1024
MAX_PART_BYTES = 4 * 1024 * 1024
CHUNK = 64 * 1024
CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE_DOCUMENT = REL_NS + "/officeDocument"


@dataclass(frozen=True)
class Limits:
    """How much of a sheet an import accepts: rows of data (below ``header`` rows), columns, characters in a cell."""

    rows: int
    header: int = 1
    columns: int = 60
    cell_chars: int = 500


class _TooLong:
    """A shared string over the cell limit: refused when a cell of the sheet uses it (only its length is kept)."""


TOO_LONG = _TooLong()


def not_a_workbook() -> ValidationError:
    return ValidationError(_("The file is not an Excel workbook (.xlsx)."))


def sheet_rows(uploaded, *, limits: Limits) -> Iterator[tuple]:
    """The first sheet's rows as tuples of values (text, int, float, bool, datetime or None), the header first,
    an empty tuple for an empty row. Raises ``ValidationError`` when the file is not a workbook or breaks a limit
    (possibly after the rows before the offending one were yielded)."""
    try:
        archive = zipfile.ZipFile(uploaded)
        sheet, epoch = _first_sheet(archive)
        dates = _date_styles(archive)
    except (zipfile.BadZipFile, KeyError, ValueError, ElementTree.ParseError, expat.ExpatError) as exc:
        raise not_a_workbook() from exc
    strings = _shared_strings(archive, limits)
    yield from _SheetParser(archive, sheet, strings=strings, dates=dates, epoch=epoch, limits=limits).rows()


# --- the small parts: where the first sheet is, which styles are dates --------------------------------------------


def _member(archive: zipfile.ZipFile, name: str, limit: int) -> zipfile.ZipInfo:
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ValidationError(
            _("The workbook is too large once unpacked: %(part)s holds %(size)s MB, at most %(limit)s MB are read.")
            % {"part": posixpath.basename(name), "size": info.file_size // 2**20, "limit": limit // 2**20}
        )
    return info


def _part(archive: zipfile.ZipFile, name: str):
    return ElementTree.fromstring(archive.read(_member(archive, name, MAX_PART_BYTES)))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(" ", 1)[-1]


def _targets(archive: zipfile.ZipFile, rels_name: str, base: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, member name) of a part's relationships."""
    found = {}
    for rel in _part(archive, rels_name):
        target = rel.get("Target", "")
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        found[rel.get("Id")] = (rel.get("Type", ""), name)
    return found


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, datetime.datetime]:
    """The member name of the workbook's first sheet, and the workbook's date epoch (1900 or 1904)."""
    roots = _targets(archive, "_rels/.rels", "")
    workbook = next((name for kind, name in roots.values() if kind == OFFICE_DOCUMENT), "xl/workbook.xml")
    base = posixpath.dirname(workbook)
    tree = _part(archive, workbook)
    epoch = CALENDAR_WINDOWS_1900
    first = None
    for element in tree.iter():
        tag = _local(element.tag)
        if tag == "workbookPr" and element.get("date1904") in ("1", "true"):
            epoch = CALENDAR_MAC_1904
        elif tag == "sheet" and first is None:
            first = element.get(f"{{{REL_NS}}}id")
    rels = _targets(archive, posixpath.join(base, "_rels", posixpath.basename(workbook) + ".rels"), base)
    return rels[first][1], epoch


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """The cell style indexes whose number format shows a date."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    tree = _part(archive, "xl/styles.xml")
    formats = dict(BUILTIN_FORMATS)
    dates = set()
    for element in tree.iter():
        if _local(element.tag) == "numFmt":
            formats[int(element.get("numFmtId", -1))] = element.get("formatCode", "")
    cell_xfs = next((e for e in tree.iter() if _local(e.tag) == "cellXfs"), [])
    for index, xf in enumerate(x for x in cell_xfs if _local(x.tag) == "xf"):
        if is_date_format(formats.get(int(xf.get("numFmtId", 0)), "")):
            dates.add(index)
    return dates


# --- the streamed parts: shared strings and the sheet -------------------------------------------------------------


class _Stream:
    """Feeds one zip member to expat in chunks; subclasses collect what they need from the callbacks."""

    def __init__(self, archive: zipfile.ZipFile, name: str, limit: int):
        self.info = _member(archive, name, limit)
        self.archive = archive
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartDoctypeDeclHandler = self._refuse_dtd
        self.parser.StartElementHandler = lambda name, attrs: self.start(_local(name), attrs)
        self.parser.EndElementHandler = lambda name: self.end(_local(name))
        self.parser.CharacterDataHandler = self.text

    def _refuse_dtd(self, *args):
        raise not_a_workbook()

    def chunks(self) -> Iterator[None]:
        """Parse the member, pausing after each chunk (the caller takes what was completed)."""
        try:
            with self.archive.open(self.info) as stream:
                while chunk := stream.read(CHUNK):
                    self.parser.Parse(chunk, False)
                    yield
                self.parser.Parse(b"", True)
                yield
        except (expat.ExpatError, zipfile.BadZipFile, EOFError, ValueError, IndexError, OverflowError) as exc:
            raise not_a_workbook() from exc

    def start(self, tag: str, attrs: dict) -> None: ...

    def end(self, tag: str) -> None: ...

    def text(self, data: str) -> None: ...


@dataclass
class _Text:
    """The text of one cell or shared string as it is read: refused (or marked) past the limit, never kept."""

    limit: int
    parts: list[str] = field(default_factory=list)
    length: int = 0
    active: bool = False

    def add(self, data: str) -> bool:
        """False once the text is over the limit (what comes after is no longer kept)."""
        self.length += len(data)
        if self.length > self.limit:
            self.parts = []
            return False
        self.parts.append(data)
        return True

    def value(self) -> str:
        return "".join(self.parts)


class _SharedStrings(_Stream):
    def __init__(self, archive: zipfile.ZipFile, limits: Limits):
        super().__init__(archive, "xl/sharedStrings.xml", MAX_STRINGS_BYTES)
        self.limits = limits
        self.most = (limits.rows + limits.header) * limits.columns
        self.strings: list[str | _TooLong] = []
        self.current: _Text | None = None
        self.phonetic = 0  # inside <rPh>: the reading of the text, not the text

    def start(self, tag, attrs):
        if tag == "si":
            if len(self.strings) >= self.most:
                raise ValidationError(
                    _("The workbook holds more texts than a sheet of %(rows)s rows and %(columns)s columns can.")
                    % {"rows": self.limits.rows, "columns": self.limits.columns}
                )
            self.current = _Text(self.limits.cell_chars)
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "t" and self.current is not None and not self.phonetic:
            self.current.active = True

    def end(self, tag):
        if tag == "si" and self.current is not None:
            over = self.current.length > self.limits.cell_chars
            self.strings.append(TOO_LONG if over else self.current.value())
            self.current = None
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "t" and self.current is not None:
            self.current.active = False

    def text(self, data):
        if self.current is not None and self.current.active:
            self.current.add(data)


def _shared_strings(archive: zipfile.ZipFile, limits: Limits) -> list[str | _TooLong]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    reader = _SharedStrings(archive, limits)
    for _done in reader.chunks():
        pass
    return reader.strings


def _column(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


class _SheetParser(_Stream):
    def __init__(self, archive, name, *, strings, dates, epoch, limits: Limits):
        super().__init__(archive, name, MAX_SHEET_BYTES)
        self.strings, self.dates, self.epoch, self.limits = strings, dates, epoch, limits
        self.done: list[tuple] = []  # rows completed since the last chunk
        self.row_number = self.kept = 0
        self.cells: dict[int, object] = {}
        self.cell: dict | None = None
        self.text_: _Text | None = None
        self.phonetic = 0

    def rows(self) -> Iterator[tuple]:
        for _chunk in self.chunks():
            yield from self.done
            self.done = []

    def start(self, tag, attrs):
        if tag == "row":
            self.row_number, self.cells = int(attrs.get("r") or self.row_number + 1), {}
        elif tag == "c":
            ref = CELL_REF.match(attrs.get("r", ""))
            column = _column(ref.group(1)) if ref else max(self.cells, default=0) + 1
            self.cell = {"column": column, "type": attrs.get("t", "n"), "style": attrs.get("s"), "ref": attrs.get("r")}
            self.text_ = _Text(self.limits.cell_chars)
        elif tag == "rPh":
            self.phonetic += 1
        elif tag in ("v", "t") and self.text_ is not None and not self.phonetic:
            self.text_.active = True

    def end(self, tag):
        if tag == "row":
            self._row_done()
        elif tag == "c" and self.cell is not None:
            value = self._value()
            if value is not None:
                if self.cell["column"] > self.limits.columns:
                    raise ValidationError(_("A sheet can have at most %(n)s columns.") % {"n": self.limits.columns})
                self.cells[self.cell["column"]] = value
            self.cell = self.text_ = None
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag in ("v", "t") and self.text_ is not None:
            self.text_.active = False

    def _row_done(self):
        """A row with values is kept, after the empty rows between it and the last one kept (rows written empty,
        e.g. formatted only, are not rows of data and count against no limit)."""
        if not self.cells:
            return
        if self.row_number > self.limits.rows + self.limits.header:
            raise ValidationError(_("A sheet can have at most %(n)s rows of data.") % {"n": self.limits.rows})
        self.done.extend(() for _gap in range(self.kept + 1, self.row_number))
        width = max(self.cells)
        self.done.append(tuple(self.cells.get(i) for i in range(1, width + 1)))
        self.kept, self.cells = self.row_number, {}

    def text(self, data):
        if self.text_ is not None and self.text_.active and not self.text_.add(data):
            self._too_long()

    def _too_long(self):
        ref = self.cell.get("ref") or f"{self.row_number}/{self.cell['column']}"
        raise ValidationError(
            _("Cell %(cell)s holds more than %(n)s characters.") % {"cell": ref, "n": self.limits.cell_chars}
        )

    def _value(self):
        raw, kind = self.text_.value(), self.cell["type"]
        if raw == "" and kind != "inlineStr":
            return None
        if kind == "s":
            value = self.strings[int(raw)]
            if value is TOO_LONG:
                self._too_long()
            return value
        if kind in ("inlineStr", "str", "e"):
            return raw
        if kind == "b":
            return raw.strip() == "1"
        if kind == "d":
            return datetime.datetime.fromisoformat(raw.strip())
        number = float(raw) if any(c in raw for c in ".eE") else int(raw)
        style = self.cell["style"]
        if style is not None and int(style) in self.dates:
            return from_excel(number, self.epoch)
        return number
