"""Reminder sources of dues: a run of consecutive unpaid months reaching each number of the policy (3 and 5 by
default: the member and the branch secretary), and reaching the months for the branch's decision (6: 党章 §9, the
branch secretary and the committee staff). The due date is the day the run reached the number: the day after the
deadline of that month. Paying ends the run, and a pending e-mail about it is not sent any more.

The subject is a member and a number together: subject id = person id × 2⁵ + months."""

from __future__ import annotations

import functools

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.notifications.choices import RecipientRole
from apps.notifications.sources import Due, Source, object_url, register
from apps.people.models import Person

from .selectors import arrears_on, policy_on

_BITS = 5  # months up to 31


def _subject(person_id: int, months: int) -> int:
    return (person_id << _BITS) | months


def _reached(today, thresholds, people=None):
    """(person id, months, day reached) for each number a current run has reached, and the policy."""
    policy = policy_on(today)
    if policy is None:
        return
    for person_id, arrears in arrears_on(today, grace=policy.grace_months, people=people).items():
        for months in thresholds(policy):
            day = arrears.reached(months, policy.grace_months)
            if day is not None:
                yield person_id, months, day


def _dues_of(thresholds):
    def dues(today, earliest, latest):
        found = [r for r in _reached(today, thresholds) if r[2] <= latest and (earliest is None or r[2] >= earliest)]
        if not found:
            return
        people = Person.objects.select_related("node").in_bulk({person_id for person_id, _m, _d in found})
        for person_id, months, day in found:
            person = people[person_id]
            yield Due(
                _subject(person_id, months),
                day,
                person.node_id,
                person.node.path,
                person_id,
                {"name": person.name, "months": months},
            )

    return dues


def _current_of(thresholds):
    def current(ids, today):
        wanted = set(ids)
        people = {subject >> _BITS for subject in wanted}
        found = _reached(today, thresholds, people=list(people))
        return {subject: day for p, m, day in found if (subject := _subject(p, m)) in wanted}

    return current


def _reminded(policy):
    return policy.remind_months


def _for_decision(policy):
    return [policy.flag_after_months]


@functools.cache
def _mine() -> str:
    from django.urls import reverse

    return reverse("dues:mine")


def _url(due, role):
    person_id = due.person_id if isinstance(due, Due) else due.get("person_id")
    if role == RecipientRole.SUBJECT:
        return _mine()
    return object_url("dues:person", person_id)


register(
    Source(
        code="dues.arrears",
        label=gettext_lazy("Party dues unpaid"),
        roles=(RecipientRole.SUBJECT, RecipientRole.SECRETARY, RecipientRole.ORGANISER),
        dues=_dues_of(_reminded),
        current=_current_of(_reminded),
        title=lambda p: (
            _("Party dues unpaid for %(months)s consecutive months: %(name)s")
            % {"months": p.get("months"), "name": p.get("name", "")}
        ),
        url=_url,
        help_text=gettext_lazy(
            "A member's run of consecutive unpaid months reaches a number of the dues policy (3 and 5 by default)."
        ),
    )
)
register(
    Source(
        code="dues.arrears_decision",
        label=gettext_lazy("Party dues unpaid: for the branch to decide"),
        roles=(RecipientRole.SECRETARY, RecipientRole.ORGANISER, RecipientRole.COMMITTEE_STAFF),
        dues=_dues_of(_for_decision),
        current=_current_of(_for_decision),
        title=lambda p: (
            _(
                "%(name)s has not paid Party dues for %(months)s consecutive months: the branch decides "
                "(Party Constitution art. 9)"
            )
            % {"months": p.get("months"), "name": p.get("name", "")}
        ),
        url=_url,
        help_text=gettext_lazy(
            "Six consecutive months unpaid without good reason is treated as leaving the Party (Party Constitution "
            "art. 9): the branch studies it and records its decision; the software never decides."
        ),
    )
)
