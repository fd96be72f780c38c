from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.people.choices import PoliticalStatus
from apps.people.models import Person
from apps.workdays.forms import DateField

from .models import DevelopmentCase, RuleSet
from .services import RecordEntry, recordable_kinds
from .steps import CONCLUSION, CONTACTS, MONTHS, OPEN_STAGES, SPONSORS, STEP_BY_CODE, TRAINING, VOTE, DecidingBody

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # a date input takes ISO dates in every language


class PlanForm(forms.Form):
    """The plan calculator: known dates in, three tracks out."""

    edition = forms.ModelChoiceField(
        label=_("Rule set"), queryset=RuleSet.objects.all(), to_field_name="edition", empty_label=None
    )
    birth_date = DateField(label=_("Date of birth"), required=False, widget=DATE)
    application_received = DateField(label=STEP_BY_CODE["application_received"].label, widget=DATE)
    applicant_talk = DateField(label=STEP_BY_CODE["applicant_talk"].label, required=False, widget=DATE)
    activist_designated = DateField(label=STEP_BY_CODE["activist_designated"].label, required=False, widget=DATE)
    candidate_designated = DateField(label=STEP_BY_CODE["candidate_designated"].label, required=False, widget=DATE)
    prereview_passed = DateField(label=STEP_BY_CODE["prereview_passed"].label, required=False, widget=DATE)
    admission_meeting = DateField(label=STEP_BY_CODE["admission_meeting"].label, required=False, widget=DATE)
    admission_approved = DateField(label=STEP_BY_CODE["admission_approved"].label, required=False, widget=DATE)

    STEP_FIELDS = [
        "application_received",
        "applicant_talk",
        "activist_designated",
        "candidate_designated",
        "prereview_passed",
        "admission_meeting",
        "admission_approved",
    ]

    def facts(self) -> dict:
        data = self.cleaned_data
        return {
            "birth_date": data["birth_date"].isoformat() if data.get("birth_date") else None,
            "steps": {code: data[code].isoformat() for code in self.STEP_FIELDS if data.get(code)},
            "asked": list(self.STEP_FIELDS),  # the form asks about these steps only: the others are "not entered"
        }


class OpenCaseForm(forms.Form):
    """A new application: offers the people who may apply — not members, not someone whose case is still open."""

    person = forms.ModelChoiceField(
        label=_("Applicant"),
        queryset=Person.objects.none(),
        error_messages={"invalid_choice": _("Choose someone of your organisations who has no open case.")},
    )
    application_on = DateField(label=_("Application received on"), widget=DATE)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            open_case = DevelopmentCase.objects.filter(person=OuterRef("pk"), stage__in=OPEN_STAGES)
            self.fields["person"].queryset = people.exclude(
                political_status__in=[PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL]
            ).exclude(Exists(open_case))


class RecordStepForm(forms.Form):
    """One decision of the case; the service checks it against the rule set."""

    step = forms.ChoiceField(label=_("Step"))
    on = DateField(label=_("Date of the decision"), widget=DATE)  # the view proposes today
    body = forms.ChoiceField(label=_("Deciding body"), choices=[("", "—"), *DecidingBody.choices], required=False)
    decision = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    meeting_ref = forms.CharField(label=_("Meeting"), required=False, max_length=200)
    people = forms.ModelMultipleChoiceField(
        label=_("Training contacts or sponsors"), queryset=Person.objects.none(), required=False
    )
    training_days = forms.DecimalField(label=_("Training days"), required=False, min_value=0, max_digits=5)
    training_hours = forms.DecimalField(label=_("Class hours"), required=False, min_value=0, max_digits=5)
    months = forms.IntegerField(label=_("Months (extension, postponement)"), required=False, min_value=1, max_value=24)
    present = forms.IntegerField(label=_("Present"), required=False, min_value=0)
    yes = forms.IntegerField(label=pgettext_lazy("vote", "Yes"), required=False, min_value=0)
    no = forms.IntegerField(label=pgettext_lazy("vote", "No"), required=False, min_value=0)
    abstain = forms.IntegerField(label=_("Abstentions"), required=False, min_value=0)
    written_yes = forms.IntegerField(label=_("Written opinions in favour"), required=False, min_value=0)
    written_no = forms.IntegerField(label=_("Written opinions against"), required=False, min_value=0)
    passed = forms.TypedChoiceField(
        label=_("Result announced"),
        choices=[("", "—"), ("1", _("Passed")), ("0", _("Not passed"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    conclusion = forms.CharField(
        label=_("Conclusion of the political review"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    document = forms.FileField(
        label=_("Document for the archive"),
        required=False,
        help_text=_("The document this step needs in the member's file (§36), e.g. the signed form."),
    )
    confirm = forms.BooleanField(
        label=_("I confirm: this decision closes the case"),
        required=False,
        help_text=_("A case closed by mistake can only be resumed by the Party committee."),
    )

    # The fields each detail of a kind needs (``steps.Step.details``); date, body and decision are always shown.
    DETAIL_FIELDS = {
        VOTE: ("present", "yes", "no", "abstain", "written_yes", "written_no", "passed"),
        CONTACTS: ("people",),
        SPONSORS: ("people",),
        TRAINING: ("training_days", "training_hours"),
        MONTHS: ("months",),
        CONCLUSION: ("conclusion",),
    }

    def __init__(self, *args, kinds=(), people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = {k.code: k for k in kinds}
        groups = [
            (_("Steps of the plan"), [k for k in kinds if k.in_plan]),
            (_("Other records"), [k for k in kinds if not k.in_plan and not k.confirm]),
            (_("Close the case"), [k for k in kinds if k.confirm]),
        ]
        self.fields["step"].choices = [(title, [(k.code, k.label) for k in group]) for title, group in groups if group]
        if people is not None:
            self.fields["people"].queryset = people.filter(political_status=PoliticalStatus.FULL, is_active=True)
        for name in self.fields:
            self.fields[name].kinds = self._kinds_using(name)
        self.fields["confirm"].label_suffix = ""

    def _kinds_using(self, name: str) -> list[str] | None:
        """The kinds whose record shows this field (None: every kind). The page hides the others when a kind is
        chosen; without JavaScript every field is shown and the service ignores what the kind does not use."""
        if name == "document":
            return [code for code, k in self.kinds.items() if k.documents]
        if name == "confirm":
            return [code for code, k in self.kinds.items() if k.confirm]
        users = [code for code, k in self.kinds.items() for d in k.details if name in self.DETAIL_FIELDS[d]]
        in_details = any(name in fields for fields in self.DETAIL_FIELDS.values())
        return sorted(set(users)) if in_details else None

    def clean(self):
        data = super().clean()
        kind = self.kinds.get(data.get("step"))
        if kind is not None and kind.confirm and not data.get("confirm"):
            self.add_error("confirm", _("“%(step)s” closes the case: tick the box to confirm.") % {"step": kind.label})
        return data

    def entry(self) -> RecordEntry:
        """The record for the service: the details of the chosen kind only (fields of other kinds are ignored)."""
        data = self.cleaned_data
        kind = self.kinds.get(data["step"])
        used = {name for detail in (kind.details if kind else ()) for name in self.DETAIL_FIELDS[detail]}

        def value(name, empty=None):
            return data.get(name) if name in used and data.get(name) not in (None, "") else empty

        vote = None
        if value("present") is not None:
            vote = {k: value(k, 0) for k in ("present", "yes", "no", "abstain", "written_yes", "written_no")}
        return RecordEntry(
            step=data["step"],
            on=data["on"],
            body=data.get("body") or "",
            decision=data.get("decision") or "",
            meeting_ref=data.get("meeting_ref") or "",
            people=list(value("people", [])),
            training_days=value("training_days"),
            training_hours=value("training_hours"),
            months=value("months"),
            vote=vote,
            passed=value("passed"),
            conclusion=value("conclusion", ""),
            upload=data.get("document") if kind and kind.documents else None,
        )


def record_step_form(*, user, case, plan, today, people, data=None, files=None) -> RecordStepForm:
    """The record form of a case, for the portal and the admin alike: the kinds the user may record on it now
    (``services.recordable_kinds``, from the registry), the next step of the plan proposed, today's date proposed."""
    kinds = recordable_kinds(user, case)
    return record_form_of(
        kinds=kinds, proposed=proposed_step(plan, kinds), today=today, people=people, data=data, files=files
    )


def proposed_step(plan, kinds) -> str | None:
    """The code of the plan's next step when it is one of the kinds the form offers."""
    upcoming = plan.next_step()
    return upcoming.code if upcoming and any(k.code == upcoming.code for k in kinds) else None


def record_form_of(*, kinds, proposed, today, people, data=None, files=None) -> RecordStepForm:
    """The record form offering ``kinds`` (as ``record_step_form`` found them), ``proposed`` and today proposed."""
    return RecordStepForm(data, files, kinds=kinds, people=people, initial={"step": proposed, "on": today})


class DocumentForm(forms.Form):
    """The archive document of a recorded step, attached afterwards."""

    file = forms.FileField(label=_("Document for the archive"))


class SubmissionForm(forms.Form):
    """What a person hands in themselves: a thought report or the application for full membership."""

    kind = forms.ChoiceField(label=_("What"))
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)
