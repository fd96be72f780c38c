"""The rate table of a dues policy, pure: the bands of income and their rates, and the monthly amount of a member
(规定 第一条–第五条). No database: the tests walk every band edge without one.

A band "3000:0.5" means: a monthly income up to and including 3,000.00 yuan pays 0.5 % of it; the next band starts
at 3,000.01. The rate applies to the whole income (not progressively), as the rules say. ``*`` is the last band, with
no upper limit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .choices import FIXED_CATEGORIES, Category
from .money import to_fen

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Band:
    up_to: Decimal | None  # inclusive upper limit in yuan; None: no limit (the last band)
    rate: Decimal  # per cent of the income


def parse_bands(text: str) -> tuple[Band, ...]:
    """``"3000:0.5; 5000:1; 10000:1.5; *:2"`` → bands; refuses what cannot be a rate table."""
    bands = []
    for part in [p.strip() for p in (text or "").replace("；", ";").replace("：", ":").split(";") if p.strip()]:
        limit, sep, rate = part.partition(":")
        if not sep:
            raise ValidationError(_("“%(part)s” is not a band: write limit:rate, e.g. 3000:0.5.") % {"part": part})
        try:
            up_to = None if limit.strip() == "*" else Decimal(limit.strip())
            percent = Decimal(rate.strip().rstrip("%"))
        except InvalidOperation:
            raise ValidationError(
                _("“%(part)s” is not a band: write limit:rate, e.g. 3000:0.5.") % {"part": part}
            ) from None
        bands.append(Band(up_to, percent))
    problems = band_problems(bands)
    if problems:
        raise ValidationError(problems)
    return tuple(bands)


def format_bands(bands: tuple[Band, ...]) -> str:
    return "; ".join(f"{'*' if b.up_to is None else b.up_to}:{b.rate.normalize():f}" for b in bands)


def describe_bands(bands: tuple[Band, ...]) -> str:
    """The bands as a member reads them: "up to 3,000 yuan: 0.5 %; 3,000 to 5,000 yuan: 1 %; …; above 10,000 yuan:
    2 %" (translated), instead of the policy's notation."""
    parts, lower = [], None
    for band in bands:
        rate = f"{band.rate.normalize():f}"
        if band.up_to is None:
            text = (
                _("above %(low)s yuan: %(rate)s %%") % {"low": f"{lower.normalize():f}", "rate": rate}
                if lower is not None
                else _("any amount: %(rate)s %%") % {"rate": rate}
            )
        elif lower is None:
            text = _("up to %(high)s yuan: %(rate)s %%") % {"high": f"{band.up_to.normalize():f}", "rate": rate}
        else:
            text = _("above %(low)s up to %(high)s yuan: %(rate)s %%") % {
                "low": f"{lower.normalize():f}",
                "high": f"{band.up_to.normalize():f}",
                "rate": rate,
            }
        parts.append(text)
        lower = band.up_to
    return pgettext("between the bands of a rate table", "; ").join(parts)


def band_problems(bands: list[Band] | tuple[Band, ...]) -> list[str]:
    problems = []
    if not bands:
        return [_("Give at least one band.")]
    if bands[-1].up_to is not None:
        problems.append(_("The last band has no upper limit: write it as *:rate."))
    limits = [b.up_to for b in bands[:-1]]
    if any(limit is None for limit in limits):
        problems.append(_("Only the last band is open (*)."))
    elif any(a >= b for a, b in zip(limits, limits[1:], strict=False)) or any(limit <= 0 for limit in limits):
        problems.append(_("The limits of the bands rise from band to band and are above zero."))
    if any(not (Decimal(0) <= b.rate <= HUNDRED) for b in bands):
        problems.append(_("A rate is a percentage from 0 to 100."))
    return problems


@dataclass(frozen=True)
class Rates:
    """The amounts of one policy version."""

    employed: tuple[Band, ...]
    retired: tuple[Band, ...]
    farmer_min: Decimal
    farmer_default: Decimal
    farmer_max: Decimal
    fixed_amount: Decimal  # students, members without work, members on relief or a minimum allowance


def band_for(bands: tuple[Band, ...], income: Decimal) -> Band:
    for band in bands:
        if band.up_to is None or income <= band.up_to:
            return band
    return bands[-1]


def monthly_amount(
    rates: Rates,
    *,
    category: str,
    income: Decimal | None = None,
    chosen: Decimal | None = None,
    extra: Decimal = Decimal(0),
) -> Decimal:
    """What a member of ``category`` pays a month, in yuan rounded half up to the fen; ``extra`` is what they give
    of their own will on top (规定 第五条). ``income`` is ignored for the fixed-amount categories."""
    if extra < 0:
        raise ValidationError(_("A voluntary extra cannot be negative."))
    if category in (Category.EMPLOYED, Category.RETIRED):
        if income is None:
            raise ValidationError(_("Give the monthly income: the amount is a share of it."))
        if income < 0:
            raise ValidationError(_("An income cannot be negative (%(value)s).") % {"value": income})
        bands = rates.employed if category == Category.EMPLOYED else rates.retired
        base = to_fen(income * band_for(bands, income).rate / HUNDRED)
    elif category == Category.FARMER:
        base = rates.farmer_default if chosen is None else chosen
        if not rates.farmer_min <= base <= rates.farmer_max:
            raise ValidationError(
                _("Farmers pay from %(low)s to %(high)s yuan a month; more is a voluntary extra.")
                % {"low": rates.farmer_min, "high": rates.farmer_max}
            )
    elif category in FIXED_CATEGORIES:
        base = rates.fixed_amount
    else:
        raise ValidationError(_("Unknown category of member: %(category)s.") % {"category": category})
    return to_fen(base + extra)
