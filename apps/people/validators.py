"""Checks of a person's identity and contact fields: ID card numbers (GB 11643-1999) and phone numbers.

They apply to values entered or changed, never to a stored value nobody touches: a record with an old, mistyped
number can still have its phone number corrected.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 11643-1999 §5: 6 digits of the address code, 8 of the date of birth, 3 of the sequence (odd for men, even for
# women), then a check character computed over the first 17 with these weights, modulo 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
_ID_SHAPE = re.compile(r"\d{17}[\dX]")

# A mainland mobile number (11 digits from 13… to 19…, spaces or hyphens between groups allowed), or a landline with
# its area code (0 and 2–3 digits, or without the 0 after +86), 7 or 8 digits and an optional extension; +86 in
# front of either is allowed.
_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"(?:0[1-9]\d{1,2}|\+?86[ -]?[1-9]\d{1,2})[ -]?[2-9]\d{6,7}(?:(?:-|转|ext\.?)\d{1,6})?")


def id_number_normalise(value: str) -> str:
    return value.strip().upper()


def id_number_check_character(first17: str) -> str:
    """The 18th character of an ID card number whose first 17 digits are given."""
    return ID_CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_number_birth_date(value: str) -> datetime.date:
    """The date of birth an ID card number carries; ValidationError when the number is malformed."""
    value = id_number_normalise(value)
    if not _ID_SHAPE.fullmatch(value):
        raise ValidationError(
            _("An ID card number has 18 characters: 17 digits, then a digit or X."), code="id_number_shape"
        )
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900:
        raise ValidationError(
            _("Characters 7 to 14 of an ID card number are the date of birth; %(digits)s is not a possible one."),
            code="id_number_date",
            params={"digits": value[6:14]},
        )
    if id_number_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The last character of this ID card number does not match the others: check it for a typing error."),
            code="id_number_check",
        )
    return born


def validate_phone(value: str) -> None:
    if not (_MOBILE.fullmatch(re.sub(r"[\s-]", "", value)) or _LANDLINE.fullmatch(value.strip())):
        raise ValidationError(
            _(
                "Enter a mobile number (11 digits starting with 1) or a landline number with its area code, "
                "such as 010-62345678."
            ),
            code="phone",
        )


def person_fields_check(*, values: dict, changed: set[str]) -> None:
    """Check the ID card number, the date of birth against it, and the phone number, where ``changed`` names them.

    ``values`` holds the record's values after the change. Raises one ValidationError with an error per field."""
    errors: dict[str, ValidationError] = {}
    id_number, birth_date, phone = values.get("id_number") or "", values.get("birth_date"), values.get("phone") or ""
    if "phone" in changed and phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc
    id_born = None
    if id_number and ("id_number" in changed or "birth_date" in changed):
        try:
            id_born = id_number_birth_date(id_number)
        except ValidationError as exc:
            if "id_number" in changed:
                errors["id_number"] = exc
    if id_born and birth_date and id_born != birth_date:
        field = "id_number" if "id_number" in changed else "birth_date"
        errors[field] = ValidationError(
            _("The ID card number gives the date of birth %(in_id)s, but the date of birth is %(born)s."),
            code="id_number_birth_date",
            params={"in_id": id_born.isoformat(), "born": birth_date.isoformat()},
        )
    if errors:
        raise ValidationError(errors)
