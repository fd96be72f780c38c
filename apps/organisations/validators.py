"""Texts that must stay on one line: names and titles end up in e-mail subjects, calendar summaries and headers.

A carriage return in a notice's title added lines to the calendar feed (``X-INJ:1``) and made the reminder's
e-mail fail (``BadHeaderError``). Names and titles are refused with a line break or a control character on input
(``validate_one_line``: the services check it, the admin's text inputs too); what is written out is made one line
anyway (``one_line``), for texts stored before.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# control characters (CR, LF, tab, NEL …) and the Unicode line and paragraph separators
_BREAKING = {"Cc", "Zl", "Zp"}


def _breaks(text: str) -> bool:
    return any(unicodedata.category(char) in _BREAKING for char in text)


def validate_one_line(value) -> None:
    if isinstance(value, str) and _breaks(value):
        raise ValidationError(_("Write this on one line: no line breaks or control characters."), code="one_line")


def check_one_line(**texts: str) -> None:
    """Refuse the texts (by field name) that are not one line."""
    errors = {}
    for name, text in texts.items():
        try:
            validate_one_line(text)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)


def one_line(text: str) -> str:
    """The text with every line break, control character and run of spaces made a single space."""
    return " ".join("".join(" " if unicodedata.category(c) in _BREAKING else c for c in str(text)).split())
