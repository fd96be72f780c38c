"""Forms of the portal pages. Choices (organisations, people, indicators) are restricted by the views."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.assessment.models import Indicator, Scheme
from apps.organisations.models import OrgNode
from apps.people.models import Person
from apps.workdays.forms import DateField

from .choices import EvaluationGrade, FindingKind, InspectionKind, Outcome
from .models import CommitmentCategory


def _rows(n: int):
    return forms.Textarea(attrs={"rows": n})


class FindingForm(forms.Form):
    node = forms.ModelChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=FindingKind.choices, initial=FindingKind.NONCONFORMITY)
    found_on = DateField(label=_("Found on"))
    description = forms.CharField(label=_("What was found"), widget=_rows(3))

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes if nodes is not None else OrgNode.objects.none()


class TargetFindingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FindingKind.choices, initial=FindingKind.NONCONFORMITY)
    indicator = forms.ModelChoiceField(label=_("Checklist item"), queryset=Indicator.objects.none(), required=False)
    found_on = DateField(label=_("Found on"))
    description = forms.CharField(label=_("What was found"), widget=_rows(3))

    def __init__(self, *args, indicators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators if indicators is not None else Indicator.objects.none()


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Corrective action"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none())
    due_on = DateField(label=_("Due on"))
    plan = forms.CharField(
        label=_("Action plan"), widget=_rows(4), required=False, help_text=_("Required before the action opens.")
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people if people is not None else Person.objects.none()
        # two members of one name told apart by their organisation
        self.fields["owner"].label_from_instance = lambda p: f"{p.name} · {p.node.name}"


class PlanForm(forms.Form):
    plan = forms.CharField(label=_("Action plan"), widget=_rows(4), required=False)
    due_on = DateField(label=_("Due on"))

    def __init__(self, *args, owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if owner:  # the owner's own due date is moved by someone else (the service refuses it too)
            self.fields["due_on"].disabled = True
            self.fields["due_on"].help_text = _("Moved by someone else who runs the organisation's improvement.")


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Progress"), widget=_rows(3))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason or check"), widget=_rows(3), required=False)


class InspectionForm(forms.Form):
    node = forms.ModelChoiceField(label=_("Inspecting organisation"), queryset=OrgNode.objects.none())
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=InspectionKind.choices)
    planned_on = DateField(label=_("Planned for"))
    scheme = forms.ModelChoiceField(
        label=_("Checklist from the scheme"),
        queryset=Scheme.objects.none(),
        required=False,
        help_text=_("Its standards become the checklist."),
    )
    sample_size = forms.IntegerField(
        label=_("Organisations drawn"),
        min_value=1,
        max_value=500,
        required=False,
        help_text=_("A spot check: this many drawn at random, the seed recorded. Empty: every organisation below."),
    )

    def __init__(self, *args, nodes=None, schemes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes if nodes is not None else OrgNode.objects.none()
        self.fields["scheme"].queryset = schemes if schemes is not None else Scheme.objects.none()


class TargetForm(forms.Form):
    inspected_on = DateField(label=_("Inspected on"))
    summary = forms.CharField(label=_("Summary"), widget=_rows(3), required=False)


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))


class CommitmentsForm(forms.Form):
    """A member's commitments: as many lines as the policy allows commitments, each with its category; empty lines
    are left out."""

    LINES = 6

    def __init__(self, *args, lines: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.LINES = lines or self.LINES
        self.categories = {str(c.pk): c for c in CommitmentCategory.objects.all()}  # one query for every line
        choices = [("", "---------"), *((pk, c.name) for pk, c in self.categories.items())]
        for i in range(self.LINES):
            self.fields[f"category_{i}"] = forms.ChoiceField(label=_("Category"), choices=choices, required=False)
            self.fields[f"text_{i}"] = forms.CharField(
                label=_("Commitment"),
                max_length=500,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("What you commit to do this year"), "size": 50}),
            )

    def items(self):
        return [
            (self.categories.get(self.cleaned_data.get(f"category_{i}") or ""), self.cleaned_data.get(f"text_{i}", ""))
            for i in range(self.LINES)
        ]

    def lines(self):
        return [(self[f"category_{i}"], self[f"text_{i}"]) for i in range(self.LINES)]


class OrgCommitmentForm(forms.Form):
    node = forms.ModelChoiceField(label=_("Organisation"), queryset=OrgNode.objects.none())
    category = forms.ModelChoiceField(label=_("Category"), queryset=CommitmentCategory.objects.all())
    text = forms.CharField(label=_("Commitment"), max_length=500)
    owner = forms.ModelChoiceField(label=_("Responsible"), queryset=Person.objects.none())
    deadline = DateField(label=_("Deadline"))

    def __init__(self, *args, nodes=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes if nodes is not None else OrgNode.objects.none()
        self.fields["owner"].queryset = people if people is not None else Person.objects.none()


class EvaluationForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    grade = forms.ChoiceField(label=_("Evaluation"), choices=[("", "—"), *EvaluationGrade.choices], required=False)
    explanation = forms.CharField(
        label=_("Explanation"), widget=_rows(2), required=False, help_text=_("Required for what was not delivered.")
    )
