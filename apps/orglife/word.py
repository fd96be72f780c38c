"""The minutes of a meeting as an official document in Word (``documents.official``): entered once on the portal,
never retyped."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.documents.official import Heading, OfficialDocument, date_text, paragraphs_of_html, render

from .choices import Presence
from .selectors import kind_labels, meeting_roll


def _names(entries) -> str:
    return "、".join(e.person.name for e in entries) or _("none")


def minutes_docx(meeting) -> bytes:
    """Time, place, chair and recorder, the roll (present, on leave, absent), the topic, the minutes and the
    decisions; signed by the organisation on the meeting's date."""
    roll = meeting_roll(meeting)
    members = [e for e in roll if not e.invited]
    present = [e for e in members if e.presence == Presence.PRESENT]
    leave = [e for e in members if e.presence == Presence.LEAVE]
    absent = [e for e in members if e.presence != Presence.PRESENT and e.presence != Presence.LEAVE]
    invited = [e for e in roll if e.invited and e.presence == Presence.PRESENT]
    when = date_text(meeting.held_on) + (f" {meeting.starts_at:%H:%M}" if meeting.starts_at else "")
    paragraphs: list = [
        _("Time: %(when)s") % {"when": when},
        _("Place: %(place)s") % {"place": meeting.place or _("not recorded")},
        _("Kind: %(kinds)s") % {"kinds": kind_labels(meeting.kind_codes)},
        _("Chair: %(chair)s; recorder: %(recorder)s")
        % {
            "chair": meeting.chair.name if meeting.chair else _("not recorded"),
            "recorder": meeting.recorder.name if meeting.recorder else _("not recorded"),
        },
        _("Expected: %(expected)d; present: %(present)d; on leave: %(leave)d; absent: %(absent)d.")
        % {"expected": len(members), "present": len(present), "leave": len(leave), "absent": len(absent)},
        _("On leave: %(names)s") % {"names": _names(leave)},
        _("Absent: %(names)s") % {"names": _names(absent)},
    ]
    if invited:
        paragraphs.append(_("Also attending: %(names)s") % {"names": _names(invited)})
    paragraphs.append(_("Topic: %(topic)s") % {"topic": meeting.topic})
    paragraphs.append(Heading(_("Minutes")))
    paragraphs += paragraphs_of_html(meeting.minutes) or [_("Not entered.")]
    if meeting.decisions:
        paragraphs.append(Heading(_("Decisions")))
        paragraphs += [line for line in meeting.decisions.splitlines() if line.strip()]
    return render(
        OfficialDocument(
            title=_("Minutes: %(topic)s") % {"topic": meeting.topic},
            paragraphs=paragraphs,
            issuer=meeting.node.name,
            issued_on=meeting.held_on,
        )
    )
