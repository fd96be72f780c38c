"""Forms of the portal pages: opening an appraisal, a survey or a report; a ballot; the paper counts and the grades
are read field by field in the views (one input per member and grade)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.organisations.models import OrgNode
from apps.people.models import Person
from apps.workdays.forms import DateField

from .choices import DEFAULT_OPTIONS, Audience, Grade, ReportGrade


class _Opening(forms.Form):
    node = forms.ModelChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    opens_on = DateField(label=_("Voting opens on"))
    closes_on = DateField(label=_("Voting closes on"))

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes if nodes is not None else OrgNode.objects.none()


class AppraisalForm(_Opening):
    held_on = DateField(
        label=_("Appraisal date"), help_text=_("The members on the branch's roll this day are appraised and vote.")
    )
    field_order = ["node", "year", "held_on", "opens_on", "closes_on"]


class SurveyForm(_Opening):
    title = forms.CharField(label=_("Title"), max_length=200)
    audience = forms.ChoiceField(label=_("Who answers"), choices=Audience.choices)
    questions = forms.CharField(label=_("Questions, one a line"), widget=forms.Textarea(attrs={"rows": 5}))
    options = forms.CharField(
        label=_("Answers and weights, one a line"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="\n".join(f"{label}:{'' if weight is None else weight}" for label, weight in DEFAULT_OPTIONS),
        help_text=_("answer:weight; an answer without a weight is not counted in the score."),
    )
    field_order = ["node", "year", "title", "audience", "opens_on", "closes_on", "questions", "options"]

    def clean_questions(self):
        return [line.strip() for line in self.cleaned_data["questions"].splitlines() if line.strip()]

    def clean_options(self):
        options = []
        for line in self.cleaned_data["options"].splitlines():
            if not line.strip():
                continue
            label, _sep, weight = line.replace("：", ":").partition(":")
            try:
                options.append((label.strip(), Decimal(weight.strip()) if weight.strip() else None))
            except InvalidOperation:
                raise ValidationError(_("A weight is a number from 0 to 100.")) from None
        return options


class ReportForm(_Opening):
    reporter = forms.ModelChoiceField(label=_("Reporting secretary"), queryset=Person.objects.none())
    held_on = DateField(label=_("Reported on"), help_text=_("The members on the roll this day grade the report."))
    summary = forms.CharField(
        label=_("Summary of the report"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    field_order = ["node", "year", "reporter", "held_on", "opens_on", "closes_on", "summary"]

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reporter"].queryset = people if people is not None else Person.objects.none()


class SelfAssessmentForm(forms.Form):
    text = forms.CharField(label=_("My self-assessment"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000)


class ReportGradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("My grade of the report"), choices=ReportGrade.choices, widget=forms.RadioSelect)


class FollowUpForm(forms.Form):
    measures = forms.CharField(label=_("To be corrected"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    due = DateField(label=_("To be corrected by"))


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Committee's conclusion"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


GRADE_CHOICES = [("", _("— abstain —")), *Grade.choices]


class CorrectionForm(forms.Form):
    """A fixed grade corrected with its reason (the branch meeting decided again, the minutes were misread)."""

    grade = forms.ChoiceField(label=_("Corrected grade"), choices=Grade.choices)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)
