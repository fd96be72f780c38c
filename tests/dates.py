"""The suite's calendar: the day the tests are written for, named once.

Services never read the clock: tests hand them ``TODAY`` (or ``at(TODAY)`` for a moment). A test that goes through
a view, which reads the clock, asks for the ``today`` fixture: it moves the process clock to ``at(TODAY)`` for that
test. CI runs the suite a second time with the clock moved back more than a year (``--clock-back-days``), so a
test that silently depends on the day it runs fails at once, not a month later.

Dates after ``LAST_CALENDAR_YEAR`` have no official holiday arrangement yet: tests that use them say so (their
working-day results are provisional by design).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

TODAY = datetime.date(2026, 11, 22)  # a Sunday
LAST_CALENDAR_YEAR = 2026  # the last year of the packaged State Council arrangements (chinese-calendar)


def at(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """An aware local moment on ``day``."""
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))
