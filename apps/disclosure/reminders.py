"""Reminder sources of the boards: publicity windows closing, objections to be answered."""

from __future__ import annotations

import functools

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, in_window, object_url, register

OFFICIALS = (RecipientRole.SECRETARY, RecipientRole.ORGANISER, RecipientRole.COMMITTEE_STAFF)
OBJECTION_DUE = "disclosure.objection_due"


def _closing(today, earliest, latest):
    from .models import Notice, NoticeStatus

    rows = in_window(
        Notice.objects.filter(status=NoticeStatus.PUBLISHED, opens_on__lte=today), "closes_on", earliest, latest
    ).values_list("pk", "closes_on", "node_id", "node__path", "title", "kind")
    for pk, closes_on, node_id, path, title, kind in rows.iterator(chunk_size=5000):
        yield Due(pk, closes_on, node_id, path, None, {"title": title, "kind": kind})


def _objections(today, earliest, latest):
    from .models import Objection

    rows = in_window(
        Objection.objects.filter(outcome="", due_on__isnull=False), "due_on", earliest, latest
    ).values_list("pk", "due_on", "notice__node_id", "notice__node__path", "notice__title")
    for pk, due_on, node_id, path, title in rows.iterator(chunk_size=5000):
        yield Due(pk, due_on, node_id, path, None, {"title": title})


def _closing_now(ids, today):
    from .models import Notice, NoticeStatus

    return dict(Notice.objects.filter(pk__in=ids, status=NoticeStatus.PUBLISHED).values_list("pk", "closes_on"))


def _objections_now(ids, today):
    from .models import Objection

    return dict(Objection.objects.filter(pk__in=ids, outcome="").values_list("pk", "due_on"))


register(
    Source(
        code="disclosure.window_closing",
        label=gettext_lazy("Publicity window closing"),
        roles=OFFICIALS,
        dues=_closing,
        current=_closing_now,
        title=lambda p: _("Publicity closes: %(title)s") % {"title": p.get("title", "")},
        url=lambda due, role: object_url("disclosure:notice", due.subject_id),
        help_text=gettext_lazy("The last day of a published notice's window; the next step waits for it."),
    )
)
register(
    Source(
        code=OBJECTION_DUE,
        label=gettext_lazy("Objection to be answered"),
        roles=OFFICIALS,
        dues=_objections,
        current=_objections_now,
        title=lambda p: _("Objection to answer: %(title)s") % {"title": p.get("title", "")},
        url=lambda due, role: object_url("admin:disclosure_objection_change", due.subject_id),
        help_text=gettext_lazy("An objection not yet handled, by its deadline (10 working days unless set otherwise)."),
    )
)


# --- news for the reporter of an objection ----------------------------------------------------------------------------
OBJECTION_ANSWERED = "disclosure.objection_answered"


def _never_swept(today, earliest, latest):
    """News is created when it happens (``services.objection_resolve``), never found by the sweep."""
    return iter(())


@functools.cache
def _my_objections() -> str:
    from django.urls import reverse

    return reverse("disclosure:objections_mine")


def objection_answered_due(objection) -> Due:
    """The news of an answer, for the objection's reporter (the reporter is in the row for them alone)."""
    notice = objection.notice
    return Due(
        objection.pk,
        objection.resolved_on,
        notice.node_id,
        notice.node.path,
        objection.reporter_id,
        {"title": notice.title},
    )


register(
    Source(
        code=OBJECTION_ANSWERED,
        label=gettext_lazy("Objection answered"),
        roles=(RecipientRole.SUBJECT,),
        dues=_never_swept,
        title=lambda p: _("Your objection to “%(title)s” has been answered") % {"title": p.get("title", "")},
        url=lambda due, role: _my_objections(),
        help_text=gettext_lazy(
            "The reporter of an objection hears of the answer when it is given (in the portal, and by e-mail if they "
            "have an address). Sent at once, not by the sweep: the lead times do not apply."
        ),
        news=True,
        confidential=True,
    )
)


# --- periodic disclosures (e.g. the dues report every half year) -----------------------------------------------------
# The subject is an organisation and a category together: subject id = node id × 2¹⁶ + category id.

_CATEGORY_BITS = 16


def _periodic_subject(node_id: int, category_id: int) -> int:
    return (node_id << _CATEGORY_BITS) | category_id


def _periodic(today):
    """(node id, node path, category, due date) of every periodic disclosure published before: the last one's date
    plus the period. One never published has no date to count from; `/disclosure/due/` lists it. Three queries."""
    from dateutil.relativedelta import relativedelta
    from django.db.models import Max

    from apps.organisations.choices import NodeKind
    from apps.organisations.models import OrgNode

    from .models import Cadence, Category, Notice, Scope
    from .selectors import BOARD_STATUSES

    categories = list(Category.objects.filter(cadence=Cadence.PERIODIC, period_months__isnull=False))
    if not categories:
        return
    last = {
        (node_id, category_id): day
        for node_id, category_id, day in Notice.objects.filter(category__in=categories, status__in=BOARD_STATUSES)
        .values_list("node_id", "category_id")
        .annotate(day=Max("opens_on"))
        .values_list("node_id", "category_id", "day")
    }
    nodes = OrgNode.objects.filter(kind__in=[NodeKind.BRANCH, NodeKind.COMMITTEE], is_active=True).values_list(
        "pk", "path", "kind"
    )
    for node_id, path, kind in nodes.iterator(chunk_size=5000):
        for category in categories:
            if (kind == NodeKind.BRANCH) != (category.default_scope == Scope.BRANCH):
                continue
            previous = last.get((node_id, category.pk))
            if previous is not None:
                yield node_id, path, category, previous + relativedelta(months=category.period_months)


def _periodic_dues(today, earliest, latest):
    for node_id, path, category, due_on in _periodic(today):
        if due_on <= latest and (earliest is None or due_on >= earliest):
            yield Due(_periodic_subject(node_id, category.pk), due_on, node_id, path, None, {"category": category.name})


def _periodic_now(ids, today):
    wanted = set(ids)
    return {
        subject: due_on
        for node_id, _path, category, due_on in _periodic(today)
        if (subject := _periodic_subject(node_id, category.pk)) in wanted
    }


register(
    Source(
        code="disclosure.periodic_due",
        label=gettext_lazy("Periodic disclosure due"),
        roles=OFFICIALS,
        dues=_periodic_dues,
        title=lambda p: _("Disclosure due: %(category)s") % {"category": p.get("category", "")},
        url=lambda due, role: _due_page(),
        current=_periodic_now,
        help_text=gettext_lazy(
            "A periodic disclosure (dues, the year's work, …) whose period has passed since the last one was published."
        ),
    )
)


@functools.cache
def _due_page() -> str:
    from django.urls import reverse

    return reverse("disclosure:due")
