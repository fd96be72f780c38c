"""The disclosure workflow and its tamper-evident archive."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection

from apps.audit.models import AuditEntry
from apps.disclosure.models import Category, Notice, NoticeStatus, NoticeVersion
from apps.disclosure.services import (
    content_clean,
    notice_correct,
    notice_draft,
    notice_sweep,
    notice_transition,
)
from tests.dates import TODAY, at

D = datetime.date


@pytest.fixture
def published(world):
    notice = notice_draft(
        actor=world.users["secretary_a"],
        node=world.branch_a,
        category=Category.objects.get(code="dues"),
        title="2025年党费收缴使用情况",
        content="<p>收缴党费 <strong>12,345</strong> 元</p>",
        opens_on=D(2026, 9, 28),
    )
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    notice_transition(actor=world.users["staff"], notice=notice, move="approve")
    # published on the day its window opens (a window already begun is not published: workflow.TRANSITIONS)
    return notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=at(D(2026, 9, 28)))


def test_workflow_draft_check_approve_publish(world, published):
    assert published.status == NoticeStatus.PUBLISHED
    assert published.closes_on == D(2026, 10, 7)  # 10 calendar days for the dues category
    assert NoticeVersion.objects.get(notice=published).number == 1
    actions = set(AuditEntry.objects.filter(target_id=str(published.pk)).values_list("action", flat=True))
    assert {
        "disclosure.notice_drafted",
        "disclosure.notice_checked",
        "disclosure.notice_approved",
        "disclosure.notice_published",
    } <= actions


def test_window_in_working_days_over_the_holiday(world):
    notice = notice_draft(
        actor=world.users["secretary_a"],
        node=world.branch_a,
        category=Category.objects.get(code="development"),
        title="公示",
        content="",
        opens_on=D(2026, 9, 28),
    )
    assert notice.closes_on == D(2026, 10, 9)


def test_author_cannot_check_own_notice_and_secretary_cannot_approve(world):
    notice = notice_draft(
        actor=world.users["secretary_a"],
        node=world.branch_a,
        category=Category.objects.get(code="meetings"),
        title="三会一课",
        content="",
        opens_on=D(2026, 11, 2),
    )
    with pytest.raises(ValidationError):
        notice_transition(actor=world.users["secretary_a"], notice=notice, move="check")
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    with pytest.raises(PermissionDenied):
        notice_transition(actor=world.users["secretary_a"], notice=notice, move="approve")
    with pytest.raises(ValidationError):  # not approved yet
        notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=at(TODAY))


def test_window_ending_before_it_opens_is_refused(world):
    with pytest.raises(ValidationError):
        notice_draft(
            actor=world.users["secretary_a"],
            node=world.branch_a,
            category=Category.objects.get(code="dues"),
            title="x",
            content="",
            opens_on=D(2026, 11, 2),
            closes_on=D(2026, 11, 1),
        )
    assert not Notice.objects.filter(title="x").exists()


def test_script_in_content_is_removed():
    assert content_clean('<p onclick="x()">好</p><script>alert(1)</script><a href="javascript:x">链接</a>') == (
        "<p>好</p>链接"
    )


def _correct(world, notice, **text):
    """A correction drafted by the branch secretary, checked, approved and published by others."""
    correction = notice_correct(actor=world.users["secretary_a"], notice=notice, note="更正金额", **text)
    notice_transition(actor=world.users["organiser_a"], notice=correction, move="check")
    notice_transition(actor=world.users["staff"], notice=correction, move="approve")
    return notice_transition(actor=world.users["staff"], notice=correction, move="publish", now=at(TODAY))


def test_correction_is_a_new_version_and_the_first_stays(world, published):
    _correct(world, published, content="<p>收缴党费 12,354 元</p>")
    versions = list(NoticeVersion.objects.filter(notice=published).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert "12,345" in versions[0].content and "12,354" in versions[1].content
    assert versions[1].previous_hash == versions[0].hash


def test_verify_passes_on_an_untouched_archive(world, published):
    out = StringIO()
    call_command("disclosure_verify", stdout=out)
    assert "0 problems" in out.getvalue()


def test_update_in_sql_is_detected_and_named(world, published):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE disclosure_noticeversion SET content = %s WHERE notice_id = %s",
            ["<p>收缴党费 99 元</p>", published.pk],
        )
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("disclosure_verify", stdout=out)
    assert exit_info.value.code == 1
    assert f"notice {published.pk}" in out.getvalue()


def test_removed_version_is_detected(world, published):
    _correct(world, published, title="更正", content="x")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM disclosure_noticeversion WHERE notice_id = %s AND number = 1", [published.pk])
    with pytest.raises(SystemExit):
        call_command("disclosure_verify", stdout=StringIO())


def test_sweep_closes_ended_windows_once_and_archives_later(world, published):
    assert notice_sweep(today=D(2026, 10, 7)) == 0  # the last day of the window
    assert notice_sweep(today=D(2026, 10, 8)) == 1
    assert notice_sweep(today=D(2026, 10, 8)) == 0
    published.refresh_from_db()
    assert published.status == NoticeStatus.CLOSED
    assert notice_sweep(today=D(2026, 11, 6)) == 0  # 30 days of retention
    assert notice_sweep(today=D(2026, 11, 7)) == 1
    published.refresh_from_db()
    assert published.status == NoticeStatus.ARCHIVED


@pytest.mark.parametrize(
    ("opens_on", "closes_on"),
    [
        (D(2026, 9, 28), D(2026, 10, 9)),  # over the National Day holiday
        (D(2026, 10, 9), D(2026, 10, 14)),  # Saturday 10/10 is a working day (调休)
    ],
)
def test_window_boundaries_over_holiday_and_working_weekend(world, opens_on, closes_on):
    from apps.workdays.selectors import calendar_load

    assert calendar_load().add_working_days(opens_on, 5) == (closes_on, False)
    notice = notice_draft(
        actor=world.users["secretary_a"],
        node=world.branch_a,
        category=Category.objects.get(code="development"),
        title="公示",
        content="",
        opens_on=opens_on,
    )
    assert notice.closes_on == closes_on


@pytest.mark.django_db
def test_working_saturday_counts():
    from apps.workdays.selectors import calendar_load

    # opened Friday 10/9: 10/9, Saturday 10/10 (调休), 10/12, 10/13, 10/14
    assert calendar_load().add_working_days(D(2026, 10, 9), 5) == (D(2026, 10, 14), False)


def test_attachment_of_the_wrong_type_is_refused(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.disclosure.services import notice_attach

    notice = notice_draft(
        actor=world.users["secretary_a"],
        node=world.branch_a,
        category=Category.objects.get(code="dues"),
        title="x",
        content="",
        opens_on=D(2026, 11, 2),
    )
    with pytest.raises(ValidationError):
        notice_attach(
            actor=world.users["secretary_a"], notice=notice, uploaded=SimpleUploadedFile("a.exe", b"MZ"), now=at(TODAY)
        )
    assert notice.attachments.count() == 0
