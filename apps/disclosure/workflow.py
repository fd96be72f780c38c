"""The disclosure workflow as data: which move takes a notice from which states to which, who may make it, who may
not (four-eyes), and what each refusal says. ``services.notice_transition`` is the one place that applies it; no other
code writes a notice's status.

    draft ──check──▶ checked ──approve──▶ approved ──publish──▶ published ──close──▶ closed ──archive──▶ archived
      ▲                 │                     │                  hold │ ▲ resume
      └──── return ─────┴─────────────────────┘                       ▼ │
                                                                     held

A correction of a published notice is a draft of its own (``Notice.corrects``) that takes the same path: checked and
approved again, by others than its author. Publishing it appends its text as the next version of the notice it
corrects, and the correction itself ends as "published as a correction". Members only ever read published versions.

The table is plain data (no database, no request): the tests walk every row against every state.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from apps.organisations.choices import APPROVE, MANAGE_PEOPLE, PUBLISH

from .models import NoticeStatus

S = NoticeStatus

# Earlier actors a transition may have to differ from (``must_differ_from``).
AUTHORS = "authors"  # who wrote the text: the notice's creator and everyone who edited the draft
CHECKER = "checked_by"
APPROVER = "approved_by"

# Moves nobody makes by hand: the periodic sweep makes them (``actor=None``).
SYSTEM: tuple[str, ...] = ()

# Which notices a row applies to.
ANY = "any"
NOTICES = "notices"  # notices in their own right
CORRECTIONS = "corrections"  # drafts that correct a published notice

# What publishing writes to the archive.
FIRST_VERSION = "first_version"  # version 1 of the notice itself
NEXT_VERSION = "next_version"  # the next version of the notice it corrects

# A notice may be corrected while it is on a board; once archived it stays as it was.
CORRECTABLE = (S.PUBLISHED, S.CLOSED, S.HELD)


@dataclass(frozen=True)
class Transition:
    """One move of the workflow."""

    move: str
    sources: tuple[str, ...]
    target: str
    permissions: tuple[str, ...]  # any one of them over the notice's organisation; SYSTEM: the sweep only
    action: str  # the audit action
    refused: str  # the actor may not make this move here (``%(node)s``)
    wrong_state: str  # the notice is not in a source state (``%(status)s``)
    must_differ_from: tuple[str, ...] = ()  # earlier actors who may not make this move
    same_actor: str = ""  # the actor is one of them
    needs_note: str = ""  # the move needs a reason; this asks for it
    applies_to: str = ANY
    records: str = ""  # the notice's field that keeps who made the move
    clears: tuple[str, ...] = ()  # fields that no longer hold once the move is made
    publishes: str = ""  # FIRST_VERSION or NEXT_VERSION
    # the refusal when the notice's window opened before the day of the move (``%(start)s``): members must have the
    # whole window to object, so a backdated window is never published silently (it would close at once)
    past_window: str = ""

    def applies(self, *, is_correction: bool) -> bool:
        return self.applies_to == ANY or (self.applies_to == CORRECTIONS) == is_correction


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        move="check",
        sources=(S.DRAFT,),
        target=S.CHECKED,
        permissions=(MANAGE_PEOPLE,),
        action="disclosure.notice_checked",
        refused=_("You cannot check notices of %(node)s."),
        wrong_state=_("Only a draft is checked; this notice is “%(status)s”."),
        must_differ_from=(AUTHORS,),
        same_actor=_("The check must be done by someone other than the author."),
        records=CHECKER,
    ),
    Transition(
        move="approve",
        sources=(S.CHECKED,),
        target=S.APPROVED,
        permissions=(APPROVE,),
        action="disclosure.notice_approved",
        refused=_("Your role cannot approve notices of %(node)s."),
        wrong_state=_("Only a checked notice is approved; this notice is “%(status)s”."),
        must_differ_from=(AUTHORS,),
        same_actor=_("A notice is approved by someone other than its author."),
        records=APPROVER,
    ),
    Transition(
        move="publish",
        sources=(S.APPROVED,),
        target=S.PUBLISHED,
        permissions=(PUBLISH,),
        action="disclosure.notice_published",
        refused=_("Your role cannot publish notices of %(node)s."),
        wrong_state=_("Only an approved notice is published; this notice is “%(status)s”."),
        applies_to=NOTICES,
        publishes=FIRST_VERSION,
        past_window=_(
            "The window opened on %(start)s, before today: members would not have the whole window to object. Send "
            "the notice back to the draft and give it a window that starts today or later."
        ),
    ),
    Transition(
        move="publish",
        sources=(S.APPROVED,),
        target=S.MERGED,
        permissions=(PUBLISH,),
        action="disclosure.correction_published",
        refused=_("Your role cannot publish notices of %(node)s."),
        wrong_state=_("Only an approved correction is published; this correction is “%(status)s”."),
        applies_to=CORRECTIONS,
        publishes=NEXT_VERSION,
    ),
    Transition(
        move="return",
        sources=(S.CHECKED, S.APPROVED),
        target=S.DRAFT,
        permissions=(MANAGE_PEOPLE, APPROVE),
        action="disclosure.notice_returned",
        refused=_("You cannot send notices of %(node)s back to the draft."),
        wrong_state=_("Only a checked or approved notice goes back to the draft; this notice is “%(status)s”."),
        clears=(CHECKER, APPROVER),
    ),
    Transition(
        move="hold",
        sources=(S.PUBLISHED,),
        target=S.HELD,
        permissions=(APPROVE,),
        action="disclosure.notice_held",
        refused=_("Your role cannot put notices of %(node)s on hold."),
        wrong_state=_("Only a published notice is put on hold; this notice is “%(status)s”."),
        needs_note=_("Say why the notice is put on hold."),
        applies_to=NOTICES,
    ),
    Transition(
        move="resume",
        sources=(S.HELD,),
        target=S.PUBLISHED,
        permissions=(APPROVE,),
        action="disclosure.notice_resumed",
        refused=_("Your role cannot resume notices of %(node)s."),
        wrong_state=_("Only a notice on hold is resumed; this notice is “%(status)s”."),
        applies_to=NOTICES,
    ),
    Transition(
        move="close",
        sources=(S.PUBLISHED,),
        target=S.CLOSED,
        permissions=SYSTEM,
        action="disclosure.notice_closed",
        refused=_("A window closes by itself on its last day; nobody closes it by hand."),
        wrong_state=_("Only a published notice is closed; this notice is “%(status)s”."),
        applies_to=NOTICES,
    ),
    Transition(
        move="archive",
        sources=(S.CLOSED,),
        target=S.ARCHIVED,
        permissions=SYSTEM,
        action="disclosure.notice_archived",
        refused=_("A notice is archived by itself once names have left the board; nobody archives it by hand."),
        wrong_state=_("Only a closed notice is archived; this notice is “%(status)s”."),
        applies_to=NOTICES,
    ),
)

MOVES: tuple[str, ...] = tuple(dict.fromkeys(t.move for t in TRANSITIONS))

NOT_CORRECTABLE = _("The notice is “%(status)s”: it can no longer be corrected.")
UNKNOWN_MOVE = _("There is no such step in the disclosure workflow.")


def transition_for(move: str, *, is_correction: bool) -> Transition | None:
    """The row of ``move`` for a notice or a correction; ``None`` when there is none."""
    return next((t for t in TRANSITIONS if t.move == move and t.applies(is_correction=is_correction)), None)
