"""The dues collection summary in the report catalogue (ADR 15): the page's table (``selectors.collection_table``),
one line per collecting organisation, paid and due per month and the year."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.reports.catalogue import Column, Report, Table, register

from .selectors import collection_table


class CollectionForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2100)


def _columns(params):
    return [
        Column("organisation", _("Organisation"), 26),
        *[Column(f"m{m}", f"{params['year']}-{m:02d}", 11) for m in range(1, 13)],
        Column("due", _("Due (yuan)"), 12, "number"),
        Column("paid", _("Paid (yuan)"), 12, "number"),
    ]


def collection_report_table(*, user, params, today) -> Table:
    _months, lines = collection_table(user=user, year=params["year"])
    rows = [
        (line["name"], *[f"{c[0]}/{c[1]}" if c else "" for c in line["cells"]], line["due"], line["paid"])
        for line in lines
    ]
    return Table(
        count=len(rows),
        rows=rows,
        totals={"due": sum(line["due"] for line in lines), "paid": sum(line["paid"] for line in lines)},
    )


def register_reports() -> None:
    register(
        Report(
            name="dues_collection",
            title=_("Collection summary"),
            form=CollectionForm,
            columns=_columns,
            rows=collection_report_table,
            description=_("Dues paid and due per organisation and month of a year, as the collection page shows."),
        )
    )
