"""The 整改方案 (the corrective-action plan) and the 整改责任清单 (who answers for what, by when) of an inspection as
official documents in Word (``documents.official``, GB/T 9704): entered once on the portal, never retyped."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from apps.documents.official import Heading, OfficialDocument, date_text, render

from .choices import ActionState


def action_plan_docx(inspection, *, actions: list, today: datetime.date) -> bytes:
    """For each organisation: each problem found, its corrective action, the plan, the owner and the due date."""
    paragraphs: list = [
        _(
            "Following the %(title)s of %(date)s, the problems found and the corrective actions decided are set out "
            "below. Each action has its owner and its due date; it is closed only after an effectiveness check."
        )
        % {"title": inspection.title, "date": date_text(inspection.planned_on)}
    ]
    node = None
    for action in actions:
        if action.node_id != node:
            node = action.node_id
            paragraphs.append(Heading(action.node.name))
        paragraphs.append(Heading(_("Problem: %(text)s") % {"text": action.finding.description}, level=2))
        paragraphs.append(_("Corrective action: %(title)s") % {"title": action.title})
        paragraphs += [line for line in (action.plan or _("Plan not written yet.")).splitlines() if line.strip()]
        paragraphs.append(
            _("Owner: %(owner)s; due on %(date)s.") % {"owner": action.owner.name, "date": date_text(action.due_on)}
        )
    if not actions:
        paragraphs.append(_("No corrective action has been recorded."))
    return render(
        OfficialDocument(
            title=_("Corrective-action plan: %(title)s") % {"title": inspection.title},
            paragraphs=paragraphs,
            issuer=inspection.node.name,
            issued_on=today,
        )
    )


def responsibility_list_docx(inspection, *, actions: list, today: datetime.date) -> bytes:
    """One row per corrective action: the problem, the action, the owner, the due date and the state."""
    states = dict(ActionState.choices)
    table = [
        [
            _("Serial number"),
            _("Organisation"),
            _("Problem"),
            _("Corrective action"),
            _("Owner"),
            _("Due on"),
            _("State"),
        ]
    ]
    table += [
        [str(i), a.node.name, a.finding.description, a.title, a.owner.name, a.due_on.isoformat(), str(states[a.state])]
        for i, a in enumerate(actions, 1)
    ]
    return render(
        OfficialDocument(
            title=_("Corrective-action responsibility list: %(title)s") % {"title": inspection.title},
            paragraphs=[
                _("%(n)d corrective actions; each owner answers for their action until it is closed.")
                % {"n": len(actions)}
            ],
            issuer=inspection.node.name,
            issued_on=today,
            table=table,
        )
    )
