"""Writes of inspections, corrective actions and commitments. Every write is one transaction on locked rows, returns
early when nothing changes and is audited old → new. Services take ``today`` or ``now``; none reads the clock.

Corrective actions move through ``choices.TRANSITIONS`` only (``action_move``): a plan is required to open one, a
reason to return it, and an effectiveness check by someone other than the owner to close it."""

from __future__ import annotations

import datetime
import random
import secrets
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assessment.models import Indicator, Scheme
from apps.audit.services import audit_record
from apps.disclosure.models import Category as NoticeCategory
from apps.disclosure.services import notice_draft
from apps.documents.services import document_upload_for_node
from apps.organisations.choices import MANAGE_PEOPLE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers
from apps.organisations.selectors import committee_of
from apps.organisations.validators import check_one_line
from apps.people.choices import MEMBER_STATUSES
from apps.people.models import Person

from .choices import TRANSITIONS, ActionState, CommitmentState, FindingKind, InspectionKind, Outcome
from .models import (
    ActionNote,
    Commitment,
    CommitmentCategory,
    CommitmentProgress,
    CorrectiveAction,
    Finding,
    ImprovementPolicy,
    Inspection,
    InspectionEvidence,
    InspectionTarget,
)

INSPECTED_KINDS = (NodeKind.BRANCH, NodeKind.GENERAL_BRANCH)
DISCLOSURE_CATEGORY = "commitments"  # 党员承诺公开 in the disclosure catalogue
CORRECTIONS_CATEGORY = "corrections"  # 整改落实情况 in the disclosure catalogue
POLICY_FIELDS = ["committee", "member_min", "member_max", "organisation_min"]


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def manages(user, node: OrgNode) -> bool:
    """The organisation's secretary and organisation member, and the staff of the organisations above it."""
    return covers(user, MANAGE_PEOPLE, node.path)


def _require(actor, node: OrgNode) -> None:
    if not manages(actor, node):
        raise PermissionDenied(_("You do not run the inspections and improvement of %(node)s.") % {"node": node})


def _text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message)
    return value


def policy_for(node: OrgNode) -> ImprovementPolicy:
    """The committee's improvement policy, else the default one, else the shipped numbers."""
    committee = committee_of(node)
    found = {
        p.committee_id: p for p in ImprovementPolicy.objects.filter(Q(committee__isnull=True) | Q(committee=committee))
    }
    return found.get(committee.pk if committee else None) or found.get(None) or ImprovementPolicy()


def policy_save(*, actor, policy: ImprovementPolicy | None, values: dict) -> ImprovementPolicy:
    """Add a committee's policy or change one (administrators): validated, locked, audited old → new."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only administrators change the improvement policy."))
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        if policy is None:
            policy, old = ImprovementPolicy(), {}
        else:
            policy = ImprovementPolicy.objects.select_for_update().get(pk=policy.pk)
            old = {name: getattr(policy, name) for name in values}
        for name, value in values.items():
            setattr(policy, name, value)
        policy.full_clean()
        changes = {n: [str(old.get(n, "")), str(getattr(policy, n))] for n in values if old.get(n) != values[n]}
        if not changes and policy.pk:
            return policy
        policy.save()
        audit_record(
            actor=actor, action="improvement.policy_saved", target=policy, node=policy.committee, changes=changes
        )
    return policy


# --- findings and corrective actions --------------------------------------------------------------------------------


def finding_record(
    *,
    actor,
    node: OrgNode,
    description: str,
    found_on: datetime.date,
    kind: str = FindingKind.NONCONFORMITY,
    target: InspectionTarget | None = None,
    indicator: Indicator | None = None,
) -> Finding:
    """A finding at an organisation, by someone who runs its improvement (or the inspection's organisation)."""
    _require(actor, target.inspection.node if target else node)
    description = _text(description, _("A finding needs a description."))
    if kind not in FindingKind.values:
        raise ValidationError(_("Choose the kind of finding."))
    if target is not None and target.node_id != node.pk:
        raise ValidationError(_("The finding belongs to the organisation inspected."))
    with transaction.atomic():
        finding = Finding.objects.create(
            node=node,
            target=target,
            indicator=indicator,
            kind=kind,
            found_on=found_on,
            description=description,
            created_by=_user(actor),
        )
        audit_record(
            actor=_user(actor), action="improvement.finding_recorded", target=finding, node=node, note=description[:200]
        )
    return finding


def action_create(
    *, actor, finding: Finding, title: str, owner: Person, due_on: datetime.date, plan: str = ""
) -> CorrectiveAction:
    """A corrective action on a non-conformity, being planned: it opens once its plan is written."""
    _require(actor, finding.node)
    title = _text(title, _("A corrective action needs a title."))
    check_one_line(title=title)
    if finding.kind != FindingKind.NONCONFORMITY:
        raise ValidationError(_("Only a non-conformity calls for a corrective action."))
    if due_on < finding.found_on:
        raise ValidationError(
            _("The due date cannot be before the finding (%(date)s).") % {"date": finding.found_on.isoformat()}
        )
    if (
        owner is None
        or not owner.is_active
        or owner.political_status not in MEMBER_STATUSES
        or not owner.node.path.startswith(finding.node.path)
    ):
        raise ValidationError(_("The owner must be a Party member on the roll of %(node)s.") % {"node": finding.node})
    with transaction.atomic():
        action = CorrectiveAction.objects.create(
            finding=finding,
            node=finding.node,
            title=title,
            owner=owner,
            due_on=due_on,
            plan=(plan or "").strip(),
            created_by=_user(actor),
        )
        audit_record(
            actor=_user(actor),
            action="improvement.action_created",
            target=action,
            node=action.node,
            changes={"owner": ["", owner.name], "due_on": ["", str(due_on)]},
        )
    return action


def action_plan_save(*, actor, action: CorrectiveAction, plan: str, due_on: datetime.date | None = None):
    """Write the action plan (and move the due date) while the action is not closed."""
    _require(actor, action.node)
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().select_related("finding").get(pk=action.pk)
        if action.state == ActionState.CLOSED:
            raise ValidationError(_("A closed action cannot be changed."))
        plan = (plan or "").strip()
        due_on = due_on or action.due_on
        if due_on < action.finding.found_on:
            raise ValidationError(
                _("The due date cannot be before the finding (%(date)s).")
                % {"date": action.finding.found_on.isoformat()}
            )
        changes = {}
        if plan != action.plan:
            changes["plan"] = [action.plan, plan]
        if due_on != action.due_on:
            changes["due_on"] = [str(action.due_on), str(due_on)]
        if not changes:
            return action
        if _is_owner(actor, action) and ("due_on" in changes or action.state != ActionState.DRAFT):
            raise PermissionDenied(
                _(
                    "The due date of your own action, and its plan once the action is open, are changed by someone "
                    "else who runs the organisation's improvement."
                )
            )
        if action.state != ActionState.DRAFT and not plan:
            raise ValidationError(_("An open action keeps its plan."))
        action.plan, action.due_on = plan, due_on
        action.save(update_fields=["plan", "due_on"])
        audit_record(
            actor=_user(actor), action="improvement.action_plan_saved", target=action, node=action.node, changes=changes
        )
    return action


CHECKER_MOVES = ("return", "close")  # the effectiveness check's moves: never the owner's


def _is_owner(actor, action: CorrectiveAction) -> bool:
    return bool(getattr(actor, "pk", None)) and action.owner.user_id == actor.pk


def may_move(actor, action: CorrectiveAction, move: str) -> bool:
    """Who may make a move (the guards on the action's content are the service's): the owner submits; whoever runs
    the organisation's improvement opens, submits, returns and closes — but never returns or closes an action they
    own (the check is someone else's)."""
    if (action.state, move) not in TRANSITIONS or (move in CHECKER_MOVES and _is_owner(actor, action)):
        return False
    if move == "submit" and _is_owner(actor, action):
        return True
    return manages(actor, action.node)


def action_move(
    *, actor, action: CorrectiveAction, move: str, today: datetime.date, reason: str = ""
) -> CorrectiveAction:
    """One move of the transition table: ``open`` (needs the plan), ``submit`` (the work is done: for the check),
    ``return`` (with a reason), ``close`` (the effectiveness check, by someone other than the owner)."""
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().select_related("owner").get(pk=action.pk)
        new = TRANSITIONS.get((action.state, move))
        if new is None:
            if move == "close" and action.state == ActionState.CLOSED:
                return action  # already closed: nothing changes
            raise ValidationError(
                _("This action cannot be moved that way from “%(state)s”.") % {"state": action.get_state_display()}
            )
        if move in CHECKER_MOVES and _is_owner(actor, action):
            raise PermissionDenied(
                _(
                    "The effectiveness check is made by someone other than the owner: you cannot return or close "
                    "your own action."
                )
            )
        if not may_move(actor, action, move):
            raise PermissionDenied(_("You cannot move this corrective action."))
        old = action.state
        fields = ["state"]
        if move == "open":
            if not action.plan.strip():
                raise ValidationError(_("Write the action plan before opening the action."))
            action.opened_on = today
            fields.append("opened_on")
        elif move == "return":
            action.return_reason = _text(reason, _("Say why the action is returned."))
            fields.append("return_reason")
        elif move == "close":
            action.check_note = _text(reason, _("Record the effectiveness check to close the action."))
            action.checked_by = actor
            action.closed_on = today
            fields += ["check_note", "checked_by", "closed_on"]
        action.state = new
        action.save(update_fields=fields)
        audit_record(
            actor=_user(actor),
            action="improvement.action_moved",
            target=action,
            node=action.node,
            changes={"state": [old, new]},
            note=(reason or "").strip()[:500],
        )
    return action


def action_note_add(*, actor, action: CorrectiveAction, text: str, now: datetime.datetime) -> ActionNote:
    """A progress note by the owner or whoever runs the organisation's improvement, while the action is open."""
    if not (_is_owner(actor, action) or manages(actor, action.node)):
        raise PermissionDenied(_("You cannot add notes to this corrective action."))
    text = _text(text, _("A progress note needs some text."))
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
        if action.state == ActionState.CLOSED:
            raise ValidationError(_("A closed action cannot be changed."))
        note = ActionNote.objects.create(action=action, text=text, author=_user(actor), at=now)
        audit_record(
            actor=_user(actor), action="improvement.action_note", target=action, node=action.node, note=text[:200]
        )
    return note


# --- inspections ----------------------------------------------------------------------------------------------------


def draw(candidates: Sequence[int], size: int, seed: int) -> list[int]:
    """The organisations of a spot check: ``size`` of ``candidates`` (ids) drawn with ``seed`` — the same seed and
    the same candidates give the same draw, so anyone can repeat it."""
    ordered = sorted(candidates)
    if size >= len(ordered):
        return ordered
    return sorted(random.Random(seed).sample(ordered, size))


def inspection_candidates(node: OrgNode) -> list[int]:
    """The organisations an inspection of ``node`` may visit: the active branches and general branches below."""
    return list(
        OrgNode.objects.filter(path__startswith=node.path, kind__in=INSPECTED_KINDS, is_active=True)
        .exclude(pk=node.pk)
        .values_list("pk", flat=True)
    )


def inspection_plan(
    *,
    actor,
    node: OrgNode,
    title: str,
    kind: str,
    planned_on: datetime.date,
    scheme: Scheme | None = None,
    indicators: Iterable[Indicator] = (),
    sample_size: int | None = None,
) -> Inspection:
    """An inspection plan; its checklist is drawn from the published scheme's standards (all of them when none is
    chosen)."""
    _require(actor, node)
    title = _text(title, _("An inspection needs a title."))
    check_one_line(title=title)
    if kind not in InspectionKind.values:
        raise ValidationError(_("Choose regular or ad hoc."))
    if sample_size is not None and sample_size < 1:
        raise ValidationError(_("Draw at least one organisation."))
    chosen = list(indicators)
    if scheme is not None:
        if not scheme.frozen:
            raise ValidationError(_("The checklist comes from a published scheme."))
        leaves = {i.pk: i for i in Indicator.objects.filter(scheme=scheme).exclude(mode="")}
        if any(i.pk not in leaves for i in chosen):
            raise ValidationError(_("The checklist holds standards of the chosen scheme only."))
        chosen = chosen or list(leaves.values())
    elif chosen:
        raise ValidationError(_("Choose the scheme the checklist comes from."))
    with transaction.atomic():
        inspection = Inspection.objects.create(
            node=node,
            year=planned_on.year,
            title=title,
            kind=kind,
            scheme=scheme,
            planned_on=planned_on,
            sample_size=sample_size,
            created_by=_user(actor),
        )
        inspection.checklist.set(chosen)
        audit_record(
            actor=_user(actor), action="improvement.inspection_planned", target=inspection, node=node, note=title
        )
    return inspection


def inspection_draw(*, actor, inspection: Inspection, now: datetime.datetime, seed: int | None = None):
    """Choose the organisations to inspect: every one below, or (spot check) ``sample_size`` drawn at random with a
    recorded seed. Drawn once: a second call changes nothing."""
    _require(actor, inspection.node)
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().select_related("node").get(pk=inspection.pk)
        if inspection.drawn_at is not None:
            return inspection
        candidates = inspection_candidates(inspection.node)
        if not candidates:
            raise ValidationError(_("There is no organisation below to inspect."))
        seed = seed if seed is not None else secrets.randbits(48)
        size = inspection.sample_size or len(candidates)
        chosen = draw(candidates, size, seed)
        InspectionTarget.objects.bulk_create(InspectionTarget(inspection=inspection, node_id=pk) for pk in chosen)
        inspection.seed, inspection.drawn_at, inspection.drawn_by = seed, now, _user(actor)
        inspection.save(update_fields=["seed", "drawn_at", "drawn_by"])
        audit_record(
            actor=_user(actor),
            action="improvement.inspection_drawn",
            target=inspection,
            node=inspection.node,
            changes={"seed": ["", str(seed)], "drawn": ["", ",".join(map(str, chosen))]},
            note=_("%(n)d of %(total)d organisations") % {"n": len(chosen), "total": len(candidates)},
        )
    return inspection


def target_record(*, actor, target: InspectionTarget, inspected_on: datetime.date, summary: str) -> InspectionTarget:
    """The inspection record of one organisation: the day it was inspected and what was seen."""
    _require(actor, target.inspection.node)
    summary = (summary or "").strip()
    with transaction.atomic():
        target = InspectionTarget.objects.select_for_update().select_related("inspection").get(pk=target.pk)
        if inspected_on < target.inspection.planned_on - datetime.timedelta(days=366):
            raise ValidationError(_("The inspection day is too far before the plan."))
        changes = {}
        if target.inspected_on != inspected_on:
            changes["inspected_on"] = [str(target.inspected_on or ""), str(inspected_on)]
        if target.summary != summary:
            changes["summary"] = [target.summary, summary]
        if not changes:
            return target
        target.inspected_on, target.summary = inspected_on, summary
        target.save(update_fields=["inspected_on", "summary"])
        audit_record(
            actor=_user(actor),
            action="improvement.inspection_recorded",
            target=target,
            node=target.node,
            changes=changes,
        )
    return target


def target_evidence_add(*, actor, target: InspectionTarget, uploaded, title: str, now: datetime.datetime):
    """A file supporting the record: a private document of the organisation inspected (as assessment evidence)."""
    _require(actor, target.inspection.node)
    with transaction.atomic():
        document = document_upload_for_node(
            actor=actor, node=target.node, uploaded=uploaded, title=title or str(target), now=now
        )
        evidence = InspectionEvidence.objects.create(target=target, document=document)
        audit_record(
            actor=_user(actor),
            action="improvement.evidence_added",
            target=target,
            node=target.node,
            note=document.title,
        )
    return evidence


def corrections_notice_draft(*, actor, inspection: Inspection, today: datetime.date):
    """Draft the board notice of the progress of an inspection's corrective actions (整改落实情况), where the
    disclosure catalogue has that category: each problem, its action, owner, due date and state. It goes through the
    disclosure's checks and approval like any notice."""
    _require(actor, inspection.node)
    category = NoticeCategory.objects.filter(code=CORRECTIONS_CATEGORY).first()
    if category is None:
        raise ValidationError(_("The disclosure catalogue has no category for the progress of corrections."))
    actions = list(
        CorrectiveAction.objects.filter(finding__target__inspection=inspection)
        .select_related("node", "owner", "finding")
        .order_by("node__path", "due_on", "pk")
    )
    if not actions:
        raise ValidationError(_("The inspection has no corrective action to disclose."))
    with transaction.atomic():
        notice = notice_draft(
            actor=actor,
            node=inspection.node,
            category=category,
            title=_("Progress of the corrections: %(title)s") % {"title": inspection.title},
            content=render_to_string("improvement/corrections_notice.html", {"actions": actions, "today": today}),
            opens_on=today,
            scope=category.default_scope,
        )
        audit_record(
            actor=_user(actor),
            action="improvement.corrections_disclosed",
            target=notice,
            node=inspection.node,
            note=_("%(n)d corrective actions") % {"n": len(actions)},
        )
    return notice


# --- commitments ----------------------------------------------------------------------------------------------------


def commitments_submit(
    *, actor, person: Person, year: int, items: Sequence[tuple[CommitmentCategory, str]]
) -> list[Commitment]:
    """A member's commitments of the year (承诺), all at once: between the policy's fewest and most. A member writes
    their own; whoever runs the branch may enter them for the member. Replaces a set the branch returned."""
    own = getattr(actor, "pk", None) and person.user_id == actor.pk
    if not own and not manages(actor, person.node):
        raise PermissionDenied(_("You cannot make commitments for this member."))
    if person.political_status not in MEMBER_STATUSES or not person.is_active:
        raise ValidationError(_("Commitments are made by Party members on the roll."))
    policy = policy_for(person.node)
    items = [(category, (text or "").strip()) for category, text in items if (text or "").strip()]
    if not policy.member_min <= len(items) <= policy.member_max:
        raise ValidationError(
            _("Make between %(min)d and %(max)d commitments (you wrote %(n)d).")
            % {"min": policy.member_min, "max": policy.member_max, "n": len(items)}
        )
    if any(category is None for category, _text_ in items):
        raise ValidationError(_("Choose the category of each commitment."))
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()  # two submissions of one member queue here
        current = Commitment.objects.filter(person=person, year=year)
        if current.exclude(state=CommitmentState.RETURNED).exists():
            raise ValidationError(_("The commitments of this year are already made."))
        current.delete()
        made = Commitment.objects.bulk_create(
            Commitment(node=person.node, year=year, person=person, category=category, text=text)
            for category, text in items
        )
        audit_record(
            actor=_user(actor),
            action="improvement.commitments_submitted",
            target=person,
            node=person.node,
            note="; ".join(text[:60] for _category, text in items),
        )
    return made


def organisation_commitment_add(
    *, actor, node: OrgNode, year: int, category: CommitmentCategory, text: str, owner: Person, deadline
) -> Commitment:
    """One of the organisation's own commitments, with the person responsible and a deadline."""
    _require(actor, node)
    text = _text(text, _("A commitment needs some text."))
    if owner is None or deadline is None:
        raise ValidationError(_("An organisation's commitment needs someone responsible and a deadline."))
    if node.kind == NodeKind.GROUP:
        raise ValidationError(_("A Party group makes no commitment of its own: its branch does."))
    if not owner.is_active or owner.political_status not in MEMBER_STATUSES:
        raise ValidationError(_("The person responsible is a Party member on a roll."))
    with transaction.atomic():
        commitment = Commitment.objects.create(
            node=node, year=year, owner=owner, category=category, text=text, deadline=deadline
        )
        audit_record(
            actor=_user(actor), action="improvement.org_commitment_added", target=commitment, node=node, note=text[:200]
        )
    return commitment


def organisation_short_by(node: OrgNode, year: int) -> int:
    """How many commitments the organisation still owes under the policy's fewest (0: enough)."""
    made = Commitment.objects.filter(node=node, year=year, person__isnull=True).count()
    return max(0, policy_for(node).organisation_min - made)


def commitment_vet(*, actor, commitment: Commitment, approve: bool, reason: str = "") -> Commitment:
    """The branch vets a commitment: approved, or returned with a reason (the member writes the set again). Whoever
    answers for it (the member, an organisation commitment's responsible) does not vet it: another official does."""
    _require(actor, commitment.node)
    if answers_for(actor, commitment):
        raise PermissionDenied(_("You answer for this commitment: another official of the organisation vets it."))
    with transaction.atomic():
        commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
        new = CommitmentState.APPROVED if approve else CommitmentState.RETURNED
        if commitment.state == new:
            return commitment
        if commitment.state != CommitmentState.SUBMITTED:
            raise ValidationError(_("Only a commitment awaiting vetting can be vetted."))
        if not approve:
            commitment.return_reason = _text(reason, _("Say why the commitment is returned."))
        old, commitment.state = commitment.state, new
        commitment.save(update_fields=["state", "return_reason"])
        audit_record(
            actor=_user(actor),
            action="improvement.commitment_vetted",
            target=commitment,
            node=commitment.node,
            changes={"state": [old, new]},
            note=reason,
        )
    return commitment


def answers_for(actor, commitment: Commitment) -> bool:
    """Whether the actor is who answers for the commitment (the member, an organisation commitment's responsible)."""
    actor_id = getattr(actor, "pk", None)
    return actor_id is not None and actor_id in (
        getattr(commitment.person, "user_id", None),
        getattr(commitment.owner, "user_id", None),
    )


def commitments_vet_many(*, actor, commitments: list[Commitment]) -> int:
    """Approve several commitments at once (a member's set, or a branch's): all or none — one refused (outside the
    actor's organisations, no longer awaiting vetting) leaves every one as it was. Returns how many changed."""
    changed = 0
    with transaction.atomic():
        for commitment in commitments:
            before = commitment.state
            if commitment_vet(actor=actor, commitment=commitment, approve=True).state != before:
                changed += 1
    return changed


def commitments_publish(*, actor, node: OrgNode, year: int, today: datetime.date):
    """Draft the board notice of the vetted commitments of the organisation (党员承诺公开): it goes through the
    disclosure's checks and approval like any notice. The commitments then read as published."""
    _require(actor, node)
    with transaction.atomic():
        rows = list(
            Commitment.objects.select_for_update(of=("self",))
            .filter(node__path__startswith=node.path, year=year, state=CommitmentState.APPROVED)
            .select_related("person", "owner", "category")
            .order_by("person__name", "id")
        )
        if not rows:
            raise ValidationError(_("There is no vetted commitment to publish."))
        category = NoticeCategory.objects.filter(code=DISCLOSURE_CATEGORY).first()
        if category is None:
            raise ValidationError(_("The disclosure catalogue has no category for commitments."))
        notice = notice_draft(
            actor=actor,
            node=node,
            category=category,
            title=_("Commitments of %(node)s, %(year)s") % {"node": node.name, "year": year},
            content=render_to_string("improvement/notice_content.html", {"rows": rows}),
            opens_on=today,
            scope=category.default_scope,
        )
        Commitment.objects.filter(pk__in=[c.pk for c in rows]).update(state=CommitmentState.PUBLISHED, notice=notice)
        audit_record(
            actor=_user(actor),
            action="improvement.commitments_published",
            target=notice,
            node=node,
            note=_("%(n)d commitments") % {"n": len(rows)},
        )
    return notice


def _quarter(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def commitment_progress(*, actor, commitment: Commitment, text: str, now: datetime.datetime) -> CommitmentProgress:
    """The progress of the quarter (践诺), by the member (or the organisation's person responsible) or the branch;
    written again in the same quarter it is replaced."""
    person = commitment.person or commitment.owner
    if not ((getattr(actor, "pk", None) and person.user_id == actor.pk) or manages(actor, commitment.node)):
        raise PermissionDenied(_("You cannot record progress on this commitment."))
    text = _text(text, _("Say what was done."))
    quarter = _quarter(timezone.localdate(now))
    with transaction.atomic():
        commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if commitment.state not in (CommitmentState.APPROVED, CommitmentState.PUBLISHED) or commitment.outcome:
            raise ValidationError(_("Progress is recorded on a vetted commitment not yet evaluated."))
        progress, created = CommitmentProgress.objects.update_or_create(
            commitment=commitment, quarter=quarter, defaults={"text": text, "at": now}
        )
        audit_record(
            actor=_user(actor),
            action="improvement.commitment_progress",
            target=commitment,
            node=commitment.node,
            note=f"Q{quarter}: {text[:200]}",
        )
    return progress


def commitment_evaluate(
    *, actor, commitment: Commitment, outcome: str, grade: str, explanation: str, today: datetime.date
) -> Commitment:
    """The year-end evaluation (评诺) recorded by the branch after hearing the member, the masses and the
    organisation: the outcome, a grade, and an explanation for what was not delivered. Not by whoever answers for
    the commitment."""
    _require(actor, commitment.node)
    if answers_for(actor, commitment):
        raise PermissionDenied(_("You answer for this commitment: another official of the organisation evaluates it."))
    if outcome not in Outcome.values:
        raise ValidationError(_("Choose the outcome."))
    explanation = (explanation or "").strip()
    if outcome == Outcome.UNDELIVERED and not explanation:
        raise ValidationError(_("A commitment not delivered needs an explanation."))
    with transaction.atomic():
        commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if commitment.state not in (CommitmentState.APPROVED, CommitmentState.PUBLISHED):
            raise ValidationError(_("Only a vetted commitment is evaluated."))
        new = {"outcome": outcome, "grade": grade or "", "explanation": explanation}
        changes = {k: [getattr(commitment, k), v] for k, v in new.items() if getattr(commitment, k) != v}
        if not changes:
            return commitment
        for k, v in new.items():
            setattr(commitment, k, v)
        commitment.evaluated_on, commitment.evaluated_by = today, _user(actor)
        commitment.full_clean(exclude=["node", "person", "owner", "category", "notice", "evaluated_by"])
        commitment.save()
        audit_record(
            actor=_user(actor),
            action="improvement.commitment_evaluated",
            target=commitment,
            node=commitment.node,
            changes=changes,
        )
    return commitment
