"""The rate table and money, without a database: every band edge, rounding half up to the fen, what people type."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.dues.money import parse_yuan, to_fen
from apps.dues.rates import Rates, band_problems, describe_bands, format_bands, monthly_amount, parse_bands

D = Decimal
RATES_2008 = Rates(
    employed=parse_bands("3000:0.5; 5000:1; 10000:1.5; *:2"),
    retired=parse_bands("5000:0.5; *:1"),
    farmer_min=D("0.20"),
    farmer_default=D("0.20"),
    farmer_max=D("1.00"),
    fixed_amount=D("0.20"),
)


def amount(category, income=None, **kw):
    return monthly_amount(RATES_2008, category=category, income=None if income is None else D(income), **kw)


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        ("0.00", "0.00"),
        ("2999.99", "15.00"),  # 14.99995 → 15.00
        ("3000.00", "15.00"),  # the last fen of the first band: 0.5 %
        ("3000.01", "30.00"),  # the first fen of the second band: 1 % of the whole income
        ("4500.00", "45.00"),
        ("5000.00", "50.00"),
        ("5000.01", "75.00"),  # 1.5 %: 75.00015 → 75.00
        ("10000.00", "150.00"),
        ("10000.01", "200.00"),  # 2 %: 200.0002 → 200.00
        ("25000.00", "500.00"),
    ],
)
def test_every_band_edge_of_employed_members(income, expected):
    assert amount("employed", income) == D(expected)


@pytest.mark.parametrize(
    ("pension", "expected"),
    [("4999.99", "25.00"), ("5000.00", "25.00"), ("5000.01", "50.00"), ("8000.00", "80.00")],
)
def test_every_band_edge_of_retired_members(pension, expected):
    assert amount("retired", pension) == D(expected)


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        ("4500.50", "45.01"),  # 45.005: half up → 45.01 (banker's rounding would give 45.00)
        ("4500.49", "45.00"),  # 45.0049
        ("1234.50", "6.17"),  # 6.1725
        ("2401.00", "12.01"),  # 12.005 → 12.01
        ("6000.30", "90.00"),  # 90.0045 → 90.00
        ("6000.34", "90.01"),  # 90.0051 → 90.01
    ],
)
def test_rounding_is_half_up_to_the_fen(income, expected):
    assert amount("employed", income) == D(expected)


def test_to_fen_rounds_half_up_never_to_even():
    assert to_fen(D("0.005")) == D("0.01")
    assert to_fen(D("0.015")) == D("0.02")
    assert to_fen(D("0.025")) == D("0.03")  # ROUND_HALF_EVEN would give 0.02
    assert to_fen(D("-0.005")) == D("-0.01")


def test_fixed_amounts_ignore_the_income():
    for category in ("student", "unemployed", "relief"):
        assert amount(category) == D("0.20")
        assert amount(category, "99999.00") == D("0.20")
    assert amount("farmer", "8000.00") == D("0.20")  # the policy's amount unless the farmer chooses


def test_farmers_choose_within_the_range_and_give_more_as_an_extra():
    assert amount("farmer", chosen=D("0.50")) == D("0.50")
    assert amount("farmer", chosen=D("1.00")) == D("1.00")
    assert amount("farmer", chosen=D("0.50"), extra=D("2.00")) == D("2.50")
    with pytest.raises(ValidationError):
        amount("farmer", chosen=D("1.01"))
    with pytest.raises(ValidationError):
        amount("farmer", chosen=D("0.19"))


def test_a_voluntary_extra_is_added_and_never_negative():
    assert amount("employed", "4500.00", extra=D("10.00")) == D("55.00")
    with pytest.raises(ValidationError):
        amount("employed", "4500.00", extra=D("-1.00"))


def test_an_income_category_needs_a_non_negative_income():
    with pytest.raises(ValidationError, match="月收入"):
        amount("employed")
    with pytest.raises(ValidationError):
        amount("employed", "-0.01")
    with pytest.raises(ValidationError):
        amount("nobody", "100")


def test_a_rate_table_reads_back_and_refuses_nonsense():
    bands = parse_bands("3000:0.5；5000：1; 10000:1.5%; *:2")  # full-width separators and a per-cent sign are fine
    assert format_bands(bands) == "3000:0.5; 5000:1; 10000:1.5; *:2"
    for text in ("3000:0.5", "5000:1; 3000:0.5; *:2", "*:1; 3000:2", "3000:0.5; *:120", "abc", "3000-0.5; *:1", ""):
        with pytest.raises(ValidationError):
            parse_bands(text)
    assert band_problems(parse_bands("*:1")) == []


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("4500", "4500.00"),
        ("4500.5", "4500.50"),
        ("4,500", "4500.00"),
        ("4,500.00", "4500.00"),
        ("4，500", "4500.00"),  # a Chinese (full-width) comma separates thousands too
        ("４５００．００", "4500.00"),  # full-width digits and point
        ("￥4,500元", "4500.00"),
        (" 12 000 ", "12000.00"),
        (4500, "4500.00"),
        (4500.5, "4500.50"),
    ],
)
def test_amounts_typed_the_ways_people_type_them(typed, value):
    assert parse_yuan(typed) == D(value)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("-4500", "negative"),
        ("4,5", "comma"),  # a decimal comma is not guessed
        ("45,00", "comma"),
        ("4500.555", "two decimals"),
        ("abc", "not an amount"),
        ("", "Enter an amount"),
        ("1e5", "not an amount"),
        ("NaN", "not an amount"),
        ("123456789012", "larger"),
    ],
)
def test_amounts_that_are_refused_say_why(typed, says, settings):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        parse_yuan(typed)
    assert says in " ".join(refused.value.messages)


def test_a_rate_table_reads_in_words_for_the_member():
    from django.utils import translation

    bands = parse_bands("3000:0.5; 5000:1; 10000:1.5; *:2")
    with translation.override("zh-hans"):
        assert (
            describe_bands(bands)
            == "3000元及以下：0.5%；3000元以上至5000元：1%；5000元以上至10000元：1.5%；10000元以上：2%"
        )
    with translation.override("en"):
        assert describe_bands(parse_bands("*:1")) == "any amount: 1 %"
