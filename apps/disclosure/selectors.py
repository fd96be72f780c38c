from __future__ import annotations

import datetime

from .models import BLOCKING_OUTCOMES, Notice


def publicity_block(*, case, today: datetime.date, steps=None) -> str | None:
    """Why the case must wait on its publicity (of the given publicity ``steps``, or any): an open window, an
    unresolved objection, or a founded one that stopped it. ``None`` when nothing blocks. Answers from the
    prefetched ``notices`` where present."""
    from django.utils.translation import gettext as _

    notices = [n for n in case.notices.all() if steps is None or n.step in steps]
    for notice in notices:
        objections = list(notice.objections.all())
        if today <= notice.closes_on:
            return _("The publicity window is open until %(date)s.") % {"date": notice.closes_on}
        if any(o.is_open for o in objections):
            return _("An objection to the publicity is not resolved yet.")
        if any(o.outcome in BLOCKING_OUTCOMES for o in objections):
            return _("A founded objection stopped the case until the committee decides.")
    return None


def notices_for_case(case) -> list[Notice]:
    return list(Notice.objects.filter(case=case).prefetch_related("objections"))
