import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.audit.models import AuditEntry
from apps.people.choices import PoliticalStatus
from apps.people.models import Person
from apps.people.selectors import can_see_sensitive
from apps.people.services import person_create, person_move, person_update
from tests.dates import TODAY


def test_create_in_scope_is_audited(world):
    person = person_create(
        actor=world.users["secretary_a"],
        node=world.branch_a,
        name="新同志",
        political_status=PoliticalStatus.APPLICANT,
        today=TODAY,
    )
    assert AuditEntry.objects.filter(action="people.created", target_id=str(person.pk)).exists()


def test_create_outside_scope_refused(world):
    with pytest.raises(PermissionDenied):
        person_create(
            actor=world.users["secretary_a"], node=world.branch_b, name="x", political_status="full", today=TODAY
        )
    assert not Person.objects.filter(name="x").exists()


def test_members_belong_to_a_branch_or_group(world):
    with pytest.raises(ValidationError):
        person_create(actor=world.users["staff"], node=world.general, name="x", political_status="full", today=TODAY)


def test_birth_date_in_future_refused(world):
    with pytest.raises(ValidationError):
        person_update(
            actor=world.users["secretary_a"],
            person=world.people["plain_a"],
            fields={"birth_date": TODAY + datetime.timedelta(days=1)},
            today=TODAY,
        )
    world.people["plain_a"].refresh_from_db()
    assert world.people["plain_a"].birth_date == datetime.date(1985, 3, 1)


def test_self_service_edits_contact_details_only(world):
    me = world.people["member_a"]
    person_update(
        actor=world.users["member_a"], person=me, fields={"phone": "13900000000"}, self_service=True, today=TODAY
    )
    with pytest.raises(ValidationError):
        person_update(actor=world.users["member_a"], person=me, fields={"name": "改名"}, self_service=True, today=TODAY)
    with pytest.raises(PermissionDenied):
        person_update(
            actor=world.users["member_a"],
            person=world.people["plain_a"],
            fields={"phone": "1"},
            self_service=True,
            today=TODAY,
        )


def test_political_status_is_not_editable_here(world):
    with pytest.raises(ValidationError):
        person_update(
            actor=world.users["staff"],
            person=world.people["plain_a"],
            fields={"political_status": "masses"},
            today=TODAY,
        )


def test_move_within_scope(world):
    person_move(actor=world.users["secretary_a"], person=world.people["plain_a"], node=world.group_a)
    with pytest.raises(PermissionDenied):
        person_move(actor=world.users["secretary_a"], person=world.people["plain_a"], node=world.branch_b)


def test_sensitive_visibility(world):
    plain_a = world.people["plain_a"]
    assert can_see_sensitive(user=world.users["secretary_a"], person=plain_a)
    assert can_see_sensitive(user=world.users["organiser_a"], person=plain_a)
    assert can_see_sensitive(user=world.users["staff"], person=plain_a)
    assert not can_see_sensitive(user=world.users["propaganda_a"], person=plain_a)
    assert not can_see_sensitive(user=world.users["secretary_b"], person=plain_a)
    assert can_see_sensitive(user=world.users["member_a"], person=world.people["member_a"])
    assert not can_see_sensitive(user=world.users["member_a"], person=plain_a)


def test_a_member_changes_branch_only_by_a_transfer(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        person_move(actor=world.users["staff"], person=world.people["member_a"], node=world.branch_b)
    person_move(actor=world.users["staff"], person=world.people["member_a"], node=world.branch_a)  # out of the group
