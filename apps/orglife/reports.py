"""Meeting compliance in the report catalogue (ADR 15): the compliance grid's organisations and calculator
(``selectors.compliance_branches_for``, ``compliance_reports``), a line per organisation, its twelve months."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.organisations.choices import VIEW_SCOPE
from apps.organisations.permissions import restrict
from apps.reports.catalogue import Column, Report, Table, register
from apps.reports.documents import RecordChoiceField

from .choices import MeetingStatus
from .compliance import STATE_LABELS
from .models import Meeting
from .selectors import compliance_branches_for, compliance_reports
from .word import minutes_docx

MONTHS = range(1, 13)


class ComplianceForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1900, max_value=2100)


def _columns(params):
    return [
        Column("organisation", gettext_lazy("Organisation"), 26),
        *[Column(f"m{m}", f"{params['year']}-{m:02d}", 10) for m in MONTHS],
        Column("compliant", gettext_lazy("Compliant"), 8),
    ]


def compliance_table(*, user, params, today) -> Table:
    year = params["year"]
    nodes = list(compliance_branches_for(user=user))
    reports = compliance_reports(nodes=nodes, year=year, as_of=min(today, datetime.date(year, 12, 31)))
    labels = {key: str(label) for key, label in STATE_LABELS.items()}
    rows, compliant = [], 0
    for node in nodes:
        report = reports.get(node.pk)
        if report is None:
            continue
        states = [labels[report.month_state(m, report.kinds)] for m in MONTHS] if report.kinds else [""] * 12
        compliant += bool(report.compliant)
        rows.append((node.name, *states, _("yes") if report.compliant else _("no")))
    return Table(count=len(rows), rows=rows, totals={"organisations": len(rows), "compliant": compliant})


class MinutesDocumentForm(forms.Form):
    takes_user = True
    meeting = RecordChoiceField(label=gettext_lazy("Meeting"), queryset=Meeting.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["meeting"].offer(
                held_meetings_for(user=user), lambda m: f"{m.held_on:%Y-%m-%d} · {m.node.name} · {m.topic}"
            )


def held_meetings_for(*, user):
    """The held meetings whose minutes the user reads as an official (the meeting page's Word link: its subtree)."""
    held = Meeting.objects.filter(status=MeetingStatus.HELD).select_related("node")
    return restrict(held, user=user, perm=VIEW_SCOPE, path_field="node__path").order_by("-held_on", "-pk")


def minutes_document(*, user, params, today) -> bytes:
    return minutes_docx(params["meeting"])


def register_reports() -> None:
    register(
        Report(
            name="meeting_minutes",
            title=gettext_lazy("Minutes of a meeting as an official document"),
            form=MinutesDocumentForm,
            formats=("docx",),
            document=minutes_document,
            description=gettext_lazy("The minutes of a held meeting in the official layout in Word."),
        )
    )
    register(
        Report(
            name="meeting_compliance",
            title=gettext_lazy("Meeting compliance"),
            form=ComplianceForm,
            columns=_columns,
            rows=compliance_table,
            description=gettext_lazy(
                "The compliance grid: each organisation's months of a year and whether it kept its meetings."
            ),
        )
    )
