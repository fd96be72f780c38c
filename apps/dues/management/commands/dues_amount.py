"""``manage.py dues_amount --category employed --income 4500.00 [--on 2026-11-30]`` prints the monthly Party dues
with two decimals (``45.00``), from the function the ledger uses, under the policy in force on the day (today by
default). ``--income`` is ignored for the fixed-amount categories."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.dues.choices import INCOME_CATEGORIES, Category
from apps.dues.money import parse_yuan
from apps.dues.selectors import amount_on


class Command(BaseCommand):
    help = "Print the monthly Party dues of a category and income under the policy in force on a day."

    def add_arguments(self, parser):
        parser.add_argument("--category", required=True, choices=Category.values)
        parser.add_argument("--income", default=None, help="Monthly income after tax, in yuan (e.g. 4500.00).")
        parser.add_argument("--chosen", default=None, help="Farmers: the amount chosen (0.20 to 1.00 by default).")
        parser.add_argument("--extra", default="0", help="A voluntary extra a month, in yuan.")
        parser.add_argument("--on", default=None, help="The day whose policy applies (YYYY-MM-DD; default today).")

    def handle(self, *args, category, income, chosen, extra, on, **options):
        with translation.override(translation.get_language() or "zh-hans"):
            try:
                day = datetime.date.fromisoformat(on) if on else timezone.localdate()
            except ValueError:
                raise CommandError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": on}) from None
            try:
                if category in INCOME_CATEGORIES and income is None:
                    raise ValidationError(_("Give the monthly income: the amount is a share of it."))
                amount = amount_on(
                    day=day,
                    category=category,
                    income=parse_yuan(income) if category in INCOME_CATEGORIES else None,
                    chosen=parse_yuan(chosen) if chosen is not None and category == Category.FARMER else None,
                    extra=parse_yuan(extra),
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"{amount:.2f}")
