from django import forms
from django.utils.translation import gettext_lazy as _

from apps.people.models import Person


class ContactForm(forms.ModelForm):
    """The contact details a person keeps up to date themselves."""

    class Meta:
        model = Person
        fields = ["phone", "email"]
        labels = {"phone": _("Phone"), "email": _("E-mail")}
