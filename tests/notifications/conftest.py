import datetime

import pytest

from tests.dates import TODAY, at

__all__ = ["TODAY", "at"]


@pytest.fixture
def due_case(world):
    """An applicant of branch A whose talk (within a month of the application) is due on 2026-11-27."""
    from apps.lifecycle.services import case_open

    case = case_open(
        actor=world.users["secretary_a"],
        person=world.people["applicant_a"],
        branch=world.branch_a,
        application_on=datetime.date(2026, 10, 27),
        today=TODAY,
    )
    case.refresh_from_db()
    assert (case.next_due_on, case.next_due_step) == (datetime.date(2026, 11, 27), "applicant_talk")
    return case
