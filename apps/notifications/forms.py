from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import EmailMode, RecipientRole
from .models import ReminderRule


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(
        label=_("How reminder e-mails arrive"), choices=EmailMode.choices, widget=forms.RadioSelect
    )


class ReminderRuleForm(forms.ModelForm):
    recipients = forms.MultipleChoiceField(
        label=_("recipients"), choices=RecipientRole.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ReminderRule
        fields = [
            "committee",
            "source",
            "name",
            "lead_days",
            "overdue_every_days",
            "recipients",
            "by_email",
            "in_portal",
            "digest_allowed",
            "is_active",
        ]
