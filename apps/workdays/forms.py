"""The date input of every form of the portal: a date within a plausible range.

A year such as 0001 or 9999 parses as a date but breaks every computation after it (a plan, a window of working
days, a calendar year to load) with an overflow, a 500 instead of an error. Every form's date field is this one
(``DateField``; the admin gets it through ``formfield_overrides``), so the range is checked once, with a translated
error, before anything is computed.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


def validate_plausible_date(value: datetime.date | None) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            code="date_range",
            params={"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
        )


class DateInput(forms.DateInput):
    """The browser's date picker, bounded by the plausible range, always with an ISO value (a ``type=date`` input
    takes ``2026-11-30`` in every language, never ``2026/11/30``)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(
            {"min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat(), **(attrs or {})}, "%Y-%m-%d"
        )


class DateField(forms.DateField):
    """A date between 1900 and 2100 (``EARLIEST_DATE``, ``LATEST_DATE``); the portal's date input unless the caller
    (the admin) gives its own."""

    widget = DateInput
    default_validators = [validate_plausible_date]
