"""``manage.py dues_amount``: the monthly amount from the ledger's function, under the policy in force on a day."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.dues.models import DuesPolicy


def run(*args) -> str:
    out = StringIO()
    call_command("dues_amount", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_the_amount_with_two_decimals(world):
    assert run("--category", "employed", "--income", "4500.00") == "45.00"
    assert run("--category", "employed", "--income", "4，500", "--on", "2026-11-30") == "45.00"
    assert run("--category", "employed", "--income", "3000.01") == "30.00"
    assert run("--category", "retired", "--income", "5000.00") == "25.00"
    assert run("--category", "student", "--income", "99999") == "0.20"  # ignored for the fixed amounts
    assert run("--category", "farmer") == "0.20"
    assert run("--category", "farmer", "--chosen", "0.80") == "0.80"
    assert run("--category", "relief") == "0.20"


@pytest.mark.django_db
def test_the_policy_in_force_on_the_day(world):
    DuesPolicy.objects.create(name="2027", effective_from=datetime.date(2027, 1, 1), employed_bands="*:3")
    assert run("--category", "employed", "--income", "4500", "--on", "2026-12-31") == "45.00"
    assert run("--category", "employed", "--income", "4500", "--on", "2027-01-01") == "135.00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ("--category", "employed", "--income", "-4500"),
        ("--category", "employed"),
        ("--category", "employed", "--income", "4,5"),
        ("--category", "employed", "--income", "4500", "--on", "1999-01-01"),
        ("--category", "employed", "--income", "4500", "--on", "2026-02-30"),
        ("--category", "farmer", "--chosen", "3.00"),
    ],
)
def test_bad_input_is_an_error_not_a_traceback(world, args):
    with pytest.raises(CommandError):
        run(*args)
