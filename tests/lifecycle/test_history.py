"""A history recorded at once (``case_record_history``, the import's entry point) is refused and stored exactly as
the same entries recorded one by one through ``case_record_step``, in a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEntry
from apps.lifecycle.models import DevelopmentCase, StepRecord
from apps.lifecycle.services import RecordEntry, case_open, case_record_history, case_record_step
from apps.people.choices import PoliticalStatus
from tests.dates import TODAY, at
from tests.lifecycle.test_import import _full_history

APPLICATION = datetime.date(2020, 1, 6)


def _open(world, key, who="staff"):
    person = world.people[key]
    person.political_status = PoliticalStatus.MASSES
    person.save()
    return case_open(
        actor=world.users[who],
        person=person,
        branch=world.branch_a,
        application_on=APPLICATION,
        today=TODAY,
        backfill=True,
    )


def _entries(history: dict) -> list[RecordEntry]:
    return [
        RecordEntry(step=code, on=day, decision="导入", backfill=True)
        for code, day in sorted(history.items(), key=lambda item: item[1])
        if code != "application_received"
    ]


def _one_by_one(world, case, entries, who="staff"):
    for entry in entries:
        case_record_step(actor=world.users[who], case=case, entry=entry, now=at(TODAY))


def _stored(case) -> tuple:
    case = DevelopmentCase.objects.get(pk=case.pk)
    records = sorted(
        (r.step, r.on, r.body, r.decision, r.after_the_fact, r.entered_by_id)
        for r in StepRecord.objects.filter(case=case)
    )
    warnings = sorted(case.warnings.values_list("code", "step"))
    audits = sorted(
        (tuple(sorted(e.changes.items())), e.note)
        for e in AuditEntry.objects.filter(action="lifecycle.step_recorded", target_id=str(case.pk))
    )
    return case.stage, case.closed_on, case.next_due_on, case.next_due_step, records, warnings, audits


@pytest.mark.parametrize("upto", ["activist_designated", "admission_meeting", "conversion_approved"])
def test_a_history_at_once_is_stored_as_one_by_one(world, upto):
    history = _full_history(APPLICATION.isoformat())
    codes = list(history)
    history = {code: history[code] for code in codes[: codes.index(upto) + 1]}
    one, at_once = _open(world, "plain_a"), _open(world, "applicant_a")
    _one_by_one(world, one, _entries(history))
    recorded = case_record_history(actor=world.users["staff"], case=at_once, entries=_entries(history), now=at(TODAY))
    assert (
        len(recorded.records) == len(history) - 1
        and recorded.case.stage == DevelopmentCase.objects.get(pk=at_once.pk).stage
    )
    assert _stored(one) == _stored(at_once)


@pytest.mark.parametrize(
    ("who", "change", "refusal"),
    [
        ("secretary_a", {}, PermissionDenied),  # the committee's decisions are not the branch secretary's to record
        ("staff", {"applicant_talk": datetime.date(2019, 12, 1)}, ValidationError),  # before the application
        ("staff", {"admission_approved": TODAY + datetime.timedelta(days=3)}, ValidationError),  # in the future
    ],
)
def test_a_history_is_refused_as_one_by_one(world, who, change, refusal):
    history = _full_history(APPLICATION.isoformat()) | change
    one, at_once = _open(world, "plain_a", who), _open(world, "applicant_a", who)
    with pytest.raises(refusal) as step_by_step:
        _one_by_one(world, one, _entries(history), who)
    before = StepRecord.objects.filter(case=at_once).count(), AuditEntry.objects.count()
    with pytest.raises(refusal) as at_once_refused:
        case_record_history(actor=world.users[who], case=at_once, entries=_entries(history), now=at(TODAY))
    assert str(at_once_refused.value) == str(step_by_step.value)
    assert (StepRecord.objects.filter(case=at_once).count(), AuditEntry.objects.count()) == before


def test_entries_already_recorded_are_not_recorded_twice(world):
    history = _full_history(APPLICATION.isoformat())
    case = _open(world, "plain_a")
    entries = _entries(history)
    case_record_history(actor=world.users["staff"], case=case, entries=entries[:5], now=at(TODAY))
    case_record_history(actor=world.users["staff"], case=case, entries=entries, now=at(TODAY))
    assert StepRecord.objects.filter(case=case).count() == len(history)


def test_only_history_is_taken(world):
    case = _open(world, "plain_a")
    with pytest.raises(ValueError):
        case_record_history(
            actor=world.users["staff"],
            case=case,
            entries=[RecordEntry(step="applicant_talk", on=datetime.date(2020, 2, 1))],
            now=at(TODAY),
        )


def test_a_longer_history_takes_no_more_queries(world):
    history = _full_history(APPLICATION.isoformat())
    counts = []
    for key, n in (("plain_a", 6), ("applicant_a", len(history))):
        case = _open(world, key)
        with CaptureQueriesContext(connection) as queries:
            case_record_history(
                actor=world.users["staff"], case=case, entries=_entries(history)[: n - 1], now=at(TODAY)
            )
        counts.append(len(queries))
    assert counts[1] <= counts[0] + 2, counts  # a political review's row and a stage are all that may add one
