from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
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


class NodeSelect(forms.Select):
    """A select of organisations written in Python, one string per option: a committee's staff choose among
    thousands of organisations, and Django's template per option took a second a page for 3,000 of them."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        parts = [format_html('<select name="{}"{}>', name, flatatt(final))]
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            mark = " selected" if text in chosen else ""
            parts.append(format_html('<option value="{}"{}>{}</option>', text, mark, label))
        parts.append("</select>")
        return mark_safe("".join(parts))


class NodeChoiceField(forms.ModelChoiceField):
    """An organisation among those given (the form sets ``queryset`` to the user's scope), as a ``NodeSelect``."""

    widget = NodeSelect
