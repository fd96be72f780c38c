from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.organisations.forms import NodeChoiceField
from apps.organisations.models import OrgNode
from apps.people.models import Person
from apps.workdays.forms import DateField

from .choices import LEAVINGS, ParticipationKind, PeriodEnd, TransferKind


def _date(label, **kwargs) -> forms.DateField:
    return DateField(label=label, **kwargs)


class RollForm(forms.Form):
    """The roll of an organisation on a date."""

    node = NodeChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none(), required=False)
    on = _date(_("On"), required=False)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes


class TransferForm(forms.Form):
    """A member leaves their branch: to another branch of the committee, or out of it."""

    person = forms.ModelChoiceField(label=_("Member"), queryset=Person.objects.none())
    kind = forms.ChoiceField(
        label=_("Transfer"),
        choices=[(TransferKind.WITHIN, TransferKind.WITHIN.label), (TransferKind.OUT, TransferKind.OUT.label)],
    )
    to_node = NodeChoiceField(
        label=_("Receiving branch (within the committee)"), queryset=OrgNode.objects.none(), required=False
    )
    other_organisation = forms.CharField(
        label=_("Receiving organisation (outside the committee)"), max_length=200, required=False
    )
    letter_number = forms.CharField(label=_("Letter number"), max_length=60, required=False)
    dues_paid_until = _date(
        _("Dues paid up to (month)"),
        required=False,
        help_text=_("Left empty, the month of the dues ledger is written."),
    )

    def __init__(self, *args, people=None, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people
        if nodes is not None:
            self.fields["to_node"].queryset = nodes


class IncomingForm(forms.Form):
    """A member's letter from an organisation outside the committee, registered by the receiving branch (the member's
    record is created first, in the people list)."""

    person = forms.ModelChoiceField(label=_("Member"), queryset=Person.objects.none())
    to_node = NodeChoiceField(label=_("Receiving branch"), queryset=OrgNode.objects.none())
    other_organisation = forms.CharField(label=_("Sending organisation"), max_length=200)
    letter_number = forms.CharField(label=_("Letter number"), max_length=60, required=False)
    dues_paid_until = _date(_("Dues paid up to (month)"), required=False)

    def __init__(self, *args, people=None, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people
        if nodes is not None:
            self.fields["to_node"].queryset = nodes


class DecisionDateForm(forms.Form):
    on = _date(_("Date"))


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class LeavingForm(forms.Form):
    reason = forms.ChoiceField(label=_("Way of leaving"), choices=[(code, PeriodEnd(code).label) for code in LEAVINGS])
    on = _date(_("Date"))
    decision = forms.CharField(
        label=_("Decision"), max_length=200, required=False, help_text=_("The body and the reference of the decision.")
    )
    confirm = forms.BooleanField(label=_("I confirm: the member leaves the roll"), label_suffix="")


class PlaceForm(forms.Form):
    """Place a member whose period the move to membership history could not find."""

    node = NodeChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none())
    on = _date(_("Member of it since"))

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes


class ContactForm(forms.Form):
    since = _date(_("Out of contact since"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ParticipationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ParticipationKind.choices)
    node = NodeChoiceField(label=_("Takes part in"), queryset=OrgNode.objects.none(), required=False)
    other_organisation = forms.CharField(
        label=_("Or an organisation outside the committee"), max_length=200, required=False
    )
    started_on = _date(pgettext_lazy("period", "From"))

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes
