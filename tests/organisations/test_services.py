import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.audit.models import AuditEntry
from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgPolicy, Post, PostTitle, Term
from apps.organisations.selectors import node_overviews, node_warnings, policy_for
from apps.organisations.services import node_create, node_update, policy_update, post_assign, term_open, term_shift
from apps.people.choices import PoliticalStatus
from tests.dates import TODAY
from tests.factories import PersonFactory


def test_node_kinds_follow_the_tree_rules(world):
    staff = world.users["staff"]
    with pytest.raises(ValidationError):
        node_create(actor=staff, parent=world.group_a, kind=NodeKind.BRANCH, name="x")
    with pytest.raises(ValidationError):
        node_create(actor=staff, parent=world.branch_a, kind=NodeKind.GENERAL_BRANCH, name="x")
    with pytest.raises(ValidationError):
        node_create(actor=staff, parent=None, kind=NodeKind.BRANCH, name="x")
    group = node_create(actor=staff, parent=world.branch_a, kind=NodeKind.GROUP, name="第二党小组")
    assert group.path.startswith(world.branch_a.path)
    assert AuditEntry.objects.filter(action="org.node_created", target_id=str(group.pk)).exists()


def test_node_update_is_audited_and_idempotent(world):
    node_update(actor=world.users["staff"], node=world.branch_a, name="第一党支部（新）")
    node_update(actor=world.users["staff"], node=world.branch_a, name="第一党支部（新）")
    entries = AuditEntry.objects.filter(action="org.node_updated", target_id=str(world.branch_a.pk))
    assert entries.count() == 1
    assert entries.get().changes == {"name": ["第一党支部", "第一党支部（新）"]}


def test_term_expiry_from_policy(world):
    term = term_open(actor=None, node=world.branch_a, elected_on=datetime.date(2024, 3, 15), today=TODAY)
    assert term.term_years == 3
    assert term.expires_on == datetime.date(2027, 3, 15)
    world.branch_b.is_village_or_community = True
    world.branch_b.save()
    assert term_open(
        actor=None, node=world.branch_b, elected_on=datetime.date(2024, 3, 15), today=TODAY
    ).expires_on == (datetime.date(2029, 3, 15))
    committee_term = term_open(actor=None, node=world.committee, elected_on=datetime.date(2022, 6, 1), today=TODAY)
    assert committee_term.expires_on == datetime.date(2027, 6, 1)


def test_new_election_closes_previous_term(world):
    first = term_open(actor=None, node=world.branch_a, elected_on=datetime.date(2021, 3, 1), today=TODAY)
    second = term_open(actor=None, node=world.branch_a, elected_on=datetime.date(2024, 3, 1), today=TODAY)
    first.refresh_from_db()
    assert first.closed_on == datetime.date(2024, 3, 1)
    assert second.number == first.number + 1
    assert term_open(actor=None, node=world.branch_a, elected_on=datetime.date(2024, 3, 1), today=TODAY) == second
    with pytest.raises(ValidationError):
        term_open(actor=None, node=world.branch_a, elected_on=datetime.date(2023, 1, 1), today=TODAY)
    assert Term.objects.filter(node=world.branch_a, closed_on__isnull=True).count() == 1


def test_term_shift_limits(world):
    term = term_open(actor=None, node=world.branch_a, elected_on=datetime.date(2024, 3, 1), today=TODAY)
    with pytest.raises(ValidationError):
        term_shift(actor=None, term=term, months=13, approval="党委〔2026〕1号")
    with pytest.raises(ValidationError):
        term_shift(actor=None, term=term, months=6, approval=" ")
    term = term_shift(actor=None, term=term, months=12, approval="党委〔2026〕1号")
    assert term.expires_on == datetime.date(2028, 3, 1)
    term = term_shift(actor=None, term=term, months=-12, approval="党委〔2026〕2号")
    assert term.expires_on == datetime.date(2026, 3, 1)


def test_election_in_future_refused(world):
    with pytest.raises(ValidationError):
        term_open(actor=None, node=world.branch_a, elected_on=TODAY + datetime.timedelta(days=1), today=TODAY)


def test_post_needs_a_member_for_committee_posts(world):
    masses = PersonFactory(node=world.branch_a, political_status=PoliticalStatus.MASSES)
    with pytest.raises(ValidationError):
        post_assign(
            actor=None,
            person=masses,
            node=world.branch_a,
            title=PostTitle.objects.get(code="secretary"),
            started_on=datetime.date(2025, 1, 1),
            today=TODAY,
        )
    assert not Post.objects.filter(person=masses).exists()


def test_post_assign_is_idempotent(world):
    person = world.people["plain_a"]
    title = PostTitle.objects.get(code="branch_member")
    a = post_assign(
        actor=None, person=person, node=world.branch_a, title=title, started_on=datetime.date(2025, 1, 1), today=TODAY
    )
    b = post_assign(
        actor=None, person=person, node=world.branch_a, title=title, started_on=datetime.date(2025, 1, 1), today=TODAY
    )
    assert a == b


def _overview(world, node, full, probationary=0, committee=0):
    for _ in range(full):
        PersonFactory(node=node)
    for _ in range(probationary):
        PersonFactory(node=node, political_status=PoliticalStatus.PROBATIONARY)
    title = PostTitle.objects.get(code="branch_member")
    for person in list(node.people.filter(political_status=PoliticalStatus.FULL))[:committee]:
        Post.objects.create(person=person, node=node, title=title, started_on=datetime.date(2024, 1, 1))
    return next(o for o in node_overviews(nodes=[node], today=TODAY) if o.node == node)


def _codes(overview):
    return {w.code for w in overview.warnings}


@pytest.mark.parametrize(("full", "warned"), [(2, True), (3, False), (4, False)])
def test_branch_min_full_members_boundary(db, full, warned):
    from tests.factories import make_node

    committee = make_node(name="党委")
    branch = make_node(parent=committee, name="支部")
    assert ("too_few_members" in _codes(_overview(None, branch, full))) is warned


@pytest.mark.parametrize(("full", "warned"), [(6, False), (7, True), (8, True)])
def test_committee_required_from_seven_full_members(db, full, warned):
    from tests.factories import make_node

    committee = make_node(name="党委")
    branch = make_node(parent=committee, name="支部")
    assert ("committee_required" in _codes(_overview(None, branch, full))) is warned


def test_probationary_members_do_not_count_towards_minimum(db):
    from tests.factories import make_node

    committee = make_node(name="党委")
    branch = make_node(parent=committee, name="支部")
    assert "too_few_members" in _codes(_overview(None, branch, full=2, probationary=5))


@pytest.mark.parametrize(("size", "code"), [(2, "committee_size"), (3, None), (5, None), (6, "committee_size")])
def test_committee_size_bounds(db, size, code):
    from tests.factories import make_node

    committee = make_node(name="党委")
    branch = make_node(parent=committee, name="支部")
    overview = _overview(None, branch, full=10, committee=size)
    codes = _codes(overview) - {"term_missing"}
    assert codes == ({code} if code else set())


def test_term_warnings_boundaries(world):
    policy = policy_for(world.branch_a)
    term = Term(node=world.branch_a, number=1, elected_on=datetime.date(2023, 12, 1), term_years=3)
    term.expires_on = datetime.date(2026, 12, 1)

    def codes(today):
        from apps.organisations.selectors import NodeOverview

        overview = NodeOverview(node=world.branch_a, counts={"full": 5}, open_term=term)
        return {w.code for w in node_warnings(overview=overview, policy=policy, today=today)}

    assert "term_expiring" not in codes(datetime.date(2026, 9, 1))  # 91 days before
    assert "term_expiring" in codes(datetime.date(2026, 9, 2))  # 90 days before
    assert "term_expiring" in codes(datetime.date(2026, 12, 1))  # the last day
    assert "term_expired" in codes(datetime.date(2026, 12, 2))


def test_policy_is_data(world):
    policy = OrgPolicy.objects.get(committee=world.committee)
    policy_update(actor=world.users["staff"], policy=policy, fields={"min_full_members": 5})
    assert policy_for(world.branch_a).min_full_members == 5
    with pytest.raises(ValidationError):
        policy_update(actor=world.users["staff"], policy=policy, fields={"committee_min": 9})
    policy.refresh_from_db()
    assert policy.committee_min == 3
    assert AuditEntry.objects.filter(action="org.policy_updated").count() == 1
