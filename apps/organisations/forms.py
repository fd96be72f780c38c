from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OrgNode, Post, Term


class OrgNodeAddForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        label=_("Parent organisation"),
        queryset=OrgNode.objects.none(),
        required=False,
        help_text=_("Leave empty only for a base Party committee."),
    )

    class Meta:
        model = OrgNode
        fields = [
            "parent",
            "kind",
            "name",
            "short_name",
            "code",
            "unit_name",
            "is_village_or_community",
            "established_on",
        ]


class OrgNodeChangeForm(forms.ModelForm):
    class Meta:
        model = OrgNode
        fields = ["name", "short_name", "code", "unit_name", "is_village_or_community", "established_on", "is_active"]


class TermAddForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["node", "elected_on"]


class TermChangeForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["shift_months", "shift_approval", "closed_on"]


class PostAddForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["person", "node", "title", "started_on"]


class PostChangeForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["ended_on"]
