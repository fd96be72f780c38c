from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.lifecycle.models import DevelopmentCase
from apps.lifecycle.steps import KIND_BY_CODE as RECORD_KIND_BY_CODE
from apps.organisations.forms import NodeChoiceField
from apps.organisations.models import OrgNode
from apps.people.models import Person
from apps.workdays.forms import DateField

from .choices import COMPLIANCE_KINDS, KIND_BY_CODE, KIND_CHOICES, MAX_HOURS_PER_RECORD, Presence
from .models import HOURS
from .services import VOTE_STEPS


def _date(label, **kwargs) -> forms.DateField:
    return DateField(label=label, **kwargs)


def _hours(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=0, max_value=MAX_HOURS_PER_RECORD, decimal_places=HOURS["decimal_places"],
        max_digits=HOURS["max_digits"], widget=forms.NumberInput(attrs={"step": "0.5"}), **kwargs,
    )  # fmt: skip


class KindsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(label=_("Kinds"), choices=KIND_CHOICES, **kwargs)


class PlanItemForm(forms.Form):
    planned_on = _date(_("Planned for"))
    kinds = KindsField()
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)


class MeetingForm(forms.Form):
    """A meeting of the organisation or of one of its party groups."""

    node = NodeChoiceField(label=_("Held by"), queryset=OrgNode.objects.none())
    kinds = KindsField()
    held_on = _date(_("Date"))
    starts_at = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    chair = forms.ModelChoiceField(label=_("Chair"), queryset=Person.objects.none(), required=False)
    recorder = forms.ModelChoiceField(label=_("Recorder"), queryset=Person.objects.none(), required=False)
    for_year = forms.IntegerField(
        label=_("Held for the year"),
        required=False,
        min_value=1921,
        max_value=2100,
        help_text=_("Only for a yearly meeting held for the year before (the life meeting of last year)."),
    )
    study_hours = _hours(_("Study hours"), initial=0, help_text=_("Class hours each member present earns."))

    def __init__(self, *args, nodes=None, people=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:
            self.fields["node"].queryset = nodes
        if people is not None:
            self.fields["chair"].queryset = people
            self.fields["recorder"].queryset = people
        if editing:
            del self.fields["node"]
            del self.fields["kinds"]


class LeaveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class InviteForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Invite (without a vote)"), queryset=Person.objects.none())

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Formatted text: paragraphs, lists, tables, bold."),
    )
    decisions = forms.CharField(label=_("Decisions"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("The scan of the sign-in sheet, photos (PDF, PNG, JPEG)."))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)


def attendance_form(roll, data=None):
    """One choice per person of the roll (present, on leave, absent), no default but an approved leave."""

    class AttendanceForm(forms.Form):
        version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    form = AttendanceForm(data)
    for entry in roll:
        choices = [(Presence.PRESENT, Presence.PRESENT.label), (Presence.ABSENT, Presence.ABSENT.label)]
        if entry.on_leave or entry.presence == Presence.LEAVE:
            choices.insert(1, (Presence.LEAVE, Presence.LEAVE.label))
        initial = entry.presence or (Presence.LEAVE if entry.on_leave else None)
        form.fields[f"p{entry.person.pk}"] = forms.ChoiceField(
            label=entry.person.name,
            choices=choices,
            widget=forms.RadioSelect,
            required=not entry.invited,
            initial=initial,
        )
    return form


class VoteForm(forms.Form):
    """A development case's vote taken in this general meeting: the counts as counted at the meeting."""

    case = forms.ModelChoiceField(label=_("Development case"), queryset=DevelopmentCase.objects.none())
    step = forms.ChoiceField(label=_("Resolution"), choices=[(s, RECORD_KIND_BY_CODE[s].label) for s in VOTE_STEPS])
    present = forms.IntegerField(label=_("Present with a vote"), min_value=0)
    yes = forms.IntegerField(label=pgettext_lazy("vote", "Yes"), min_value=0)
    no = forms.IntegerField(label=pgettext_lazy("vote", "No"), min_value=0, required=False)
    abstain = forms.IntegerField(label=_("Abstentions"), min_value=0, required=False)
    written_yes = forms.IntegerField(label=_("Written opinions in favour"), min_value=0, required=False)
    written_no = forms.IntegerField(label=_("Written opinions against"), min_value=0, required=False)
    passed = forms.TypedChoiceField(
        label=_("Result announced"),
        choices=[("", "—"), ("yes", _("Passed")), ("no", _("Not passed"))],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        required=False,
        empty_value=None,
    )
    months = forms.IntegerField(label=_("Months (extension)"), min_value=1, max_value=24, required=False)
    decision = forms.CharField(label=_("Resolution text"), max_length=500, required=False)

    def __init__(self, *args, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cases is not None:
            self.fields["case"].queryset = cases
            self.fields["case"].label_from_instance = lambda c: f"{c.person.name} · {c.get_stage_display()}"

    def counts(self) -> dict:
        data = self.cleaned_data
        return {k: data.get(k) or 0 for k in ("present", "yes", "no", "abstain", "written_yes", "written_no")}


class VoteCorrectForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    present = forms.IntegerField(label=_("Present with a vote"), min_value=0)
    yes = forms.IntegerField(label=pgettext_lazy("vote", "Yes"), min_value=0)
    no = forms.IntegerField(label=pgettext_lazy("vote", "No"), min_value=0, required=False)
    abstain = forms.IntegerField(label=_("Abstentions"), min_value=0, required=False)
    written_yes = forms.IntegerField(label=_("Written opinions in favour"), min_value=0, required=False)
    written_no = forms.IntegerField(label=_("Written opinions against"), min_value=0, required=False)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300)

    def counts(self) -> dict:
        data = self.cleaned_data
        return {k: data.get(k) or 0 for k in ("present", "yes", "no", "abstain", "written_yes", "written_no")}


class StudyForm(forms.Form):
    studied_on = _date(_("Date"))
    hours = _hours(_("Hours"))
    title = forms.CharField(label=_("What was studied"), max_length=200)


class GridForm(forms.Form):
    node = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False, empty_value=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds"))] + [(k, KIND_BY_CODE[k].label) for k in COMPLIANCE_KINDS],
        required=False,
    )

    def __init__(self, *args, roots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", _("Everything I see"))] + [(r.pk, r.name) for r in roots]


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
