"""Money in yuan: ``Decimal``, rounded half up to the fen, and read from what people type or payroll sheets hold
(``4500``, ``4,500.00``, ``4，500``, ``￥4500元``) — or refused with a sentence that says why."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FEN = Decimal("0.01")
LARGEST = Decimal("99999999.99")  # the columns hold ten digits with two decimals
_PLAIN = re.compile(r"^\d+(\.\d+)?$")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


def to_fen(value: Decimal) -> Decimal:
    """Rounded half up to the fen (0.005 → 0.01), never to the even fen."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def _text(value) -> str:
    # NFKC turns full-width digits, commas and points (４，５００．００) and the full-width yuan sign into ASCII
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = text.removeprefix("¥").removesuffix("元").replace(" ", "").replace("\u00a0", "")
    return text


def parse_yuan(value, *, allow_negative: bool = False) -> Decimal:
    """An amount in yuan with at most two decimals. A comma separates thousands (``4,500`` or ``4，500`` is 4500);
    a decimal comma (``4,5``) is refused rather than guessed."""
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        text = _text(value)
        negative = text.startswith("-")
        body = text[1:] if negative else text
        if not body:
            raise ValidationError(_("Enter an amount in yuan."))
        if _GROUPED.match(body):
            body = body.replace(",", "")
        elif "," in body:
            raise ValidationError(
                _("“%(value)s” is not an amount: a comma separates thousands (4,500.00); use a point for the fen.")
                % {"value": value}
            )
        if not _PLAIN.match(body):
            raise ValidationError(_("“%(value)s” is not an amount in yuan.") % {"value": value})
        try:
            number = Decimal(body)
        except InvalidOperation:
            raise ValidationError(_("“%(value)s” is not an amount in yuan.") % {"value": value}) from None
        number = -number if negative else number
    if not number.is_finite():
        raise ValidationError(_("“%(value)s” is not an amount in yuan.") % {"value": value})
    if number < 0 and not allow_negative:
        raise ValidationError(_("An amount cannot be negative (%(value)s).") % {"value": value})
    if number != number.quantize(FEN, rounding=ROUND_HALF_UP):
        raise ValidationError(
            _("“%(value)s” has more than two decimals: amounts are in yuan and fen.") % {"value": value}
        )
    if abs(number) > LARGEST:
        raise ValidationError(_("%(value)s is larger than any amount the ledger holds.") % {"value": value})
    return number.quantize(FEN)
