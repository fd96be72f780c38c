"""Reminder sources of organisational life (ADR 7: sources are code, rules are data): the meeting notice to its roll
(and the meeting in each one's calendar feed), a kind falling behind before its period ends, minutes not entered,
leave requests waiting for the secretary."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, in_window, object_url, register

from .choices import COMPLIANCE_KINDS, KIND_BY_CODE, LeaveState, MeetingStatus

OFFICIALS = (RecipientRole.SECRETARY, RecipientRole.ORGANISER)


# --- the notice of a meeting: to everyone on its roll ---------------------------------------------------------------


def _notified(today, earliest, latest):
    from .models import Meeting

    return in_window(
        Meeting.objects.filter(status=MeetingStatus.NOTIFIED, held_on__gte=today), "held_on", earliest, latest
    )


def _notice_dues(today, earliest, latest):
    rows = _notified(today, earliest, latest).values_list(
        "pk", "held_on", "node_id", "node__path", "topic", "starts_at"
    )
    for pk, held_on, node_id, path, topic, starts_at in rows.iterator(chunk_size=5000):
        time = starts_at.strftime("%H:%M") if starts_at else ""
        yield Due(pk, held_on, node_id, path, None, {"topic": topic, "date": str(held_on), "time": time})


def _notice_contacts(today, earliest, latest):
    from .models import Attendee

    meetings = _notified(today, earliest, latest).values("pk")
    found = defaultdict(list)
    for meeting_id, person_id in Attendee.objects.filter(meeting_id__in=meetings).values_list(
        "meeting_id", "person_id"
    ):
        found[meeting_id].append(person_id)
    return found


def _notice_current(ids, today):
    from .models import Meeting

    return dict(Meeting.objects.filter(pk__in=ids, status=MeetingStatus.NOTIFIED).values_list("pk", "held_on"))


def _notice_title(params):
    when = f"{params.get('date', '')} {params.get('time', '')}".strip()
    return _("Meeting %(when)s: %(topic)s") % {"when": when, "topic": params.get("topic", "")}


register(
    Source(
        code="orglife.meeting_notice",
        label=gettext_lazy("Meeting notice"),
        roles=(RecipientRole.CONTACTS, *OFFICIALS),
        dues=_notice_dues,
        contacts=_notice_contacts,
        current=_notice_current,
        title=_notice_title,
        url=lambda due, role: object_url("orglife:meeting", due.subject_id),
        help_text=gettext_lazy(
            "A meeting whose notice was sent: everyone on its roll (and its invitees) is reminded before it, and sees "
            "it in their calendar feed."
        ),
    )
)


# --- a kind falling behind: its period ends soon and no meeting yet --------------------------------------------------

_KIND_BITS = 6  # subject id = node id × 2⁶ + the kind's place in COMPLIANCE_KINDS


def _behind(today):
    """(subject id, period end, node id, node path, params) of each running period without a meeting, for every
    organisation that records its meetings here (compliance computed as on the pages, in a fixed number of queries).
    An organisation that never recorded a meeting is not reminded — its grid shows it — so a new installation is not
    flooded (as with periodic disclosures never published, ADR 7)."""
    from apps.organisations.models import OrgNode

    from .models import Meeting
    from .selectors import COMPLIANCE_NODES, _groups_of, compliance_reports

    held = Meeting.objects.filter(status=MeetingStatus.HELD).values_list("node__path", "node__kind")
    recording = set()
    for path, kind in held.order_by().distinct():  # a group's meetings: its branch records here
        recording.add(path[: -OrgNode.steplen] if kind == "group" else path)
    nodes = [
        node
        for node in OrgNode.objects.filter(kind__in=COMPLIANCE_NODES, is_active=True).order_by("path")
        if node.path in recording
    ]
    reports = compliance_reports(nodes=nodes, year=today.year, as_of=today)
    groups = {(path, g.name): g for path, gs in _groups_of(nodes).items() for g in gs}
    for node in nodes:
        report = reports.get(node.pk)
        for kind in report.kinds if report else ():
            current = kind.current()
            if current is None:
                continue
            holder = groups.get((node.path, kind.group), node) if kind.group is not None else node
            subject = (holder.pk << _KIND_BITS) | COMPLIANCE_KINDS.index(kind.kind)
            params = {"kind": kind.kind, "period": current.name, "node": holder.name, "page": node.pk}
            yield subject, current.last, holder.pk, holder.path, params


def _behind_dues(today, earliest, latest):
    for subject, due_on, node_id, path, params in _behind(today):
        if due_on <= latest and (earliest is None or due_on >= earliest):
            yield Due(subject, due_on, node_id, path, None, params)


def _behind_current(ids, today):
    wanted = set(ids)
    return {subject: due_on for subject, due_on, *_rest in _behind(today) if subject in wanted}


def _behind_title(params):
    kind = KIND_BY_CODE.get(params.get("kind"))
    return _("%(kind)s not held yet in %(period)s: %(node)s") % {
        "kind": kind.label if kind else params.get("kind", ""),
        "period": params.get("period", ""),
        "node": params.get("node", ""),
    }


register(
    Source(
        code="orglife.kind_behind",
        label=gettext_lazy("Meeting not held yet in its period"),
        roles=OFFICIALS,
        dues=_behind_dues,
        current=_behind_current,
        title=_behind_title,
        url=lambda due, role: object_url("orglife:node_year", due.params["page"]),
        help_text=gettext_lazy(
            "A kind of meeting the organisation owes in the running month, quarter or year, with none held yet; the "
            "deadline is the period's last day (e.g. ten days before the quarter ends and no general meeting)."
        ),
    )
)


# --- minutes not entered -------------------------------------------------------------------------------------------


def _minutes_dues(today, earliest, latest):
    from .models import Meeting

    rows = in_window(
        Meeting.objects.filter(status=MeetingStatus.HELD, minutes="", minutes_due_on__isnull=False),
        "minutes_due_on",
        earliest,
        latest,
    ).values_list("pk", "minutes_due_on", "node_id", "node__path", "topic", "held_on")
    for pk, due_on, node_id, path, topic, held_on in rows.iterator(chunk_size=5000):
        yield Due(pk, due_on, node_id, path, None, {"topic": topic, "date": str(held_on)})


def _minutes_current(ids, today):
    from .models import Meeting

    return dict(
        Meeting.objects.filter(pk__in=ids, status=MeetingStatus.HELD, minutes="").values_list("pk", "minutes_due_on")
    )


register(
    Source(
        code="orglife.minutes_missing",
        label=gettext_lazy("Minutes not entered"),
        roles=OFFICIALS,
        dues=_minutes_dues,
        current=_minutes_current,
        title=lambda p: _("Minutes missing: %(topic)s (%(date)s)") % {"topic": p.get("topic"), "date": p.get("date")},
        url=lambda due, role: object_url("orglife:meeting", due.subject_id),
        help_text=gettext_lazy("A held meeting whose minutes are not entered by the day the policy allows."),
    )
)


# --- leave requests waiting -----------------------------------------------------------------------------------------


def _leave_dues(today, earliest, latest):
    from .models import LeaveRequest

    rows = in_window(
        LeaveRequest.objects.filter(state=LeaveState.REQUESTED, meeting__status=MeetingStatus.NOTIFIED),
        "meeting__held_on",
        earliest,
        latest,
    ).values_list("pk", "meeting__held_on", "meeting__node_id", "meeting__node__path", "person__name", "meeting_id")
    for pk, held_on, node_id, path, name, meeting_id in rows.iterator(chunk_size=5000):
        yield Due(pk, held_on, node_id, path, None, {"name": name, "meeting": meeting_id})


def _leave_current(ids, today):
    from .models import LeaveRequest

    return dict(
        LeaveRequest.objects.filter(pk__in=ids, state=LeaveState.REQUESTED).values_list("pk", "meeting__held_on")
    )


register(
    Source(
        code="orglife.leave_waiting",
        label=gettext_lazy("Leave request waiting"),
        roles=OFFICIALS,
        dues=_leave_dues,
        current=_leave_current,
        title=lambda p: _("Leave request to decide: %(name)s") % {"name": p.get("name", "")},
        url=lambda due, role: object_url("orglife:meeting", due.params["meeting"]),
        help_text=gettext_lazy("A leave request the secretary has not decided, by the day of the meeting."),
    )
)
