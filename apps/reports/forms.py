"""Parameter forms of the reports declared here, and the run form of the reports page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.workdays.forms import DateField

from .choices import Format


class NoParams(forms.Form):
    pass


class RosterForm(forms.Form):
    exchange = forms.BooleanField(
        label=_("For exchange (ID numbers and addresses in full, can be imported again)"),
        required=False,
        help_text=_("Needs the right to see sensitive data over all your organisations."),
    )


# The first year a report may be asked for: the Party's founding (1921); a later year than the current one is
# refused when the run is asked for (reports.services.run_check).
FIRST_YEAR = 1921


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=2100)


class OptionalYearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Applications of the year"),
        min_value=FIRST_YEAR,
        max_value=2100,
        required=False,
        help_text=_("Leave empty for every open case."),
    )


class PeriodForm(forms.Form):
    since = DateField(label=pgettext_lazy("a period's first day", "From"))
    until = DateField(label=pgettext_lazy("a period's last day", "To"))


class FormatForm(forms.Form):
    fmt = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.XLSX)

    def __init__(self, *args, formats=None, **kwargs):
        """Only the formats the chosen report is written in (a document: Word; a table: Excel and PDF)."""
        super().__init__(*args, **kwargs)
        if formats:
            self.fields["fmt"].choices = [c for c in Format.choices if c[0] in formats]
            self.fields["fmt"].initial = formats[0]


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("Roster exported for exchange (.xlsx)"))
    dry_run = forms.BooleanField(label=_("Check only (save nothing)"), required=False, initial=True)
