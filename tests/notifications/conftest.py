import datetime

import pytest

from apps.notifications.choices import EmailState
from apps.notifications.models import Reminder, ReminderRule
from tests.dates import TODAY, at
from tests.factories import PersonFactory

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


def pending_reminders(world, n: int, *, due: datetime.datetime) -> list[Reminder]:
    """``n`` e-mails waiting in the outbox: the term of each of ``n`` branches ends on 2026-12-20."""
    from apps.organisations.models import Term
    from tests.factories import make_node

    rule = ReminderRule.objects.get(committee=None, source="organisations.term_ending")
    rows = []
    for i in range(n):
        branch = make_node(parent=world.committee, name=f"支部{i}")
        term = Term.objects.create(
            node=branch,
            number=1,
            elected_on=datetime.date(2023, 12, 20),
            term_years=3,
            expires_on=datetime.date(2026, 12, 20),
        )
        person = PersonFactory(node=branch, email=f"recipient{i}@example.org")
        rows.append(
            Reminder(
                rule=rule,
                source=rule.source,
                subject_id=term.pk,
                due_on=term.expires_on,
                offset=-30,
                person=person,
                role="secretary",
                node=branch,
                url="/",
                params={"name": branch.name, "number": 1},
                email_state=EmailState.PENDING,
                next_attempt_at=due,
            )
        )
    return Reminder.objects.bulk_create(rows)
