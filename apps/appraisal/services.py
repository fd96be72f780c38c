"""Writes of the secret ballots. Every write is one transaction; officials' writes are audited old → new.

A vote (``appraisal_vote``, ``survey_answer``, ``report_grade``) is never stored as such (ADR 14): it adds one to the
counters of the choices and inserts the row that says the person took part, in one transaction. It writes no audit
entry, no history and no log line; the voter row holds no choice and no moment. One vote per person: the voter row's
unique constraint, and the person's row locked (``select_for_update``) so that two sessions of one person queue.
The ballot is read under a shared lock, which closing (an exclusive lock) waits for: no vote lands after the close."""

from __future__ import annotations

import datetime
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.disclosure.models import Category
from apps.disclosure.services import notice_draft
from apps.membership.selectors import members_on, roll_on
from apps.organisations.choices import MANAGE_PEOPLE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import covers
from apps.organisations.selectors import committee_of
from apps.organisations.validators import check_one_line
from apps.people.models import Person

from .choices import DEFAULT_OPTIONS, REVIEWED_GRADES, Audience, BallotState, Grade, ReportGrade, ReviewState
from .models import (
    Appraisal,
    AppraisalCount,
    AppraisalPolicy,
    AppraisalVoter,
    Appraisee,
    Report,
    ReportCount,
    ReportVoter,
    Survey,
    SurveyCount,
    SurveyOption,
    SurveyQuestion,
    SurveyRespondent,
)

DISCLOSURE_CATEGORY = "appraisal"  # 民主评议党员结果 in the disclosure catalogue
BRANCH_KINDS = (NodeKind.BRANCH, NodeKind.GENERAL_BRANCH)


# --- policy and permissions -----------------------------------------------------------------------------------------


def policy_for(node: OrgNode) -> AppraisalPolicy:
    """The committee's appraisal policy, else the default one, else the shipped numbers."""
    committee = committee_of(node)
    found = {
        p.committee_id: p for p in AppraisalPolicy.objects.filter(Q(committee__isnull=True) | Q(committee=committee))
    }
    return found.get(committee.pk if committee else None) or found.get(None) or AppraisalPolicy()


def manages(user, node: OrgNode) -> bool:
    """The branch secretary, its organisation member and the committee's staff run the node's ballots."""
    return covers(user, MANAGE_PEOPLE, node.path)


def reviews(user, node: OrgNode) -> bool:
    """The base committee's staff review grades of basically qualified and unqualified members."""
    committee = committee_of(node)
    return committee is not None and covers(user, MANAGE_PEOPLE, committee.path)


def _require(actor, node: OrgNode) -> None:
    if not manages(actor, node):
        raise PermissionDenied(_("You do not run the ballots of %(node)s.") % {"node": node})


def _voter(actor) -> Person:
    person = Person.objects.select_related("node").filter(user_id=getattr(actor, "pk", None)).first() if actor else None
    if person is None or not person.is_active:
        raise PermissionDenied(_("Only a person with a record in the portal can vote."))
    return person


def _window(opens_on: datetime.date, closes_on: datetime.date, year: int) -> None:
    if closes_on < opens_on:
        raise ValidationError(_("Voting closes on or after the day it opens."))
    if not 2000 <= year <= 2100:
        raise ValidationError(_("A year between 2000 and 2100."))


def _share_lock(ballot):
    """Read a ballot again under a shared row lock (PostgreSQL ``FOR SHARE``): voters do not wait for one another,
    and closing waits for the votes under way. SQLite writes one transaction at a time anyway. The organisation
    already read with the ballot is kept (it cannot change), so that the vote does not read it again."""
    model = type(ballot)
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        locked = model.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [ballot.pk])[0]
    else:
        locked = model.objects.get(pk=ballot.pk)
    if model.node.is_cached(ballot) and ballot.node_id == locked.node_id:
        locked.node = ballot.node
    return locked


def _check_open(ballot, today: datetime.date) -> None:
    if ballot.state != BallotState.OPEN:
        raise ValidationError(_("Voting is closed."))
    if today < ballot.opens_on:
        raise ValidationError(_("Voting opens on %(date)s.") % {"date": ballot.opens_on})
    if today > ballot.closes_on:
        raise ValidationError(_("Voting closed on %(date)s.") % {"date": ballot.closes_on})


def _take_part(voter_model, person: Person, **ballot) -> None:
    """Insert the row that says the person took part; a second one is refused (already voted).

    On PostgreSQL one statement, ``INSERT … ON CONFLICT DO NOTHING``: the unique index makes a second session of the
    same person wait for the first to commit, then insert nothing — refused. Elsewhere the person's row is locked
    so that two sessions queue, and the row looked for."""
    refused = ValidationError(voter_model._meta.constraints[0].violation_error_message)
    ((field, target),) = ballot.items()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(voter_model._meta.db_table)
        column = connection.ops.quote_name(voter_model._meta.get_field(field).column)
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} ({column}, "person_id") VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING id',
                [target.pk, person.pk],
            )
            if cursor.fetchone() is None:
                raise refused
        return
    Person.objects.select_for_update().filter(pk=person.pk).first()  # two sessions of one person queue here
    if voter_model.objects.filter(person=person, **ballot).exists():
        raise refused
    try:
        with transaction.atomic():
            voter_model.objects.create(person=person, **ballot)
    except IntegrityError:
        raise refused from None


def _counters(model, keys: Iterable[dict]) -> list:
    """The zero counters of a ballot opening: every shard of every counter key (ADR 14)."""
    return model.objects.bulk_create([model(shard=n, **key) for key in keys for n in range(model.SHARDS)])


def _add_one(model, chosen: Q, expected: int) -> None:
    """Add one to the chosen counters, on one shard picked at random (so that concurrent votes of one ballot seldom
    wait for the same rows): the rows are locked first in the order of their ids (every ballot locks in the same
    order, so concurrent ballots queue and never deadlock), then updated in one statement. A single counter is
    updated at once (one row cannot deadlock). Counters without that shard (none should be) take shard 0."""
    shard = secrets.randbelow(model.SHARDS)
    if expected == 1:
        if not model.objects.filter(chosen, shard=shard).update(portal=F("portal") + 1) and shard:
            model.objects.filter(chosen, shard=0).update(portal=F("portal") + 1)
        return

    def locked(n: int) -> list[int]:
        return list(
            model.objects.select_for_update().filter(chosen, shard=n).order_by("pk").values_list("pk", flat=True)
        )

    ids = locked(shard)
    if len(ids) != expected and shard:
        ids = locked(0)
    model.objects.filter(pk__in=ids).update(portal=F("portal") + 1)


def _close(*, actor, ballot, action: str, today: datetime.date | None = None, early: bool = False):
    """Close the voting. Before its last day (``today`` given, as the pages give it) only when the official
    confirmed closing early (``early``): those who have not voted then can no longer vote."""
    _require(actor, ballot.node)
    with transaction.atomic():
        ballot = type(ballot).objects.select_for_update().get(pk=ballot.pk)
        if ballot.state != BallotState.OPEN:
            return ballot
        closing_early = today is not None and today < ballot.closes_on
        if closing_early and not early:
            raise ValidationError(
                _("Voting is open until %(date)s: confirm that it closes early, before everyone could vote.")
                % {"date": ballot.closes_on}
            )
        ballot.state = BallotState.CLOSED
        ballot.save(update_fields=["state"])
        changes = {"state": ["open", "closed"]}
        if closing_early:
            changes["closes_on"] = [ballot.closes_on, today]
        audit_record(actor=actor, action=action, target=ballot, node=ballot.node, changes=changes)
    return ballot


def _paper(*, actor, ballot, handed_out: int, returned: int, per_subject: Mapping) -> None:
    """Checks shared by the paper counts: none negative, no more returned than handed out, and no subject (a member
    appraised, a question) with more marks than ballots returned. ``per_subject``: subject → its marks."""
    _require(actor, ballot.node)
    if ballot.state == BallotState.FIXED:
        raise ValidationError(_("The grades are fixed: the counts can no longer change."))
    if handed_out < 0 or returned < 0 or any(n < 0 for marks in per_subject.values() for n in marks):
        raise ValidationError(_("Counts cannot be negative."))
    if returned > handed_out:
        raise ValidationError(
            _("%(returned)s ballots returned, but only %(handed)s handed out.")
            % {"returned": returned, "handed": handed_out}
        )
    for subject, marks in per_subject.items():
        if sum(marks) > returned:
            raise ValidationError(
                _("%(subject)s: %(marks)s marks on %(returned)s paper ballots returned.")
                % {"subject": subject, "marks": sum(marks), "returned": returned}
            )


def _paper_audit(*, actor, ballot, before: tuple[int, int], action: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=ballot,
        node=ballot.node,
        changes={
            "paper_handed_out": [before[0], ballot.paper_handed_out],
            "paper_returned": [before[1], ballot.paper_returned],
        },
    )


# --- democratic appraisal -------------------------------------------------------------------------------------------


def appraisal_open(
    *,
    actor,
    node: OrgNode,
    year: int,
    held_on: datetime.date,
    opens_on: datetime.date,
    closes_on: datetime.date,
    meeting=None,
    people: Iterable[Person] | None = None,
) -> Appraisal:
    """Open a branch's appraisal: the members on its roll on ``held_on`` (full and probationary) are appraised and
    vote, unless ``people`` names them; their counters are created with zero."""
    _require(actor, node)
    if node.kind not in BRANCH_KINDS:
        raise ValidationError(_("Members are appraised in their branch."))
    _window(opens_on, closes_on, year)
    if meeting is not None and meeting.node_id != node.pk:
        raise ValidationError(_("The meeting is not one of %(node)s.") % {"node": node})
    members = list(people) if people is not None else list(roll_on(node, held_on).order_by("name", "pk"))
    if not members:
        raise ValidationError(_("%(node)s has no members on %(date)s.") % {"node": node, "date": held_on})
    with transaction.atomic():
        OrgNode.objects.select_for_update().filter(pk=node.pk).first()
        if Appraisal.objects.filter(node=node, year=year).exists():
            raise ValidationError(_("This branch already has a democratic appraisal this year."))
        appraisal = Appraisal.objects.create(
            node=node,
            year=year,
            held_on=held_on,
            opens_on=opens_on,
            closes_on=closes_on,
            meeting=meeting,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        appraisees = Appraisee.objects.bulk_create([Appraisee(appraisal=appraisal, person=p) for p in members])
        _counters(AppraisalCount, ({"appraisee": a, "grade": g} for a in appraisees for g in Grade.values))
        audit_record(
            actor=actor,
            action="appraisal.opened",
            target=appraisal,
            node=node,
            changes={"members": [None, len(appraisees)], "closes_on": [None, closes_on]},
        )
    return appraisal


def self_assessment_save(*, actor, appraisee: Appraisee, text: str) -> Appraisee:
    """A member writes their own self-assessment, until the grades are fixed."""
    if _voter(actor).pk != appraisee.person_id:
        raise PermissionDenied(_("Only the member writes their self-assessment."))
    with transaction.atomic():
        appraisee = Appraisee.objects.select_for_update().select_related("appraisal").get(pk=appraisee.pk)
        if appraisee.appraisal.state == BallotState.FIXED:
            raise ValidationError(_("The grades are fixed: the self-assessment can no longer change."))
        text = text.strip()
        if text == appraisee.self_assessment:
            return appraisee
        appraisee.self_assessment = text
        appraisee.save(update_fields=["self_assessment"])
    return appraisee


def appraisal_vote(*, actor, appraisal: Appraisal, grades: Mapping[int, str], today: datetime.date) -> None:
    """One member's ballot: a grade for each member appraised (``{appraisee id: grade}``; one left out is an
    abstention; oneself is not graded). Adds one to each chosen counter; stores nobody's choice."""
    me = _voter(actor)
    if any(g not in Grade.values for g in grades.values()):
        raise ValidationError(_("A grade is one of excellent, qualified, basically qualified and unqualified."))
    if not grades:
        raise ValidationError(_("Grade at least one member."))
    with transaction.atomic():
        appraisal = _share_lock(appraisal)
        _check_open(appraisal, today)
        members = dict(Appraisee.objects.filter(appraisal=appraisal).values_list("pk", "person_id"))
        if me.pk not in members.values():
            raise PermissionDenied(_("You are not among the members of this appraisal."))
        if any(pk not in members or members[pk] == me.pk for pk in grades):
            raise ValidationError(_("Grade the other members of this appraisal only."))
        _take_part(AppraisalVoter, me, appraisal=appraisal)
        chosen = Q(pk__in=[])
        for grade in Grade.values:
            pks = [pk for pk, g in grades.items() if g == grade]
            if pks:
                chosen |= Q(appraisee_id__in=pks, grade=grade)
        _add_one(AppraisalCount, chosen, len(grades))


def appraisal_paper_counts(
    *, actor, appraisal: Appraisal, handed_out: int, returned: int, counts: Mapping[int, Mapping[str, int]]
) -> Appraisal:
    """The counts of the paper ballots (``{appraisee id: {grade: n}}``), replacing those entered before."""
    with transaction.atomic():
        appraisal = Appraisal.objects.select_for_update().select_related("node").get(pk=appraisal.pk)
        names = dict(Appraisee.objects.filter(appraisal=appraisal).values_list("pk", "person__name"))
        if set(counts) - set(names) or any(set(c) - set(Grade.values) for c in counts.values()):
            raise ValidationError(_("Counts for members and grades of this appraisal only."))
        _paper(
            actor=actor,
            ballot=appraisal,
            handed_out=handed_out,
            returned=returned,
            per_subject={names[pk]: list(c.values()) for pk, c in counts.items()},
        )
        before = (appraisal.paper_handed_out, appraisal.paper_returned)
        rows = list(AppraisalCount.objects.select_for_update().filter(appraisee__appraisal=appraisal, shard=0))
        changed = [r for r in rows if r.paper != counts.get(r.appraisee_id, {}).get(r.grade, 0)]
        if not changed and before == (handed_out, returned):
            return appraisal
        for r in changed:
            r.paper = counts.get(r.appraisee_id, {}).get(r.grade, 0)
        AppraisalCount.objects.bulk_update(changed, ["paper"])
        appraisal.paper_handed_out, appraisal.paper_returned = handed_out, returned
        appraisal.save(update_fields=["paper_handed_out", "paper_returned"])
        _paper_audit(actor=actor, ballot=appraisal, before=before, action="appraisal.paper_counts")
    return appraisal


def appraisal_close(
    *, actor, appraisal: Appraisal, today: datetime.date | None = None, early: bool = False
) -> Appraisal:
    return _close(actor=actor, ballot=appraisal, action="appraisal.closed", today=today, early=early)


def appraisal_fix_grades(
    *, actor, appraisal: Appraisal, grades: Mapping[int, str], feedback: Mapping[int, str] | None = None
) -> Appraisal:
    """The branch meeting's grades, once voting is closed: every member appraised gets one; 优秀 at most the
    policy's share (one third, rounded down); 基本合格 and 不合格 are reported to the base committee."""
    _require(actor, appraisal.node)
    feedback = feedback or {}
    if any(g not in Grade.values for g in grades.values()):
        raise ValidationError(_("A grade is one of excellent, qualified, basically qualified and unqualified."))
    with transaction.atomic():
        appraisal = Appraisal.objects.select_for_update().select_related("node").get(pk=appraisal.pk)
        if appraisal.state != BallotState.CLOSED:
            raise ValidationError(_("Grades are fixed once voting is closed, and only once."))
        appraisees = list(Appraisee.objects.select_for_update().filter(appraisal=appraisal))
        if set(grades) != {a.pk for a in appraisees}:
            raise ValidationError(_("Give every member appraised a grade."))
        quota = policy_for(appraisal.node).excellent_quota(len(appraisees))
        excellent = sum(1 for g in grades.values() if g == Grade.EXCELLENT)
        if excellent > quota:
            raise ValidationError(
                _("At most %(quota)s of %(count)s members may be graded excellent (%(given)s given).")
                % {"quota": quota, "count": len(appraisees), "given": excellent}
            )
        for a in appraisees:
            a.grade = grades[a.pk]
            a.feedback = (feedback.get(a.pk) or "").strip()
            a.review_state = ReviewState.REPORTED if a.grade in REVIEWED_GRADES else ReviewState.NONE
        Appraisee.objects.bulk_update(appraisees, ["grade", "feedback", "review_state"])
        appraisal.state = BallotState.FIXED
        appraisal.save(update_fields=["state"])
        totals = Counter(grades.values())
        audit_record(
            actor=actor,
            action="appraisal.grades_fixed",
            target=appraisal,
            node=appraisal.node,
            changes={"state": ["closed", "fixed"]} | {g: [None, totals.get(g, 0)] for g in Grade.values},
        )
    return appraisal


def appraisee_grade_correct(*, actor, appraisee: Appraisee, grade: str, reason: str) -> Appraisee:
    """Correct one member's grade after the branch meeting fixed them (a mistake in the minutes, a decision taken
    again): with a reason, the quota of 优秀 checked again, audited old → new. A grade that becomes basically
    qualified or unqualified is reported to the base committee; one that stops being so leaves its review.
    Refused once the notice of the results is drafted (its numbers would no longer match)."""
    node = appraisee.appraisal.node
    _require(actor, node)
    if grade not in Grade.values:
        raise ValidationError(_("A grade is one of excellent, qualified, basically qualified and unqualified."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for the correction."))
    with transaction.atomic():
        appraisal = Appraisal.objects.select_for_update().get(pk=appraisee.appraisal_id)
        if appraisal.state != BallotState.FIXED:
            raise ValidationError(_("Only a grade fixed by the branch meeting is corrected."))
        if appraisal.notice_id:
            raise ValidationError(_("The notice of the results is drafted: its numbers would no longer match."))
        appraisees = list(Appraisee.objects.select_for_update().filter(appraisal=appraisal))
        appraisee = next(a for a in appraisees if a.pk == appraisee.pk)
        old = appraisee.grade
        if old == grade:
            return appraisee
        if grade == Grade.EXCELLENT:
            quota = policy_for(node).excellent_quota(len(appraisees))
            given = 1 + sum(1 for a in appraisees if a.grade == Grade.EXCELLENT)
            if given > quota:
                raise ValidationError(
                    _("At most %(quota)s of %(count)s members may be graded excellent (%(given)s given).")
                    % {"quota": quota, "count": len(appraisees), "given": given}
                )
        before_review = appraisee.review_state
        appraisee.grade = grade
        if grade in REVIEWED_GRADES:
            appraisee.review_state = ReviewState.REPORTED
        else:
            appraisee.review_state = ReviewState.NONE
            appraisee.follow_up, appraisee.follow_up_due = "", None
        appraisee.save(update_fields=["grade", "review_state", "follow_up", "follow_up_due"])
        audit_record(
            actor=actor,
            action="appraisal.grade_corrected",
            target=appraisee,
            node=node,
            changes={
                "grade": [old, grade],
                "review_state": [before_review, appraisee.review_state],
                "reason": [None, reason],
            },
        )
    return appraisee


def appraisee_review(*, actor, appraisee: Appraisee, note: str) -> Appraisee:
    """The base committee reviews a member graded basically qualified or unqualified."""
    node = appraisee.appraisal.node
    if not reviews(actor, node):
        raise PermissionDenied(_("Only the base committee reviews these grades."))
    if not note.strip():
        raise ValidationError(_("Write the committee's conclusion."))
    with transaction.atomic():
        appraisee = Appraisee.objects.select_for_update().get(pk=appraisee.pk)
        if appraisee.review_state != ReviewState.REPORTED:
            if appraisee.review_state == ReviewState.REVIEWED and appraisee.review_note == note.strip():
                return appraisee
            raise ValidationError(_("Only a grade reported to the committee is reviewed."))
        appraisee.review_state, appraisee.review_note = ReviewState.REVIEWED, note.strip()
        appraisee.save(update_fields=["review_state", "review_note"])
        audit_record(
            actor=actor,
            action="appraisal.reviewed",
            target=appraisee,
            node=node,
            changes={"review_state": [ReviewState.REPORTED, ReviewState.REVIEWED]},
        )
    return appraisee


def appraisee_follow_up(*, actor, appraisee: Appraisee, measures: str, due: datetime.date) -> Appraisee:
    """The branch records what a basically qualified or unqualified member is to correct, and by when (限期改正)."""
    node = appraisee.appraisal.node
    _require(actor, node)
    if appraisee.grade not in REVIEWED_GRADES:
        raise ValidationError(_("A follow-up is for members graded basically qualified or unqualified."))
    if not measures.strip():
        raise ValidationError(_("Write what is to be corrected."))
    with transaction.atomic():
        appraisee = Appraisee.objects.select_for_update().get(pk=appraisee.pk)
        if (appraisee.follow_up, appraisee.follow_up_due) == (measures.strip(), due):
            return appraisee
        before = (appraisee.follow_up_due,)
        appraisee.follow_up, appraisee.follow_up_due = measures.strip(), due
        appraisee.save(update_fields=["follow_up", "follow_up_due"])
        audit_record(
            actor=actor,
            action="appraisal.follow_up",
            target=appraisee,
            node=node,
            changes={"follow_up_due": [before[0], due]},
        )
    return appraisee


def appraisal_notice_draft(*, actor, appraisal: Appraisal, today: datetime.date):
    """Draft the notice of the appraisal's aggregate result (how many members in each grade — never who) for the
    board; others check and approve it through the disclosure workflow before anyone reads it."""
    _require(actor, appraisal.node)
    category = Category.objects.filter(code=DISCLOSURE_CATEGORY).first()
    if category is None:
        raise ValidationError(_("The disclosure catalogue has no category for the appraisal: run migrate."))
    with transaction.atomic():
        appraisal = Appraisal.objects.select_for_update().select_related("node").get(pk=appraisal.pk)
        if appraisal.state != BallotState.FIXED:
            raise ValidationError(_("The notice follows the grades fixed by the branch meeting."))
        if appraisal.notice_id:
            return appraisal.notice
        totals = Counter(Appraisee.objects.filter(appraisal=appraisal).values_list("grade", flat=True))
        rows = [(label, totals.get(value, 0)) for value, label in Grade.choices]
        content = render_to_string(
            "appraisal/notice_content.html",
            {"appraisal": appraisal, "rows": rows, "total": sum(totals.values())},
        )
        title = _("Result of the democratic appraisal of members, %(node)s, %(year)s") % {
            "node": appraisal.node,
            "year": appraisal.year,
        }
        notice = notice_draft(
            actor=actor, node=appraisal.node, category=category, title=title, content=content, opens_on=today
        )
        appraisal.notice = notice
        appraisal.save(update_fields=["notice"])
    return notice


# --- satisfaction surveys -------------------------------------------------------------------------------------------


def survey_open(
    *,
    actor,
    node: OrgNode,
    year: int,
    title: str,
    audience: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    questions: list[str],
    options: Iterable[tuple[str, Decimal | int | None]] = DEFAULT_OPTIONS,
) -> Survey:
    """A survey with its questions and weighted answer options (满意 100, 基本满意 75, 不满意 55, 不了解 not
    counted, unless given); every counter starts at zero."""
    _require(actor, node)
    _window(opens_on, closes_on, year)
    if audience not in Audience.values:
        raise ValidationError(_("Choose who answers the survey."))
    title = title.strip()
    questions = [q.strip() for q in questions if q.strip()]
    options = [(label.strip(), weight) for label, weight in options if label.strip()]
    if not title:
        raise ValidationError(_("A survey needs a title."))
    check_one_line(title=title)
    if not questions:
        raise ValidationError(_("A survey needs at least one question."))
    if len(options) < 2 or all(w is None for _l, w in options):
        raise ValidationError(_("A survey needs at least two answers, one of them with a weight."))
    if any(w is not None and not 0 <= Decimal(w) <= 100 for _l, w in options):
        raise ValidationError(_("A weight is between 0 and 100."))
    with transaction.atomic():
        survey = Survey.objects.create(
            node=node,
            year=year,
            title=title,
            audience=audience,
            opens_on=opens_on,
            closes_on=closes_on,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        qs = SurveyQuestion.objects.bulk_create(
            [SurveyQuestion(survey=survey, position=i, text=t) for i, t in enumerate(questions, 1)]
        )
        os_ = SurveyOption.objects.bulk_create(
            [SurveyOption(survey=survey, position=i, label=t, weight=w) for i, (t, w) in enumerate(options, 1)]
        )
        _counters(SurveyCount, ({"question": q, "option": o} for q in qs for o in os_))
        audit_record(
            actor=actor, action="appraisal.survey_opened", target=survey, node=node, changes={"title": [None, title]}
        )
    return survey


def survey_weights_save(*, actor, survey: Survey, weights: Mapping[int, Decimal | None]) -> Survey:
    """Change the weights of the survey's answers (``{option id: weight or None}``; None: not counted) — only
    while nobody has answered, on the portal or on paper, so that no score changes under the answers. Audited."""
    _require(actor, survey.node)
    if any(w is not None and not 0 <= Decimal(w) <= 100 for w in weights.values()):
        raise ValidationError(_("A weight is between 0 and 100."))
    with transaction.atomic():
        survey = Survey.objects.select_for_update().select_related("node").get(pk=survey.pk)
        if survey.state != BallotState.OPEN:
            raise ValidationError(_("The weights change while the survey is open only."))
        answered = (
            SurveyRespondent.objects.filter(survey=survey).exists()
            or survey.paper_returned
            or SurveyCount.objects.filter(question__survey=survey).filter(Q(portal__gt=0) | Q(paper__gt=0)).exists()
        )
        if answered:
            raise ValidationError(_("Someone has answered already: the weights can no longer change."))
        options = list(SurveyOption.objects.select_for_update().filter(survey=survey))
        if set(weights) - {o.pk for o in options}:
            raise ValidationError(_("Weights for the answers of this survey only."))
        new = {o.pk: weights.get(o.pk, o.weight) for o in options}
        if all(w is None for w in new.values()):
            raise ValidationError(_("A survey needs at least two answers, one of them with a weight."))
        changed = [o for o in options if o.weight != (None if new[o.pk] is None else Decimal(new[o.pk]))]
        if not changed:
            return survey
        changes = {}
        for o in changed:
            weight = None if new[o.pk] is None else Decimal(new[o.pk])
            changes[o.label] = [None if o.weight is None else str(o.weight), None if weight is None else str(weight)]
            o.weight = weight
        SurveyOption.objects.bulk_update(changed, ["weight"])
        audit_record(actor=actor, action="appraisal.survey_weights", target=survey, node=survey.node, changes=changes)
    return survey


def may_answer(person: Person | None, survey: Survey) -> bool:
    """Whether the person belongs to the survey's audience: the members on the organisation's roll on its first day,
    or (audience ``staff``) everyone recorded in the organisation, members or not."""
    if person is None or not person.is_active or survey.audience == Audience.PAPER:
        return False
    if survey.audience == Audience.STAFF and person.node.path.startswith(survey.node.path):
        return True
    return members_on(survey.node, survey.opens_on).filter(pk=person.pk).exists()


def survey_answer(*, actor, survey: Survey, answers: Mapping[int, int], today: datetime.date) -> None:
    """One person's answers (``{question id: option id}``; a question left out is not answered)."""
    me = _voter(actor)
    if not answers:
        raise ValidationError(_("Answer at least one question."))
    with transaction.atomic():
        survey = _share_lock(survey)
        _check_open(survey, today)
        if not may_answer(me, survey):
            raise PermissionDenied(_("This survey is not addressed to you."))
        questions = set(SurveyQuestion.objects.filter(survey=survey).values_list("pk", flat=True))
        options = set(SurveyOption.objects.filter(survey=survey).values_list("pk", flat=True))
        if set(answers) - questions or set(answers.values()) - options:
            raise ValidationError(_("Answer the questions of this survey with its answers."))
        _take_part(SurveyRespondent, me, survey=survey)
        by_option: dict[int, list[int]] = {}
        for question, option in answers.items():
            by_option.setdefault(option, []).append(question)
        chosen = Q(pk__in=[])
        for option, question_ids in by_option.items():
            chosen |= Q(question_id__in=question_ids, option_id=option)
        _add_one(SurveyCount, chosen, len(answers))


def survey_paper_counts(
    *, actor, survey: Survey, handed_out: int, returned: int, counts: Mapping[tuple[int, int], int]
) -> Survey:
    """The counts of paper questionnaires (``{(question id, option id): n}``), replacing those entered before."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().select_related("node").get(pk=survey.pk)
        rows = {
            (r.question_id, r.option_id): r
            for r in SurveyCount.objects.select_for_update().filter(question__survey=survey, shard=0)
        }
        if set(counts) - set(rows):
            raise ValidationError(_("Counts for the questions and answers of this survey only."))
        texts = dict(SurveyQuestion.objects.filter(survey=survey).values_list("pk", "text"))
        per_question: dict[str, list[int]] = {}
        for (q, _o), n in counts.items():
            per_question.setdefault(texts[q], []).append(n)
        _paper(actor=actor, ballot=survey, handed_out=handed_out, returned=returned, per_subject=per_question)
        before = (survey.paper_handed_out, survey.paper_returned)
        changed = [r for key, r in rows.items() if r.paper != counts.get(key, 0)]
        if not changed and before == (handed_out, returned):
            return survey
        for key, r in rows.items():
            r.paper = counts.get(key, 0)
        SurveyCount.objects.bulk_update(changed, ["paper"])
        survey.paper_handed_out, survey.paper_returned = handed_out, returned
        survey.save(update_fields=["paper_handed_out", "paper_returned"])
        _paper_audit(actor=actor, ballot=survey, before=before, action="appraisal.survey_paper_counts")
    return survey


def survey_close(*, actor, survey: Survey, today: datetime.date | None = None, early: bool = False) -> Survey:
    return _close(actor=actor, ballot=survey, action="appraisal.survey_closed", today=today, early=early)


# --- 述职评议 (the secretary's report) ---------------------------------------------------------------------------


def report_open(
    *,
    actor,
    node: OrgNode,
    year: int,
    reporter: Person,
    held_on: datetime.date,
    opens_on: datetime.date,
    closes_on: datetime.date,
    summary: str = "",
) -> Report:
    """The secretary's yearly report, open for grading by the members on the organisation's roll that day."""
    _require(actor, node)
    _window(opens_on, closes_on, year)
    with transaction.atomic():
        OrgNode.objects.select_for_update().filter(pk=node.pk).first()
        if Report.objects.filter(node=node, year=year).exists():
            raise ValidationError(_("This organisation's secretary already reports this year."))
        report = Report.objects.create(
            node=node,
            year=year,
            reporter=reporter,
            held_on=held_on,
            opens_on=opens_on,
            closes_on=closes_on,
            summary=summary.strip(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _counters(ReportCount, ({"report": report, "grade": g} for g in ReportGrade.values))
        audit_record(
            actor=actor, action="appraisal.report_opened", target=report, node=node, changes={"year": [None, year]}
        )
    return report


def may_grade(person: Person | None, report: Report) -> bool:
    return (
        person is not None
        and person.is_active
        and person.pk != report.reporter_id  # not one's own report
        and members_on(report.node, report.held_on).filter(pk=person.pk).exists()
    )


def report_grade(*, actor, report: Report, grade: str, today: datetime.date) -> None:
    """One attendee's grade of the report (好 / 较好 / 一般 / 差)."""
    me = _voter(actor)
    if grade not in ReportGrade.values:
        raise ValidationError(_("A grade is one of good, fairly good, average and poor."))
    with transaction.atomic():
        report = _share_lock(report)
        _check_open(report, today)
        if me.pk == report.reporter_id:
            raise PermissionDenied(_("The secretary who reports does not grade their own report."))
        if not may_grade(me, report):
            raise PermissionDenied(_("You are not among the members who grade this report."))
        _take_part(ReportVoter, me, report=report)
        _add_one(ReportCount, Q(report=report, grade=grade), 1)


def report_paper_counts(*, actor, report: Report, handed_out: int, returned: int, counts: Mapping[str, int]) -> Report:
    if set(counts) - set(ReportGrade.values):
        raise ValidationError(_("A grade is one of good, fairly good, average and poor."))
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("node").get(pk=report.pk)
        _paper(
            actor=actor,
            ballot=report,
            handed_out=handed_out,
            returned=returned,
            per_subject={str(report): list(counts.values())},
        )
        before = (report.paper_handed_out, report.paper_returned)
        rows = list(ReportCount.objects.select_for_update().filter(report=report, shard=0))
        changed = [r for r in rows if r.paper != counts.get(r.grade, 0)]
        if not changed and before == (handed_out, returned):
            return report
        for r in changed:
            r.paper = counts.get(r.grade, 0)
        ReportCount.objects.bulk_update(changed, ["paper"])
        report.paper_handed_out, report.paper_returned = handed_out, returned
        report.save(update_fields=["paper_handed_out", "paper_returned"])
        _paper_audit(actor=actor, ballot=report, before=before, action="appraisal.report_paper_counts")
    return report


def report_close(*, actor, report: Report, today: datetime.date | None = None, early: bool = False) -> Report:
    return _close(actor=actor, ballot=report, action="appraisal.report_closed", today=today, early=early)


# --- policy -------------------------------------------------------------------------------------------------------

POLICY_FIELDS = [
    "committee",
    "min_voters",
    "excellent_numerator",
    "excellent_denominator",
    "report_good",
    "report_fairly_good",
    "report_average",
    "report_poor",
]


def policy_save(*, actor, policy: AppraisalPolicy | None, values: dict) -> AppraisalPolicy:
    """Add a committee's policy or change one (administrators): validated, locked, audited old → new."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only administrators change the appraisal policy."))
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        if policy is None:
            policy, old = AppraisalPolicy(), {}
        else:
            policy = AppraisalPolicy.objects.select_for_update().get(pk=policy.pk)
            old = {name: getattr(policy, name) for name in values}
        for name, value in values.items():
            setattr(policy, name, value)
        policy.full_clean()
        changes = {
            name: [str(old.get(name, "")), str(getattr(policy, name))]
            for name in values
            if old.get(name) != values[name]
        }
        if not changes and policy.pk:
            return policy
        policy.save()
        audit_record(
            actor=actor, action="appraisal.policy_saved", target=policy, node=policy.committee, changes=changes
        )
    return policy
