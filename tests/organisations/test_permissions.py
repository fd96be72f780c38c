"""A role on a node covers that node's subtree and nothing else."""

import datetime

import pytest

from apps.organisations.choices import MANAGE_ORG, MANAGE_PEOPLE, VIEW_SCOPE, VIEW_SENSITIVE
from apps.organisations.models import OrgNodeUserObjectPermission, Post
from apps.organisations.permissions import _minimal_roots, covers, forget_cached_scope, needs_two_factor, scope_paths
from apps.organisations.selectors import node_list_for
from apps.organisations.services import access_sync_expired, access_sync_user, post_end
from apps.people.selectors import person_list_for
from tests.dates import TODAY


def test_minimal_roots_drops_nested_paths():
    assert _minimal_roots(["0001", "00010002", "0002", "00020001000A", "0003"]) == ["0001", "0002", "0003"]
    assert _minimal_roots([]) == []


def test_secretary_sees_branch_subtree_only(world):
    user = world.users["secretary_a"]
    nodes = set(node_list_for(user=user))
    assert nodes == {world.branch_a, world.group_a}
    people = set(person_list_for(user=user))
    assert world.people["member_a"] in people  # in the group below the branch
    assert world.people["plain_a"] in people
    assert world.people["plain_b"] not in people
    assert world.people["staff"] not in people


def test_committee_staff_sees_whole_committee(world):
    user = world.users["staff"]
    assert set(node_list_for(user=user)) == {
        world.committee,
        world.general,
        world.branch_a,
        world.group_a,
        world.branch_b,
    }


def test_member_sees_only_own_record(world):
    user = world.users["member_a"]
    assert list(node_list_for(user=user)) == []
    assert list(person_list_for(user=user)) == [world.people["member_a"]]


def test_superuser_sees_everything(world):
    assert scope_paths(world.users["admin"], VIEW_SCOPE) is None
    assert person_list_for(user=world.users["admin"]).count() == len(world.people)


def test_propaganda_member_views_but_does_not_manage(world):
    user = world.users["propaganda_a"]
    assert covers(user, VIEW_SCOPE, world.branch_a.path)
    assert not covers(user, MANAGE_PEOPLE, world.branch_a.path)
    assert not covers(user, VIEW_SENSITIVE, world.branch_a.path)
    assert not user.is_staff
    assert not needs_two_factor(user)


def test_secretary_needs_two_factor_member_does_not(world):
    assert needs_two_factor(world.users["secretary_a"])
    assert needs_two_factor(world.users["staff"])
    assert not needs_two_factor(world.users["member_a"])


def test_grant_on_sibling_does_not_leak(world):
    user = world.users["secretary_b"]
    assert not covers(user, VIEW_SCOPE, world.branch_a.path)
    assert not covers(user, VIEW_SCOPE, world.committee.path)
    assert covers(user, VIEW_SCOPE, world.branch_b.path)
    assert not covers(user, MANAGE_ORG, world.branch_b.path)


def test_access_sync_is_idempotent(world):
    user = world.users["secretary_a"]
    before = set(OrgNodeUserObjectPermission.objects.filter(user=user).values_list("permission_id", "content_object"))
    assert access_sync_user(user=user, today=TODAY) is False
    after = set(OrgNodeUserObjectPermission.objects.filter(user=user).values_list("permission_id", "content_object"))
    assert before == after and before


def test_ending_a_post_revokes_access(world):
    user = world.users["secretary_a"]
    post = Post.objects.get(person__user=user)
    post_end(actor=world.users["staff"], post=post, ended_on=datetime.date(2025, 1, 1), today=TODAY)
    user.refresh_from_db()
    forget_cached_scope(user)
    assert scope_paths(user, VIEW_SCOPE) == []
    assert not user.is_staff
    assert list(person_list_for(user=user)) == [world.people["secretary_a"]]


@pytest.mark.beyond_calendar
def test_post_ending_in_future_keeps_access_until_sweep(world):
    user = world.users["secretary_a"]
    post = Post.objects.get(person__user=user)
    post_end(actor=None, post=post, ended_on=datetime.date(2026, 12, 31), today=TODAY)
    forget_cached_scope(user)
    assert covers(user, VIEW_SCOPE, world.branch_a.path)
    # the day after the post ends, the sweep revokes
    assert access_sync_expired(today=datetime.date(2027, 1, 1)) == 1
    forget_cached_scope(user)
    assert not covers(user, VIEW_SCOPE, world.branch_a.path)
    assert access_sync_expired(today=datetime.date(2027, 1, 1)) == 0


def test_inactive_node_grants_nothing(world):
    world.branch_a.is_active = False
    world.branch_a.save()
    user = world.users["secretary_a"]
    forget_cached_scope(user)
    assert scope_paths(user, VIEW_SCOPE) == []


@pytest.mark.parametrize("perm", [VIEW_SCOPE, MANAGE_PEOPLE, VIEW_SENSITIVE])
def test_scope_is_one_query_per_request(world, perm, django_assert_num_queries):
    user = world.users["secretary_a"]
    forget_cached_scope(user)
    with django_assert_num_queries(1):
        scope_paths(user, perm)
        scope_paths(user, VIEW_SCOPE)
        covers(user, MANAGE_PEOPLE, world.branch_a.path)
