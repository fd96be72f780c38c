"""Official documents (党政机关公文) in Word, in the layout of GB/T 9704-2012, generated from the records.

A notice, minutes or a result notice is composed by the app that owns its record (an ``OfficialDocument``: title,
paragraphs, issuing organisation, date) and laid out here, once, so that every document a branch prints has the
same page: A4, margins 37 / 35 / 28 / 26 mm (top, bottom, left, right: a type area of 156 × 225 mm), the title in
二号 (22 pt) in a Song face, the body in 三号 (16 pt) in a FangSong face on a grid of 22 lines of 28 characters,
headings of the first level (一、) in a Hei face and of the second level (（一）) in a Kai face, the issuing
organisation and the date (Arabic numerals) at the end, page numbers in 四号 as "— 1 —" outside (odd pages right,
even pages left).

Fonts: each run names the official face first (``FACES``: 方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312);
the document's font table names, for each, the free face from a Debian package (``fonts-noto-cjk``) as its
alternative (``w:altName``) with its family and character set, so that a word processor without the official fonts
substitutes a face of the same kind instead of its default sans-serif face.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from docx import Document as new_document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
TITLE_PT, BODY_PT, PAGE_NUMBER_PT = 22, 16, 14  # 二号, 三号, 四号


@dataclass(frozen=True)
class Face:
    official: str  # the name every run carries
    fallback: str  # the free face a document names as its alternative (Debian fonts-noto-cjk)
    family: str  # w:family of the font table: roman (serif) or swiss (sans serif)
    panose: str


FACES = {
    "title": Face("方正小标宋简体", "Noto Serif CJK SC", "roman", "02010600030101010101"),
    "body": Face("仿宋_GB2312", "Noto Serif CJK SC", "roman", "02010609030101010101"),
    "heading": Face("黑体", "Noto Sans CJK SC", "swiss", "02010609060101010101"),
    "subheading": Face("楷体_GB2312", "Noto Serif CJK SC", "roman", "02010609030101010101"),
}
LATIN_FACE = "Times New Roman"

HEADING = re.compile(r"^[一二三四五六七八九十]+、")
SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）")


CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Heading:
    """A heading of the first level ("一、" in a Hei face) or the second ("（一）" in a Kai face), numbered in order."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Table:
    """A table in the flow of the body, where it stands in the text (first row: headers)."""

    rows: tuple[tuple[str, ...], ...]


@dataclass
class OfficialDocument:
    title: str
    paragraphs: list[str | Heading | Table]
    issuer: str  # the issuing organisation, signed at the end
    issued_on: datetime.date
    recipients: str = ""  # 主送机关, on the first line of the body when given
    number: str = ""  # 发文字号, under the title when given
    table: list[list[str]] = field(default_factory=list)  # a list (first row: headers), after the paragraphs


def numeral_of(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (headings seldom go further)."""
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, units = divmod(n, 10)
    return (CHINESE_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CHINESE_NUMERALS[units - 1] if units else "")


def mm_to_twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def type_area_mm() -> tuple[int, int]:
    return (
        PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"],
        PAGE_HEIGHT_MM - MARGINS_MM["top"] - MARGINS_MM["bottom"],
    )


def line_pitch_twips() -> int:
    """The grid's line pitch: the type area's height over 22 lines."""
    return int(mm_to_twips(type_area_mm()[1]) / LINES_PER_PAGE)


def char_space() -> int:
    """``w:charSpace`` of the grid: how far a character's pitch (the type area's width over 28 characters) is from
    the body's size, in 4096ths of a point."""
    pitch_pt = type_area_mm()[0] / 25.4 * 72 / CHARS_PER_LINE
    return round((pitch_pt - BODY_PT) * 4096)


def date_text(day: datetime.date) -> str:
    """成文日期 in Arabic numerals, neither month nor day padded (GB/T 9704-2012 7.3.5.1)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _fonts(run, face: Face) -> None:
    run.font.name = LATIN_FACE
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), face.official)
    fonts.set(qn("w:ascii"), LATIN_FACE)
    fonts.set(qn("w:hAnsi"), LATIN_FACE)


def _paragraph(document, text: str, *, face: Face, size: int, align=None, indent_chars=0, bold=False):
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if align is not None:
        paragraph.alignment = align
    if indent_chars:
        # In characters of the paragraph's own size: w:firstLineChars is in hundredths of a character.
        ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
        ind.set(qn("w:firstLineChars"), str(indent_chars * 100))
        fmt.first_line_indent = Pt(size * indent_chars)
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    _fonts(run, face)
    return paragraph


def _right_indent_chars(paragraph, chars: int) -> None:
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:rightChars"), str(chars * 100))
    paragraph.paragraph_format.right_indent = Pt(BODY_PT * chars)


def _grid(section) -> None:
    sect = section._sectPr
    for old in sect.findall(qn("w:docGrid")):
        sect.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(line_pitch_twips()))
    grid.set(qn("w:charSpace"), str(char_space()))
    sect.append(grid)


def _page_number(paragraph) -> None:
    """ "— PAGE —" with the page as a field, so that the word processor numbers the pages."""

    def text(value: str):
        run = paragraph.add_run(value)
        run.font.size = Pt(PAGE_NUMBER_PT)
        _fonts(run, FACES["body"])
        return run

    text("— ")
    run = text("")
    for kind, instr in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = instr
        run._element.append(element)
    text(" —")


def _footers(document, section) -> None:
    document.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),  # odd pages: right, one character in
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        if side == "right":
            paragraph.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)
        else:
            paragraph.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)
        _page_number(paragraph)
    # The page number sits 7 mm below the type area.
    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)


def _font_table(document) -> None:
    """Each official face with its free alternative, family and character set (GB2312) in the font table."""
    part = document.part
    table = next((rel.target_part for rel in part.rels.values() if rel.reltype.endswith("/fontTable")), None)
    if table is None:
        return
    from docx.oxml.parser import parse_xml

    root = parse_xml(table.blob)
    known = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for face in FACES.values():
        if face.official in known:
            continue
        known.add(face.official)
        font = OxmlElement("w:font")
        font.set(qn("w:name"), face.official)
        for tag, value in (
            ("w:altName", face.fallback),
            ("w:panose1", face.panose),
            ("w:charset", "86"),
            ("w:family", face.family),
            ("w:pitch", "variable"),
        ):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            font.append(child)
        root.append(font)
    from lxml import etree

    table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _table(document, rows: list[list[str]]) -> None:
    if not rows:
        return
    table = document.add_table(rows=len(rows), cols=max(len(row) for row in rows))
    table.style = "Table Grid"
    width = len(table.columns)
    for r, values in enumerate(rows):
        for c, value in enumerate(list(values)[:width]):
            cell = table.cell(r, c)
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(value))
            run.font.size = Pt(BODY_PT - 2)  # 四号 in tables
            run.bold = r == 0
            _fonts(run, FACES["heading"] if r == 0 else FACES["body"])


HEADING_MAX_CHARS = 40  # a numbered line longer than this, or one of several sentences, is body text


def _reads_as_heading(text: str) -> bool:
    """A line numbered “一、” or “（一）” is set as a heading only when it reads as one: short, one phrase (the minutes'
    “一、会议听取了……。会议认为……” is a paragraph of the body, in the body's face)."""
    return len(text) <= HEADING_MAX_CHARS and "。" not in text.rstrip("。")


def render(doc: OfficialDocument) -> bytes:
    document = new_document()
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    _grid(section)
    body_style = document.styles["Normal"]
    body_style.font.size = Pt(BODY_PT)
    body_style.font.name = LATIN_FACE
    body_style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FACES["body"].official)
    # The empty first paragraph python-docx's template carries.
    for p in list(document.paragraphs):
        p._p.getparent().remove(p._p)

    _paragraph(document, doc.title, face=FACES["title"], size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    if doc.number:
        _paragraph(document, doc.number, face=FACES["body"], size=BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "", face=FACES["body"], size=BODY_PT)  # one blank line under the title
    if doc.recipients:
        _paragraph(document, f"{doc.recipients}：", face=FACES["body"], size=BODY_PT)
    counters = [0, 0]
    for item in doc.paragraphs:
        if isinstance(item, Table):
            _table(document, [list(row) for row in item.rows])
            continue
        if isinstance(item, Heading):
            level = 1 if item.level <= 1 else 2
            counters[level - 1] += 1
            if level == 1:
                counters[1] = 0
            numeral = numeral_of(counters[level - 1])
            text = f"{numeral}、{item.text}" if level == 1 else f"（{numeral}）{item.text}"
        else:
            text = item.strip()
            if not text:
                continue
        face = None
        if _reads_as_heading(text):
            face = FACES["heading"] if HEADING.match(text) else FACES["subheading"] if SUBHEADING.match(text) else None
        _paragraph(document, text, face=face or FACES["body"], size=BODY_PT, indent_chars=2)
    _table(document, doc.table)
    # The signature: two blank lines, then the issuer and the date, the date four characters in from the right and
    # the issuer centred over it.
    _paragraph(document, "", face=FACES["body"], size=BODY_PT)
    _paragraph(document, "", face=FACES["body"], size=BODY_PT)
    issuer = _paragraph(document, doc.issuer, face=FACES["body"], size=BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _right_indent_chars(issuer, 4 + max(0, (len(date_text(doc.issued_on)) - len(doc.issuer)) // 2))
    day = _paragraph(
        document, date_text(doc.issued_on), face=FACES["body"], size=BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT
    )
    _right_indent_chars(day, 4)
    _footers(document, section)
    _font_table(document)
    document.core_properties.title = doc.title
    document.core_properties.author = doc.issuer
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class _Paragraphs(HTMLParser):
    """Sanitised rich text (``disclosure.richtext``) as paragraphs of plain text, one per block element or line
    break (list items keep a bullet), and its tables as tables, each where it stands in the text."""

    BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str | Table] = []
        self.current: list[str] = []
        self.rows: list[list[str]] | None = None  # the table being read
        self.cell: list[str] | None = None

    def _flush(self):
        text = _spaces("".join(self.current))
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._flush()
            self.rows = []
        elif self.rows is not None:
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = []
            elif tag == "br" and self.cell is not None:
                self.cell.append(" ")
            return
        if tag in self.BLOCKS or tag == "br":
            self._flush()
        if tag == "li":
            self.current.append("· ")

    def handle_endtag(self, tag):
        if self.rows is not None:
            if tag in ("td", "th") and self.cell is not None:
                if not self.rows:
                    self.rows.append([])
                self.rows[-1].append(_spaces("".join(self.cell)))
                self.cell = None
            elif tag == "table":
                rows = [row for row in self.rows if row]
                if rows:
                    width = max(len(row) for row in rows)
                    self.paragraphs.append(Table(tuple(tuple(row + [""] * (width - len(row))) for row in rows)))
                self.rows = None
            return
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if self.rows is not None:
            if self.cell is not None:
                self.cell.append(data)
            return
        self.current.append(data)


def _spaces(text: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def paragraphs_of_html(html: str) -> list[str | Table]:
    parser = _Paragraphs()
    parser.feed(html or "")
    parser.close()
    if parser.rows is not None:  # a table left open: what was read of it
        parser.handle_endtag("table")
    parser._flush()
    return parser.paragraphs


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
