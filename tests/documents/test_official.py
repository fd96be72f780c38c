"""Official documents in Word: the page, the grid, the faces and their fallbacks of GB/T 9704, read back with
python-docx; the notice and the minutes offered where their records are shown."""

from __future__ import annotations

import datetime
import io
import zipfile

import docx
import pytest
from django.urls import reverse
from django.utils import timezone
from docx.oxml.ns import qn

from apps.documents.official import (
    DOCX_TYPE,
    FACES,
    Heading,
    OfficialDocument,
    Table,
    char_space,
    date_text,
    line_pitch_twips,
    numeral_of,
    paragraphs_of_html,
    render,
)
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.disclosure.test_board import notices  # noqa: F401 - the fixture


def _doc(**fields) -> docx.document.Document:
    defaults = {
        "title": "关于张三同志拟发展为中共预备党员的公示",
        "paragraphs": [
            Heading("基本情况"),
            "张三，男，汉族，1990年1月生。",
            Heading("培养情况", 2),
            "经支部大会讨论通过。",
        ],
        "issuer": "中共测试第一支部委员会",
        "issued_on": datetime.date(2026, 11, 3),
    }
    return docx.Document(io.BytesIO(render(OfficialDocument(**(defaults | fields)))))


def _east_asia(run) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_page_size_and_margins_are_those_of_the_standard():
    section = _doc().sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert [
        round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ] == [
        37,
        35,
        28,
        26,
    ]


def test_the_grid_holds_22_lines_of_28_characters():
    grid = _doc().sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert int(grid.get(qn("w:linePitch"))) == line_pitch_twips()
    # 225 mm of type area over 22 lines, 156 mm over 28 characters of 16 pt
    assert 22 * line_pitch_twips() <= round(225 / 25.4 * 1440) < 23 * line_pitch_twips()
    pitch_pt = 16 + char_space() / 4096
    assert abs(28 * pitch_pt - 156 / 25.4 * 72) < 0.5


def test_title_body_and_headings_carry_the_official_faces_and_sizes():
    document = _doc()
    title, blank, first, body, second, *_rest = document.paragraphs
    assert title.text.startswith("关于张三") and title.alignment == 1  # centred
    assert _east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    assert first.text == "一、基本情况" and _east_asia(first.runs[0]) == "黑体"
    assert second.text == "（一）培养情况" and _east_asia(second.runs[0]) == "楷体_GB2312"
    assert _east_asia(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size.pt == 16
    assert body._p.pPr.ind.get(qn("w:firstLineChars")) == "200"  # two characters in


def test_a_numbered_paragraph_of_sentences_stays_in_the_body_face():
    """“一、会议听取了……。会议认为……” in the minutes is body text; “一、基本情况” is a heading."""
    long_item = "一、会议听取了支部书记关于上半年工作的报告。会议认为，支部各项工作推进有力，党员作用发挥明显。"
    document = _doc(paragraphs=["一、基本情况", long_item, "（二）短标题"])
    faces = {p.text: _east_asia(p.runs[0]) for p in document.paragraphs if p.runs}
    assert faces["一、基本情况"] == "黑体" and faces["（二）短标题"] == "楷体_GB2312"
    assert faces[long_item] == "仿宋_GB2312"


def test_issuer_and_date_close_the_document():
    paragraphs = [p.text for p in _doc().paragraphs if p.text]
    assert paragraphs[-2:] == ["中共测试第一支部委员会", "2026年11月3日"]


def test_the_font_table_names_a_free_face_for_each_official_one():
    data = render(OfficialDocument(title="标题", paragraphs=["正文"], issuer="党委", issued_on=TODAY))
    table = zipfile.ZipFile(io.BytesIO(data)).read("word/fontTable.xml").decode()
    for face in FACES.values():
        assert f'w:name="{face.official}"><w:altName w:val="{face.fallback}"/>' in table
    assert "Noto Serif CJK SC" in table and "Noto Sans CJK SC" in table


def test_pages_are_numbered_outside_on_odd_and_even_pages():
    document = _doc()
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, align in ((section.footer, 2), (section.even_page_footer, 0)):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == align
        xml = paragraph._p.xml
        assert "PAGE" in xml and "— " in paragraph.text and " —" in paragraph.text


def test_a_table_follows_the_paragraphs():
    document = _doc(table=[["姓名", "性别"], ["张三", "男"]])
    assert [[c.text for c in row.cells] for row in document.tables[0].rows] == [["姓名", "性别"], ["张三", "男"]]


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一")])
def test_chinese_numerals_of_headings(n, text):
    assert numeral_of(n) == text


def test_dates_are_written_without_padding():
    assert date_text(datetime.date(2026, 1, 5)) == "2026年1月5日"


def test_rich_text_becomes_paragraphs():
    html = "<p>第一段<strong>加粗</strong></p><ul><li>一项</li><li>二项</li></ul>第三行<br>第四行<p>&lt;script&gt;</p>"
    assert paragraphs_of_html(html) == ["第一段加粗", "· 一项", "· 二项", "第三行", "第四行", "<script>"]


def test_a_table_of_rich_text_stays_a_table_where_it_stands():
    html = (
        "<p>前言</p><table><tr><th>名次</th><th>单位</th></tr>"
        "<tr><td>1</td><td>第一 支部<br>机关</td></tr></table><p>后记</p>"
    )
    assert paragraphs_of_html(html) == ["前言", Table((("名次", "单位"), ("1", "第一 支部 机关"))), "后记"]
    document = _doc(paragraphs=paragraphs_of_html(html))
    body = [child.tag.rsplit("}", 1)[1] for child in document.element.body]
    assert body.index("tbl") > 0 and [[c.text for c in r.cells] for r in document.tables[0].rows][1] == [
        "1",
        "第一 支部 机关",
    ]
    texts = [p.text for p in document.paragraphs]
    assert texts.index("后记") > texts.index("前言")


@pytest.mark.usefixtures("today")
def test_the_minutes_of_a_held_meeting_as_a_word_document(client, world):
    from apps.orglife.selectors import meeting_roll
    from apps.orglife.services import attendance_record, meeting_create, minutes_record

    meeting = meeting_create(
        actor=world.users["secretary_a"], node=world.branch_a, held_on=TODAY - datetime.timedelta(days=3),
        kinds=["general_meeting"], topic="讨论发展党员", place="三楼会议室", today=TODAY,
    )  # fmt: skip
    roll = meeting_roll(meeting)
    absent = roll[0].person
    marks = {e.person.pk: "absent" if e.person == absent else "present" for e in roll}
    attendance_record(actor=world.users["secretary_a"], meeting=meeting, marks=marks, now=at(TODAY))
    sign_in(client, world.users["secretary_a"])
    page = client.get(reverse("orglife:meeting", args=[meeting.pk]))
    assert reverse("orglife:meeting_word", args=[meeting.pk]).encode() not in page.content  # no minutes yet
    minutes_record(
        actor=world.users["secretary_a"], meeting=meeting, minutes="<p>会议讨论了发展对象。</p><p>一致同意。</p>",
        decisions="同意接收为预备党员。\n报党委审批。", now=at(TODAY),
    )  # fmt: skip
    page = client.get(reverse("orglife:meeting", args=[meeting.pk]))
    assert reverse("orglife:meeting_word", args=[meeting.pk]).encode() in page.content
    response = client.get(reverse("orglife:meeting_word", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = [p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs]
    assert "三楼会议室" in "".join(text) and absent.name in next(t for t in text if t.startswith(("缺席", "Absent")))
    assert "会议讨论了发展对象。" in text and "一致同意。" in text and "报党委审批。" in text
    assert text[-1] == date_text(meeting.held_on) and text[-2] == world.branch_a.name


@pytest.mark.usefixtures("today")
def test_a_notice_as_a_word_document_reads_as_the_board(client, world, notices):  # noqa: F811
    notice = notices["org_a"]
    version = notice.versions.order_by("-number").first()
    sign_in(client, world.users["member_a"])
    page = client.get(reverse("disclosure:notice", args=[notice.pk]))
    assert reverse("disclosure:word", args=[notice.pk]).encode() in page.content
    response = client.get(reverse("disclosure:word", args=[notice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == DOCX_TYPE
    text = [p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs if p.text]
    assert text[0] == version.title
    assert text[-2:] == [notice.node.name, date_text(timezone.localdate(version.published_at))]
    assert any(date_text(version.opens_on) in t and date_text(version.closes_on) in t for t in text)
    sign_in(client, world.users["member_b"])
    assert client.get(reverse("disclosure:word", args=[notice.pk])).status_code == 404
