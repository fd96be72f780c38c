from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.audit.services import access_denied_note
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers, path_q, restrict, scope_paths
from apps.people.choices import MEMBER_STATUSES
from apps.people.selectors import person_for_user

from .models import BLOCKING_OUTCOMES, BOARD_STATUSES, Cadence, Category, Notice, Objection, Scope
from .richtext import html_replace_text
from .workflow import ANY, AUTHORS, CORRECTIONS, SYSTEM, TRANSITIONS, Transition


def publicity_block(*, case, today: datetime.date, steps=None) -> str | None:
    """Why the case must wait on its publicity (of the given publicity ``steps``, or any): an open window, an
    unresolved objection, or a founded one that stopped it. ``None`` when nothing blocks. Answers from the
    prefetched ``notices`` where present."""
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


# --- boards ----------------------------------------------------------------------------------------------------------


def _board_q(user):
    """Which notices a user may read on the boards, by the notice's scope and the user's place in the tree."""
    paths = scope_paths(user, VIEW_SCOPE)
    if paths is None:
        return Q()
    q = path_q(paths, "node__path") if paths else Q(pk__in=[])
    person = person_for_user(user)
    if person is not None:
        path, step = person.node.path, person.node.steplen
        prefixes = [path[:i] for i in range(step, len(path) + 1, step)]
        q |= Q(scope=Scope.UNIT, node__path__startswith=prefixes[0])  # everyone of the unit, non-members too
        if person.political_status in MEMBER_STATUSES:
            q |= Q(scope__in=[Scope.ORGANISATION, Scope.BRANCH], node__path__in=prefixes)
        named = Notice.named_people.through.objects.filter(notice_id=OuterRef("pk"), person_id=person.pk)
        q |= Q(scope=Scope.NAMED) & Q(Exists(named))
    return q


def notice_board_for(*, user, category=None):
    qs = Notice.objects.filter(_board_q(user), status__in=BOARD_STATUSES).select_related(
        "node", "category", "case__person"
    )
    if category is not None:
        qs = qs.filter(category=category)
    return qs.order_by("-opens_on", "-id")


def notice_draft_url(*, user, notice: Notice) -> str:
    """Where the user who drafted ``notice`` goes on to see it: its page in the admin, where the check, approval and
    publication happen, for staff whose scope covers the notice; "" for others (a draft is on no board yet)."""
    if not (getattr(user, "is_staff", False) and covers(user, VIEW_SCOPE, notice.node.path)):
        return ""
    return reverse("admin:disclosure_notice_change", args=[notice.pk])


def notice_get_for_board(*, user, pk, request=None):
    notice = notice_board_for(user=user).filter(pk=pk).prefetch_related("versions", "attachments").first()
    if notice is None:
        denied = Notice.objects.filter(pk=pk).select_related("node").first() if str(pk).isdigit() else None
        if denied is not None:
            access_denied_note(actor=user, target=denied, node=denied.node, request=request)
        raise Http404
    return notice


def notice_attachment_readable(*, user, document_id: int) -> bool:
    """Whether ``user`` reads a notice with this attachment on a board (registered with the documents app as a
    reader, so a non-member of the unit can open the unit's board's files)."""
    return notice_board_for(user=user).filter(attachments__pk=document_id).exists()


def _masked_name(notice, today: datetime.date) -> tuple[str, str] | None:
    """(name, masked name) once a person's name leaves the public view of a notice about them: after the window
    plus the category's retention days (only the fields a rule requires are shown at all)."""
    case = getattr(notice, "case", None)
    if case is None or today <= notice.closes_on + datetime.timedelta(days=notice.name_retention_days):
        return None
    name = case.person.name
    return name, name[0] + "某某"


def public_text(notice, text: str, today: datetime.date) -> str:
    """A notice's plain text (its title) as the public reads it today."""
    masked = _masked_name(notice, today)
    return text.replace(*masked) if masked else text


def public_html(notice, html: str, today: datetime.date) -> str:
    """A notice's rich text as the public reads it today: the name masked in its text nodes, never in its markup
    (``richtext.html_replace_text``), and sanitised again."""
    masked = _masked_name(notice, today)
    return html_replace_text(html, *masked) if masked else html


def objections_for_handler(*, user):
    """Objections of the notices in the user's subtree, for those who handle them (they see the reporter)."""
    return restrict(
        Objection.objects.select_related("notice__node", "reporter"),
        user=user,
        perm=MANAGE_PEOPLE,
        path_field="notice__node__path",
    )


def my_objections(*, user):
    return Objection.objects.filter(reporter__user_id=user.pk).select_related("notice").order_by("-received_on")


def periodic_due_for(*, user, today: datetime.date):
    """Periodic disclosures that are due and not yet published, per organisation in the user's subtree: branch-level
    categories for every branch, the others for every base committee. Two queries however many organisations."""
    categories = list(Category.objects.filter(cadence=Cadence.PERIODIC, period_months__isnull=False))
    nodes = list(
        restrict(
            OrgNode.objects.filter(kind__in=[NodeKind.BRANCH, NodeKind.COMMITTEE], is_active=True),
            user=user,
            perm=MANAGE_PEOPLE,
            path_field="path",
        ).order_by("path")
    )
    last = {
        (node_id, category_id): day
        for node_id, category_id, day in Notice.objects.filter(
            node__in=nodes, category__in=categories, status__in=BOARD_STATUSES
        )
        .values_list("node_id", "category_id")
        .annotate(day=Max("opens_on"))
        .values_list("node_id", "category_id", "day")
    }
    due = []
    for node in nodes:
        for category in categories:
            wants_branch = category.default_scope == Scope.BRANCH
            if (node.kind == NodeKind.BRANCH) != wants_branch:
                continue
            previous = last.get((node.pk, category.pk))
            due_on = previous + relativedelta(months=category.period_months) if previous else None
            if due_on is None or due_on <= today:
                due.append((node, category, previous, due_on))
    return due


# --- what waits for the user (the committee's to-do) -------------------------------------------------------------

# The moves a notice waits for someone to make; the others are the sweep's (close, archive) or answers to events.
AWAITED_MOVES = ("check", "approve", "publish")


def _earlier_actor_q(user, name: str) -> Q:
    """Notices where ``user`` is not the earlier actor ``name`` of the four-eyes rule (``must_differ_from``)."""
    if name == AUTHORS:
        edited = Notice.editors.through.objects.filter(notice_id=OuterRef("pk"), user_id=user.pk)
        return ~Q(created_by=user) & ~Q(Exists(edited))
    return ~Q(**{name: user})


def _awaited_q(user, transition: Transition) -> Q:
    """The notices on which ``user`` may make this move now: its source state, the notices it applies to, a
    permission of the row over the notice's organisation, and not one of the earlier actors it must differ from."""
    q = Q(status__in=transition.sources)
    if transition.applies_to != ANY:
        q &= Q(corrects__isnull=transition.applies_to != CORRECTIONS)
    paths = [scope_paths(user, perm) for perm in transition.permissions]
    if not any(p is None for p in paths):  # None: everywhere (an administrator)
        q &= path_q([path for some in paths for path in some], "node__path")
    for name in transition.must_differ_from:
        q &= _earlier_actor_q(user, name)
    return q


def notices_awaiting_for(*, user, limit: int = 10) -> tuple[list[tuple[Notice, Transition]], dict[str, int]]:
    """The notices waiting for the user to check, approve or publish them, by the workflow's table (never one the
    user wrote or edited, where the four-eyes rule forbids it): ``(notice, move)`` of the first ``limit`` of each
    move, oldest window first, and how many wait for each move. One query."""
    rows = [t for t in TRANSITIONS if t.move in AWAITED_MOVES and t.permissions != SYSTEM]
    q = Q(pk__in=[])
    for transition in rows:
        q |= _awaited_q(user, transition)
    by_status = {"partition_by": [F("status")]}
    qs = (
        Notice.objects.filter(q)
        .select_related("node")
        .annotate(
            rank=Window(RowNumber(), order_by=[F("opens_on").asc(), F("pk").asc()], **by_status),
            waiting=Window(Count("pk"), **by_status),
        )
        .filter(rank__lte=limit)
        .order_by("opens_on", "pk")
    )
    found, counts = [], {}
    for notice in qs:
        is_correction = notice.corrects_id is not None
        move = next(t for t in rows if notice.status in t.sources and t.applies(is_correction=is_correction))
        found.append((notice, move))
        counts[move.move] = notice.waiting
    return found, counts


def objections_awaiting_for(*, user, limit: int = 10) -> tuple[list[Objection], int]:
    """Objections not yet answered in the user's subtree (for their handlers), nearest deadline first, and how many
    there are. One query."""
    qs = objections_for_handler(user=user).filter(outcome="").select_related(None).select_related("notice__node")
    qs = qs.annotate(waiting=Window(Count("pk"))).order_by("due_on", "pk")
    found = list(qs[:limit])
    return found, found[0].waiting if found else 0
