from django import forms
from django.utils.translation import gettext_lazy as _


class ObjectionForm(forms.Form):
    content = forms.CharField(
        label=_("Your objection"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("Your name goes to the people who investigate it, never to the board or to the person concerned."),
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
