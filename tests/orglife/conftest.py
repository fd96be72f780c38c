import datetime

import pytest

from apps.orglife.services import attendance_record, meeting_create, meeting_notify
from tests.dates import TODAY, at

D = datetime.date


@pytest.fixture
def meet(world):
    """``meet(held_on, kinds=("general_meeting",), node=branch A, who="secretary_a", **fields)``: a meeting arranged
    through the service on ``TODAY``."""

    def _meet(held_on, kinds=("general_meeting",), node=None, who="secretary_a", **fields):
        fields.setdefault("topic", "学习贯彻会议精神")
        return meeting_create(
            actor=world.users[who], node=node or world.branch_a, held_on=held_on, kinds=list(kinds), today=TODAY,
            **fields,
        )  # fmt: skip

    return _meet


@pytest.fixture
def held(world, meet):
    """``held(held_on, kinds=…, absent=(), **fields)``: a meeting recorded as held, everyone on the roll present but
    the people named (as of ``TODAY``)."""
    from apps.orglife.selectors import meeting_roll

    def _held(held_on, kinds=("general_meeting",), absent=(), node=None, now=None, **fields):
        meeting = meet(held_on, kinds, node=node, **fields)
        marks = {e.person.pk: "absent" if e.person in absent else "present" for e in meeting_roll(meeting)}
        return attendance_record(actor=world.users["secretary_a"], meeting=meeting, marks=marks, now=now or at(TODAY))

    return _held


@pytest.fixture
def notified(world, meet):
    def _notified(held_on=TODAY, kinds=("general_meeting",), **fields):
        meeting = meet(held_on, kinds, **fields)
        return meeting_notify(actor=world.users["secretary_a"], meeting=meeting, now=at(TODAY))

    return _notified
