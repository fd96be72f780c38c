"""The disclosure workflow, walked from its table: every row against every state, its permission, its four-eyes
rule and its reason, so that a new row is tested without a new test. Then the findings it closes: the author checks
or approves their own notice, publishing without the right, a published notice rewritten through the admin."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from apps.audit.models import AuditEntry
from apps.disclosure.models import Category, Notice, NoticeStatus, NoticeVersion, Scope
from apps.disclosure.services import notice_attach, notice_correct, notice_draft, notice_transition, notice_update_draft
from apps.disclosure.workflow import (
    AUTHORS,
    CORRECTIONS,
    MOVES,
    NOTICES,
    SYSTEM,
    TRANSITIONS,
    UNKNOWN_MOVE,
    Transition,
    transition_for,
)
from apps.organisations.choices import NODE_PERMISSIONS
from apps.organisations.models import OrgNodeUserObjectPermission
from tests.conftest import sign_in
from tests.dates import TODAY, at
from tests.factories import UserFactory

D = datetime.date
KINDS = {False: "notice", True: "correction"}


def _row_id(row: Transition) -> str:
    return f"{row.move}-{row.applies_to}"


# --- the table itself (no database) ------------------------------------------------------------------------------


def test_each_move_has_one_row_for_a_notice_and_one_for_a_correction_at_most():
    for move in MOVES:
        for is_correction in KINDS:
            rows = [t for t in TRANSITIONS if t.move == move and t.applies(is_correction=is_correction)]
            assert len(rows) <= 1, (move, is_correction)


@pytest.mark.parametrize("row", TRANSITIONS, ids=_row_id)
def test_row_is_complete(row):
    assert set(row.sources) <= set(NoticeStatus.values) and row.target in NoticeStatus.values
    assert row.target not in row.sources
    assert row.action.startswith("disclosure.")
    assert not row.must_differ_from or row.same_actor  # a four-eyes rule says why it refuses
    assert row.permissions == SYSTEM or all(p.startswith("organisations.") for p in row.permissions)


@pytest.mark.parametrize("row", TRANSITIONS, ids=_row_id)
def test_row_messages_are_translated(row):
    messages = [row.refused, row.wrong_state, row.same_actor, row.needs_note, row.past_window]
    with translation.override("zh-hans"):
        translated = [str(m) for m in messages if m]
    with translation.override("en"):
        english = [str(m) for m in messages if m]
    assert all(zh != en for zh, en in zip(translated, english, strict=True)), translated


def test_the_author_neither_checks_nor_approves_and_publishing_has_its_own_permission():
    check, approve = transition_for("check", is_correction=False), transition_for("approve", is_correction=False)
    assert AUTHORS in check.must_differ_from and AUTHORS in approve.must_differ_from
    for is_correction in KINDS:
        publish = transition_for("publish", is_correction=is_correction)
        assert publish.permissions == ("organisations.publish",)


# --- every row against every state -------------------------------------------------------------------------------


def _grant(user, node, codenames) -> None:
    perms = Permission.objects.filter(
        content_type__app_label="organisations", content_type__model="orgnode", codename__in=codenames
    )
    OrgNodeUserObjectPermission.objects.bulk_create(
        OrgNodeUserObjectPermission(user=user, permission=p, content_object=node) for p in perms
    )


def _holder(world, codenames, name="holder"):
    """A user holding exactly these node permissions over the whole committee."""
    user = UserFactory(username=f"{name}-{'-'.join(sorted(codenames)) or 'none'}")
    _grant(user, world.committee, codenames)
    return user


def _codenames(perms) -> list[str]:
    return [p.split(".", 1)[1] for p in perms]


def _actor_for(world, row: Transition):
    return None if row.permissions == SYSTEM else _holder(world, _codenames(row.permissions[:1]))


def _notice_in(world, status: str, *, correction: bool, author) -> Notice:
    """A notice (or a correction of a published one) standing in ``status``: test data, written directly."""
    fields = {
        "node": world.branch_a,
        "kind": "disclosure",
        "category": Category.objects.get(code="meetings"),
        "scope": Scope.ORGANISATION,
        "opens_on": TODAY,
        "closes_on": TODAY + datetime.timedelta(days=7),
        "working_days": 5,
    }
    if not correction:
        return Notice.objects.create(**fields, status=status, title="支部公开", content="<p>一</p>", created_by=author)
    original = Notice.objects.create(**fields, status=NoticeStatus.PUBLISHED, title="支部公开", content="<p>一</p>")
    return Notice.objects.create(
        **fields,
        status=status,
        title="支部公开（更正）",
        content="<p>二</p>",
        created_by=author,
        corrects=original,
        correction_note="更正",
    )


CASES = [
    (row, status, is_correction)
    for row in TRANSITIONS
    for is_correction in KINDS
    if row.applies(is_correction=is_correction)
    for status in NoticeStatus.values
]


@pytest.mark.parametrize(
    ("row", "status", "is_correction"),
    CASES,
    ids=[f"{_row_id(r)}-{KINDS[c]}-from-{s}" for r, s, c in CASES],
)
def test_row_from_every_state(world, row, status, is_correction):
    # given a notice in this state and an actor who holds the row's permission and wrote nothing of it
    notice = _notice_in(world, status, correction=is_correction, author=world.users["secretary_a"])
    actor = _actor_for(world, row)
    entries = AuditEntry.objects.filter(action=row.action, target_id=str(notice.pk))

    def move():
        return notice_transition(actor=actor, notice=notice, move=row.move, now=at(TODAY), note="理由")

    if status == row.target:  # already there: nothing happens
        assert move().status == status and not entries.exists()
    elif status in row.sources:
        moved = move()
        assert moved.status == row.target and Notice.objects.get(pk=notice.pk).status == row.target
        assert entries.get().changes == {"status": [status, row.target]}
        if row.records:
            assert getattr(moved, f"{row.records}_id") == actor.pk
    else:
        with pytest.raises(ValidationError) as refused:
            move()
        label = NoticeStatus(status).label
        assert refused.value.messages == [str(row.wrong_state) % {"status": label}]
        assert Notice.objects.get(pk=notice.pk).status == status and not entries.exists()


NO_ROW = [(move, c) for move in MOVES for c in KINDS if transition_for(move, is_correction=c) is None]


@pytest.mark.parametrize(("move", "is_correction"), NO_ROW, ids=[f"{m}-{KINDS[c]}" for m, c in NO_ROW])
def test_a_move_without_a_row_is_refused(world, move, is_correction):
    notice = _notice_in(world, NoticeStatus.PUBLISHED, correction=is_correction, author=None)
    with pytest.raises(ValidationError) as refused:
        notice_transition(actor=world.users["admin"], notice=notice, move=move, now=at(TODAY), note="理由")
    assert refused.value.messages == [str(UNKNOWN_MOVE)]


def _source_case(row: Transition) -> tuple[str, bool]:
    return row.sources[0], row.applies_to == CORRECTIONS


@pytest.mark.parametrize("row", TRANSITIONS, ids=_row_id)
def test_row_refuses_an_actor_without_its_permission(world, row):
    status, is_correction = _source_case(row)
    notice = _notice_in(world, status, correction=is_correction, author=None)
    every = [code for code, _label in NODE_PERMISSIONS]
    if row.permissions == SYSTEM:
        outsiders = [world.users["admin"], _holder(world, every)]  # nobody moves it by hand
    else:
        outsiders = [_holder(world, [c for c in every if c not in _codenames(row.permissions)]), None]
    for actor in outsiders:
        with pytest.raises(PermissionDenied) as refused:
            notice_transition(actor=actor, notice=notice, move=row.move, now=at(TODAY), note="理由")
        assert str(refused.value) == str(row.refused) % {"node": world.branch_a}
    assert Notice.objects.get(pk=notice.pk).status == status


def test_row_refuses_outside_the_actors_subtree(world):
    notice = _notice_in(world, NoticeStatus.APPROVED, correction=False, author=None)
    outsider = UserFactory(username="publisher-b")
    _grant(outsider, world.branch_b, ["publish"])
    with pytest.raises(PermissionDenied):
        notice_transition(actor=outsider, notice=notice, move="publish", now=at(TODAY))


FOUR_EYES = [(row, name) for row in TRANSITIONS for name in row.must_differ_from]


@pytest.mark.parametrize(
    ("row", "earlier", "as_editor"),
    [(row, name, e) for row, name in FOUR_EYES for e in ((False, True) if name == AUTHORS else (False,))],
    ids=lambda v: _row_id(v) if isinstance(v, Transition) else str(v),
)
def test_row_refuses_an_earlier_actor(world, row, earlier, as_editor):
    status, is_correction = _source_case(row)
    actor = _actor_for(world, row)
    notice = _notice_in(world, status, correction=is_correction, author=None if as_editor else actor)
    if earlier == AUTHORS and as_editor:
        notice.editors.add(actor)
    elif earlier != AUTHORS:
        setattr(notice, earlier, actor)
        notice.save()
    with pytest.raises(ValidationError) as refused:
        notice_transition(actor=actor, notice=notice, move=row.move, now=at(TODAY))
    assert refused.value.messages == [str(row.same_actor)]
    assert Notice.objects.get(pk=notice.pk).status == status


@pytest.mark.parametrize("row", [t for t in TRANSITIONS if t.needs_note], ids=_row_id)
def test_row_needs_its_reason(world, row):
    status, is_correction = _source_case(row)
    notice = _notice_in(world, status, correction=is_correction, author=None)
    with pytest.raises(ValidationError) as refused:
        notice_transition(actor=_actor_for(world, row), notice=notice, move=row.move, now=at(TODAY), note="  ")
    assert refused.value.messages == [str(row.needs_note)]


@pytest.mark.parametrize("row", [t for t in TRANSITIONS if t.clears], ids=_row_id)
def test_row_clears_what_no_longer_holds(world, row):
    status, is_correction = _source_case(row)
    notice = _notice_in(world, status, correction=is_correction, author=None)
    for name in row.clears:
        setattr(notice, name, world.users["admin"])
    notice.save()
    moved = notice_transition(actor=_actor_for(world, row), notice=notice, move=row.move, now=at(TODAY))
    assert all(getattr(moved, f"{name}_id") is None for name in row.clears)


@pytest.mark.parametrize(
    ("opens_on", "refused"),
    [(TODAY - datetime.timedelta(days=8), True), (TODAY - datetime.timedelta(days=1), True), (TODAY, False)]
    + [(TODAY + datetime.timedelta(days=1), False)],
    ids=["ended", "day-before", "day-of", "day-after"],
)
def test_publishing_refuses_a_window_that_began_before_today(world, opens_on, refused):
    # given an approved notice whose window opens on ``opens_on`` (ended: it closed before today)
    row = transition_for("publish", is_correction=False)
    notice = _notice_in(world, NoticeStatus.APPROVED, correction=False, author=None)
    Notice.objects.filter(pk=notice.pk).update(opens_on=opens_on, closes_on=opens_on + datetime.timedelta(days=7))
    publisher = _holder(world, ["publish"])
    # when it is published today
    if refused:
        with pytest.raises(ValidationError) as refusal:
            notice_transition(actor=publisher, notice=notice, move="publish", now=at(TODAY))
        # then nothing is published: members would have lost days to object (or the window would close at once)
        assert refusal.value.messages == [str(row.past_window) % {"start": opens_on}]
        assert "之前" in refusal.value.messages[0]  # translated
        assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.APPROVED
        assert not NoticeVersion.objects.filter(notice=notice).exists()
    else:
        moved = notice_transition(actor=publisher, notice=notice, move="publish", now=at(TODAY))
        assert moved.status == NoticeStatus.PUBLISHED


def test_a_correction_of_a_notice_whose_window_has_passed_is_still_published(world):
    correction = _notice_in(world, NoticeStatus.APPROVED, correction=True, author=None)
    Notice.objects.filter(pk__in=[correction.pk, correction.corrects_id]).update(
        opens_on=TODAY - datetime.timedelta(days=20), closes_on=TODAY - datetime.timedelta(days=10)
    )
    moved = notice_transition(actor=_holder(world, ["publish"]), notice=correction, move="publish", now=at(TODAY))
    assert moved.status == NoticeStatus.MERGED


def test_the_admin_refuses_to_draft_a_window_that_began_before_today(client, world, today):
    sign_in(client, world.users["staff"])
    response = client.post(
        reverse("admin:disclosure_notice_add"),
        {
            "node": world.branch_a.pk,
            "category": Category.objects.get(code="meetings").pk,
            "scope": Scope.ORGANISATION,
            "title": "补发的公示",
            "content": "<p>内容</p>",
            "opens_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "公示期须从今天或以后开始" in response.content.decode()
    assert not Notice.objects.filter(title="补发的公示").exists()


# --- the findings: four-eyes on the boards -----------------------------------------------------------------------


def _draft(world, author="secretary_a", node=None, **fields):
    return notice_draft(
        actor=world.users[author],
        node=node or world.branch_a,
        category=Category.objects.get(code="meetings"),
        title=fields.pop("title", "第四季度三会一课情况"),
        content=fields.pop("content", "<p>召开支部党员大会1次</p>"),
        opens_on=TODAY,
        scope=Scope.ORGANISATION,
    )


def _publish(world, notice, checker="organiser_a", approver="staff", publisher="staff"):
    notice_transition(actor=world.users[checker], notice=notice, move="check")
    notice_transition(actor=world.users[approver], notice=notice, move="approve")
    return notice_transition(actor=world.users[publisher], notice=notice, move="publish", now=at(TODAY))


def test_the_author_cannot_check_their_notice(world):
    notice = _draft(world)
    with pytest.raises(ValidationError, match="起草人以外"):
        notice_transition(actor=world.users["secretary_a"], notice=notice, move="check")


def test_the_author_cannot_approve_their_notice(world):
    notice = _draft(world, author="staff")  # committee staff may approve, but not what they wrote
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    with pytest.raises(ValidationError):
        notice_transition(actor=world.users["staff"], notice=notice, move="approve")
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.CHECKED


def test_whoever_edits_a_draft_becomes_one_of_its_authors(world):
    notice = _draft(world)
    notice_update_draft(actor=world.users["organiser_a"], notice=notice, fields={"title": "改过的标题"}, now=at(TODAY))
    with pytest.raises(ValidationError):
        notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    notice_transition(actor=world.users["staff"], notice=notice, move="check")  # a third person checks


def test_editing_a_checked_draft_sends_it_back_through_the_table(world):
    notice = _draft(world)
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    edited = notice_update_draft(
        actor=world.users["secretary_a"], notice=notice, fields={"content": "<p>改</p>"}, now=at(TODAY)
    )
    assert edited.status == NoticeStatus.DRAFT and edited.checked_by is None
    assert AuditEntry.objects.filter(action="disclosure.notice_returned", target_id=str(notice.pk)).exists()


def test_publishing_needs_the_publish_permission(world):
    notice = _draft(world)
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    notice_transition(actor=world.users["staff"], notice=notice, move="approve")
    with pytest.raises(PermissionDenied):  # the organiser manages people but does not publish
        notice_transition(actor=world.users["organiser_a"], notice=notice, move="publish", now=at(TODAY))
    published = notice_transition(actor=world.users["secretary_a"], notice=notice, move="publish", now=at(TODAY))
    assert published.status == NoticeStatus.PUBLISHED and published.versions.count() == 1


def test_a_transition_twice_is_recorded_once(world):
    notice = _draft(world)
    for _ in range(2):
        notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    assert AuditEntry.objects.filter(action="disclosure.notice_checked", target_id=str(notice.pk)).count() == 1


# --- corrections: a new draft version, checked and approved again ------------------------------------------------


def _member_sees(client, world, notice) -> str:
    sign_in(client, world.users["member_a"])
    board = client.get(reverse("disclosure:board")).content.decode()
    detail = client.get(reverse("disclosure:notice", args=[notice.pk])).content.decode()
    return board + detail


@pytest.mark.usefixtures("today")
def test_a_correction_is_read_only_once_published_through_check_and_approval(client, world):
    notice = _publish(world, _draft(world, title="原标题", content="<p>原内容</p>"))
    correction = notice_correct(
        actor=world.users["secretary_a"], notice=notice, note="更正人数", title="新标题", content="<p>新内容</p>"
    )
    assert correction.status == NoticeStatus.DRAFT and correction.corrects_id == notice.pk
    seen = _member_sees(client, world, notice)
    assert "原内容" in seen and "新内容" not in seen and "新标题" not in seen
    with pytest.raises(ValidationError):  # the correction's author does not check it either
        notice_transition(actor=world.users["secretary_a"], notice=correction, move="check")
    notice_transition(actor=world.users["organiser_a"], notice=correction, move="check")
    notice_transition(actor=world.users["staff"], notice=correction, move="approve")
    assert "新内容" not in _member_sees(client, world, notice)
    merged = notice_transition(actor=world.users["staff"], notice=correction, move="publish", now=at(TODAY))
    assert merged.status == NoticeStatus.MERGED
    seen = _member_sees(client, world, notice)
    assert "新内容" in seen and "新标题" in seen
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    first, second = NoticeVersion.objects.filter(notice=notice).order_by("number")
    assert second.previous_hash == first.hash and second.correction_note == "更正人数"


def test_one_correction_at_a_time(world):
    notice = _publish(world, _draft(world))
    first = notice_correct(actor=world.users["secretary_a"], notice=notice, note="更正")
    assert notice_correct(actor=world.users["organiser_a"], notice=notice, note="再更正").pk == first.pk


def test_an_archived_notice_is_not_corrected(world):
    notice = _publish(world, _draft(world))
    correction = notice_correct(actor=world.users["secretary_a"], notice=notice, note="更正")
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.ARCHIVED)  # the sweep archived it meanwhile
    notice_transition(actor=world.users["organiser_a"], notice=correction, move="check")
    notice_transition(actor=world.users["staff"], notice=correction, move="approve")
    with pytest.raises(ValidationError):
        notice_transition(actor=world.users["staff"], notice=correction, move="publish", now=at(TODAY))
    with pytest.raises(ValidationError):
        notice_correct(actor=world.users["secretary_a"], notice=notice, note="更正")
    assert notice.versions.count() == 1


@pytest.mark.usefixtures("today")
def test_a_file_added_to_a_correction_is_not_readable_before_publication(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    notice = _publish(world, _draft(world))
    correction = notice_correct(actor=world.users["secretary_a"], notice=notice, note="补充附件")
    document = notice_attach(
        actor=world.users["secretary_a"],
        notice=correction,
        uploaded=SimpleUploadedFile("补充.pdf", b"%PDF-1.4 more"),
        now=at(TODAY),
    )
    sign_in(client, world.users["member_a"])
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
    notice_transition(actor=world.users["organiser_a"], notice=correction, move="check")
    notice_transition(actor=world.users["staff"], notice=correction, move="approve")
    notice_transition(actor=world.users["staff"], notice=correction, move="publish", now=at(TODAY))
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 200
    assert notice.versions.get(number=2).attachment_digests == [document.sha256]


@pytest.mark.usefixtures("today")
@pytest.mark.parametrize("note", ["", "更正标题"])
def test_an_admin_post_on_a_published_notice_does_not_change_what_members_see(client, world, note):
    # given a published notice of branch A
    notice = _publish(world, _draft(world, title="原标题", content="<p>原内容</p>"))
    # when its branch secretary posts a new title and content through the admin change form
    sign_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("admin:disclosure_notice_change", args=[notice.pk]),
        {"title": "偷改的标题", "content": "<p>偷改的内容</p>", "correction_note": note},
    )
    assert response.status_code == 302
    # then members read the published version as before
    seen = _member_sees(client, world, notice)
    assert "原内容" in seen and "偷改" not in seen
    notice.refresh_from_db()
    assert (notice.title, notice.content, notice.versions.count()) == ("原标题", "<p>原内容</p>", 1)
    correction = notice.corrections.first()
    if note:  # a correction was started: a draft that shows the published text until someone edits it
        assert correction.status == NoticeStatus.DRAFT and correction.content == "<p>原内容</p>"
        assert response["Location"] == reverse("admin:disclosure_notice_change", args=[correction.pk])
    else:
        assert correction is None


@pytest.mark.usefixtures("today")
def test_the_admin_change_form_of_a_published_notice_is_read_only(client, world):
    notice = _publish(world, _draft(world))
    sign_in(client, world.users["secretary_a"])
    page = client.get(reverse("admin:disclosure_notice_change", args=[notice.pk])).content.decode()
    assert 'name="title"' not in page and 'name="content"' not in page and 'name="correction_note"' in page


@pytest.mark.usefixtures("today")
def test_admin_actions_go_through_the_table(client, world):
    notice = _draft(world, author="staff", node=world.branch_a)
    notice_transition(actor=world.users["organiser_a"], notice=notice, move="check")
    sign_in(client, world.users["staff"])
    client.post(
        reverse("admin:disclosure_notice_changelist"),
        {"action": "approve_selected", "_selected_action": [notice.pk]},
    )
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.CHECKED  # the author's own approval refused


# --- magic numbers become named values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "count"),
    [(D(2026, 9, 28), 5), (D(2026, 2, 13), 10), (D(2026, 1, 30), 1), (D(2025, 12, 31), 25)],
)
def test_working_days_from_a_span_agree_with_the_whole_calendar(db, start, count, monkeypatch):
    from apps.workdays import selectors
    from apps.workdays.selectors import calendar_add_working_days, calendar_load

    whole = calendar_load().add_working_days(start, count)
    assert calendar_add_working_days(start=start, count=count) == whole
    monkeypatch.setattr(selectors, "calendar_span_for", lambda n: 1)  # a span too short falls back, never lies
    assert calendar_add_working_days(start=start, count=count) == whole


def test_a_notice_without_a_category_takes_the_declared_defaults(world):
    from apps.disclosure.models import (
        DEFAULT_NAME_RETENTION_DAYS,
        DEFAULT_OBJECTION_DEADLINE_WORKING_DAYS,
        DEFAULT_WINDOW_WORKING_DAYS,
    )

    notice = notice_draft(
        actor=world.users["secretary_a"],
        node=world.branch_a,
        category=Category.objects.get(code="meetings"),
        title="x",
        content="",
        opens_on=D(2026, 9, 28),
    )
    notice.category = None
    assert (notice.name_retention_days, notice.objection_deadline_days) == (
        DEFAULT_NAME_RETENTION_DAYS,
        DEFAULT_OBJECTION_DEADLINE_WORKING_DAYS,
    )
    assert Category._meta.get_field("window_length").default == DEFAULT_WINDOW_WORKING_DAYS


def test_the_kinds_are_covered():
    assert {t.applies_to for t in TRANSITIONS} >= {NOTICES, CORRECTIONS}


@pytest.mark.usefixtures("today")
def test_a_correction_is_edited_in_the_admin_while_members_read_the_published_text(client, world):
    notice = _publish(world, _draft(world, title="原标题", content="<p>原内容</p>"))
    correction = notice_correct(actor=world.users["secretary_a"], notice=notice, note="更正内容")
    sign_in(client, world.users["secretary_a"])
    url = reverse("admin:disclosure_notice_change", args=[correction.pk])
    page = client.get(url).content.decode()
    assert 'name="content"' in page and 'name="opens_on"' not in page  # the text, not the window
    response = client.post(url, {"title": "原标题", "content": "<p>更正后的内容</p>", "correction_note": "更正内容"})
    assert response.status_code == 302
    correction.refresh_from_db()
    assert correction.content == "<p>更正后的内容</p>" and correction.status == NoticeStatus.DRAFT
    assert "更正后的内容" not in _member_sees(client, world, notice)


def test_a_correction_keeps_the_window_and_says_what_it_changes(world):
    notice = _publish(world, _draft(world))
    correction = notice_correct(actor=world.users["secretary_a"], notice=notice, note="更正")
    for fields in ({"closes_on": TODAY}, {"correction_note": " "}, {"named_people": []}):
        with pytest.raises(ValidationError):
            notice_update_draft(actor=world.users["secretary_a"], notice=correction, fields=fields, now=at(TODAY))
