"""Report runs: asked for, executed, offered only when complete, swept; bad input refused with nothing saved."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from apps.reports import catalogue
from apps.reports.choices import RunStatus
from apps.reports.definitions import ROSTER_FIELDS, roster_people
from apps.reports.models import ReportPolicy, ReportRun
from apps.reports.services import run_execute, run_request, runs_sweep
from tests.dates import at

NOW = at(datetime.date(2026, 3, 2), 10)
JOINED = ROSTER_FIELDS.index("joined_on")


def clock(moment=NOW):
    return lambda: moment


def _run(user, report="roster", params=None, fmt="xlsx"):
    run = run_request(actor=user, report_name=report, params=params or {}, fmt=fmt, now=NOW)
    return run_execute(run_id=run.pk, clock=clock())


def _sheet(run, storage):
    book = load_workbook(Path(storage) / run.file, read_only=True)
    return [tuple(r) for r in book.active.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_roster_of_a_secretary_holds_only_the_subtree(world, private_storage):
    run = _run(world.users["secretary_a"])
    assert run.status == RunStatus.DONE, run.error
    rows = _sheet(run, private_storage)
    names = {r[0] for r in rows[2:]}  # the masked note, then the header
    assert "member_a" in {p.user.username for p in world.people.values() if p.name in names and p.user_id}
    assert world.people["member_b"].name not in names
    assert len(rows) - 2 == roster_people(world.users["secretary_a"]).count() == run.rows
    assert run.size == (Path(private_storage) / run.file).stat().st_size
    assert len(run.sha256) == 64
    assert run.progress == 100 and run.expires_at == NOW + datetime.timedelta(days=7)


@pytest.mark.django_db
def test_a_group_member_is_on_the_roster_under_their_branch_and_group(world, private_storage):
    """The register's 所在党支部 is the branch; a Party group's member shows it, and the group beside it."""
    rows = _sheet(_run(world.users["secretary_a"]), private_storage)
    branch, group = ROSTER_FIELDS.index("branch"), ROSTER_FIELDS.index("group")
    member = next(r for r in rows[2:] if r[0] == world.people["member_a"].name)
    assert (member[branch], member[group]) == (world.branch_a.name, world.group_a.name)
    assert world.group_a.name not in {r[branch] for r in rows[2:]}


@pytest.mark.django_db
def test_excel_header_frozen_dates_as_dates_and_formulas_escaped(world, private_storage):
    member = world.people["member_a"]
    member.name = "=HYPERLINK(1)"
    member.joined_on = datetime.date(2010, 7, 1)
    member.save()
    run = _run(world.users["staff"])
    book = load_workbook(Path(private_storage) / run.file)
    sheet = book.active
    assert sheet.freeze_panes == "A3"
    assert sheet["A2"].value == "姓名" and sheet["A2"].font.b
    found = [row for row in sheet.iter_rows(min_row=3) if row[0].value == "'=HYPERLINK(1)"]
    assert found and found[0][JOINED].is_date and found[0][JOINED].value.date() == datetime.date(2010, 7, 1)
    assert sheet.column_dimensions["H"].width == 20


@pytest.mark.django_db
def test_masked_roster_says_it_cannot_be_imported_and_exchange_needs_the_right(world, private_storage):
    world.people["member_a"].id_number = "110101199003077777"
    masked = _run(world.users["secretary_a"])
    rows = _sheet(masked, private_storage)
    assert "不能再导入" in rows[0][0] or "cannot be imported" in rows[0][0]
    assert "秘密路1号" not in {c for r in rows for c in r}
    # the secretary holds view_sensitive over branch A: an exchange export shows the address
    full = _run(world.users["secretary_a"], params={"exchange": "on"})
    assert full.status == RunStatus.DONE, full.error
    assert "秘密路1号" in {c for r in _sheet(full, private_storage) for c in r}
    # the propaganda member sees the branch but not its sensitive data: refused, no file
    refused = _run(world.users["propaganda_a"], params={"exchange": "on"})
    assert refused.status == RunStatus.FAILED and refused.file == ""
    assert not list(Path(private_storage).rglob("*.part"))


@pytest.mark.django_db
def test_development_stats_totals_equal_the_pipeline_page(world, client, today):
    from apps.lifecycle.selectors import pipeline_counts, pipeline_for

    table = catalogue.get("development_stats").rows(user=world.users["staff"], params={"year": None}, today=today)
    page = pipeline_counts(pipeline_for(user=world.users["staff"]), today=today)
    assert table.totals == {"open": sum(r["n"] for r in page), "overdue": sum(r["overdue"] for r in page)}
    rows = list(table.rows)
    assert rows[-1][3] == table.totals["open"]


@pytest.mark.django_db
def test_structure_totals_equal_the_roster(world):
    table = catalogue.get("membership_structure").rows(
        user=world.users["staff"], params={"year": 2026}, today=datetime.date(2026, 3, 2)
    )
    rows = list(table.rows)
    assert table.totals["members"] == roster_people(world.users["staff"]).count()
    for dimension in (_("Gender"), _("Education"), _("Party standing")):
        assert sum(r[2] for r in rows if r[0] == dimension) == table.totals["members"], dimension


@pytest.mark.django_db
def test_pdf_has_its_fonts_embedded(world, private_storage):
    run = _run(world.users["staff"], fmt="pdf")
    assert run.status == RunStatus.DONE, run.error
    path = Path(private_storage) / run.file
    assert path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        lines = [line for line in fonts.splitlines()[2:] if line.strip()]
        assert lines and all(" yes " in line for line in lines), fonts
        assert any("CJK" in line for line in lines)


@pytest.mark.django_db
def test_a_pdf_runs_progress_moves_past_the_rows_while_the_pages_are_laid_out(world, private_storage, monkeypatch):
    """Reading the rows is the first fifth of a PDF run; the progress then says the pages are being laid out and the
    file written (it no longer waits at 99 % for the longest step)."""
    from apps.reports import services
    from apps.reports.services import PDF_STAGES

    run = run_request(actor=world.users["staff"], report_name="roster", params={}, fmt="pdf", now=NOW)
    original, seen = services.write_pdf, []

    def write_pdf(*args, on_row, on_stage, **kwargs):
        def row(n):
            on_row(n)
            seen.append(("row", ReportRun.objects.get(pk=run.pk).progress))

        def stage(name):
            on_stage(name)
            seen.append((name, ReportRun.objects.get(pk=run.pk).progress))

        return original(*args, on_row=row, on_stage=stage, **kwargs)

    monkeypatch.setattr(services, "write_pdf", write_pdf)
    done = run_execute(run_id=run.pk, clock=clock())
    assert done.status == RunStatus.DONE and done.progress == 100
    assert seen[-2:] == [("layout", PDF_STAGES["layout"]), ("write", PDF_STAGES["write"])]
    assert all(p <= PDF_STAGES["rows"] for kind, p in seen if kind == "row")


@pytest.mark.django_db
def test_pdf_page_cap(world, private_storage):
    ReportPolicy.objects.create(pdf_page_cap=1)
    ok = _run(world.users["secretary_a"], fmt="pdf")
    assert ok.status == RunStatus.DONE, ok.error
    from apps.people.choices import PoliticalStatus
    from tests.factories import PersonFactory

    for _n in range(80):
        PersonFactory(node=world.branch_a, political_status=PoliticalStatus.FULL)
    capped = _run(world.users["secretary_a"], fmt="pdf")
    assert capped.status == RunStatus.FAILED
    assert "Excel" in capped.error and capped.file == ""
    assert not list(Path(private_storage).rglob("*.pdf*"))[1:]  # only the first run's file


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("report", "params", "fmt", "message"),
    [
        ("nonsense", {}, "xlsx", "没有名为"),
        ("development_stats", {"year": "abc"}, "xlsx", "整数"),
        ("membership_structure", {}, "xlsx", "必填"),
        ("audit_extract", {"since": "1926-01-01", "until": "2026-01-01"}, "xlsx", "太长"),
        ("roster", {"colour": "red"}, "xlsx", "未知"),
        ("roster", {}, "docx", "docx"),
    ],
)
def test_bad_input_is_refused_with_nothing_saved(world, report, params, fmt, message):
    with pytest.raises(ValidationError) as exc:
        run_request(actor=world.users["admin"], report_name=report, params=params, fmt=fmt, now=NOW)
    assert message in " ".join(exc.value.messages)
    assert not ReportRun.objects.exists()


@pytest.mark.django_db
def test_a_user_without_scope_may_not_run(world):
    with pytest.raises(ValidationError):
        run_request(actor=world.users["member_a"], report_name="roster", params={}, fmt="xlsx", now=NOW)
    assert not ReportRun.objects.exists()


@pytest.mark.django_db
def test_at_most_n_active_runs_per_person(world):
    for _n in range(2):
        run_request(actor=world.users["staff"], report_name="roster", params={}, fmt="xlsx", now=NOW)
    with pytest.raises(ValidationError):
        run_request(actor=world.users["staff"], report_name="roster", params={}, fmt="xlsx", now=NOW)
    assert ReportRun.objects.count() == 2


@pytest.mark.django_db
def test_a_worker_killed_mid_run_leaves_no_file_offered(world, private_storage, monkeypatch):
    """The writer dies in the middle of the rows (as a killed worker would): the run offers no file; the half file
    under its temporary name is not the run's; the sweep takes the run up again once stale, and it is then done."""
    from apps.reports import services

    run = run_request(actor=world.users["staff"], report_name="roster", params={}, fmt="xlsx", now=NOW)

    def killed(path, **kwargs):
        Path(path).write_bytes(b"PK\x03\x04half")
        raise SystemExit("killed")  # not an Exception: nothing in the run catches it, as with SIGKILL

    monkeypatch.setattr(services, "write_xlsx", killed)
    with pytest.raises(SystemExit):
        run_execute(run_id=run.pk, clock=clock())
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.file == "" and not run.downloadable
    # (the finally removed the part here; a real SIGKILL leaves it, and the sweep removes it)
    part = Path(private_storage) / "reports/tmp" / f"{run.pk}-dead.part"
    part.write_bytes(b"half")
    monkeypatch.undo()
    # a second delivery while the first is fresh does nothing
    assert run_execute(run_id=run.pk, clock=clock(NOW + datetime.timedelta(minutes=1))) is None
    later = NOW + datetime.timedelta(minutes=31)
    result = runs_sweep(clock=clock(later))
    assert result["again"] == [run.pk] and not part.exists()
    done = run_execute(run_id=run.pk, clock=clock(later))
    assert done.status == RunStatus.DONE and done.attempts == 2 and done.downloadable


@pytest.mark.django_db
def test_a_run_stopped_too_often_fails(world):
    ReportPolicy.objects.create(max_attempts=1)
    run = run_request(actor=world.users["staff"], report_name="roster", params={}, fmt="xlsx", now=NOW)
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, attempts=1, heartbeat_at=NOW)
    runs_sweep(clock=clock(NOW + datetime.timedelta(hours=1)))
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error


@pytest.mark.django_db
def test_expiry_sweep_removes_the_file(world, private_storage):
    run = _run(world.users["staff"])
    path = Path(private_storage) / run.file
    assert path.exists()
    assert runs_sweep(clock=clock(run.expires_at - datetime.timedelta(seconds=1)))["expired"] == 0
    assert runs_sweep(clock=clock(run.expires_at))["expired"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.EXPIRED and run.file == "" and not path.exists()


@pytest.mark.django_db
def test_report_run_command(world, tmp_path):
    out = io.StringIO()
    call_command("report_run", "--list", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("roster\txlsx,pdf") for line in lines)
    assert any(line.startswith("development_stats\txlsx,pdf\tyear:integer?") for line in lines)
    target = tmp_path / "r.xlsx"
    call_command("report_run", "roster", "--out", str(target), "--user", "secretary_a", stdout=out)
    rows = list(load_workbook(target, read_only=True).active.iter_rows(values_only=True))
    assert len(rows) - 2 == roster_people(world.users["secretary_a"]).count()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "report_run",
            "development_stats",
            "--out",
            str(tmp_path / "x.xlsx"),
            "--user",
            "staff",
            "--param",
            "year=abc",
        )
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "x.xlsx.part").exists()


@pytest.mark.django_db
def test_structure_of_a_past_year_counts_the_roll_on_its_last_day(world):
    """The roll on 31 December of the year chosen (the membership page's roll that day): a member admitted later is
    not on it, one who left later is, and each counts with the standing they had that day."""
    from apps.membership.models import MembershipPeriod
    from apps.membership.selectors import roll_on
    from apps.people.choices import PoliticalStatus
    from tests.factories import PersonFactory

    day = datetime.date(2025, 12, 31)
    later = PersonFactory(
        node=world.branch_a, political_status=PoliticalStatus.PROBATIONARY, joined_on=datetime.date(2026, 1, 20)
    )
    MembershipPeriod.objects.filter(person=later).update(started_on=later.joined_on, began="admission")
    converted = PersonFactory(
        node=world.branch_a,
        political_status=PoliticalStatus.FULL,
        joined_on=datetime.date(2025, 2, 1),
        full_member_on=datetime.date(2026, 2, 1),
    )
    MembershipPeriod.objects.filter(person=converted).update(started_on=converted.joined_on)
    table = catalogue.get("membership_structure").rows(
        user=world.users["staff"], params={"year": 2025}, today=datetime.date(2026, 3, 2)
    )
    rows = list(table.rows)
    assert table.totals["members"] == roll_on(world.committee, day).count()
    assert later not in roll_on(world.committee, day) and converted in roll_on(world.committee, day)
    standing = {r[1]: r[2] for r in rows if r[0] == _("Party standing")}
    assert standing.get(str(PoliticalStatus.PROBATIONARY.label), 0) >= 1
    assert "2025-12-31" in table.caption
    assert not any(r[0] == _("Age") and not r[1] for r in rows)  # every age has its band


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("report", "params", "message"),
    [
        ("membership_structure", {"year": "2027"}, "2027"),
        ("development_stats", {"year": "2030"}, "2030"),
        ("audit_extract", {"since": "2026-04-01", "until": "2026-05-01"}, "today"),
    ],
)
def test_a_year_not_begun_or_a_period_after_today_is_refused_before_anything_runs(world, report, params, message):
    before = ReportRun.objects.count()
    with pytest.raises(ValidationError) as refused:
        run_request(actor=world.users["staff"], report_name=report, params=params, fmt="xlsx", now=NOW)
    assert message in " ".join(refused.value.messages) or "今天" in " ".join(refused.value.messages)
    assert ReportRun.objects.count() == before


@pytest.mark.django_db
def test_the_file_says_what_it_is_of_and_the_exchange_roster_is_marked(world, private_storage):
    structure = _run(world.users["staff"], report="membership_structure", params={"year": "2025"})
    assert structure.status == RunStatus.DONE, structure.error
    first = _sheet(structure, private_storage)[0][0]
    assert "2025" in first and "2025-12-31" in first
    assert "-2025-" in structure.filename  # a file of another year is told apart by its name
    empty = _run(world.users["staff"], report="audit_extract", params={"since": "2020-01-01", "until": "2020-01-31"})
    assert _("Nothing to report for these parameters.") in _sheet(empty, private_storage)[0][0]
    workbook = _run(world.users["staff"], params={"exchange": "on"})
    assert _("Confidential: ID numbers and home addresses in full") in _sheet(workbook, private_storage)[0][0]
    exchange = _run(world.users["staff"], params={"exchange": "on"}, fmt="pdf")
    assert exchange.status == RunStatus.DONE, exchange.error
    assert "exchange" in exchange.filename
    masked = _run(world.users["staff"], fmt="pdf")
    assert "exchange" not in masked.filename
    if shutil.which("pdftotext"):

        def text(run):
            path = Path(private_storage) / run.file
            return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout

        assert _("Confidential: ID numbers and home addresses in full") in text(exchange)
        assert _("Confidential: ID numbers and home addresses in full") not in text(masked)


@pytest.mark.django_db
def test_the_audit_log_tells_an_export_for_exchange_from_a_masked_one(world):
    from apps.audit.models import AuditEntry

    run = run_request(actor=world.users["staff"], report_name="roster", params={"exchange": "on"}, fmt="xlsx", now=NOW)
    entry = AuditEntry.objects.filter(action="reports.run_requested").order_by("-pk").first()
    assert entry.changes["params"][1] == run.params == {"exchange": True}
