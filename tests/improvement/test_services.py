"""Corrective actions through their transition table (a plan to open, a reason to return, a check by someone other
than the owner to close), the overdue indicator source and reminders, the spot-check draw and its seed, the
commitments at the policy's bounds. Every refusal leaves nothing saved."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.assessment.sources import facts_for
from apps.improvement.choices import TRANSITIONS, ActionState, CommitmentState
from apps.improvement.models import Commitment, CommitmentCategory, CorrectiveAction, InspectionTarget
from apps.improvement.reminders import _action_dues, quarter_end
from apps.improvement.services import (
    action_move,
    action_note_add,
    action_plan_save,
    commitment_evaluate,
    commitment_vet,
    commitments_publish,
    commitments_submit,
    draw,
    inspection_draw,
    inspection_plan,
    may_move,
    organisation_commitment_add,
    organisation_short_by,
)
from apps.improvement.sources import SOURCE_CODE
from tests.dates import TODAY, at

from .conftest import FOUND

pytestmark = pytest.mark.django_db


def test_the_transition_table_without_a_database():
    assert TRANSITIONS[(ActionState.DRAFT, "open")] == ActionState.OPEN
    assert TRANSITIONS[(ActionState.SUBMITTED, "close")] == ActionState.CLOSED
    assert TRANSITIONS[(ActionState.RETURNED, "submit")] == ActionState.SUBMITTED
    assert (ActionState.OPEN, "close") not in TRANSITIONS  # never closed without being submitted for the check
    assert (ActionState.CLOSED, "return") not in TRANSITIONS


def test_an_action_does_not_open_without_a_plan(world, loop):
    action = loop.action(plan="")
    with pytest.raises(ValidationError, match="Write the action plan"):
        action_move(actor=world.users["secretary_a"], action=action, move="open", today=TODAY)
    action.refresh_from_db()
    assert action.state == ActionState.DRAFT and action.opened_on is None


@pytest.mark.parametrize(("days", "ok"), [(-1, False), (0, True), (1, True)])
def test_the_due_date_is_not_before_the_finding(world, loop, days, ok):
    finding = loop.finding()
    due_on = FOUND + datetime.timedelta(days=days)
    if ok:
        assert loop.action(finding=finding, due_on=due_on).due_on == due_on
    else:
        with pytest.raises(ValidationError, match="cannot be before the finding"):
            loop.action(finding=finding, due_on=due_on)
        assert not CorrectiveAction.objects.exists()


@pytest.mark.parametrize(("owner", "ok"), [("member_a", True), ("applicant_a", False), ("member_b", False)])
def test_the_owner_is_a_party_member_of_the_organisation(world, loop, owner, ok):
    """An applicant is no owner of a Party organisation's corrective action, nor a member of another branch."""
    if ok:
        assert loop.action(owner=owner).owner == world.people[owner]
    else:
        with pytest.raises(ValidationError, match="Party member on the roll"):
            loop.action(owner=owner)
        assert not CorrectiveAction.objects.exists()


@pytest.mark.parametrize("move", ["close", "return"])
def test_checking_ones_own_action_is_refused_and_nothing_saved(world, loop, move):
    """The owner who also runs the organisation's improvement neither closes nor returns their own action: the
    effectiveness check is someone else's, and the page offers neither move."""
    action = loop.opened(owner="secretary_a")
    action = action_move(actor=world.users["secretary_a"], action=action, move="submit", today=TODAY)
    assert not may_move(world.users["secretary_a"], action, move) and may_move(world.users["staff"], action, move)
    with pytest.raises(PermissionDenied, match="cannot return or close your own action"):
        action_move(actor=world.users["secretary_a"], action=action, move=move, today=TODAY, reason="有效")
    action.refresh_from_db()
    assert action.state == ActionState.SUBMITTED and action.checked_by is None and action.closed_on is None


def test_the_owner_does_not_move_their_own_due_date_nor_rewrite_the_opened_plan(world, loop):
    action = loop.opened(owner="secretary_a")
    owner = world.users["secretary_a"]
    later = action.due_on + datetime.timedelta(days=30)
    with pytest.raises(PermissionDenied, match="due date of your own action"):
        action_plan_save(actor=owner, action=action, plan=action.plan, due_on=later)
    with pytest.raises(PermissionDenied, match="due date of your own action"):
        action_plan_save(actor=owner, action=action, plan="另一方案", due_on=action.due_on)
    action.refresh_from_db()
    assert action.plan != "另一方案"
    assert action_plan_save(actor=world.users["staff"], action=action, plan=action.plan, due_on=later).due_on == later


def test_return_with_a_reason_resubmit_and_close_by_another(world, loop):
    action = loop.opened()
    owner, secretary = world.users["member_a"], world.users["secretary_a"]
    action_note_add(actor=owner, action=action, text="已补齐三月记录", now=at(TODAY))
    action_move(actor=owner, action=action, move="submit", today=TODAY)
    with pytest.raises(ValidationError, match="Say why"):
        action_move(actor=secretary, action=action, move="return", today=TODAY, reason=" ")
    with pytest.raises(ValidationError, match="effectiveness check"):
        action_move(actor=secretary, action=action, move="close", today=TODAY, reason="")
    action = action_move(actor=secretary, action=action, move="return", today=TODAY, reason="四月记录仍缺")
    assert action.state == ActionState.RETURNED and action.return_reason == "四月记录仍缺"
    with pytest.raises(ValidationError, match="cannot be moved that way"):
        action_move(actor=secretary, action=action, move="close", today=TODAY, reason="x")  # not resubmitted yet
    action = action_move(actor=owner, action=action, move="submit", today=TODAY)
    with pytest.raises(PermissionDenied):
        action_move(actor=owner, action=action, move="close", today=TODAY, reason="x")  # the owner is no checker
    action = action_move(actor=secretary, action=action, move="close", today=TODAY, reason="抽查三个月记录，齐全")
    assert action.state == ActionState.CLOSED and action.checked_by == secretary and action.closed_on == TODAY
    again = action_move(actor=secretary, action=action, move="close", today=TODAY, reason="again")
    assert again.check_note == "抽查三个月记录，齐全"  # idempotent


def test_an_overdue_action_is_in_the_indicator_and_leaves_it_when_closed(world, loop):
    action = loop.opened(due_on=TODAY - datetime.timedelta(days=1))
    nodes = [world.branch_a, world.branch_b, world.general]
    facts = facts_for(SOURCE_CODE, nodes=nodes, year=TODAY.year, as_of=TODAY)
    assert [e["key"] for e in facts[world.branch_a.pk]["events"]] == [f"action-{action.pk}"]
    assert [e["key"] for e in facts[world.general.pk]["events"]] == [f"action-{action.pk}"]  # counts above too
    assert facts[world.branch_b.pk] == {"events": []}  # no action there: none overdue, which is data
    # the day it is due, it is not overdue yet
    on_time = facts_for(SOURCE_CODE, nodes=nodes, year=TODAY.year, as_of=action.due_on)
    assert on_time[world.branch_a.pk]["events"] == []
    action_move(actor=world.users["member_a"], action=action, move="submit", today=TODAY)
    action_move(actor=world.users["staff"], action=action, move="close", today=TODAY, reason="有效")
    facts = facts_for(SOURCE_CODE, nodes=nodes, year=TODAY.year, as_of=TODAY)
    assert facts[world.branch_a.pk]["events"] == []


def test_the_reminder_source_finds_actions_due_until_closed(world, loop):
    action = loop.opened(due_on=TODAY + datetime.timedelta(days=3))
    dues = list(_action_dues(TODAY, None, TODAY + datetime.timedelta(days=7)))
    assert [(d.subject_id, d.person_id) for d in dues] == [(action.pk, world.people["member_a"].pk)]
    CorrectiveAction.objects.filter(pk=action.pk).update(state=ActionState.CLOSED, closed_on=TODAY,
                                                          checked_by=world.users["staff"])  # fmt: skip
    assert list(_action_dues(TODAY, None, TODAY + datetime.timedelta(days=7))) == []
    assert quarter_end(datetime.date(2026, 11, 22)) == datetime.date(2026, 12, 31)
    assert quarter_end(datetime.date(2026, 3, 31)) == datetime.date(2026, 3, 31)


def test_a_random_draw_is_reproducible_from_its_recorded_seed(world):
    from tests.factories import make_node

    for i in range(6):
        make_node(parent=world.committee, name=f"抽查支部{i}")
    inspection = inspection_plan(actor=world.users["staff"], node=world.committee, title="党建工作抽查",
                                 kind="ad_hoc", planned_on=TODAY, sample_size=3)  # fmt: skip
    inspection = inspection_draw(actor=world.users["staff"], inspection=inspection, now=at(TODAY))
    drawn = sorted(InspectionTarget.objects.filter(inspection=inspection).values_list("node_id", flat=True))
    assert len(drawn) == 3 and inspection.seed is not None
    from apps.improvement.services import inspection_candidates

    assert draw(inspection_candidates(world.committee), 3, inspection.seed) == drawn
    # a second draw changes nothing
    inspection_draw(actor=world.users["staff"], inspection=inspection, now=at(TODAY))
    assert InspectionTarget.objects.filter(inspection=inspection).count() == 3
    # other seeds draw other organisations (at least one of ten differs)
    assert any(draw(inspection_candidates(world.committee), 3, s) != drawn for s in range(10))


def test_the_checklist_comes_from_a_published_scheme(world):
    from tests.assessment.conftest import build_scheme

    draft = build_scheme(world, publish=False, data=False)
    with pytest.raises(ValidationError, match="published scheme"):
        inspection_plan(actor=world.users["staff"], node=world.committee, title="x", kind="regular",
                        planned_on=TODAY, scheme=draft)  # fmt: skip
    published = build_scheme(world, year=TODAY.year - 1, data=False)
    inspection = inspection_plan(actor=world.users["staff"], node=world.committee, title="年度检查", kind="regular",
                                 planned_on=TODAY, scheme=published)  # fmt: skip
    assert sorted(i.code for i in inspection.checklist.all()) == ["A1", "A2", "A3", "A4", "B1"]


def _items(n):
    categories = list(CommitmentCategory.objects.all())
    return [(categories[i % len(categories)], f"承诺{i}") for i in range(n)]


@pytest.mark.parametrize(("n", "ok"), [(1, False), (2, True), (5, True), (6, False)])
def test_the_commitment_count_at_the_policy_bounds(world, n, ok):
    member = world.people["member_a"]
    if ok:
        assert len(commitments_submit(actor=world.users["member_a"], person=member, year=2026, items=_items(n))) == n
    else:
        with pytest.raises(ValidationError, match="between 2 and 5"):
            commitments_submit(actor=world.users["member_a"], person=member, year=2026, items=_items(n))
        assert not Commitment.objects.exists()


def test_only_party_members_make_commitments(world):
    with pytest.raises(ValidationError, match="Party members"):
        commitments_submit(actor=world.users["applicant_a"], person=world.people["applicant_a"], year=2026,
                           items=_items(2))  # fmt: skip
    assert not Commitment.objects.exists()


def test_the_quarterly_progress_reminder(world):
    from apps.improvement.reminders import _progress_dues
    from apps.improvement.services import commitment_progress

    made = commitments_submit(actor=world.users["member_a"], person=world.people["member_a"], year=2026,
                              items=_items(2))  # fmt: skip
    assert list(_progress_dues(TODAY, None, TODAY + datetime.timedelta(days=60))) == []  # not vetted yet
    for c in made:
        commitment_vet(actor=world.users["secretary_a"], commitment=c, approve=True)
    dues = list(_progress_dues(TODAY, None, TODAY + datetime.timedelta(days=60)))
    assert sorted(d.subject_id for d in dues) == sorted(c.pk for c in made)
    assert {d.due_on for d in dues} == {datetime.date(2026, 12, 31)}
    commitment_progress(actor=world.users["member_a"], commitment=made[0], text="学习12学时", now=at(TODAY))
    assert [d.subject_id for d in _progress_dues(TODAY, None, TODAY + datetime.timedelta(days=60))] == [made[1].pk]


def test_vetting_publishing_and_the_evaluation(world):
    made = commitments_submit(actor=world.users["member_a"], person=world.people["member_a"], year=2026,
                              items=_items(2))  # fmt: skip
    with pytest.raises(ValidationError, match="already made"):
        commitments_submit(actor=world.users["member_a"], person=world.people["member_a"], year=2026, items=_items(3))
    secretary = world.users["secretary_a"]
    for c in made:
        commitment_vet(actor=secretary, commitment=c, approve=True)
    notice = commitments_publish(actor=secretary, node=world.people["member_a"].node, year=2026, today=TODAY)
    assert notice.status == "draft" and "承诺0" in notice.content
    assert set(Commitment.objects.values_list("state", flat=True)) == {"published"}
    with pytest.raises(ValidationError, match="needs an explanation"):
        commitment_evaluate(actor=secretary, commitment=made[0], outcome="undelivered", grade="", explanation="",
                            today=TODAY)  # fmt: skip
    assert Commitment.objects.get(pk=made[0].pk).outcome == ""
    done = commitment_evaluate(actor=secretary, commitment=made[0], outcome="undelivered", grade="average",
                               explanation="岗位调整", today=TODAY)  # fmt: skip
    assert done.outcome == "undelivered" and done.evaluated_on == TODAY


def test_an_organisations_commitments_and_the_fewest(world):
    assert organisation_short_by(world.branch_a, 2026) == 3
    organisation_commitment_add(actor=world.users["secretary_a"], node=world.branch_a, year=2026,
                                category=CommitmentCategory.objects.first(), text="办好三件实事",
                                owner=world.people["secretary_a"], deadline=TODAY)  # fmt: skip
    assert organisation_short_by(world.branch_a, 2026) == 2
    with pytest.raises(PermissionDenied):
        organisation_commitment_add(actor=world.users["member_a"], node=world.branch_a, year=2026,
                                    category=CommitmentCategory.objects.first(), text="x",
                                    owner=world.people["member_a"], deadline=TODAY)  # fmt: skip


def test_an_organisations_commitment_is_a_branchs_with_a_member_responsible(world):
    from apps.improvement.services import organisation_commitment_add

    category = CommitmentCategory.objects.first()
    args = {"actor": world.users["secretary_a"], "year": TODAY.year, "category": category, "text": "办实事",
            "deadline": TODAY}  # fmt: skip
    with pytest.raises(ValidationError, match="Party group"):
        organisation_commitment_add(node=world.group_a, owner=world.people["secretary_a"], **args)
    with pytest.raises(ValidationError, match="Party member"):
        organisation_commitment_add(node=world.branch_a, owner=world.people["applicant_a"], **args)
    assert not Commitment.objects.exists()
    made = organisation_commitment_add(node=world.branch_a, owner=world.people["secretary_a"], **args)
    assert made.owner == world.people["secretary_a"] and made.person is None


def test_whoever_answers_for_a_commitment_neither_vets_nor_evaluates_it(world):
    from apps.improvement.selectors import commitments_to_vet
    from apps.improvement.services import commitment_evaluate, commitment_vet, organisation_commitment_add

    made = organisation_commitment_add(
        actor=world.users["secretary_a"], node=world.branch_a, year=TODAY.year,
        category=CommitmentCategory.objects.first(), text="办实事", owner=world.people["secretary_a"], deadline=TODAY,
    )  # fmt: skip
    assert made.state == CommitmentState.SUBMITTED
    assert commitments_to_vet(user=world.users["secretary_a"]) == []  # not offered to the one responsible
    with pytest.raises(PermissionDenied, match="another official"):
        commitment_vet(actor=world.users["secretary_a"], commitment=made, approve=True)
    made.refresh_from_db()
    assert made.state == CommitmentState.SUBMITTED
    assert [row["first"] for row in commitments_to_vet(user=world.users["organiser_a"])] == [made.pk]
    commitment_vet(actor=world.users["organiser_a"], commitment=made, approve=True)
    with pytest.raises(PermissionDenied, match="another official"):
        commitment_evaluate(
            actor=world.users["secretary_a"], commitment=made, outcome="delivered", grade="好", explanation="",
            today=TODAY,
        )  # fmt: skip
