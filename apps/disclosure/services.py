"""Publicity notices and objections: drafted, moved through the workflow, corrected, filed and resolved through these
services only. Every change of a notice's status goes through ``notice_transition``, which applies the table in
``workflow.py``."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.documents.services import document_upload_for_node
from apps.notifications.services import reminders_notify, reminders_settle
from apps.organisations.choices import MANAGE_PEOPLE
from apps.organisations.permissions import covers
from apps.organisations.validators import check_one_line
from apps.workdays.selectors import calendar_add_working_days

from .chain import GENESIS, version_hash
from .models import (
    DEFAULT_WINDOW_WORKING_DAYS,
    Category,
    ChainHead,
    Notice,
    NoticeKind,
    NoticeStatus,
    NoticeVersion,
    Objection,
    Outcome,
    Scope,
    WindowUnit,
)
from .reminders import OBJECTION_ANSWERED, OBJECTION_DUE, objection_answered_due
from .richtext import content_clean
from .workflow import (
    AUTHORS,
    CORRECTABLE,
    FIRST_VERSION,
    NEXT_VERSION,
    NOT_CORRECTABLE,
    SYSTEM,
    TRANSITIONS,
    UNKNOWN_MOVE,
    Transition,
    transition_for,
)

# Drafts are edited (a checked one goes back to the draft); an approved notice is sent back first.
EDITABLE = (NoticeStatus.DRAFT, NoticeStatus.CHECKED)
# A correction on its way: at most one per notice (``notice_one_open_correction``).
OPEN_CORRECTION = (*EDITABLE, NoticeStatus.APPROVED)
# What a draft's editor may change; a correction keeps the window, scope and category of the notice it corrects.
DRAFT_FIELDS = {"title", "content", "opens_on", "closes_on", "scope", "category"}
CORRECTION_FIELDS = {"title", "content", "correction_note"}


@transaction.atomic
def notice_open_for_step(
    *,
    actor,
    case,
    step: str,
    opens_on: datetime.date,
    working_days: int,
    title: str,
    now: datetime.datetime,
    content: str = "",
) -> Notice:
    """Open the publicity window of a development step (idempotent: the same step returns its notice). The step's
    record is the decision, so the notice is published as it opens: its text is the system's, not anyone's draft."""
    existing = Notice.objects.filter(case=case, step=step).first()
    if existing is not None:
        return existing
    closes_on, provisional = calendar_add_working_days(start=opens_on, count=working_days)
    notice = Notice.objects.create(
        node=case.branch,
        kind=NoticeKind.LIFECYCLE,
        category=Category.objects.filter(code="development").first(),
        scope=Scope.UNIT,
        status=NoticeStatus.PUBLISHED,
        title=title,
        content=content_clean(content) if content else "",
        case=case,
        step=step,
        opens_on=opens_on,
        closes_on=closes_on,
        working_days=working_days,
        provisional=provisional,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _append_version(actor=actor, notice=notice, now=now)
    audit_record(
        actor=actor,
        action="disclosure.notice_opened",
        target=notice,
        node=case.branch,
        changes={"opens_on": [None, opens_on], "closes_on": [None, closes_on]},
    )
    return notice


@transaction.atomic
def objection_file(
    *,
    actor,
    notice: Notice,
    content: str,
    reporter=None,
    channel: str = "online",
    received_on: datetime.date | None = None,
    today: datetime.date,
) -> Objection:
    """An objection, named by the signed-in reporter or recorded by staff from a call, letter or visit
    (``received_on``: the day it came in, today unless staff record an older letter)."""
    notice = Notice.objects.select_for_update(of=("self",)).select_related("category").get(pk=notice.pk)
    received_on = received_on or today
    if not content.strip():
        raise ValidationError(_("Write what the objection is about."))
    if received_on > today:
        raise ValidationError(
            _("The objection is dated %(date)s, after today (%(today)s): it cannot be received in the future.")
            % {"date": received_on, "today": today}
        )
    if not notice.is_open_on(received_on):
        raise ValidationError(
            _("Objections are received from %(start)s to %(end)s.")
            % {"start": notice.opens_on, "end": notice.closes_on}
        )
    if reporter is None and notice.category is not None and notice.category.signed_objections_only:
        raise ValidationError(_("This notice accepts signed objections only: give the reporter's name."))
    due_on, _provisional = calendar_add_working_days(start=received_on, count=notice.objection_deadline_days)
    objection = Objection.objects.create(
        notice=notice,
        reporter=reporter,
        channel=channel,
        received_on=received_on,
        content=content.strip(),
        due_on=due_on,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # the reporter is not named in the log that the subject's organisation can read
    audit_record(actor=None, action="disclosure.objection_filed", target=notice, node=notice.node)
    return objection


@transaction.atomic
def objection_resolve(
    *,
    actor,
    objection: Objection,
    outcome: str,
    resolution: str,
    answer: str = "",
    today: datetime.date,
    now: datetime.datetime | None = None,
) -> Objection:
    """The handlers' finding, and the answer that goes back to the reporter: a named reporter is told at once, in
    the portal and by e-mail (``notifications``; ``now`` stamps it, the start of ``today`` if not given). The
    reminders to answer it are done."""
    objection = Objection.objects.select_for_update(of=("self",)).select_related("notice__node").get(pk=objection.pk)
    if actor is not None:
        _require(actor, MANAGE_PEOPLE, objection.notice.node, _("You cannot handle objections of this notice."))
    if outcome not in Outcome.values:
        raise ValidationError(_("Choose an outcome."))
    if not resolution.strip():
        raise ValidationError(_("Write down how the objection was investigated and answered."))
    if objection.outcome == outcome and objection.resolution == resolution.strip():
        return objection
    old = objection.outcome
    objection.outcome, objection.resolution = outcome, resolution.strip()
    objection.answer = answer.strip() or objection.answer
    objection.resolved_on = today
    objection.handled_by = actor
    objection.save(update_fields=["outcome", "resolution", "answer", "resolved_on", "handled_by"])
    audit_record(
        actor=actor,
        action="disclosure.objection_resolved",
        target=objection.notice,
        node=objection.notice.node,
        changes={"outcome": [old or None, outcome]},
    )
    moment = now or timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    reminders_settle(now=moment, source_codes=[OBJECTION_DUE], subject_ids=[objection.pk])
    if objection.reporter_id:
        reminders_notify(source_code=OBJECTION_ANSWERED, dues=[objection_answered_due(objection)], now=moment)
    return objection


@transaction.atomic
def objection_reply(*, actor, objection: Objection, reply: str) -> Objection:
    """The person the notice concerns replies to a finding about them (they never learn who objected)."""
    objection = (
        Objection.objects.select_for_update(of=("self",)).select_related("notice__case__person").get(pk=objection.pk)
    )
    case = objection.notice.case
    if case is None or case.person.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the person concerned can reply."))
    if not objection.outcome:
        raise ValidationError(_("The objection has not been handled yet."))
    objection.subject_reply = reply.strip()
    objection.save(update_fields=["subject_reply"])
    audit_record(actor=actor, action="disclosure.subject_replied", target=objection.notice, node=objection.notice.node)
    return objection


# --- drafting ----------------------------------------------------------------------------------------------------


def _window(*, category, opens_on: datetime.date) -> tuple[datetime.date, bool]:
    if category is None or category.window_unit == WindowUnit.WORKING:
        length = category.window_length if category else DEFAULT_WINDOW_WORKING_DAYS
        return calendar_add_working_days(start=opens_on, count=length)
    return opens_on + datetime.timedelta(days=category.window_length - 1), False


def _require(actor, perm: str, node, message: str) -> None:
    if not covers(actor, perm, node.path):
        raise PermissionDenied(message)


def _check_window(opens_on: datetime.date, closes_on: datetime.date) -> None:
    if closes_on < opens_on:
        raise ValidationError(
            _("The window cannot end (%(end)s) before it opens (%(start)s).") % {"end": closes_on, "start": opens_on}
        )


@transaction.atomic
def notice_draft(
    *,
    actor,
    node,
    category,
    title: str,
    content: str,
    opens_on: datetime.date,
    scope: str = "",
    closes_on: datetime.date | None = None,
    named=(),
) -> Notice:
    """A new notice, as a draft of its author: nobody reads it until others have checked and approved it."""
    _require(actor, MANAGE_PEOPLE, node, _("You cannot draft notices for %(node)s.") % {"node": node})
    if not title.strip():
        raise ValidationError(_("A notice needs a title."))
    check_one_line(title=title)
    computed, provisional = _window(category=category, opens_on=opens_on)
    closes_on = closes_on or computed
    _check_window(opens_on, closes_on)
    notice = Notice.objects.create(
        node=node,
        kind=NoticeKind.DISCLOSURE,
        category=category,
        scope=scope or category.default_scope,
        status=NoticeStatus.DRAFT,
        title=title.strip(),
        content=content_clean(content),
        opens_on=opens_on,
        closes_on=closes_on,
        working_days=category.window_length if category else 0,
        provisional=provisional,
        created_by=actor,
    )
    if named:
        notice.named_people.set(named)
    audit_record(actor=actor, action="disclosure.notice_drafted", target=notice, node=node)
    return notice


def _lock_editable(*, actor, notice: Notice, now: datetime.datetime) -> Notice:
    """The draft, locked, after the editor's permission and its state are checked; a checked draft goes back to the
    draft (what changed is checked again)."""
    notice = Notice.objects.select_for_update(of=("self",)).select_related("node").get(pk=notice.pk)
    _require(actor, MANAGE_PEOPLE, notice.node, _("You cannot draft notices for %(node)s.") % {"node": notice.node})
    if notice.status not in EDITABLE:
        raise ValidationError(
            _("Only a draft is edited: an approved notice is sent back to the draft first, a published one corrected.")
        )
    if notice.status != NoticeStatus.DRAFT:
        notice = notice_transition(actor=actor, notice=notice, move="return", now=now, note=_("Edited."))
    notice.editors.add(actor)
    return notice


@transaction.atomic
def notice_update_draft(*, actor, notice: Notice, fields: dict, now: datetime.datetime) -> Notice:
    """Drafts (and checked drafts, which go back to the draft) are edited; everyone who edits one becomes one of its
    authors, who may neither check nor approve it. Published notices are corrected (``notice_correct``)."""
    notice = _lock_editable(actor=actor, notice=notice, now=now)
    fields = dict(fields)
    named = fields.pop("named_people", None)
    allowed = CORRECTION_FIELDS if notice.corrects_id else DRAFT_FIELDS
    if set(fields) - allowed or (named is not None and notice.corrects_id):
        refused = sorted(set(fields) - allowed) + (["named_people"] if named is not None and notice.corrects_id else [])
        raise ValidationError(_("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(refused)})
    if "title" in fields and not fields["title"].strip():
        raise ValidationError(_("A notice needs a title."))
    check_one_line(**{name: fields[name] for name in ("title", "correction_note") if name in fields})
    if "correction_note" in fields and not fields["correction_note"].strip():
        raise ValidationError(_("Say what the correction changes."))
    if "content" in fields:
        fields["content"] = content_clean(fields["content"])
    old = {name: getattr(notice, name) for name in fields}
    for name, value in fields.items():
        setattr(notice, name, value.strip() if name in ("title", "correction_note") else value)
    _check_window(notice.opens_on, notice.closes_on)
    if fields:
        notice.save(update_fields=list(fields))
    if named is not None:
        notice.named_people.set(named)
    audit_record(
        actor=actor,
        action="disclosure.notice_edited",
        target=notice,
        node=notice.node,
        changes={"fields": [None, sorted(name for name in fields if old[name] != getattr(notice, name))]},
    )
    return notice


@transaction.atomic
def notice_attach(*, actor, notice: Notice, uploaded, now: datetime.datetime, title: str = ""):
    """Attach a file to a draft (stored by the documents service); its SHA-256 goes into the published version's
    hash. A checked draft goes back to the draft: the file is checked too."""
    notice = _lock_editable(actor=actor, notice=notice, now=now)
    document = document_upload_for_node(actor=actor, node=notice.node, uploaded=uploaded, title=title, now=now)
    notice.attachments.add(document)
    audit_record(
        actor=actor,
        action="disclosure.notice_attached",
        target=notice,
        node=notice.node,
        changes={"sha256": [None, document.sha256]},
        note=document.original_name,
    )
    return document


@transaction.atomic
def notice_correct(*, actor, notice: Notice, note: str, title: str | None = None, content: str | None = None) -> Notice:
    """A published notice is never edited in place: its correction is a new draft (the notice's text, or the one
    given), which goes through the check and approval again; publishing it adds the next version. Idempotent: while a
    correction is open, it is returned."""
    notice = Notice.objects.select_for_update(of=("self",)).select_related("node").get(pk=notice.pk)
    _require(actor, MANAGE_PEOPLE, notice.node, _("You cannot correct notices of %(node)s.") % {"node": notice.node})
    if notice.corrects_id or notice.status not in CORRECTABLE:
        raise ValidationError(NOT_CORRECTABLE % {"status": notice.get_status_display()})
    open_correction = notice.corrections.filter(status__in=OPEN_CORRECTION).first()
    if open_correction is not None:
        return open_correction
    if not note.strip():
        raise ValidationError(_("Say what the correction changes."))
    check_one_line(title=title or "")
    correction = Notice.objects.create(
        node=notice.node,
        kind=notice.kind,
        category=notice.category,
        scope=notice.scope,
        status=NoticeStatus.DRAFT,
        title=(title if title is not None else notice.title).strip() or notice.title,
        content=content_clean(content) if content is not None else notice.content,
        opens_on=notice.opens_on,
        closes_on=notice.closes_on,
        working_days=notice.working_days,
        provisional=notice.provisional,
        created_by=actor,
        corrects=notice,
        correction_note=note.strip()[:300],
    )
    correction.named_people.set(notice.named_people.all())
    correction.attachments.set(notice.attachments.all())
    audit_record(
        actor=actor,
        action="disclosure.correction_drafted",
        target=notice,
        node=notice.node,
        changes={"correction": [None, correction.pk]},
        note=correction.correction_note,
    )
    return correction


# --- the workflow ------------------------------------------------------------------------------------------------


@transaction.atomic
def notice_transition(
    *, actor, notice: Notice, move: str, now: datetime.datetime | None = None, note: str = ""
) -> Notice:
    """Make one move of the workflow table (``workflow.TRANSITIONS``): the row locked, nothing done if the notice is
    already where the move leads, the row's guards checked (permission, source state, four-eyes, reason), the status
    and the actor written with an audit entry, and a publication appended to the archive chain. ``actor=None`` is the
    periodic sweep, which makes the system's moves only."""
    notice = Notice.objects.select_for_update(of=("self",)).select_related("node").get(pk=notice.pk)
    transition = transition_for(move, is_correction=notice.corrects_id is not None)
    if transition is None:
        raise ValidationError(UNKNOWN_MOVE)
    if notice.status == transition.target:
        return notice
    _guard(actor=actor, notice=notice, transition=transition, note=note, now=now)
    old = notice.status
    notice.status = transition.target
    updated = ["status"]
    if transition.records:
        setattr(notice, transition.records, actor)
        updated.append(transition.records)
    for name in transition.clears:
        setattr(notice, name, None)
        updated.append(name)
    notice.save(update_fields=updated)
    if transition.publishes == FIRST_VERSION and not notice.versions.exists():
        _append_version(actor=actor, notice=notice, now=_moment(now))
    elif transition.publishes == NEXT_VERSION:
        _publish_correction(actor=actor, correction=notice, now=_moment(now))
    audit_record(
        actor=actor,
        action=transition.action,
        target=notice,
        node=notice.node,
        changes={"status": [old, transition.target]},
        note=note.strip(),
    )
    return notice


def _guard(*, actor, notice: Notice, transition: Transition, note: str, now: datetime.datetime | None) -> None:
    """The refusals of one row, each in the row's own words."""
    refusal = _refusal(actor=actor, notice=notice, transition=transition, note=note, now=now)
    if refusal is not None:
        raise refusal


def _refusal(
    *, actor, notice: Notice, transition: Transition, note: str | None, now: datetime.datetime | None
) -> Exception | None:
    """Why the row refuses the actor this move now, or None. ``note=None``: the reason is not asked about yet (the
    admin asks for it when the move needs one)."""
    if transition.permissions == SYSTEM:
        permitted = actor is None
    else:
        permitted = any(covers(actor, perm, notice.node.path) for perm in transition.permissions)
    if not permitted:
        return PermissionDenied(transition.refused % {"node": notice.node})
    if notice.status not in transition.sources:
        return ValidationError(transition.wrong_state % {"status": notice.get_status_display()})
    if actor is not None and any(actor.pk in _earlier_actors(notice, name) for name in transition.must_differ_from):
        return ValidationError(transition.same_actor)
    if transition.needs_note and note is not None and not note.strip():
        return ValidationError(transition.needs_note)
    if transition.past_window and notice.opens_on < timezone.localdate(_moment(now)):
        return ValidationError(transition.past_window % {"start": notice.opens_on})
    return None


def notice_moves_for(*, actor, notice: Notice, now: datetime.datetime) -> list[tuple[Transition, str]]:
    """The moves of the workflow table the actor could make on the notice now, each with why it would be refused
    ("" when it would not): what the notice's page offers. The system's moves are never offered."""
    is_correction = notice.corrects_id is not None
    offered = []
    for transition in TRANSITIONS:
        if transition.permissions == SYSTEM or not transition.applies(is_correction=is_correction):
            continue
        if notice.status not in transition.sources:
            continue
        refusal = _refusal(actor=actor, notice=notice, transition=transition, note=None, now=now)
        if isinstance(refusal, PermissionDenied):
            continue  # not the actor's move at all
        offered.append((transition, " ".join(refusal.messages) if refusal is not None else ""))
    return offered


def _earlier_actors(notice: Notice, name: str) -> set[int]:
    if name == AUTHORS:
        return {notice.created_by_id, *notice.editors.values_list("pk", flat=True)} - {None}
    return {getattr(notice, f"{name}_id")} - {None}


def _moment(now: datetime.datetime | None) -> datetime.datetime:
    if now is None:
        raise TypeError("publishing needs the moment of publication (now=)")
    return now


def _publish_correction(*, actor, correction: Notice, now: datetime.datetime) -> NoticeVersion:
    """The approved correction's text becomes the next version of the notice it corrects (lock: that notice, then
    the chain head)."""
    notice = Notice.objects.select_for_update(of=("self",)).get(pk=correction.corrects_id)
    if notice.status not in CORRECTABLE:
        raise ValidationError(NOT_CORRECTABLE % {"status": notice.get_status_display()})
    old_version = notice.versions.order_by("-number").values_list("number", flat=True).first()
    notice.title, notice.content = correction.title, correction.content
    notice.save(update_fields=["title", "content"])
    notice.attachments.set(correction.attachments.all())
    version = _append_version(actor=actor, notice=notice, now=now, note=correction.correction_note)
    audit_record(
        actor=actor,
        action="disclosure.notice_corrected",
        target=notice,
        node=notice.node,
        changes={"version": [old_version, version.number]},
        note=correction.correction_note,
    )
    return version


def _append_version(*, actor, notice: Notice, now: datetime.datetime, note: str = "") -> NoticeVersion:
    """Add the notice's current text as a new published version at the end of the chain (lock: the chain head)."""
    ChainHead.objects.get_or_create(key="head", defaults={"hash": GENESIS})
    head = ChainHead.objects.select_for_update().get(key="head")
    number = (notice.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    digests = sorted(notice.attachments.values_list("sha256", flat=True))
    digest = version_hash(
        notice_id=notice.pk,
        number=number,
        title=notice.title,
        content=notice.content,
        opens_on=notice.opens_on,
        closes_on=notice.closes_on,
        attachment_digests=digests,
        previous_hash=head.hash,
    )
    version = NoticeVersion.objects.create(
        notice=notice,
        number=number,
        title=notice.title,
        content=notice.content,
        opens_on=notice.opens_on,
        closes_on=notice.closes_on,
        attachment_digests=digests,
        correction_note=note,
        published_at=now,
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
        previous_hash=head.hash,
        hash=digest,
    )
    head.hash, head.count = digest, head.count + 1
    head.save(update_fields=["hash", "count"])
    return version


def notice_sweep(*, today: datetime.date) -> int:
    """Periodic job: published notices whose window has ended are closed; closed ones whose names have left the
    board (window plus the category's retention) are archived. Idempotent; returns how many moved."""
    moved = 0
    for notice in Notice.objects.filter(status=NoticeStatus.PUBLISHED, closes_on__lt=today).order_by("pk"):
        notice_transition(actor=None, notice=notice, move="close")
        moved += 1
    for notice in Notice.objects.filter(status=NoticeStatus.CLOSED).select_related("category").order_by("pk"):
        if today > notice.closes_on + datetime.timedelta(days=notice.name_retention_days):
            notice_transition(actor=None, notice=notice, move="archive")
            moved += 1
    return moved
