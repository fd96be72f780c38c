import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.organisations.forms import NodeChoiceField
from apps.organisations.models import OrgNode
from apps.workdays.forms import DateField

from .choices import Category, Method, Purpose, ReliefKind
from .money import parse_yuan

EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


class MonthField(forms.Field):
    """A month, typed as 2026-11 (the browser's month picker) or a date of it."""

    widget = forms.TextInput(attrs={"type": "month", "min": "2000-01", "max": "2100-12", "placeholder": "2026-11"})

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return value.replace(day=1)
        text = str(value).strip()
        try:
            if len(text) == 7:
                day = datetime.date.fromisoformat(text + "-01")
            else:
                day = datetime.date.fromisoformat(text).replace(day=1)
        except ValueError:
            raise ValidationError(_("Enter a month as YYYY-MM, e.g. 2026-11.")) from None
        if not EARLIEST <= day <= LATEST:
            raise ValidationError(_("Enter a month from 2000 to 2100."))
        return day

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, datetime.date) else value


class MoneyField(forms.CharField):
    """An amount in yuan: 4500, 4,500.00 or 4，500 (the full-width comma of Chinese input) are all 4500."""

    def __init__(self, *args, allow_negative=False, **kwargs):
        self.allow_negative = allow_negative
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value):
        text = super().clean(value)
        if text in (None, ""):
            return None
        return parse_yuan(text, allow_negative=self.allow_negative)


def _date(label, **kwargs) -> forms.DateField:
    return DateField(label=label, **kwargs)


def _check_date(value):
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValidationError(_("Enter a date from 2000 to 2100."))
    return value


class BaseForm(forms.Form):
    """A member's category and monthly base (declared by the member, or entered by the branch)."""

    category = forms.ChoiceField(label=_("Member category"), choices=Category.choices)
    income = MoneyField(
        label=_("Monthly income after tax (yuan)"),
        required=False,
        help_text=_("Employed: salary after tax; retired: pension. Not needed for the other categories."),
    )
    chosen_amount = MoneyField(
        label=_("Amount chosen (farmers, yuan a month)"), required=False, help_text=_("Empty: the policy's amount.")
    )
    extra = MoneyField(label=_("Voluntary extra (yuan a month)"), required=False)
    applies_from = MonthField(label=_("From the month"))

    def clean(self):
        data = super().clean()
        if data.get("category") in ("employed", "retired") and data.get("income") is None and not self.errors:
            self.add_error("income", _("Give the monthly income: the amount is a share of it."))
        return data


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class PayForm(forms.Form):
    """A payment for one month or several (from – to), recorded by the branch."""

    first_month = MonthField(label=_("From the month"))
    last_month = MonthField(label=_("To the month"), required=False, help_text=_("Empty: one month."))
    paid_on = _date(_("Paid on"))
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    receipt = forms.CharField(label=_("Receipt number"), max_length=40, required=False)
    amount = MoneyField(
        label=_("Amount (yuan)"), required=False, help_text=_("Empty: the amount due. Give it for one month only.")
    )

    def clean_paid_on(self):
        return _check_date(self.cleaned_data.get("paid_on"))

    def clean(self):
        data = super().clean()
        first, last = data.get("first_month"), data.get("last_month") or data.get("first_month")
        if first and last and last < first:
            self.add_error("last_month", _("The last month comes after the first."))
        data["last_month"] = last
        return data


class CorrectForm(forms.Form):
    payment = forms.IntegerField(widget=forms.HiddenInput)
    amount = MoneyField(
        label=_("Difference (yuan)"), allow_negative=True, help_text=_("Negative to take back, positive to add.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    receipt = forms.CharField(label=_("Receipt number"), max_length=40, required=False)


class ReliefForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReliefKind.choices)
    first_month = MonthField(label=_("From the month"))
    last_month = MonthField(label=_("To the month"))
    amount = MoneyField(label=_("Reduced amount (yuan a month)"), required=False)
    reason = forms.CharField(label=_("Difficulty"), max_length=300)
    branch_decision = forms.CharField(
        label=_("The branch's decision"), max_length=200, help_text=_("The meeting that studied it, and its date.")
    )


class DecisionForm(forms.Form):
    decision = forms.CharField(label=_("Decision"), max_length=200, required=False)


class NodeMonthForm(forms.Form):
    node = NodeChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none(), required=False)
    month = MonthField(label=_("Month"), required=False)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes


class NodeYearForm(forms.Form):
    node = NodeChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none(), required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes


class RemittanceForm(forms.Form):
    node = NodeChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none())
    month = MonthField(label=_("Month"))
    amount = MoneyField(label=_("Amount (yuan)"))
    remitted_on = _date(_("Handed up on"))
    to_organisation = forms.CharField(label=_("Handed up to"), max_length=120)
    reference = forms.CharField(label=_("Receipt or voucher"), max_length=60, required=False)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes

    def clean_remitted_on(self):
        return _check_date(self.cleaned_data.get("remitted_on"))


class UseForm(forms.Form):
    node = NodeChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none())
    spent_on = _date(_("Spent on"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    description = forms.CharField(label=_("What for"), max_length=200)
    amount = MoneyField(label=_("Amount (yuan)"))
    approved_by = forms.CharField(label=_("Approved by"), max_length=120)
    decision = forms.CharField(label=_("Decision"), max_length=120)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes

    def clean_spent_on(self):
        return _check_date(self.cleaned_data.get("spent_on"))


class LineCorrectForm(forms.Form):
    """A correction of a remittance or a use."""

    line = forms.IntegerField(widget=forms.HiddenInput)
    amount = MoneyField(label=_("Difference (yuan)"), allow_negative=True)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class DisclosureForm(forms.Form):
    node = NodeChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Workbook"),
        choices=[
            ("payroll", _("Payroll: each member's category and income")),
            ("collection", _("Collection sheet: payments")),
        ],
    )
    applies_from = MonthField(
        label=_("Bases apply from the month"), required=False, help_text=_("Payroll only; empty: January of this year.")
    )
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))
