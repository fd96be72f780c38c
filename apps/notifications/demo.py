"""The reminders of the demo: the sweep run once over the demo's deadlines (steps due and overdue, 公示 closing,
an objection to answer, periodic disclosures due, committee terms ending), as the scheduler does every five minutes,
and the e-mail preferences of two officials. ``apps.portal``'s ``seed_demo`` runs it last, when every deadline is
in place; the e-mails go out with the scheduler's next delivery."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model

from .choices import EmailMode
from .services import preference_set, reminders_sweep

# Demo officials who chose how their reminder e-mails come: the rest keep the default of their role.
PREFERENCES = {"shuji_yichejian": EmailMode.IMMEDIATE, "dangwei_shuji": EmailMode.DIGEST}


def seed_reminders(*, now: datetime.datetime) -> int:
    """Set the preferences, run the reminder sweep at ``now``; returns how many reminders it created."""
    for user in get_user_model().objects.filter(username__in=PREFERENCES):
        preference_set(user=user, email_mode=PREFERENCES[user.username])
    return reminders_sweep(clock=lambda: now).created
