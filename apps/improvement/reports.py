"""The 整改方案 and the 整改责任清单 of an inspection in the report catalogue (ADR 15, 16): the same Word documents the
inspection's page offers, for the inspections the runner may open (the page's selector)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from apps.reports.catalogue import Report, register
from apps.reports.documents import RecordChoiceField

from .models import Inspection
from .selectors import inspection_actions, inspection_list_for
from .word import action_plan_docx, responsibility_list_docx


class InspectionDocumentForm(forms.Form):
    takes_user = True
    inspection = RecordChoiceField(label=gettext_lazy("Inspection"), queryset=Inspection.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["inspection"].offer(inspection_list_for(user=user).order_by("-pk"), str)


def _document(write):
    def document(*, user, params, today) -> bytes:
        inspection = params["inspection"]
        return write(inspection, actions=list(inspection_actions(inspection)), today=today)

    return document


def register_reports() -> None:
    register(
        Report(
            name="corrective_plan",
            title=gettext_lazy("Corrective action plan (整改方案) of an inspection"),
            form=InspectionDocumentForm,
            formats=("docx",),
            document=_document(action_plan_docx),
            description=gettext_lazy("The corrective actions an inspection led to, as an official document in Word."),
        )
    )
    register(
        Report(
            name="corrective_responsibilities",
            title=gettext_lazy("Responsibility list (整改责任清单) of an inspection"),
            form=InspectionDocumentForm,
            formats=("docx",),
            document=_document(responsibility_list_docx),
            description=gettext_lazy(
                "Who answers for each corrective action of an inspection, by when, as an official document in Word."
            ),
        )
    )
