import datetime

import pytest

from apps.lifecycle.services import case_open

D = datetime.date
TODAY = D(2026, 11, 22)


@pytest.fixture
def case(world):
    """An applicant of branch A whose application came on 2024-09-02 (2026.05 rules, the default)."""
    return case_open(
        actor=world.users["secretary_a"],
        person=world.people["applicant_a"],
        branch=world.branch_a,
        application_on=D(2024, 9, 2),
        today=TODAY,
    )


@pytest.fixture
def record(world):
    """``record(case, step, on, who="secretary_a", **kw)`` through the service, with a fixed today."""
    from apps.lifecycle.services import case_record_step

    def _record(case, step, on, who="secretary_a", today=TODAY, **kw):
        return case_record_step(actor=world.users[who], case=case, step=step, on=on, today=today, **kw)

    return _record


def take_to_candidate(world, case, record):
    record(case, "applicant_talk", D(2024, 9, 20))
    record(case, "activist_designated", D(2024, 10, 8))
    record(case, "activist_filed", D(2024, 10, 15), who="staff")
    record(case, "contacts_assigned", D(2024, 10, 8), people=[world.people["member_a"], world.people["organiser_a"]])
    record(case, "activist_evaluation", D(2025, 4, 8))
    record(case, "candidate_designated", D(2025, 10, 9))
