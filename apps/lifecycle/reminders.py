"""Reminder sources of the membership lifecycle: the next step due on each open case."""

from __future__ import annotations

import functools
from collections import defaultdict

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, in_window, object_url, register

from .steps import KINDS, OPEN_STAGES, SELF_SERVICE_KINDS

STEP_DUE = "lifecycle.step_due"
_LABELS = {k.code: k.label for k in KINDS}


def _dues(today, earliest, latest):
    from .models import DevelopmentCase

    rows = in_window(
        DevelopmentCase.objects.filter(stage__in=OPEN_STAGES, next_due_on__isnull=False),
        "next_due_on",
        earliest,
        latest,
    ).values_list("pk", "next_due_on", "next_due_step", "branch_id", "branch__path", "person_id", "person__name")
    for pk, due_on, step, branch_id, path, person_id, name in rows.iterator(chunk_size=5000):
        yield Due(pk, due_on, branch_id, path, person_id, {"step": step, "name": name})


def _contacts(today, earliest, latest):
    from .models import CasePerson

    rows = in_window(
        CasePerson.objects.filter(case__stage__in=OPEN_STAGES, since__lte=today).filter(
            Q(until__isnull=True) | Q(until__gte=today)
        ),
        "case__next_due_on",
        earliest,
        latest,
    ).values_list("case_id", "person_id")
    found = defaultdict(list)
    for case_id, person_id in rows.iterator(chunk_size=5000):
        found[case_id].append(person_id)
    return found


def _current(ids, today):
    from .models import DevelopmentCase

    return dict(DevelopmentCase.objects.filter(pk__in=ids, stage__in=OPEN_STAGES).values_list("pk", "next_due_on"))


def _title(params):
    step = str(_LABELS.get(params.get("step"), params.get("step") or _("Next step")))
    return _("%(step)s: %(name)s") % {"step": step, "name": params.get("name", "")}


@functools.cache
def _my_development() -> str:
    return reverse("lifecycle:my_development")


def _url(due, role):
    if role in (RecipientRole.SUBJECT, RecipientRole.CONTACTS):
        return _my_development()
    return object_url("lifecycle:case_detail", due.subject_id)


def _applies(due, role):
    # The person concerned is reminded of what they hand in themselves; the branch's steps are the branch's.
    return role != RecipientRole.SUBJECT or due.params.get("step") in SELF_SERVICE_KINDS  # handed in by the person


register(
    Source(
        code=STEP_DUE,
        label=gettext_lazy("Membership development: next step due"),
        roles=(
            RecipientRole.SUBJECT,
            RecipientRole.CONTACTS,
            RecipientRole.SECRETARY,
            RecipientRole.ORGANISER,
            RecipientRole.COMMITTEE_STAFF,
        ),
        dues=_dues,
        title=_title,
        url=_url,
        contacts=_contacts,
        applies=_applies,
        current=_current,
        help_text=gettext_lazy(
            "The deadline of the next step of each open case (talk within a month, evaluations, thought reports, "
            "the end of the activist year, approvals, the conversion application). The person concerned is only "
            "reminded of what they hand in themselves."
        ),
    )
)
