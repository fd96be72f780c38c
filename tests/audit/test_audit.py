import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AuditEntry
from apps.audit.services import audit_record
from tests.dates import TODAY


def test_entry_records_actor_target_and_changes(world):
    entry = audit_record(
        actor=world.users["staff"],
        action="x.changed",
        target=world.branch_a,
        node=world.branch_a,
        changes={"name": ["旧", "新"]},
    )
    assert entry.actor_repr == str(world.users["staff"])
    assert entry.target_id == str(world.branch_a.pk)
    assert entry.changes == {"name": ["旧", "新"]}


def test_orm_cannot_change_or_delete_an_entry(db):
    entry = audit_record(actor=None, action="x")
    entry.action = "y"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()


def test_database_refuses_update_behind_the_application(db):
    entry = audit_record(actor=None, action="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'forged' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "x"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row DELETE is refused by the PostgreSQL trigger")
def test_database_refuses_delete_on_postgresql(db):
    entry = audit_record(actor=None, action="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_sensitive_values_are_not_written_to_the_log(world):
    from apps.people.services import person_update

    person_update(
        actor=world.users["secretary_a"],
        person=world.people["plain_a"],
        fields={"id_number": "110101198503011232"},
        today=TODAY,
    )
    entry = AuditEntry.objects.get(action="people.updated")
    assert entry.changes == {"id_number": ["***", "***"]}
    assert "110101198503011232" not in str(entry.changes)


def test_admin_audit_list_is_scoped(client, world):
    from django.urls import reverse

    from tests.conftest import sign_in

    audit_record(actor=None, action="in.a", node=world.branch_a)
    audit_record(actor=None, action="in.b", node=world.branch_b)
    audit_record(actor=None, action="no.node")
    sign_in(client, world.users["secretary_a"])
    body = client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert "in.a" in body and "in.b" not in body and "no.node" not in body
