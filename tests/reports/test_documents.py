"""Official documents through the report catalogue (ADR 15, 16): the notice and the minutes written in Word by a
run, offered only for the records the runner may open, refused with nothing saved otherwise."""

from __future__ import annotations

import datetime
from pathlib import Path

import docx
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.documents.official import date_text
from apps.reports import catalogue
from apps.reports.choices import RunStatus
from apps.reports.models import ReportRun
from apps.reports.services import run_execute, run_request
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.disclosure.test_board import notices  # noqa: F401 - the fixture

NOW = at(TODAY, 10)


def _paragraphs(run, storage) -> list[str]:
    return [p.text for p in docx.Document(Path(storage) / run.file).paragraphs if p.text]


def test_documents_are_written_as_word_and_tables_are_not():
    names = {r.name: r for r in catalogue.all_reports()}
    assert names["notice_document"].formats == ("docx",) and names["meeting_minutes"].formats == ("docx",)
    assert all("docx" not in r.formats for r in names.values() if r.rows is not None)
    with pytest.raises(ValueError):
        catalogue.register(catalogue.Report(name="x", title="x", form=object, formats=("docx",)))


@pytest.mark.usefixtures("today")
def test_a_notice_from_the_catalogue_reads_as_on_the_board(client, world, notices, private_storage):  # noqa: F811
    notice = notices["org_a"]
    version = notice.versions.order_by("-number").first()
    sign_in(client, world.users["secretary_a"])
    page = client.get(reverse("reports:home") + "?report=notice_document").content.decode()
    assert f'<option value="{notice.pk}">' in page and 'value="docx"' in page and 'value="xlsx"' not in page
    client.post(reverse("reports:home"), {"report": "notice_document", "fmt": "docx", "p-notice": notice.pk})
    run = ReportRun.objects.get()
    if run.status == RunStatus.QUEUED:  # the page starts it in a thread; here it is run at once
        run = run_execute(run_id=run.pk, clock=lambda: NOW)
    assert run.status == RunStatus.DONE and run.filename.endswith(".docx"), run.error
    text = _paragraphs(run, private_storage)
    assert text[0] == version.title and text[-2] == notice.node.name


def test_a_notice_outside_the_runners_boards_is_refused_and_nothing_saved(world, notices):  # noqa: F811
    notice = notices["org_a"]  # branch A's, for branch A's members
    with pytest.raises(ValidationError):
        run_request(
            actor=world.users["secretary_b"], report_name="notice_document", params={"notice": notice.pk},
            fmt="docx", now=NOW,
        )  # fmt: skip
    with pytest.raises(ValidationError):  # a document is not a table
        run_request(
            actor=world.users["secretary_a"], report_name="notice_document", params={"notice": notice.pk},
            fmt="xlsx", now=NOW,
        )  # fmt: skip
    with pytest.raises(ValidationError):  # nor a table a document
        run_request(actor=world.users["secretary_a"], report_name="roster", params={}, fmt="docx", now=NOW)
    assert not ReportRun.objects.exists()


def test_the_minutes_of_a_held_meeting_from_the_catalogue(world, private_storage):
    from apps.orglife.selectors import meeting_roll
    from apps.orglife.services import attendance_record, meeting_create, minutes_record

    secretary = world.users["secretary_a"]
    meeting = meeting_create(
        actor=secretary, node=world.branch_a, held_on=TODAY - datetime.timedelta(days=3),
        kinds=["general_meeting"], topic="讨论发展党员", place="三楼会议室", today=TODAY,
    )  # fmt: skip
    with pytest.raises(ValidationError):  # not held yet: not offered
        run_request(actor=secretary, report_name="meeting_minutes", params={"meeting": meeting.pk}, fmt="docx", now=NOW)
    marks = {e.person.pk: "present" for e in meeting_roll(meeting)}
    attendance_record(actor=secretary, meeting=meeting, marks=marks, now=at(TODAY))
    minutes_record(
        actor=secretary, meeting=meeting, minutes="<p>一致同意。</p>", decisions="报党委审批。", now=at(TODAY)
    )
    run = run_request(
        actor=secretary, report_name="meeting_minutes", params={"meeting": meeting.pk}, fmt="docx", now=NOW
    )
    run = run_execute(run_id=run.pk, clock=lambda: NOW)
    assert run.status == RunStatus.DONE, run.error
    text = _paragraphs(run, private_storage)
    assert "一致同意。" in text and text[-1] == date_text(meeting.held_on)
    with pytest.raises(ValidationError):  # another branch's secretary
        run_request(
            actor=world.users["secretary_b"], report_name="meeting_minutes", params={"meeting": meeting.pk},
            fmt="docx", now=NOW,
        )  # fmt: skip
