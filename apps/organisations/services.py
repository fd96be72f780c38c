"""Writes to the organisation tree: nodes, posts, terms, and the access grants derived from posts.

Every function takes the acting user, runs in one transaction, locks what it changes, does nothing when nothing
changes, and writes an audit entry.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.audit.services import audit_diff, audit_record, snapshot

from .choices import ALLOWED_CHILDREN, NodeKind
from .models import OrgNode, OrgNodeUserObjectPermission, OrgPolicy, Post, PostTitle, Term
from .overview_cache import org_data_changed
from .permissions import forget_cached_scope
from .selectors import policy_for
from .validators import check_one_line

NODE_FIELDS = ["name", "short_name", "code", "unit_name", "is_village_or_community", "established_on", "is_active"]


@transaction.atomic
def node_create(*, actor, parent: OrgNode | None, kind: str, name: str, **fields) -> OrgNode:
    check_one_line(name=name, **{k: v for k, v in fields.items() if k in ("short_name", "unit_name")})
    if parent is None:
        if kind != NodeKind.COMMITTEE:
            raise ValidationError(_("Only a base Party committee can stand at the top of the tree."))
        node = OrgNode.objects.add_root({"kind": kind, "name": name, **fields})
    else:
        parent = OrgNode.objects.select_for_update().get(pk=parent.pk)
        if kind not in ALLOWED_CHILDREN[NodeKind(parent.kind)]:
            raise ValidationError(
                _("A %(child)s cannot be placed under a %(parent)s.")
                % {"child": NodeKind(kind).label, "parent": NodeKind(parent.kind).label}
            )
        node = OrgNode.objects.add_child(parent, {"kind": kind, "name": name, **fields})
    if kind == NodeKind.COMMITTEE:
        OrgPolicy.objects.get_or_create(committee=node)
    org_data_changed()
    audit_record(actor=actor, action="org.node_created", target=node, node=node, changes={"name": [None, name]})
    return node


@transaction.atomic
def node_update(*, actor, node: OrgNode, **fields) -> OrgNode:
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    unknown = set(fields) - set(NODE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(node, NODE_FIELDS)
    for name, value in fields.items():
        setattr(node, name, value)
    changes = audit_diff(node, before, NODE_FIELDS)
    if not changes:
        return node
    check_one_line(**{k: fields[k] for k in ("name", "short_name", "unit_name") if k in changes})
    node.full_clean(exclude=["path", "depth", "numchild"])
    node.save()
    org_data_changed()
    audit_record(actor=actor, action="org.node_updated", target=node, node=node, changes=changes)
    return node


@transaction.atomic
def term_open(
    *, actor, node: OrgNode, elected_on: datetime.date, today: datetime.date, number: int | None = None
) -> Term:
    """Record an election: closes the running term and opens the next one with the policy's length."""
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    if elected_on > today:
        raise ValidationError(_("The election date cannot be in the future."))
    current = Term.objects.select_for_update().filter(node=node, closed_on__isnull=True).first()
    if current is not None:
        if current.elected_on == elected_on:
            return current
        if elected_on <= current.elected_on:
            raise ValidationError(
                _("The new election (%(new)s) must come after the running term's (%(old)s).")
                % {"new": elected_on, "old": current.elected_on}
            )
        current.closed_on = elected_on
        current.save(update_fields=["closed_on"])
    last_number = Term.objects.filter(node=node).order_by("-number").values_list("number", flat=True).first() or 0
    term = Term(node=node, number=number or last_number + 1, elected_on=elected_on)
    term.term_years = policy_for(node).term_years_for(node)
    term.expires_on = term.compute_expiry()
    term.full_clean()
    term.save()
    org_data_changed()
    audit_record(
        actor=actor,
        action="org.term_opened",
        target=term,
        node=node,
        changes={"elected_on": [None, elected_on], "expires_on": [None, term.expires_on]},
    )
    return term


@transaction.atomic
def term_shift(*, actor, term: Term, months: int, approval: str) -> Term:
    """Record an approved move of the next election; at most the policy's limit (normally 1 year)."""
    term = Term.objects.select_for_update(of=("self",)).select_related("node").get(pk=term.pk)
    limit = policy_for(term.node).term_max_shift_months
    if abs(months) > limit:
        raise ValidationError(
            _("An election can be moved by at most %(limit)s months, not %(months)s.")
            % {"limit": limit, "months": months}
        )
    if months and not approval.strip():
        raise ValidationError(_("Moving an election needs the higher committee's approval: enter its reference."))
    if term.shift_months == months and term.shift_approval == approval:
        return term
    before = snapshot(term, ["shift_months", "shift_approval", "expires_on"])
    term.shift_months, term.shift_approval = months, approval
    term.expires_on = term.compute_expiry()
    term.save(update_fields=["shift_months", "shift_approval", "expires_on"])
    org_data_changed()
    audit_record(
        actor=actor,
        action="org.term_shifted",
        target=term,
        node=term.node,
        changes=audit_diff(term, before, ["shift_months", "shift_approval", "expires_on"]),
    )
    return term


def _check_post(*, person, node: OrgNode, title: PostTitle, started_on: datetime.date, today: datetime.date) -> None:
    if started_on > today:
        raise ValidationError(_("A post cannot start in the future."))
    if title.is_committee_member and not person.is_member:
        raise ValidationError(_("Only Party members can hold a committee post."))


@transaction.atomic
def post_assign(
    *,
    actor,
    person,
    node: OrgNode,
    title: PostTitle,
    started_on: datetime.date,
    today: datetime.date,
    term: Term | None = None,
) -> Post:
    """Record that ``person`` holds ``title`` on ``node`` from ``started_on``, and grant the post's role."""
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    existing = Post.objects.filter(person=person, node=node, title=title, ended_on__isnull=True).first()
    if existing is not None:
        return existing
    _check_post(person=person, node=node, title=title, started_on=started_on, today=today)
    if term is None:
        term = Term.objects.filter(node=node, closed_on__isnull=True).first()
    post = Post.objects.create(person=person, node=node, title=title, term=term, started_on=started_on)
    org_data_changed()
    audit_record(
        actor=actor,
        action="org.post_assigned",
        target=post,
        node=node,
        changes={"person": [None, person.name], "title": [None, title.name], "started_on": [None, started_on]},
    )
    if person.user_id:
        access_sync_user(user=person.user, actor=actor, today=today)
    return post


@transaction.atomic
def post_end(*, actor, post: Post, ended_on: datetime.date, today: datetime.date) -> Post:
    post = Post.objects.select_for_update(of=("self",)).select_related("person__user", "node", "title").get(pk=post.pk)
    if post.ended_on == ended_on:
        return post
    if ended_on < post.started_on:
        raise ValidationError(_("A post cannot end before it started (%(date)s).") % {"date": post.started_on})
    old = post.ended_on
    post.ended_on = ended_on
    post.save(update_fields=["ended_on"])
    org_data_changed()
    audit_record(
        actor=actor, action="org.post_ended", target=post, node=post.node, changes={"ended_on": [old, ended_on]}
    )
    if post.person.user_id:
        access_sync_user(user=post.person.user, actor=actor, today=today)
    return post


def _desired_grants(user, today: datetime.date) -> tuple[set[tuple[int, int]], bool]:
    active = Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    posts = Post.objects.filter(active, person__user=user, started_on__lte=today, node__is_active=True)
    rows = posts.values_list("node_id", "title__role__permissions", "title__role__admin_access")
    desired = {(node_id, perm_id) for node_id, perm_id, _admin in rows if perm_id is not None}
    return desired, any(admin for _n, _p, admin in rows)


@transaction.atomic
def access_sync_user(*, user, today: datetime.date, actor=None) -> bool:
    """Make the user's object-permission rows match their current posts; returns whether anything changed.

    The posts are the record; the guardian rows are the index the read path uses. Recomputing the index from
    the record makes this idempotent and safe to run from a sweep.
    """
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    desired, admin_access = _desired_grants(user, today)
    existing = {
        (row.content_object_id, row.permission_id): row.pk
        for row in OrgNodeUserObjectPermission.objects.filter(user=user)
    }
    missing = desired - set(existing)
    extra = [pk for key, pk in existing.items() if key not in desired]
    OrgNodeUserObjectPermission.objects.bulk_create(
        OrgNodeUserObjectPermission(user=user, content_object_id=node_id, permission_id=perm_id)
        for node_id, perm_id in missing
    )
    OrgNodeUserObjectPermission.objects.filter(pk__in=extra).delete()
    staff_changed = not user.is_superuser and user.is_staff != admin_access
    if staff_changed:
        user.is_staff = admin_access
        user.save(update_fields=["is_staff"])
    forget_cached_scope(user)
    changed = bool(missing or extra or staff_changed)
    if changed:
        org_data_changed()  # cached grants are keyed by the data version
        codenames = dict(Permission.objects.filter(pk__in={p for _n, p in missing}).values_list("pk", "codename"))
        changes = {"granted": [None, sorted(f"{codenames[p]}@{n}" for n, p in missing)], "revoked": [None, len(extra)]}
        if staff_changed:
            changes["is_staff"] = [not user.is_staff, user.is_staff]
        audit_record(actor=actor, action="access.synced", target=user, changes=changes)
    return changed


def access_sync_expired(*, today: datetime.date) -> int:
    """Sweep: users whose posts ended (or started) by today get their grants recomputed."""
    window = today - datetime.timedelta(days=7)
    user_ids = (
        Post.objects.filter(
            Q(ended_on__lt=today, ended_on__gte=window) | Q(started_on__lte=today, started_on__gte=window),
            person__user__isnull=False,
        )
        .values_list("person__user_id", flat=True)
        .distinct()
    )
    count = 0
    for user in get_user_model().objects.filter(pk__in=list(user_ids)):
        count += access_sync_user(user=user, today=today)
    return count


POLICY_FIELDS = [f.name for f in OrgPolicy._meta.concrete_fields if f.name not in ("id", "committee")]


@transaction.atomic
def policy_update(*, actor, policy: OrgPolicy, fields: dict) -> OrgPolicy:
    policy = OrgPolicy.objects.select_for_update(of=("self",)).select_related("committee").get(pk=policy.pk)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(policy, list(fields))
    for name, value in fields.items():
        setattr(policy, name, value)
    changes = audit_diff(policy, before, list(fields))
    if not changes:
        return policy
    policy.full_clean()
    policy.save(update_fields=list(changes))
    org_data_changed()
    audit_record(actor=actor, action="org.policy_updated", target=policy, node=policy.committee, changes=changes)
    return policy
