"""What waits for the user's decision, on the home page of a committee or branch official (待办): notices to check,
approve or publish, objections to answer, the committee's filings and approvals, transfers to accept, assessment
sheets to review or submit, commitments to vet. Each domain's selector says what
waits and for whom (the disclosure workflow's table, the development steps' ``recorders``); the portal only lists
them, each with a link to the page where the user acts — and a link only where the user may open that page.

A fixed number of queries however many items wait (one per domain list), and none for a user without such a role.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.assessment.selectors import sheets_waiting
from apps.disclosure.models import NoticeStatus
from apps.disclosure.selectors import notice_draft_url, notices_awaiting_for, objections_awaiting_for
from apps.improvement.selectors import commitments_to_vet
from apps.lifecycle.selectors import QUEUES, committee_todo_for
from apps.lifecycle.steps import STEP_BY_CODE
from apps.membership.selectors import incoming_for
from apps.organisations.choices import APPROVE, MANAGE_PEOPLE, PUBLISH, VIEW_SCOPE
from apps.organisations.permissions import covers, has_any_scope

# How many items each list shows; the heading says how many there are in all.
SHOWN = 10


@dataclass
class TodoItem:
    text: str
    url: str  # "" when the user cannot open the page where it is done
    detail: str = ""
    due: datetime.date | None = None
    late: bool = False


@dataclass
class TodoList:
    key: str
    title: str
    total: int
    items: list[TodoItem] = field(default_factory=list)
    more_url: str = ""  # the full list, where the user may open it


def has_todo(user) -> bool:
    """Whether the user holds a role that decides something the to-do lists: check, approve, publish, answer."""
    return any(has_any_scope(user, perm) for perm in (MANAGE_PEOPLE, APPROVE, PUBLISH))


def todo_for(*, user, today: datetime.date) -> list[TodoList]:
    """The user's to-do lists that have something in them (one query per list)."""
    if not has_todo(user):
        return []
    lists = [
        *_notice_lists(user, today),
        _objection_list(user, today),
        _committee_list(user, today),
        _transfer_list(user, today),
        *_assessment_lists(user, today),
        _commitment_list(user, today),
    ]
    return [t for t in lists if t.total]


def _admin_link(user, name: str, pk: int, path: str, perm: str = VIEW_SCOPE) -> str:
    """A change page of the admin, for staff who may open it (the scoped admin answers 404 outside the subtree)."""
    if not (user.is_staff and covers(user, perm, path)):
        return ""
    return reverse(name, args=[pk])


def _notice_lists(user, today) -> list[TodoList]:
    notices, counts = notices_awaiting_for(user=user, limit=SHOWN)
    titles = {
        "check": _("Notices to check for secrecy and accuracy"),
        "approve": _("Notices to approve"),
        "publish": _("Notices to publish"),
    }
    lists = {
        move: TodoList(key=f"notices_{move}", title=title, total=counts.get(move, 0)) for move, title in titles.items()
    }
    for notice, move in notices:
        detail = _("%(node)s · window %(start)s to %(end)s") % {
            "node": notice.node.name,
            "start": notice.opens_on.isoformat(),
            "end": notice.closes_on.isoformat(),
        }
        if notice.corrects_id:
            detail += " · " + _("a correction")
        # a window that has begun cannot be published (the publish move's rule): said at every step before it
        late = not notice.corrects_id and notice.opens_on < today
        if late and notice.status == NoticeStatus.DRAFT:
            detail += " · " + _("the window has begun: it cannot be published with it; the draft needs a new one")
        elif late:
            detail += " · " + _("the window has begun: send it back to the draft and give it a new one")
        url = notice_draft_url(user=user, notice=notice)
        lists[move.move].items.append(TodoItem(notice.title, url, detail, notice.opens_on, late))
    for move, todo in lists.items():
        if todo.total > len(todo.items) and user.is_staff:
            todo.more_url = reverse("admin:disclosure_notice_changelist") + f"?queue={move}"
    return list(lists.values())


def _objection_list(user, today) -> TodoList:
    objections, total = objections_awaiting_for(user=user, limit=SHOWN)
    todo = TodoList(key="objections", title=_("Objections to answer"), total=total)
    for objection in objections:
        notice = objection.notice
        url = _admin_link(user, "admin:disclosure_objection_change", objection.pk, notice.node.path, MANAGE_PEOPLE)
        detail = _("%(node)s · received on %(date)s") % {
            "node": notice.node.name,
            "date": objection.received_on.isoformat(),
        }
        due = objection.due_on
        todo.items.append(TodoItem(notice.title, url, detail, due, bool(due and due < today)))
    if total > len(objections) and user.is_staff:
        todo.more_url = reverse("admin:disclosure_objection_changelist") + "?handling=open"
    return todo


def _committee_list(user, today) -> TodoList:
    cases, total = committee_todo_for(user=user, limit=SHOWN)
    todo = TodoList(key="committee", title=_("Filings and approvals of the committee"), total=total)
    for case in cases:
        if case.queue:
            what = str(QUEUES[case.queue][0])
        else:
            step = STEP_BY_CODE.get(case.next_due_step)
            what = str(step.label) if step else ""
        detail = f"{what} · {case.branch.name}"
        url = reverse("lifecycle:case_detail", args=[case.pk]) if covers(user, VIEW_SCOPE, case.branch.path) else ""
        late = bool(case.next_due_is_limit and case.next_due_on and case.next_due_on < today)
        todo.items.append(TodoItem(case.person.name, url, detail, case.next_due_on, late))
    if total > len(cases):
        todo.more_url = reverse("lifecycle:pipeline") + "?waiting=committee"
    return todo


def _transfer_list(user, today: datetime.date) -> TodoList:
    """Transfers of members the user's branches are to accept (one query)."""
    incoming = (
        list(incoming_for(user=user).order_by("report_by", "pk")[: SHOWN + 1])
        if has_any_scope(user, MANAGE_PEOPLE)
        else []
    )
    items = [
        TodoItem(
            text=_("Transfer to accept: %(person)s") % {"person": t.person.name},
            url=reverse("membership:transfer_detail", args=[t.pk]),
            detail=str(t.from_node.name if t.from_node else t.other_organisation),
            due=t.report_by,
            late=t.report_by < today,
        )
        for t in incoming[:SHOWN]
    ]
    return TodoList(
        key="transfers",
        title=_("Transfers to accept"),
        total=len(incoming),
        items=items,
        more_url=reverse("membership:overview") if incoming else "",
    )


def _assessment_lists(user, today: datetime.date) -> list[TodoList]:
    review, fill = sheets_waiting(user=user)
    return [_review_list(review), _fill_list(fill, today)]


def _review_list(sheets) -> TodoList:
    """Assessment sheets submitted to a level the user reviews (一级考核一级), oldest scheme first."""
    todo = TodoList(key="assessment_reviews", title=_("Assessment sheets to review"), total=len(sheets))
    for sheet in sheets[:SHOWN]:
        detail = _("%(year)s %(scheme)s · submitted to level %(level)s") % {
            "year": sheet.scheme.year,
            "scheme": sheet.scheme.name,
            "level": sheet.level,
        }
        todo.items.append(TodoItem(sheet.node.name, reverse("assessment:sheet", args=[sheet.pk]), detail))
    if len(sheets) > SHOWN:
        todo.more_url = reverse("assessment:queue")
    return todo


def _fill_list(sheets, today: datetime.date) -> TodoList:
    """The own organisation's assessment sheets to fill, submit or resubmit (a returned one first, with why)."""
    todo = TodoList(key="assessment_fill", title=_("Assessment sheets to fill and submit"), total=len(sheets))
    for sheet in sheets[:SHOWN]:
        detail = f"{sheet.scheme.year} {sheet.scheme.name} · {sheet.get_status_display()}"
        if sheet.status == "returned" and sheet.return_reason:
            detail += " · " + sheet.return_reason[:80]
        due = sheet.scheme.self_due_on
        late = bool(due and due < today)
        todo.items.append(TodoItem(sheet.node.name, reverse("assessment:sheet", args=[sheet.pk]), detail, due, late))
    if len(sheets) > SHOWN:
        todo.more_url = reverse("assessment:home")
    return todo


def _commitment_list(user, today: datetime.date) -> TodoList:
    """Commitments the user's organisations are to vet, a member's set (or an organisation's own) to a line: the
    year's are vetted together on the commitments page, an earlier year's one by one on their own pages."""
    sets = commitments_to_vet(user=user) if has_any_scope(user, MANAGE_PEOPLE) else []
    todo = TodoList(key="commitments", title=_("Commitments to vet"), total=len(sets))
    for row in sets[:SHOWN]:
        text = row["person__name"] or _("%(node)s (the organisation's own)") % {"node": row["node__name"]}
        detail = ngettext(
            "%(year)s · %(node)s · %(count)s commitment", "%(year)s · %(node)s · %(count)s commitments", row["count"]
        ) % {
            "year": row["year"],
            "node": row["node__name"],
            "count": row["count"],
        }
        if row["year"] == today.year:
            url = reverse("improvement:commitments") + "#to-vet"
        else:
            url = reverse("improvement:commitment", args=[row["first"]])
        todo.items.append(TodoItem(text, url, detail))
    if len(sets) > SHOWN:
        todo.more_url = reverse("improvement:commitments") + "#to-vet"
    return todo
