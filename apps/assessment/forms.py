"""Forms of the assessment pages. A sheet's column is read from the POST by ``column_from_post``: one field per
standard, by its scoring mode — events one per line (the same line counts once), a grade, a deduction, a veto box."""

from __future__ import annotations

import decimal
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.organisations.models import OrgNode

from . import scoring
from .choices import Mode

MAX_EVENTS = 500
MAX_LINE = 200


NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
NOTHING = {"0", "无", "没有", "none", "-", "—", "–", "/"}


UNIT = r"(?:次|项|个|件|人|起|例|名|times?)"
# a count of zero: standing apart at the end ("表彰 0", "表彰：0 次"), or followed by a unit ("表彰0次")
ZERO_COUNT = re.compile(rf"(?:^|[\s:：,，])0+(?:[.,]0+)?\s*{UNIT}?\s*$|(?<![\d.,])0+\s*{UNIT}")


def is_zero_line(line: str) -> bool:
    """A line that says there was nothing — "0", "无", "表彰 0 次", "表彰：0" — is not an event: its only number is a
    count of zero (standing apart, or followed by a unit), or it is a word for none, so it must not earn or cost a
    point. A name that ends in a digit ("表彰0", an event recorded so) is an event: saving a sheet never drops one."""
    text = line.strip().lower()
    if text in NOTHING:
        return True
    numbers = NUMBER.findall(text)
    if len(numbers) != 1 or decimal.Decimal(numbers[0].replace(",", ".")) != 0:
        return False
    return ZERO_COUNT.search(text) is not None


def column_from_post(sheet_def: scoring.Sheet, data) -> tuple[dict, dict]:
    """``(facts, notes)`` of a column from the form; a number that is not one is refused (translated)."""
    facts, notes = {}, {}
    for leaf in sheet_def.leaves():
        code = leaf.code
        note = (data.get(f"n_{code}") or "").strip()
        if note:
            notes[code] = note[:1000]
        mode = leaf.scoring_mode
        if leaf.mode == Mode.DATA:
            continue
        raw = data.get(f"f_{code}")
        if mode in (Mode.DEDUCT, Mode.BONUS):
            lines = [
                line.strip()[:MAX_LINE] for line in (raw or "").splitlines() if line.strip() and not is_zero_line(line)
            ]
            if len(lines) > MAX_EVENTS:
                raise ValidationError(_("%(code)s: at most %(n)s events.") % {"code": code, "n": MAX_EVENTS})
            if lines:
                facts[code] = {"events": [{"key": line} for line in lines]}
        elif mode == Mode.GRADED:
            if raw:
                facts[code] = {"grade": raw}
        elif mode == Mode.MULTIPLIER:
            if raw not in (None, ""):
                try:
                    value = decimal.Decimal(raw.strip())
                except decimal.InvalidOperation as exc:
                    raise ValidationError(_("%(code)s: the deduction must be a number.") % {"code": code}) from exc
                if not value.is_finite():
                    raise ValidationError(_("%(code)s: the deduction must be a number.") % {"code": code})
                facts[code] = {"deducted": str(value)}
        elif mode == Mode.VETO and data.get(f"f_{code}") == "on":
            facts[code] = {"triggered": True}
    return facts, notes


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceForm(forms.Form):
    code = forms.ChoiceField(label=gettext_lazy("Indicator"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args, codes=(), **kwargs):
        """``codes``: the indicators' codes, or (code, label) pairs to show each by its title too."""
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [(c, c) if isinstance(c, str) else tuple(c) for c in codes]


class FeedbackForm(forms.Form):
    """The half-year check's feedback to the organisation (no grade)."""

    reason = forms.CharField(
        label=gettext_lazy("Feedback to the organisation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CopyForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    assessing_node = forms.ModelChoiceField(
        label=gettext_lazy("Assessing organisation"), queryset=OrgNode.objects.none()
    )

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessing_node"].queryset = nodes if nodes is not None else OrgNode.objects.none()


class AssignForm(forms.Form):
    nodes = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Organisations assessed"),
        queryset=OrgNode.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nodes"].queryset = nodes if nodes is not None else OrgNode.objects.none()
