"""The text of a development step's 公示, written from the records (never retyped): who is proposed for what, by
which body, the facts a 公示 of this kind states (sex, ethnicity, month of birth, education, department and
position, the dates of the development so far) and how to raise an objection. Never an ID number, an address or a
telephone number. The window is the notice's own (the board and the Word document state it)."""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

PUBLICITY_STEPS = ("candidate_publicity", "admission_publicity", "conversion_publicity")


def _milestones(steps: dict[str, datetime.date]) -> list[str]:
    """The dates of the development so far, each a sentence, in order."""
    sentences = {
        "application_received": _("Applied for Party membership on %(d)s"),
        "activist_designated": _("designated as an activist on %(d)s"),
        "candidate_designated": _("designated as a development candidate on %(d)s"),
        "admission_approved": _("admitted as a probationary member on %(d)s"),
    }
    return [text % {"d": steps[code].isoformat()} for code, text in sentences.items() if steps.get(code)]


def particulars(person, steps: dict[str, datetime.date]) -> str:
    """“张三，男，汉族，1995年3月生，大学本科，一车间技术员。2023-03-01递交入党申请书，…” in the active language."""
    comma, stop = pgettext("list separator", ", "), pgettext("end of a sentence", ".")
    parts = [person.name]
    if person.gender:
        parts.append(str(person.get_gender_display()))
    if person.ethnicity:
        parts.append(person.ethnicity)
    if person.birth_date:
        parts.append(_("born %(year)s-%(month)s") % {"year": person.birth_date.year, "month": person.birth_date.month})
    if person.education:
        parts.append(str(person.get_education_display()))
    post = " ".join(p for p in (person.work_unit, person.job_title) if p)
    if post:
        parts.append(post)
    text = comma.join(parts) + stop
    dates = _milestones(steps)
    if dates:
        text += comma.join(dates) + stop
    return text


def publicity_content(*, person, step: str, steps: dict[str, datetime.date], branch_name: str) -> str:
    """The notice's rich text for ``step`` (one of ``PUBLICITY_STEPS``); ``steps``: the case's step dates so far."""
    return render_to_string(
        "lifecycle/publicity_notice.html",
        {"name": person.name, "step": step, "branch": branch_name, "particulars": particulars(person, steps)},
    ).strip()
