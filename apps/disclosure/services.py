"""Publicity windows and objections: opened, filed and resolved through these services only."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.workdays.selectors import calendar_load

from .models import Notice, NoticeKind, Objection, Outcome


@transaction.atomic
def notice_open_for_step(
    *, actor, case, step: str, opens_on: datetime.date, working_days: int, title: str, now: datetime.datetime
) -> Notice:
    """Open the publicity window of a development step (idempotent: the same step returns its notice)."""
    existing = Notice.objects.filter(case=case, step=step).first()
    if existing is not None:
        return existing
    calendar = calendar_load(start=opens_on, end=opens_on + datetime.timedelta(days=working_days * 3 + 40))
    closes_on, provisional = calendar.add_working_days(opens_on, working_days)
    from .models import Category, Scope

    notice = Notice.objects.create(
        node=case.branch,
        kind=NoticeKind.LIFECYCLE,
        category=Category.objects.filter(code="development").first(),
        scope=Scope.UNIT,
        title=title,
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
        raise ValidationError(_("An objection cannot be received in the future (%(date)s).") % {"date": received_on})
    if not notice.is_open_on(received_on):
        raise ValidationError(
            _("Objections are received from %(start)s to %(end)s.")
            % {"start": notice.opens_on, "end": notice.closes_on}
        )
    if reporter is None and notice.category is not None and notice.category.signed_objections_only:
        raise ValidationError(_("This notice accepts signed objections only: give the reporter's name."))
    days = notice.category.objection_deadline_working_days if notice.category else 10
    calendar = calendar_load(start=received_on, end=received_on + datetime.timedelta(days=days * 3 + 40))
    due_on, _provisional = calendar.add_working_days(received_on, days)
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
    *, actor, objection: Objection, outcome: str, resolution: str, answer: str = "", today: datetime.date
) -> Objection:
    """The handlers' finding, and the answer that goes back to the reporter."""
    from apps.organisations.choices import MANAGE_PEOPLE

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
    return objection


@transaction.atomic
def objection_reply(*, actor, objection: Objection, reply: str) -> Objection:
    """The person the notice concerns replies to a finding about them (they never learn who objected)."""
    objection = (
        Objection.objects.select_for_update(of=("self",)).select_related("notice__case__person").get(pk=objection.pk)
    )
    case = objection.notice.case
    if case is None or case.person.user_id != getattr(actor, "pk", None):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only the person concerned can reply."))
    if not objection.outcome:
        raise ValidationError(_("The objection has not been handled yet."))
    objection.subject_reply = reply.strip()
    objection.save(update_fields=["subject_reply"])
    audit_record(actor=actor, action="disclosure.subject_replied", target=objection.notice, node=objection.notice.node)
    return objection


# --- the disclosure workflow: draft → checked → approved → published → closed → archived -------------------------

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "u",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "h3",
    "h4",
    "blockquote",
}


def content_clean(html: str) -> str:
    """Sanitised rich text: formatting only, no script, style, links or attributes."""
    import nh3

    return nh3.clean(html or "", tags=ALLOWED_TAGS, attributes={}, url_schemes=set()).strip()


def _window(*, category, opens_on: datetime.date) -> tuple[datetime.date, bool]:
    from .models import WindowUnit

    if category is None or category.window_unit == WindowUnit.WORKING:
        length = category.window_length if category else 5
        calendar = calendar_load(start=opens_on, end=opens_on + datetime.timedelta(days=length * 3 + 40))
        return calendar.add_working_days(opens_on, length)
    return opens_on + datetime.timedelta(days=category.window_length - 1), False


def _require(actor, perm: str, node, message: str) -> None:
    from django.core.exceptions import PermissionDenied

    from apps.organisations.permissions import covers

    if not covers(actor, perm, node.path):
        raise PermissionDenied(message)


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
    from apps.organisations.choices import MANAGE_PEOPLE

    from .models import NoticeKind, NoticeStatus

    _require(actor, MANAGE_PEOPLE, node, _("You cannot draft notices for %(node)s.") % {"node": node})
    if not title.strip():
        raise ValidationError(_("A notice needs a title."))
    computed, provisional = _window(category=category, opens_on=opens_on)
    closes_on = closes_on or computed
    if closes_on < opens_on:
        raise ValidationError(
            _("The window cannot end (%(end)s) before it opens (%(start)s).") % {"end": closes_on, "start": opens_on}
        )
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


def _move(*, actor, notice: Notice, to: str, allowed_from: tuple[str, ...], action: str) -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status == to:
        return notice
    if notice.status not in allowed_from:
        raise ValidationError(
            _("A notice that is “%(status)s” cannot be moved on to this step.")
            % {"status": notice.get_status_display()}
        )
    old = notice.status
    notice.status = to
    notice.save(update_fields=["status"])
    audit_record(actor=actor, action=action, target=notice, node=notice.node, changes={"status": [old, to]})
    return notice


@transaction.atomic
def notice_check(*, actor, notice: Notice) -> Notice:
    """The secrecy and accuracy check: someone other than the author, who manages the organisation's people."""
    from apps.organisations.choices import MANAGE_PEOPLE

    from .models import NoticeStatus

    _require(actor, MANAGE_PEOPLE, notice.node, _("You cannot check notices of %(node)s.") % {"node": notice.node})
    if notice.created_by_id == getattr(actor, "pk", None):
        raise ValidationError(_("The check must be done by someone other than the author."))
    return _move(
        actor=actor,
        notice=notice,
        to=NoticeStatus.CHECKED,
        allowed_from=(NoticeStatus.DRAFT,),
        action="disclosure.notice_checked",
    )


@transaction.atomic
def notice_approve(*, actor, notice: Notice) -> Notice:
    from apps.organisations.choices import APPROVE

    from .models import NoticeStatus

    _require(actor, APPROVE, notice.node, _("Your role cannot approve notices of %(node)s.") % {"node": notice.node})
    return _move(
        actor=actor,
        notice=notice,
        to=NoticeStatus.APPROVED,
        allowed_from=(NoticeStatus.CHECKED,),
        action="disclosure.notice_approved",
    )


def _append_version(*, actor, notice: Notice, now: datetime.datetime, note: str = ""):
    """Add the notice's current text as a new published version at the end of the chain (lock: the chain head)."""
    from .chain import GENESIS, version_hash
    from .models import ChainHead, NoticeVersion

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


@transaction.atomic
def notice_publish(*, actor, notice: Notice, now: datetime.datetime):
    from .models import NoticeStatus

    notice = _move(
        actor=actor,
        notice=notice,
        to=NoticeStatus.PUBLISHED,
        allowed_from=(NoticeStatus.APPROVED,),
        action="disclosure.notice_published",
    )
    if not notice.versions.exists():
        _append_version(actor=actor, notice=notice, now=now)
    return notice


@transaction.atomic
def notice_correct(*, actor, notice: Notice, title: str, content: str, note: str, now: datetime.datetime):
    """A published notice is never edited in place: the correction is a new version, shown as such."""
    from apps.organisations.choices import MANAGE_PEOPLE

    from .models import NoticeStatus

    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require(actor, MANAGE_PEOPLE, notice.node, _("You cannot correct notices of %(node)s.") % {"node": notice.node})
    if notice.status not in (NoticeStatus.PUBLISHED, NoticeStatus.CLOSED):
        raise ValidationError(_("Only a published notice is corrected; edit the draft instead."))
    if not note.strip():
        raise ValidationError(_("Say what the correction changes."))
    notice.title, notice.content = title.strip(), content_clean(content)
    notice.save(update_fields=["title", "content"])
    version = _append_version(actor=actor, notice=notice, note=note.strip(), now=now)
    audit_record(
        actor=actor,
        action="disclosure.notice_corrected",
        target=notice,
        node=notice.node,
        changes={"version": [version.number - 1, version.number]},
        note=note.strip(),
    )
    return version


def notice_sweep(*, today: datetime.date) -> int:
    """Periodic job: published notices whose window has ended are closed; closed ones whose names have left the
    board (window plus the category's retention) are archived. Idempotent; returns how many moved."""
    from .models import NoticeStatus

    moved = 0
    for notice in Notice.objects.filter(status=NoticeStatus.PUBLISHED, closes_on__lt=today).order_by("pk"):
        with transaction.atomic():
            _move(
                actor=None,
                notice=notice,
                to=NoticeStatus.CLOSED,
                allowed_from=(NoticeStatus.PUBLISHED,),
                action="disclosure.notice_closed",
            )
            moved += 1
    for notice in Notice.objects.filter(status=NoticeStatus.CLOSED).select_related("category").order_by("pk"):
        retention = notice.category.name_retention_days if notice.category else 30
        if today > notice.closes_on + datetime.timedelta(days=retention):
            with transaction.atomic():
                _move(
                    actor=None,
                    notice=notice,
                    to=NoticeStatus.ARCHIVED,
                    allowed_from=(NoticeStatus.CLOSED,),
                    action="disclosure.notice_archived",
                )
                moved += 1
    return moved


@transaction.atomic
def notice_hold(*, actor, notice: Notice, reason: str) -> Notice:
    """Strong objections put an internal notice on hold until the committee decides."""
    from apps.organisations.choices import APPROVE

    from .models import NoticeStatus

    _require(
        actor, APPROVE, notice.node, _("Your role cannot put notices of %(node)s on hold.") % {"node": notice.node}
    )
    if not reason.strip():
        raise ValidationError(_("Say why the notice is put on hold."))
    notice = _move(
        actor=actor,
        notice=notice,
        to=NoticeStatus.HELD,
        allowed_from=(NoticeStatus.PUBLISHED,),
        action="disclosure.notice_held",
    )
    return notice


@transaction.atomic
def notice_resume(*, actor, notice: Notice) -> Notice:
    from apps.organisations.choices import APPROVE

    from .models import NoticeStatus

    _require(actor, APPROVE, notice.node, _("Your role cannot resume notices of %(node)s.") % {"node": notice.node})
    return _move(
        actor=actor,
        notice=notice,
        to=NoticeStatus.PUBLISHED,
        allowed_from=(NoticeStatus.HELD,),
        action="disclosure.notice_resumed",
    )


@transaction.atomic
def notice_update_draft(*, actor, notice: Notice, fields: dict) -> Notice:
    """Drafts (and checked drafts, which go back to draft) are edited freely; published ones are corrected."""
    from apps.organisations.choices import MANAGE_PEOPLE

    from .models import NoticeStatus

    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require(actor, MANAGE_PEOPLE, notice.node, _("You cannot draft notices for %(node)s.") % {"node": notice.node})
    if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.CHECKED):
        raise ValidationError(_("Only a published notice is corrected; edit the draft instead."))
    named = fields.pop("named_people", None)
    allowed = {"title", "content", "opens_on", "closes_on", "scope", "category"}
    if set(fields) - allowed:
        raise ValidationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(set(fields) - allowed)}
        )
    if "content" in fields:
        fields["content"] = content_clean(fields["content"])
    for name, value in fields.items():
        setattr(notice, name, value)
    if notice.closes_on < notice.opens_on:
        raise ValidationError(
            _("The window cannot end (%(end)s) before it opens (%(start)s).")
            % {"end": notice.closes_on, "start": notice.opens_on}
        )
    old = notice.status
    notice.status = NoticeStatus.DRAFT  # a changed text is checked again
    notice.save()
    if named is not None:
        notice.named_people.set(named)
    audit_record(
        actor=actor,
        action="disclosure.notice_edited",
        target=notice,
        node=notice.node,
        changes={"status": [old, notice.status], "fields": [None, sorted(fields)]},
    )
    return notice


@transaction.atomic
def notice_attach(*, actor, notice: Notice, uploaded, now: datetime.datetime, title: str = ""):
    """Attach a file to a draft; its SHA-256 goes into the published version's hash."""
    from apps.documents.models import Document
    from apps.documents.services import document_check_file
    from apps.organisations.choices import MANAGE_PEOPLE

    from .models import NoticeStatus

    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require(actor, MANAGE_PEOPLE, notice.node, _("You cannot draft notices for %(node)s.") % {"node": notice.node})
    if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.CHECKED):
        raise ValidationError(_("Attachments are added to drafts; a published notice is corrected."))
    content_type, sha256 = document_check_file(uploaded)
    document = Document(
        node=notice.node,
        title=title.strip() or uploaded.name,
        original_name=uploaded.name[:200],
        content_type=content_type,
        size=uploaded.size,
        sha256=sha256,
        uploaded_by=actor,
        uploaded_at=now,
    )
    document.file.save("upload", uploaded, save=False)
    document.save()
    notice.attachments.add(document)
    if notice.status == NoticeStatus.CHECKED:
        notice.status = NoticeStatus.DRAFT  # a new attachment is checked again
        notice.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="disclosure.notice_attached",
        target=notice,
        node=notice.node,
        changes={"sha256": [None, sha256]},
        note=document.original_name,
    )
    return document
