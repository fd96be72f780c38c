"""Writes to person records: locked, audited, and restricted to the actor's subtree."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_diff, audit_record, snapshot
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.overview_cache import org_data_changed
from apps.organisations.permissions import covers
from apps.organisations.validators import check_one_line

from .choices import MEMBER_STATUSES, PIPELINE_STATUSES
from .models import FamilyMember, Person
from .validators import id_number_normalise, person_fields_check

# Fields a person may correct on their own record from the portal.
SELF_EDITABLE_FIELDS = ["phone", "email"]
# Fields staff edit here; political status changes belong to the membership lifecycle.
PROFILE_FIELDS = [
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "work_unit",
    "job_title",
    "occupation",
    "phone",
    "email",
    "id_number",
    "home_address",
    "left_on",
    "left_how",
]


def _check_node(*, actor, node: OrgNode, status: str) -> None:
    if not covers(actor, MANAGE_PEOPLE, node.path):
        raise PermissionDenied(_("You cannot manage people of %(node)s.") % {"node": node})
    if (status in MEMBER_STATUSES or status in PIPELINE_STATUSES) and node.kind not in (
        NodeKind.BRANCH,
        NodeKind.GROUP,
    ):
        raise ValidationError(_("Members and applicants belong to a Party branch or a Party group."))


def person_id_number_check(*, actor, id_number: str, node: OrgNode, person: Person | None = None) -> None:
    """Refuse an ID card number another record already holds. A record the actor may see is named; one outside
    their subtree is not (the refusal would tell where the number is used): the number "cannot be used", and the
    committee's staff, who see both organisations, are told through an audit entry at the committee's node.

    The entry is written in a savepoint of its own: a form that shows the refusal keeps it. (A caller that lets the
    refusal roll back its own transaction loses it; the admin checks in its form, before saving.)"""
    if not id_number:
        return
    existing = Person.objects.filter(id_number=id_number).select_related("node")
    existing = existing.exclude(pk=person.pk).first() if person is not None and person.pk else existing.first()
    if existing is None:
        return
    if covers(actor, VIEW_SCOPE, existing.node.path):
        raise ValidationError(
            {"id_number": _("This ID card number is already recorded for %(person)s.") % {"person": existing}}
        )
    committee = OrgNode.objects.filter(path=node.path[: node.steplen]).first() or node
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="people.id_number_conflict",
            target=existing,
            node=committee,
            note=_("Refused for a record in %(node)s: the ID card number is already recorded for %(person)s.")
            % {"node": node, "person": existing},
        )
    raise ValidationError(
        {
            "id_number": _(
                "This ID card number cannot be used. The committee's organisation staff have been told and will "
                "sort it out with you."
            )
        }
    )


def _check_dates(person: Person, today: datetime.date) -> None:
    if person.birth_date and person.birth_date > today:
        raise ValidationError({"birth_date": _("The date of birth cannot be in the future.")})


def _check_identity(person: Person, changed: set[str]) -> None:
    """The ID card number, the date of birth against it, and the phone number, where they were entered or changed."""
    person_fields_check(
        values={"id_number": person.id_number, "birth_date": person.birth_date, "phone": person.phone},
        changed=changed,
    )


def person_create(*, actor, node: OrgNode, name: str, political_status: str, today: datetime.date, **fields) -> Person:
    """A new person record. A used ID card number is refused first, outside the record's transaction (the
    committee's staff are told: ``person_id_number_check``)."""
    _check_node(actor=actor, node=node, status=political_status)
    person_id_number_check(actor=actor, id_number=fields.get("id_number", ""), node=node)
    return _person_create(actor=actor, node=node, name=name, political_status=political_status, today=today, **fields)


@transaction.atomic
def _person_create(*, actor, node: OrgNode, name: str, political_status: str, today: datetime.date, **fields):
    unknown = set(fields) - set(PROFILE_FIELDS) - {"joined_on", "full_member_on"}
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if fields.get("id_number"):
        fields["id_number"] = id_number_normalise(fields["id_number"])
    person = Person(node=node, name=name, political_status=political_status, **fields)
    check_one_line(name=name)
    _check_dates(person, today)
    _check_identity(person, set(fields))
    person.full_clean(exclude=["user"])
    person.save()
    org_data_changed()
    audit_record(
        actor=actor,
        action="people.created",
        target=person,
        node=node,
        changes={"name": [None, name], "political_status": [None, political_status]},
    )
    return person


@transaction.atomic
def person_update(*, actor, person: Person, fields: dict, today: datetime.date, self_service: bool = False) -> Person:
    """Change profile fields. ``self_service``: the person edits their own contact details only."""
    person = Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
    allowed = SELF_EDITABLE_FIELDS if self_service else PROFILE_FIELDS
    if self_service:
        if person.user_id != actor.pk:
            raise PermissionDenied(_("You can only change your own contact details."))
    elif not covers(actor, MANAGE_PEOPLE, person.node.path):
        raise PermissionDenied(_("You cannot manage people of %(node)s.") % {"node": person.node})
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if fields.get("id_number"):
        fields = {**fields, "id_number": id_number_normalise(fields["id_number"])}
    before = snapshot(person, list(fields))
    for name, value in fields.items():
        setattr(person, name, value)
    changes = audit_diff(person, before, list(fields))
    if not changes:
        return person
    check_one_line(**{name: fields[name] for name in ("name",) if name in changes})
    if "id_number" in changes:
        person_id_number_check(actor=actor, id_number=person.id_number, node=person.node, person=person)
    _check_dates(person, today)
    _check_identity(person, set(changes))
    person.full_clean(exclude=["user"])
    person.save(update_fields=list(changes))
    sensitive = {"id_number", "home_address"} & set(changes)
    for name in sensitive:  # the log says that it changed, not the value
        changes[name] = ["***", "***"]
    org_data_changed()
    audit_record(actor=actor, action="people.updated", target=person, node=person.node, changes=changes)
    return person


def _branch_path(node: OrgNode) -> str:
    """The path of the branch a node belongs to (a group's branch, or the node itself)."""
    return node.path[: -node.steplen] if node.kind == NodeKind.GROUP else node.path


@transaction.atomic
def person_move(*, actor, person: Person, node: OrgNode) -> Person:
    """Place a person in another organisation within the actor's subtree: a member only within their branch (into or
    out of a party group); between branches a member is transferred (``apps.membership``)."""
    person = Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
    if person.node_id == node.pk:
        return person
    if not covers(actor, MANAGE_PEOPLE, person.node.path):
        raise PermissionDenied(_("You cannot manage people of %(node)s.") % {"node": person.node})
    _check_node(actor=actor, node=node, status=person.political_status)
    if person.is_member and person.is_active and _branch_path(person.node) != _branch_path(node):
        raise ValidationError(
            _("A member changes branch by a transfer of their organisational relationship, not by a move.")
        )
    old = person.node
    person.node = node
    person.save(update_fields=["node"])
    org_data_changed()
    audit_record(actor=actor, action="people.moved", target=person, node=node, changes={"node": [old, node]})
    return person


@transaction.atomic
def family_member_add(*, actor, person: Person, relation: str, name: str, **fields) -> FamilyMember:
    person = Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
    if not covers(actor, MANAGE_PEOPLE, person.node.path):
        raise PermissionDenied(_("You cannot manage people of %(node)s.") % {"node": person.node})
    member = FamilyMember(person=person, relation=relation, name=name, **fields)
    member.full_clean()
    member.save()
    audit_record(actor=actor, action="people.family_added", target=person, node=person.node, note=relation)
    return member


@transaction.atomic
def person_set_status(
    *, actor, person: Person, status: str, joined_on: datetime.date | None = None, full_member_on=None
) -> Person:
    """The political status a recorded decision gives a person (the membership lifecycle calls this after the
    decision passed its own checks). Locked and audited, old → new; dates given are set with it."""
    person = Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
    changes = {}
    for name, value in (("political_status", status), ("joined_on", joined_on), ("full_member_on", full_member_on)):
        if name != "political_status" and value is None:
            continue
        old = getattr(person, name)
        if old != value:
            changes[name] = [old, value]
            setattr(person, name, value)
    if not changes:
        return person
    person.save(update_fields=list(changes))
    audit_record(actor=actor, action="people.status_changed", target=person, node=person.node, changes=changes)
    org_data_changed()
    return person


@transaction.atomic
def person_place(*, actor, person: Person, node: OrgNode, on_roll: bool) -> Person:
    """Where a member's organisational relationship is held, and whether they are on the Party roll: written by the
    membership services (transfers, admission, leaving), which check the rights of the decision; audited here."""
    person = Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
    changes = {}
    if person.node_id != node.pk:
        changes["node"] = [person.node, node]
        person.node = node
    if person.is_active != on_roll:
        changes["is_active"] = [person.is_active, on_roll]
        person.is_active = on_roll
    if not changes:
        return person
    person.save(update_fields=list(changes))
    org_data_changed()
    audit_record(actor=actor, action="people.placed", target=person, node=node, changes=changes)
    return person
