"""The assessment's services: schemes (copy, publish, new version), bad input refused with nothing saved, the
sheet's workflow level by level with every column kept, results with frozen facts, lock and reopen, quotas, and
the 公示 of the results with an objection."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.assessment import components
from apps.assessment.choices import SchemeStatus, SheetStatus
from apps.assessment.models import Band, BandSet, Column, Evidence, Indicator, Sheet, Snapshot, Weight
from apps.assessment.selectors import review_levels, sheet_facts
from apps.assessment.services import (
    band_set_save,
    evidence_add,
    grades_fix,
    half_year_check,
    indicator_save,
    results_compute,
    results_publish,
    scheme_copy,
    scheme_publish,
    scheme_revise,
    scheme_update,
    sheet_accept,
    sheet_reopen,
    sheet_return,
    sheet_review_save,
    sheet_save_self,
    sheet_submit,
    sheets_assign,
    weights_save,
)
from apps.audit.models import AuditEntry
from apps.notifications.models import Reminder
from apps.portal.todo import todo_for
from tests.dates import TODAY, at

from .conftest import YEAR, build_scheme

pytestmark = pytest.mark.django_db
NOW = at(TODAY)
PDF = b"%PDF-1.4 evidence"
SELF = {
    "A1": {"events": [{"key": "q1"}]},
    "A2": {"grade": "好"},
    "A3": {"events": [{"key": "x"}]},
    "B1": {"grade": "好"},
}


def sheet_of(scheme, node):
    return Sheet.objects.get(scheme=scheme, node=node)


def evidence(world, sheet, code="A2"):
    upload = SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")
    return evidence_add(actor=world.users["secretary_a"], sheet=sheet, code=code, uploaded=upload, title="", now=NOW)


def submitted(world, scheme, node=None, facts=SELF):
    node = node or world.branch_a
    who = world.users["secretary_a"] if node == world.branch_a else world.users["secretary_b"]
    sheet = sheet_of(scheme, node)
    sheet_save_self(actor=who, sheet=sheet, facts=facts, notes={"A1": "一季度未开"}, now=NOW)
    upload = SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")
    evidence_add(actor=who, sheet=sheet, code="A2", uploaded=upload, title="", now=NOW)
    return sheet_submit(actor=who, sheet=sheet, now=NOW)


def reviewed(world, scheme, node=None, facts=SELF):
    sheet = submitted(world, scheme, node, facts)
    while sheet.status == SheetStatus.SUBMITTED:
        sheet = sheet_accept(actor=world.users["staff"], sheet=sheet, now=NOW)
    return sheet


# --- schemes ---------------------------------------------------------------------------------------------------------


def test_copy_last_year_edit_and_publish_freezes_the_tree(world):
    last = build_scheme(world, year=YEAR - 1)
    staff = world.users["staff"]
    copy = scheme_copy(actor=staff, source=last, year=YEAR)
    assert copy.status == SchemeStatus.DRAFT and copy.copied_from == last
    codes = sorted(copy.indicators.values_list("code", flat=True))
    assert codes == sorted(last.indicators.values_list("code", flat=True))
    a1 = copy.indicators.get(code="A1")
    assert a1.parent.code == "A" and a1.parent.scheme == copy
    indicator_save(actor=staff, scheme=copy, indicator=a1, values={"params": {"points": "1"}})
    scheme_publish(actor=staff, scheme=copy, now=NOW)
    with pytest.raises(ValidationError, match="frozen"):
        indicator_save(actor=staff, scheme=copy, indicator=copy.indicators.get(code="A1"), values={"title": "x"})
    assert last.indicators.get(code="A1").params == {"points": "0.5"}


def test_a_copy_keeps_the_star_bands_set_after_the_source_was_read(world):
    """The copy takes the source as stored: star bands set on it (through the service) after the caller read it
    are copied too (the demo's scheme of this year lost them)."""
    last = build_scheme(world, year=YEAR - 1, publish=False)
    stars = BandSet.objects.filter(is_star=True).first()
    scheme_update(actor=world.users["staff"], scheme=last, fields={"star_band_set": stars})
    assert last.star_band_set is None  # the caller's object is stale
    copy = scheme_copy(actor=world.users["staff"], source=last, year=YEAR)
    assert copy.star_band_set == stars


def test_a_secretary_cannot_run_a_scheme(world, plain_scheme):
    with pytest.raises(PermissionDenied):
        scheme_copy(actor=world.users["secretary_a"], source=plain_scheme, year=YEAR + 1)


def test_new_version_with_reason_moves_the_sheets_with_their_columns(world, plain_scheme):
    staff = world.users["staff"]
    sheet = sheet_of(plain_scheme, world.branch_a)
    sheet_save_self(actor=world.users["secretary_a"], sheet=sheet, facts=SELF, notes={}, now=NOW)
    with pytest.raises(ValidationError, match="reason"):
        scheme_revise(actor=staff, scheme=plain_scheme, reason=" ")
    version = scheme_revise(actor=staff, scheme=plain_scheme, reason="上级通知调整三会一课扣分标准")
    assert version.version == 2 and version.status == SchemeStatus.DRAFT
    assert sheet_of(plain_scheme, world.branch_a).scheme_id == plain_scheme.pk  # not until it is published
    indicator_save(
        actor=staff, scheme=version, indicator=version.indicators.get(code="A1"), values={"params": {"points": "1"}}
    )
    scheme_publish(actor=staff, scheme=version, now=NOW)
    plain_scheme.refresh_from_db()
    assert plain_scheme.status == SchemeStatus.SUPERSEDED
    moved = Sheet.objects.get(node=world.branch_a, scheme__year=YEAR)
    assert moved.scheme == version and moved.columns.get(level=0).facts == SELF
    assert moved.events.filter(kind="moved", reason__contains="三会一课").exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"code": "X", "title": "x", "max_points": Decimal(-1), "mode": "deduct", "params": {"points": 1}}, "negative"),
        ({"code": "X", "title": "x", "max_points": Decimal(5), "mode": "deduct", "params": {"points": -1}}, "negative"),
        (
            {"code": "X", "title": "x", "max_points": Decimal(5), "mode": "graded", "params": {"grades": {"好": 6}}},
            "more points",
        ),
        ({"code": "X", "title": "x", "mode": "veto", "params": {}}, "must name the grade"),
        ({"code": "X", "title": "x", "mode": "veto", "params": {"caps_grade_at": "合格"}}, "not a grade"),
        (
            {
                "code": "X",
                "title": "x",
                "max_points": Decimal(5),
                "mode": "data",
                "source": "nowhere",
                "params": {"mode": "deduct", "points": 1},
            },
            "no indicator source",
        ),
    ],
)
def test_bad_indicators_are_refused_and_nothing_saved(world, values, message):
    scheme = build_scheme(world, publish=False)
    before = Indicator.objects.count()
    with pytest.raises(ValidationError, match=message):
        indicator_save(actor=world.users["staff"], scheme=scheme, values=values)
    assert Indicator.objects.count() == before


def test_weights_must_sum_to_100_and_name_registered_parts(world):
    scheme = build_scheme(world, publish=False)
    staff = world.users["staff"]
    with pytest.raises(ValidationError, match="sum to 100"):
        weights_save(actor=staff, scheme=scheme, weights={"target": 90})
    with pytest.raises(ValidationError, match="registered result component"):
        weights_save(actor=staff, scheme=scheme, weights={"target": 60, "nobody": 40})
    assert list(Weight.objects.filter(scheme=scheme).values_list("part", "percent")) == [("target", Decimal(100))]


@pytest.mark.parametrize(
    "rows",
    [
        [{"grade": "好", "min_points": 90}, {"grade": "差", "min_points": 10}],  # a gap below the lowest band
        [{"grade": "好", "min_points": 60}, {"grade": "较好", "min_points": 60}, {"grade": "差", "min_points": 0}],
        [{"grade": "好", "min_points": 90, "quota_numerator": 1}, {"grade": "差", "min_points": 0}],
    ],
)
def test_band_sets_with_gaps_or_overlaps_are_refused(world, rows):
    before = (BandSet.objects.count(), Band.objects.count())
    with pytest.raises(ValidationError):
        band_set_save(actor=world.users["admin"], name="新档次", rows=rows)
    assert (BandSet.objects.count(), Band.objects.count()) == before


# --- the sheet -----------------------------------------------------------------------------------------------------


def test_a_data_indicator_without_facts_blocks_the_submission(world, scheme):
    sheet = sheet_of(scheme, world.branch_a)
    sheet_save_self(actor=world.users["secretary_a"], sheet=sheet, facts=SELF, notes={}, now=NOW)
    evidence(world, sheet)
    assert sheet_facts(sheet, as_of=TODAY) == {"D1": None}
    with pytest.raises(ValidationError, match="D1: no data"):
        sheet_submit(actor=world.users["secretary_a"], sheet=sheet, now=NOW)
    assert sheet_of(scheme, world.branch_a).status == SheetStatus.DRAFT


def test_data_indicators_are_scored_from_seeded_meetings_and_not_typed_in(world, scheme, held):
    held(datetime.date(YEAR, 1, 15))  # one general meeting: the quarters after it are owed and missing
    sheet = sheet_of(scheme, world.branch_a)
    facts = sheet_facts(sheet, as_of=TODAY)["D1"]
    keys = [e["key"] for e in facts["events"]]
    assert "general_meeting:2026-Q2" in keys and all(e["url"] for e in facts["events"])
    sheet_save_self(
        actor=world.users["secretary_a"], sheet=sheet, facts={**SELF, "D1": {"events": []}}, notes={}, now=NOW
    )
    column = Column.objects.get(sheet=sheet, level=0)
    assert "D1" not in column.facts  # read from its source, never from the form
    assert len(set(keys)) >= 10  # 5 points less 0.5 per missing period, floored at 0
    assert column.total == Decimal("95.50")  # A: 9.5 + 5 + 1 + 0 (D1) = 15.5 (cap 20); B1: 80


def test_evidence_of_the_wrong_type_is_refused(world, plain_scheme):
    sheet = sheet_of(plain_scheme, world.branch_a)
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00binary", content_type="application/x-msdownload")
    with pytest.raises(ValidationError):
        evidence_add(actor=world.users["secretary_a"], sheet=sheet, code="A2", uploaded=bad, title="", now=NOW)
    assert not Evidence.objects.exists()


def test_required_evidence_blocks_the_submission(world, plain_scheme):
    sheet = sheet_of(plain_scheme, world.branch_a)
    sheet_save_self(actor=world.users["secretary_a"], sheet=sheet, facts=SELF, notes={}, now=NOW)
    with pytest.raises(ValidationError, match="A2: evidence is required"):
        sheet_submit(actor=world.users["secretary_a"], sheet=sheet, now=NOW)


def test_bad_column_entries_are_refused(world, plain_scheme):
    sheet = sheet_of(plain_scheme, world.branch_a)
    with pytest.raises(ValidationError, match="not one of this indicator's grades"):
        sheet_save_self(
            actor=world.users["secretary_a"], sheet=sheet, facts={"A2": {"grade": "优秀"}}, notes={}, now=NOW
        )
    assert not Column.objects.filter(sheet=sheet).exists()
    assert sheet_of(plain_scheme, world.branch_a).status == SheetStatus.NOT_STARTED


def test_review_level_by_level_return_and_resubmit_keep_every_column(world, plain_scheme):
    staff, secretary = world.users["staff"], world.users["secretary_a"]
    sheet = submitted(world, plain_scheme)
    assert [n.pk for n in review_levels(sheet)] == [world.general.pk, world.committee.pk]
    with pytest.raises(PermissionDenied):
        sheet_accept(actor=secretary, sheet=sheet, now=NOW)  # never its own reviewer
    sheet_review_save(
        actor=staff, sheet=sheet, facts={**SELF, "B1": {"grade": "较好"}}, notes={"B1": "材料不全"}, now=NOW
    )
    with pytest.raises(ValidationError, match="reason"):
        sheet_return(actor=staff, sheet=sheet, reason="", now=NOW)
    sheet = sheet_return(actor=staff, sheet=sheet, reason="请补充支部班子材料", now=NOW)
    assert sheet.status == SheetStatus.RETURNED and sheet.return_reason == "请补充支部班子材料"
    news = Reminder.objects.filter(source="assessment.returned", subject_id=sheet.pk)
    assert news.exists() and not news.filter(done_at__isnull=False).exists()
    # the returned sheet heads the secretary's to-do, with the reason
    fill = {t.key: t for t in todo_for(user=secretary, today=TODAY)}["assessment_fill"]
    assert (
        fill.items[0].url.endswith(f"/assessment/sheets/{sheet.pk}/") and "请补充支部班子材料" in fill.items[0].detail
    )
    sheet_save_self(
        actor=secretary, sheet=sheet, facts={**SELF, "A3": {"events": [{"key": "x"}, {"key": "y"}]}}, notes={}, now=NOW
    )
    sheet = sheet_submit(actor=secretary, sheet=sheet, now=NOW)
    assert sheet.level == 1
    assert not news.filter(done_at__isnull=True).exists()  # resubmitted: the news is done with
    assert "assessment_fill" not in {t.key for t in todo_for(user=secretary, today=TODAY)}
    sheet = sheet_accept(actor=staff, sheet=sheet, now=NOW)  # the general branch's level keeps its own column
    assert sheet.level == 2 and sheet.status == SheetStatus.SUBMITTED
    sheet = sheet_accept(actor=staff, sheet=sheet, now=NOW)  # the committee accepts without entering: level 1 copied
    assert sheet.status == SheetStatus.REVIEWED
    columns = {c.level: c for c in sheet.columns.all()}
    assert columns[0].total == Decimal("96.50") and columns[1].total == Decimal("79.50")
    assert columns[2].facts == columns[1].facts and columns[1].notes == {"B1": "材料不全"}
    assert list(sheet.events.values_list("kind", flat=True)) == [
        "submitted",
        "returned",
        "submitted",
        "accepted",
        "accepted",
    ]


def test_half_year_check_is_a_snapshot_without_grade(world, plain_scheme):
    sheet = submitted(world, plain_scheme)
    snapshot = half_year_check(actor=world.users["staff"], sheet=sheet, feedback="进度正常", now=NOW)
    assert snapshot.kind == "half_year" and snapshot.grade == "" and snapshot.points["0"]["total"] == "95.50"


# --- results -------------------------------------------------------------------------------------------------------


def held_by_staff(world, meet, day, node):
    from apps.orglife.selectors import meeting_roll
    from apps.orglife.services import attendance_record

    meeting = meet(day, node=node, who="staff")
    marks = {e.person.pk: "present" for e in meeting_roll(meeting)}
    return attendance_record(actor=world.users["staff"], meeting=meeting, marks=marks, now=NOW)


def test_year_end_result_freezes_the_facts_and_locks_then_reopen_with_reason(world, scheme, held, meet):
    held(datetime.date(YEAR, 1, 15))
    held_by_staff(world, meet, datetime.date(YEAR, 1, 16), world.branch_b)
    for node in (world.branch_a, world.branch_b):
        reviewed(world, scheme, node)
    outcome = results_compute(actor=world.users["staff"], scheme=scheme, now=NOW)
    assert outcome["fixed"] == 2 and outcome["waiting"] == []
    sheet = sheet_of(scheme, world.branch_a)
    assert sheet.locked and sheet.status == SheetStatus.FINAL and sheet.rank in (1, 2)
    frozen = Snapshot.objects.get(sheet=sheet, kind="year_end")
    before = frozen.data_facts["D1"]["events"]
    held(datetime.date(YEAR, 5, 10))  # backfilled after the result: the locked result does not move
    assert sheet_facts(sheet, as_of=TODAY)["D1"]["events"] == before
    with pytest.raises(ValidationError, match="reason"):
        sheet_reopen(actor=world.users["staff"], sheet=sheet, reason="", now=NOW)
    with pytest.raises(PermissionDenied):
        sheet_reopen(actor=world.users["secretary_a"], sheet=sheet, reason="x", now=NOW)
    sheet = sheet_reopen(actor=world.users["staff"], sheet=sheet, reason="补录会议，重新核定", now=NOW)
    assert not sheet.locked and sheet.status == SheetStatus.REVIEWED and sheet.grade == ""
    assert len(sheet_facts(sheet, as_of=TODAY)["D1"]["events"]) < len(before)  # live again: the new meeting counts
    entry = AuditEntry.objects.get(action="assessment.sheet_reopened")
    assert entry.note == "补录会议，重新核定"
    assert Snapshot.objects.get(sheet=sheet, kind="year_end").superseded


def test_the_veto_caps_the_grade_of_the_result(world, plain_scheme):
    reviewed(world, plain_scheme, facts={**SELF, "A4": {"triggered": True}})
    results_compute(actor=world.users["staff"], scheme=plain_scheme, now=NOW)
    snapshot = Snapshot.objects.get(sheet__node=world.branch_a, kind="year_end")
    assert snapshot.combined == Decimal("95.50") and snapshot.grade == "一般" and snapshot.capped_by == ["A4"]


def test_a_missing_component_makes_the_result_wait(world):
    scheme = build_scheme(world, publish=False, data=False)
    components.register(components.Component("test_report", "述职评议", "测试", lambda *, node_ids, year: {}))
    try:
        weights_save(actor=world.users["staff"], scheme=scheme, weights={"target": 60, "test_report": 40})
        scheme = scheme_publish(actor=world.users["staff"], scheme=scheme, now=NOW)
        sheets_assign(actor=world.users["staff"], scheme=scheme, nodes=[world.branch_a], now=NOW)
        reviewed(world, scheme)
        outcome = results_compute(actor=world.users["staff"], scheme=scheme, now=NOW)
        assert outcome["fixed"] == 0 and "述职评议" in outcome["waiting"][0][1]
        assert not sheet_of(scheme, world.branch_a).locked
    finally:
        components._REGISTRY.pop("test_report")


def test_quota_refusal_names_the_band_and_the_peer_group(world, plain_scheme):
    extra = [world.branch_b]
    from tests.factories import make_node

    third = make_node(parent=world.committee, name="第三党支部")
    sheets_assign(actor=world.users["staff"], scheme=plain_scheme, nodes=[third], now=NOW)
    for node in (world.branch_a, *extra):
        reviewed(world, plain_scheme, node)
    sheet = sheet_of(plain_scheme, third)
    sheet_save_self(actor=world.users["staff"], sheet=sheet, facts=SELF, notes={}, now=NOW)
    evidence_add(
        actor=world.users["staff"],
        sheet=sheet,
        code="A2",
        uploaded=SimpleUploadedFile("e.pdf", PDF, content_type="application/pdf"),
        title="",
        now=NOW,
    )
    sheet = sheet_submit(actor=world.users["staff"], sheet=sheet, now=NOW)
    sheet_accept(actor=world.users["staff"], sheet=sheet, now=NOW)
    results_compute(actor=world.users["staff"], scheme=plain_scheme, now=NOW)
    sheets = list(Sheet.objects.filter(scheme=plain_scheme))
    assert {s.grade for s in sheets} == {"好"}  # all three score 95.5
    with pytest.raises(ValidationError, match="At most 1 of the 3 organisations") as refused:
        grades_fix(actor=world.users["staff"], scheme=plain_scheme, grades={s.pk: "好" for s in sheets}, now=NOW)
    assert "好" in str(refused.value)
    with pytest.raises(ValidationError, match="At most 1"):
        results_publish(actor=world.users["staff"], scheme=plain_scheme, today=TODAY)
    with pytest.raises(ValidationError, match="At most 1 of the 3"):  # two 好 of three: still over
        grades_fix(actor=world.users["staff"], scheme=plain_scheme, grades={sheets[1].pk: "较好"}, now=NOW)
    with pytest.raises(ValidationError, match="not a grade of the band set"):
        grades_fix(actor=world.users["staff"], scheme=plain_scheme, grades={sheets[0].pk: "优秀"}, now=NOW)
    assert {s.grade for s in Sheet.objects.filter(scheme=plain_scheme)} == {"好"}  # nothing saved
    grades_fix(
        actor=world.users["staff"], scheme=plain_scheme, grades={sheets[1].pk: "较好", sheets[2].pk: "较好"}, now=NOW
    )
    assert sorted(Sheet.objects.filter(scheme=plain_scheme).values_list("grade", flat=True)) == ["好", "较好", "较好"]


def test_the_results_notice_has_a_table_for_each_peer_group(world, plain_scheme):
    """Ranks and grades are within a peer group: the notice (and its Word document) shows each group in its own
    table, so two organisations ranked first in different groups never read as a tie."""
    import io

    from docx import Document

    from apps.disclosure.word import notice_docx

    for node in (world.branch_a, world.branch_b):
        reviewed(world, plain_scheme, node)
    Sheet.objects.filter(scheme=plain_scheme, node=world.branch_b).update(peer_group="机关党支部")
    results_compute(actor=world.users["staff"], scheme=plain_scheme, now=NOW)
    sheets = {node: sheet_of(plain_scheme, node) for node in (world.branch_a, world.branch_b)}
    assert {s.rank for s in sheets.values()} == {1}
    grades_fix(actor=world.users["staff"], scheme=plain_scheme, grades={s.pk: "较好" for s in sheets.values()}, now=NOW)
    notice = results_publish(actor=world.users["staff"], scheme=plain_scheme, today=TODAY)
    assert notice.content.count("<table>") == 2 and "机关党支部" in notice.content
    from apps.disclosure.services import notice_transition

    notice_transition(actor=world.users["admin"], notice=notice, move="check")
    notice_transition(actor=world.users["admin"], notice=notice, move="approve")
    notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=NOW)
    document = Document(io.BytesIO(notice_docx(notice=notice, version=notice.versions.get(), today=TODAY)))
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]
    assert len(tables) == 2 and [len(t) for t in tables] == [2, 2]
    assert {t[1][1] for t in tables} == {world.branch_a.name, world.branch_b.name}
    assert all(t[1][0] == "1" for t in tables)


def test_results_published_as_a_notice_with_an_objection(world, plain_scheme):
    from apps.assessment.selectors import published_results_for, results_final
    from apps.disclosure.services import notice_transition, objection_file, objection_resolve

    for node in (world.branch_a, world.branch_b):
        reviewed(world, plain_scheme, node)
    results_compute(actor=world.users["staff"], scheme=plain_scheme, now=NOW)
    grades_fix(
        actor=world.users["staff"],
        scheme=plain_scheme,
        grades={sheet_of(plain_scheme, node).pk: "较好" for node in (world.branch_a, world.branch_b)},  # 1/3 of 2: none
        now=NOW,
    )
    notice = results_publish(actor=world.users["staff"], scheme=plain_scheme, today=TODAY)
    assert notice.category.code == "goals" and "第一党支部" in notice.content and "95.50" in notice.content
    member = world.people["member_a"]
    assert published_results_for(user=world.users["member_a"], person=member) == []  # a draft is read by nobody
    notice_transition(actor=world.users["admin"], notice=notice, move="check")
    notice_transition(actor=world.users["admin"], notice=notice, move="approve")
    notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=NOW)
    results = published_results_for(user=world.users["member_a"], person=member)
    assert [s.node for s, _snap in results] == [world.branch_a]
    objection = objection_file(
        actor=world.users["member_a"], notice=notice, content="得分有误", reporter=member, today=TODAY
    )
    notice.refresh_from_db()
    notice.status = "closed"
    notice.save(update_fields=["status"])
    plain_scheme.refresh_from_db()
    assert not results_final(plain_scheme)  # an objection still open
    objection_resolve(
        actor=world.users["staff"], objection=objection, outcome="unfounded", resolution="经核实无误", today=TODAY
    )
    plain_scheme.refresh_from_db()
    assert results_final(plain_scheme)
    with pytest.raises(ValidationError, match="公示"):
        grades_fix(
            actor=world.users["staff"],
            scheme=plain_scheme,
            grades={sheet_of(plain_scheme, world.branch_a).pk: "较好"},
            now=NOW,
        )


def test_a_grade_better_than_the_result_gives_is_refused(world, plain_scheme):
    reviewed(world, plain_scheme, facts={**SELF, "B1": {"grade": "较好"}})  # 79.5: 一般
    results_compute(actor=world.users["staff"], scheme=plain_scheme, now=NOW)
    sheet = sheet_of(plain_scheme, world.branch_a)
    assert sheet.grade == "一般"
    with pytest.raises(ValidationError, match="gives at most 一般"):
        grades_fix(actor=world.users["staff"], scheme=plain_scheme, grades={sheet.pk: "较好"}, now=NOW)
