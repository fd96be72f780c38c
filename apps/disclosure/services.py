"""Publicity windows and objections: opened, filed and resolved through these services only."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.workdays.selectors import calendar_load

from .models import Notice, NoticeKind, Objection, Outcome


@transaction.atomic
def notice_open_for_step(*, actor, case, step: str, opens_on: datetime.date, working_days: int, title: str) -> Notice:
    """Open the publicity window of a development step (idempotent: the same step returns its notice)."""
    existing = Notice.objects.filter(case=case, step=step).first()
    if existing is not None:
        return existing
    calendar = calendar_load(start=opens_on, end=opens_on + datetime.timedelta(days=working_days * 3 + 40))
    closes_on, provisional = calendar.add_working_days(opens_on, working_days)
    notice = Notice.objects.create(
        node=case.branch,
        kind=NoticeKind.LIFECYCLE,
        title=title,
        case=case,
        step=step,
        opens_on=opens_on,
        closes_on=closes_on,
        working_days=working_days,
        provisional=provisional,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
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
) -> Objection:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    received_on = received_on or timezone.localdate()
    if not content.strip():
        raise ValidationError(_("Write what the objection is about."))
    if not notice.is_open_on(received_on):
        raise ValidationError(
            _("Objections are received from %(start)s to %(end)s.")
            % {"start": notice.opens_on, "end": notice.closes_on}
        )
    objection = Objection.objects.create(
        notice=notice, reporter=reporter, channel=channel, received_on=received_on, content=content.strip()
    )
    # the reporter is not named in the log that the subject's organisation can read
    audit_record(actor=actor, action="disclosure.objection_filed", target=notice, node=notice.node)
    return objection


@transaction.atomic
def objection_resolve(*, actor, objection: Objection, outcome: str, resolution: str) -> Objection:
    objection = Objection.objects.select_for_update().select_related("notice").get(pk=objection.pk)
    if outcome not in Outcome.values:
        raise ValidationError(_("Choose an outcome."))
    if not resolution.strip():
        raise ValidationError(_("Write down how the objection was investigated and answered."))
    if objection.outcome == outcome and objection.resolution == resolution:
        return objection
    old = objection.outcome
    objection.outcome, objection.resolution = outcome, resolution.strip()
    objection.resolved_on = timezone.localdate()
    objection.handled_by = actor
    objection.save(update_fields=["outcome", "resolution", "resolved_on", "handled_by"])
    audit_record(
        actor=actor,
        action="disclosure.objection_resolved",
        target=objection.notice,
        node=objection.notice.node,
        changes={"outcome": [old or None, outcome]},
    )
    return objection
