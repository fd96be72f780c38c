"""Membership periods from the records that existed before membership history: used once by migration 0003 (with
the historical models) and by the demo data. A member is placed from their admission (``joined_on``), else the
branch meeting that admitted them — the period then began with the admission — else a year before full membership
(taken over from earlier records); members with none of these are left for the
committee staff to place (``selectors.members_without_period``)."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta

MEMBER_STATUSES = ("probationary", "full")


def place_members(
    Person, MembershipPeriod, StepRecord=None, *, admitted=frozenset(), batch: int = 5000
) -> tuple[int, list[int]]:
    """Open a current period for every member on the roll who has none; returns (placed, ids not placed). Members in
    ``admitted`` (or with an admission meeting among ``StepRecord``) were admitted here: their period began with the
    admission."""
    placed_already = set(
        MembershipPeriod.objects.filter(ended_on__isnull=True).values_list("person_id", flat=True).iterator()
    )
    meetings = {}
    if StepRecord is not None:
        meetings = dict(
            StepRecord.objects.filter(step="admission_meeting").values_list("case__person_id", "on").iterator()
        )
    rows = (
        Person.objects.filter(political_status__in=MEMBER_STATUSES, is_active=True)
        .values_list("pk", "node_id", "joined_on", "full_member_on")
        .iterator(chunk_size=batch)
    )
    periods, unplaced = [], []
    for pk, node_id, joined_on, full_member_on in rows:
        if pk in placed_already:
            continue
        start = joined_on or meetings.get(pk) or (full_member_on - relativedelta(years=1) if full_member_on else None)
        if start is None:
            unplaced.append(pk)
            continue
        # placed from the admission (its date, or the branch meeting's recorded here): the period began with it, as
        # the statistics count it; only a start reckoned back from full membership is taken from earlier records
        began = "admission" if joined_on or pk in meetings or pk in admitted else "migrated"
        periods.append(MembershipPeriod(person_id=pk, node_id=node_id, started_on=start, began=began))
    MembershipPeriod.objects.bulk_create(periods, batch_size=batch)
    return len(periods), unplaced
