"""A report's table drawn straight into a PDF: A4 (landscape for a wide table), the organisation and the date at the
head of every page, the title on the first, the header row repeated on each, "n / N" at the foot, Noto Sans CJK
embedded as a subset (ADR 15).

A table has no rich text, only rows of short values in fixed columns, so it is laid out here: each value is broken
into lines by the widths of its glyphs (read from the font's own tables), rows are placed on pages (a row is never
split), and the pages are written with pydyf and the font subset by HarfBuzz — the libraries WeasyPrint itself
writes with. WeasyPrint's general layout cost about a millisecond a cell (17 s for a 1,000-row roster); this costs a
few microseconds. Official documents and boards, which are rich text, stay with WeasyPrint."""

from __future__ import annotations

import functools
import io
import logging
import subprocess
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pydyf

logger = logging.getLogger(__name__)

FAMILY = "Noto Sans CJK SC"
FALLBACK_FILES = (  # where Debian's fonts-noto-cjk puts it, if fontconfig cannot be asked (SC is the third face)
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
)
MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
MARGIN_TOP, MARGIN_SIDE, MARGIN_BOTTOM = 18 * MM, 12 * MM, 15 * MM
BODY_SIZE, SMALLEST_SIZE, TITLE_SIZE, SMALL_SIZE = 8.5, 7, 14, 8
LEADING = 1.3  # line height, in font sizes
PAD_X, PAD_Y = 3, 2  # a cell's padding, points
RULE = 0.5  # the grid's line width, points
INK = (0.067, 0.067, 0.067)
GREY = (0.333, 0.333, 0.333)
GRID = (0.533, 0.533, 0.533)
HEAD_FILL = (0.949, 0.863, 0.859)
NOTE_INK = (0.667, 0.0, 0.0)
RIGHT_ALIGNED = ("int", "number")
# The header row and the title in bold: the regular face filled and stroked with a thin line of the same ink (one
# embedded font rather than two).
BOLD_ON = b"2 Tr 0.3 w %.3f %.3f %.3f RG" % INK
BOLD_OFF = b"0 Tr"
UNBROKEN = ("date", "int", "number", "code")  # one line: a date, a number, an ID or phone number
FITTING_SHARE = 0.95
HEADER_MOST = 4  # ems: four Chinese characters; a longer header wraps
NARROWEST = 2  # ems
SHORT = 6  # ems: a text column whose values are all this short is as wide as its widest
NEAR = 3  # ems: nor is a column whose longest values need no more than this beyond what most need


class FontMissing(RuntimeError):
    pass


# --- the font: glyphs and advances read once per process ------------------------------------------------------------


class Face:
    """One face of an OpenType font: the glyph of a character, its advance (in ems), the font's PostScript name."""

    def __init__(self, path: str, index: int):
        from fontTools.ttLib import TTFont

        self.path, self.index = path, index
        font = TTFont(path, fontNumber=index, lazy=True)
        self.upem = font["head"].unitsPerEm
        self.cmap = font.getBestCmap()
        self.glyph_ids = font.getReverseGlyphMap()
        self.metrics = font["hmtx"].metrics
        self.ascent = font["hhea"].ascent / self.upem
        self.descent = -font["hhea"].descent / self.upem
        head = font["head"]
        self.bbox = [round(v * 1000 / self.upem) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        self.name = font["name"].getDebugName(6) or "NotoSansCJK"
        self.cff = "CFF " in font
        self._glyphs: dict[str, tuple[int, float]] = {}

    def glyph(self, char: str) -> tuple[int, float]:
        """The glyph id and advance (ems) of a character; a character the font lacks is its .notdef box."""
        known = self._glyphs.get(char)
        if known is None:
            name = self.cmap.get(ord(char))
            if name is None:
                known = (0, self.metrics[".notdef"][0] / self.upem) if ".notdef" in self.metrics else (0, 1.0)
            else:
                known = (self.glyph_ids[name], self.metrics[name][0] / self.upem)
            self._glyphs[char] = known
        return known

    def width(self, text: str, size: float) -> float:
        glyph = self.glyph
        return sum(glyph(ch)[1] for ch in text) * size


def _located() -> tuple[str, int]:
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}\n%{family}", FAMILY], capture_output=True, text=True, timeout=10
        ).stdout.split("\n")
        if len(found) >= 3 and "CJK" in found[2] and Path(found[0]).is_file():
            return found[0], int(found[1] or 0)
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    for path, index in FALLBACK_FILES:
        if Path(path).is_file():
            return path, index
    raise FontMissing(f"{FAMILY} is not installed (Debian: apt-get install fonts-noto-cjk)")


@functools.cache
def face() -> Face:
    return Face(*_located())


# --- subsetting: HarfBuzz where the system has it (milliseconds), fontTools otherwise (seconds) -----------------------


@functools.cache
def _harfbuzz():
    try:
        import cffi

        ffi = cffi.FFI()
        ffi.cdef(
            """
            typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t; typedef struct hb_set_t hb_set_t;
            typedef struct hb_subset_input_t hb_subset_input_t;
            hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
            void hb_blob_destroy(hb_blob_t *blob);
            hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
            void hb_face_destroy(hb_face_t *face);
            hb_blob_t *hb_face_reference_blob(hb_face_t *face);
            const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
            void hb_set_add(hb_set_t *set, uint32_t codepoint);
            hb_subset_input_t *hb_subset_input_create_or_fail(void);
            void hb_subset_input_destroy(hb_subset_input_t *input);
            hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
            void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
            hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
            """
        )
        return ffi, ffi.dlopen("harfbuzz"), ffi.dlopen("harfbuzz-subset")
    except (ImportError, OSError, AttributeError):  # no cffi or no libharfbuzz-subset: fontTools will do
        return None


# HarfBuzz's subset flags: no hinting, glyph ids kept (the page's codes are the font's glyph ids), plain charstrings,
# a drawn .notdef (a character the font lacks shows as a box), no layout closure (a table shapes no ligatures).
_HB_FLAGS = 0x1 | 0x2 | 0x4 | 0x40 | 0x200


def subset_font(path: str, index: int, glyph_ids: Sequence[int]) -> bytes:
    """The font cut down to the glyphs used, glyph ids kept."""
    hb = _harfbuzz()
    if hb is not None:
        ffi, lib, sub = hb
        blob = lib.hb_blob_create_from_file_or_fail(path.encode())
        if blob != ffi.NULL:
            source = lib.hb_face_create(blob, index)
            request = sub.hb_subset_input_create_or_fail()
            try:
                glyphs = sub.hb_subset_input_glyph_set(request)
                for gid in glyph_ids:
                    lib.hb_set_add(glyphs, gid)
                sub.hb_subset_input_set_flags(request, _HB_FLAGS)
                result = sub.hb_subset_or_fail(source, request)
                if result != ffi.NULL:
                    data = lib.hb_face_reference_blob(result)
                    length = ffi.new("unsigned int *")
                    content = ffi.unpack(lib.hb_blob_get_data(data, length), length[0])
                    lib.hb_blob_destroy(data)
                    lib.hb_face_destroy(result)
                    if content:
                        return content
            finally:
                sub.hb_subset_input_destroy(request)
                lib.hb_face_destroy(source)
                lib.hb_blob_destroy(blob)
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(
        retain_gids=True, ignore_missing_glyphs=True, hinting=False, desubroutinize=True, notdef_outline=True
    )
    options.drop_tables += ["GSUB", "GPOS", "BASE", "JSTF", "DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=list(glyph_ids))
    font = TTFont(path, fontNumber=index)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


# --- breaking a value into lines -------------------------------------------------------------------------------------


CLOSING = frozenset("）」』】〉》〕，。、；：？！…%)]},.;:?!")


def _wide(ch: str) -> bool:
    return ord(ch) >= 0x1100 and unicodedata.east_asian_width(ch) in "WF"


def _tokens(text: str) -> list[str]:
    """Where a line may break: after a space, around each wide (Chinese) character; a run of other characters (a
    Latin word, a number) stays whole unless it is wider than the cell."""
    tokens, run = [], ""
    for ch in text:
        if ch in CLOSING and (run or tokens):  # a closing mark never starts a line
            if run:
                run += ch
            else:
                tokens[-1] += ch
            continue
        if _wide(ch):
            if run:
                tokens.append(run)
                run = ""
            tokens.append(ch)
        else:
            run += ch
            if ch == " ":
                tokens.append(run)
                run = ""
    if run:
        tokens.append(run)
    return tokens


def break_lines(text: str, width: float, size: float, font: Face) -> list[str]:
    """The value's lines within ``width`` points (a hard line break in the value is kept; a word wider than the cell is
    broken where it must be, as ``overflow-wrap: anywhere``)."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\t", " ").split("\n"):
        if font.width(paragraph, size) <= width:
            lines.append(paragraph)
            continue
        line, used = "", 0.0
        for token in _tokens(paragraph):
            need = font.width(token, size)
            if used + need <= width or not line and need <= width:
                line, used = line + token, used + need
                continue
            if line.strip():
                lines.append(line.rstrip())
                line, used = "", 0.0
            if token == " ":
                continue
            if need <= width:
                line, used = token, need
                continue
            for ch in token:  # a word wider than the cell: broken anywhere
                advance = font.glyph(ch)[1] * size
                if used + advance > width and line:
                    lines.append(line)
                    line, used = "", 0.0
                line, used = line + ch, used + advance
        if line.strip() or not lines:
            lines.append(line.rstrip())
    return lines or [""]


# --- the columns' widths -------------------------------------------------------------------------------------------


@dataclass
class Needs:
    """What each column needs, measured once in ems (they scale with the font size)."""

    body: list[float]  # the value width the column is given room for, ems
    head: list[float]  # the header's width up to HEADER_MOST, ems
    fixed: list[bool]  # never broken: as wide as its widest value

    def at(self, size: float) -> list[float]:
        return [max(b, h, NARROWEST) * size + 2 * PAD_X for b, h in zip(self.body, self.head, strict=True)]


def column_needs(headers: Sequence[str], kinds: Sequence[str], rows: Sequence[Sequence[str]], font: Face) -> Needs:
    """A date, number or code column (UNBROKEN) needs its widest value; a text column the width most of its values
    need (FITTING_SHARE of them fit on one line; the longest wrap), or its widest where all its values are SHORT or
    the longest are NEAR the rest; a header up to HEADER_MOST ems (a longer one wraps)."""
    body, head, fixed = [], [], []
    for index, (header, kind) in enumerate(zip(headers, kinds, strict=True)):
        values = sorted(max(font.width(line, 1.0) for line in row[index].split("\n")) for row in rows)
        widest = values[-1] if values else 0.0
        most = values[min(len(values) - 1, int(len(values) * FITTING_SHARE))] if values else 0.0
        # never broken: dates, numbers, codes; short values (蒙古族 among 汉族); the longest when they are little
        # longer than most (a label one character longer than the rest would wrap a lone character)
        body.append(widest if kind in UNBROKEN or widest <= SHORT or widest <= most + NEAR else most)
        head.append(min(font.width(header, 1.0), HEADER_MOST))
        fixed.append(kind in UNBROKEN)
    return Needs(body, head, fixed)


def fitting_size(needs: Needs, block: float) -> float:
    """The body's font size: BODY_SIZE, or smaller down to SMALLEST_SIZE while the columns need more than ``block``
    (a wide register fits its page rather than wrapping its names)."""
    size = BODY_SIZE
    while size > SMALLEST_SIZE and sum(needs.at(size)) > block:
        size -= 0.25
    return size


def column_widths(needs: Needs, size: float, block: float) -> list[float]:
    """Each column's width (points) within ``block``: room left over is shared out in proportion to the needs; when
    the columns need more than the page, the widest text columns give up what they need beyond a common level."""
    wanted, fixed = needs.at(size), needs.fixed
    total = sum(wanted)
    if total <= block:
        return [need * block / total for need in wanted]
    room = block - sum(need for need, keep in zip(wanted, fixed, strict=True) if keep)
    flexible = sorted(need for need, keep in zip(wanted, fixed, strict=True) if not keep)
    if not flexible or room < block * 0.3:
        return [need * block / total for need in wanted]
    # The text columns give up what they need beyond a common level, the widest first: a short column keeps its width.
    level, left = room / len(flexible), room
    for n, need in enumerate(flexible):
        if need > left / (len(flexible) - n):
            level = left / (len(flexible) - n)
            break
        left -= need
    return [need if keep else min(need, level) for need, keep in zip(wanted, fixed, strict=True)]


# --- drawing --------------------------------------------------------------------------------------------------------


@dataclass
class Page:
    ops: list[bytes] = field(default_factory=list)
    size: float = 0.0  # the font size last set in ``ops``


def _rgb(color: tuple, stroke: bool = False) -> bytes:
    r, g, b = color
    return f"{r:.3f} {g:.3f} {b:.3f} {'RG' if stroke else 'rg'}".encode()


class Writer:
    """Lays the table out on pages and writes them; the glyphs used are collected for the font's subset."""

    def __init__(self, font: Face, landscape: bool):
        self.font = font
        self.width, self.height = (A4[1], A4[0]) if landscape else A4
        self.used: dict[int, str] = {0: ""}
        self.pages: list[Page] = []

    def hex(self, text: str) -> bytes:
        glyph, used, out = self.font.glyph, self.used, []
        for ch in text:
            gid = glyph(ch)[0]
            if gid not in used:
                used[gid] = ch
            out.append(f"{gid:04x}")
        return ("<" + "".join(out) + ">").encode()

    def text(self, page: Page, text: str, x: float, top: float, size: float) -> None:
        """One line of text whose line box starts ``top`` points below the page's top edge."""
        if not text:
            return
        if page.size != size:
            page.ops.append(b"/F1 %.1f Tf" % size)
            page.size = size
        line = size * LEADING
        baseline = top + (line - (self.font.ascent + self.font.descent) * size) / 2 + self.font.ascent * size
        page.ops.append(b"1 0 0 1 %.2f %.2f Tm %s Tj" % (x, self.height - baseline, self.hex(text)))

    def centred(self, page: Page, text: str, top: float, size: float) -> float:
        """Centred lines across the text block; returns where the next line starts."""
        block = self.width - 2 * MARGIN_SIDE
        for line in break_lines(text, block, size, self.font):
            self.text(page, line, MARGIN_SIDE + (block - self.font.width(line, size)) / 2, top, size)
            top += size * LEADING
        return top


def write_table(
    path,
    *,
    title: str,
    headers: Sequence[str],
    kinds: Sequence[str],
    rows: Sequence[Sequence[str]],
    note: str,
    organisation: str,
    caption: str = "",
    marking: str = "",
    empty: str = "",
    day: str,
    landscape: bool,
    page_cap: int,
    too_many_pages: Callable[[], Exception],
    on_stage: Callable[[str], None] | None = None,
) -> int:
    """Lays ``rows`` (their values already text) out and writes the PDF to ``path``; returns the number of pages
    (``empty`` is said under the header of a table without rows).
    Raises ``too_many_pages()`` before writing anything when the table needs more than ``page_cap`` pages."""
    font = face()
    writer = Writer(font, landscape)
    block = writer.width - 2 * MARGIN_SIDE
    needs = column_needs(headers, kinds, rows, font)
    size = fitting_size(needs, block)
    widths = column_widths(needs, size, block)
    lefts = [MARGIN_SIDE + sum(widths[:i]) for i in range(len(widths))]
    bottom_limit = writer.height - MARGIN_BOTTOM
    line = size * LEADING

    def cells(values: Sequence[str], size: float, unbroken: Sequence[bool]) -> list[list[str]]:
        return [
            [value] if keep else break_lines(value, width - 2 * PAD_X, size, font)
            for value, width, keep in zip(values, widths, unbroken, strict=True)
        ]

    header_lines = cells(list(headers), size, [False] * len(headers))
    header_height = max(len(c) for c in header_lines) * size * LEADING + 2 * PAD_Y
    keep_whole = [kind in UNBROKEN for kind in kinds]
    right = [kind in RIGHT_ALIGNED for kind in kinds]
    most_lines = max(1, int((bottom_limit - MARGIN_TOP - header_height - 2 * PAD_Y) // line))

    def draw_cells(page: Page, lines: list[list[str]], top: float, header: bool = False) -> None:
        for column, cell in enumerate(lines):
            for n, text in enumerate(cell):
                if right[column] and not header:
                    x = lefts[column] + widths[column] - PAD_X - font.width(text, size)
                else:
                    x = lefts[column] + PAD_X
                writer.text(page, text, x, top + PAD_Y + n * size * LEADING, size)

    grids: list[tuple[Page, float, list[float]]] = []  # per page: the table's top and its rows' lower edges

    def new_page(first: bool) -> tuple[Page, float, list[float]]:
        if len(writer.pages) >= page_cap:
            raise too_many_pages()
        page = Page()
        writer.pages.append(page)
        top = MARGIN_TOP
        if first:
            page.ops.append(BOLD_ON)
            top = writer.centred(page, title, top, TITLE_SIZE) + 4
            page.ops.append(BOLD_OFF)
            if caption:
                page.ops.append(_rgb(GREY))
                top = writer.centred(page, caption, top, SMALL_SIZE) + 3
                page.ops.append(_rgb(INK))
            if note:
                page.ops.append(_rgb(NOTE_INK))
                top = writer.centred(page, note, top, BODY_SIZE) + 6
                page.ops.append(_rgb(INK))
        table_top = top
        page.ops.append(BOLD_ON)
        draw_cells(page, header_lines, top, header=True)
        page.ops.append(BOLD_OFF)
        edges = [top + header_height]
        grids.append((page, table_top, edges))
        return page, top + header_height, edges

    page, top, edges = new_page(first=True)
    for values in rows:
        lines = cells(values, size, keep_whole)
        height = max(len(c) for c in lines)
        if height > most_lines:  # a row taller than a page: cut, its last line says so
            for cell in lines:
                if len(cell) > most_lines:
                    del cell[most_lines - 1 :]
                    cell.append("…")
            height = most_lines
        row_height = height * line + 2 * PAD_Y
        if top + row_height > bottom_limit and len(edges) > 1:
            page, top, edges = new_page(first=False)
        draw_cells(page, lines, top)
        top += row_height
        edges.append(top)
    if not rows and empty:
        page.ops.append(_rgb(GREY))
        writer.centred(page, empty, top + 6, size)
        page.ops.append(_rgb(INK))
    if on_stage is not None:
        on_stage("write")
    _write(path, writer, grids, widths, lefts, header_height, title, organisation, day, marking)
    return len(writer.pages)


def _write(path, writer: Writer, grids, widths, lefts, header_height, title, organisation, day, marking) -> None:
    font, count = writer.font, len(writer.pages)
    pdf = pydyf.PDF()
    pdf.info["Title"] = pydyf.String(title)
    pdf.info["Creator"] = pydyf.String("PartyPortal")
    heads = []
    for number in range(1, count + 1):
        head = Page()
        if organisation:
            writer.text(head, organisation, MARGIN_SIDE, MARGIN_TOP - 14, SMALL_SIZE)
        writer.text(head, day, writer.width - MARGIN_SIDE - font.width(day, SMALL_SIZE), MARGIN_TOP - 14, SMALL_SIZE)
        if marking:
            head.ops.append(_rgb(NOTE_INK))
            left = (writer.width - font.width(marking, SMALL_SIZE)) / 2
            writer.text(head, marking, left, MARGIN_TOP - 14, SMALL_SIZE)
            head.ops.append(_rgb(GREY))
        folio = f"{number} / {count}"
        writer.text(
            head,
            folio,
            (writer.width - font.width(folio, SMALL_SIZE)) / 2,
            writer.height - MARGIN_BOTTOM + 6,
            SMALL_SIZE,
        )
        heads.append(head)

    glyphs = sorted(writer.used)
    font_file = pydyf.Stream([subset_font(font.path, font.index, glyphs)], {"Subtype": "/OpenType"}, compress=True)
    pdf.add_object(font_file)
    base = "/PPRTBL+" + "".join(ch for ch in font.name if ch.isalnum() or ch in "-_")
    descriptor = pydyf.Dictionary(
        {
            "Type": "/FontDescriptor",
            "FontName": base,
            "Flags": 4,
            "FontBBox": pydyf.Array(font.bbox),
            "ItalicAngle": 0,
            "Ascent": round(font.ascent * 1000),
            "Descent": -round(font.descent * 1000),
            "CapHeight": round(font.ascent * 1000),
            "StemV": 80,
            "FontFile3" if font.cff else "FontFile2": font_file.reference,
        }
    )
    pdf.add_object(descriptor)
    widths_array, previous = pydyf.Array(), None
    for gid in glyphs:
        advance = round(font.glyph(writer.used[gid])[1] * 1000) if gid else 1000
        if previous is None or gid != previous + 1:
            run = pydyf.Array()
            widths_array.extend([gid, run])
        run.append(advance)
        previous = gid
    cid_font = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/CIDFontType0" if font.cff else "/CIDFontType2",
            "BaseFont": base,
            "CIDSystemInfo": pydyf.Dictionary(
                {"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"), "Supplement": 0}
            ),
            "CIDToGIDMap": "/Identity",
            "W": widths_array,
            "FontDescriptor": descriptor.reference,
        }
    )
    pdf.add_object(cid_font)
    unicode_map = [
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        b"1 begincodespacerange <0000> <ffff> endcodespacerange",
    ]
    pairs = [(gid, ch) for gid, ch in sorted(writer.used.items()) if ch]
    for start in range(0, len(pairs), 100):
        batch = pairs[start : start + 100]
        unicode_map.append(b"%d beginbfchar" % len(batch))
        unicode_map.extend(b"<%04x> <%s>" % (gid, ch.encode("utf-16-be").hex().encode()) for gid, ch in batch)
        unicode_map.append(b"endbfchar")
    unicode_map.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    to_unicode = pydyf.Stream(unicode_map, compress=True)
    pdf.add_object(to_unicode)
    type0 = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/Type0",
            "BaseFont": base,
            "Encoding": "/Identity-H",
            "DescendantFonts": pydyf.Array([cid_font.reference]),
            "ToUnicode": to_unicode.reference,
        }
    )
    pdf.add_object(type0)
    resources = pydyf.Dictionary({"Font": pydyf.Dictionary({"F1": type0.reference})})
    pdf.add_object(resources)

    table_width = sum(widths)
    for (page, table_top, edges), head in zip(grids, heads, strict=True):
        h = writer.height
        bottom = edges[-1]
        ops = [
            _rgb(HEAD_FILL),
            b"%.2f %.2f %.2f %.2f re f" % (lefts[0], h - table_top - header_height, table_width, header_height),
            _rgb(GRID, stroke=True),
            b"%.2f w" % RULE,
        ]
        for y in [table_top, *edges]:
            ops.append(b"%.2f %.2f m %.2f %.2f l" % (lefts[0], h - y, lefts[0] + table_width, h - y))
        for x in [*lefts, lefts[0] + table_width]:
            ops.append(b"%.2f %.2f m %.2f %.2f l" % (x, h - table_top, x, h - bottom))
        ops.append(b"S")
        ops += [b"BT", _rgb(GREY), *head.ops, _rgb(INK), *page.ops, b"ET"]
        content = pydyf.Stream(ops, compress=True)
        pdf.add_object(content)
        pdf.add_page(
            pydyf.Dictionary(
                {
                    "Type": "/Page",
                    "Parent": pdf.pages.reference,
                    "MediaBox": pydyf.Array([0, 0, round(writer.width, 2), round(h, 2)]),
                    "Contents": content.reference,
                    "Resources": resources.reference,
                }
            )
        )
    with open(path, "wb") as out:
        pdf.write(out, version=b"1.7", compress=True)
