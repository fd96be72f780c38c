"""Reads of the secret ballots: lists restricted to the user's subtree, what waits for a voter, and the results —
counts only, and none below the policy's fewest voters. Results take a constant number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from apps.audit.services import audit_record
from apps.membership.selectors import periods_on
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import path_q, restrict, scope_paths
from apps.people.models import Person

from .choices import Audience, BallotState, Grade, ReportGrade, ReviewState
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
    SurveyRespondent,
)

HUNDREDTH = Decimal("0.01")
GRADE_VALUES = tuple(Grade.values)
APPRAISEE_FIELDS = ("appraisal_id", "person_id", "self_assessment", "grade", "feedback", "review_state", "review_note",
                    "follow_up", "follow_up_due")  # fmt: skip


# --- policies for many nodes at once --------------------------------------------------------------------------------


def policies_by_path() -> tuple[dict[str, AppraisalPolicy], AppraisalPolicy]:
    """Every committee's policy by the committee's path, and the default: one query."""
    by_path, default = {}, None
    for p in AppraisalPolicy.objects.select_related("committee"):
        if p.committee_id is None:
            default = p
        else:
            by_path[p.committee.path] = p
    return by_path, default or AppraisalPolicy()


def policy_of_path(path: str, policies: tuple[dict[str, AppraisalPolicy], AppraisalPolicy]) -> AppraisalPolicy:
    by_path, default = policies
    best = max((p for p in by_path if path.startswith(p)), key=len, default=None)
    return by_path[best] if best else default


def min_voters_for(node: OrgNode) -> int:
    return policy_of_path(node.path, policies_by_path()).min_voters


# --- lists ----------------------------------------------------------------------------------------------------------


def _count_of(model, field: str):
    """How many rows of ``model`` point at the outer ballot: a subquery (two joined counts would multiply)."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows), 0)


def appraisal_list_for(*, user) -> QuerySet[Appraisal]:
    return restrict(
        Appraisal.objects.select_related("node"), user=user, perm=VIEW_SCOPE, path_field="node__path"
    ).annotate(voted=_count_of(AppraisalVoter, "appraisal"), members=_count_of(Appraisee, "appraisal"))


def survey_list_for(*, user) -> QuerySet[Survey]:
    return restrict(
        Survey.objects.select_related("node"), user=user, perm=VIEW_SCOPE, path_field="node__path"
    ).annotate(answered=_count_of(SurveyRespondent, "survey"))


def report_list_for(*, user) -> QuerySet[Report]:
    return restrict(
        Report.objects.select_related("node", "reporter"), user=user, perm=VIEW_SCOPE, path_field="node__path"
    ).annotate(voted=_count_of(ReportVoter, "report"))


def _get(queryset, *, user, pk, request=None):
    """The object of the user's subtree, or 404 — also outside it (the attempt audited)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        denied = queryset.model.objects.select_related("node").filter(pk=pk).first() if str(pk).isdigit() else None
        if denied is not None:
            audit_record(actor=user, action="access.denied", target=denied, node=denied.node, request=request)
        raise Http404
    return found


def appraisal_get_for(*, user, pk, request=None) -> Appraisal:
    return _get(appraisal_list_for(user=user), user=user, pk=pk, request=request)


def survey_get_for(*, user, pk, request=None) -> Survey:
    return _get(survey_list_for(user=user), user=user, pk=pk, request=request)


def report_get_for(*, user, pk, request=None) -> Report:
    return _get(report_list_for(user=user), user=user, pk=pk, request=request)


def branches_for(*, user, perm: str) -> QuerySet[OrgNode]:
    return restrict(
        OrgNode.objects.filter(kind__in=(NodeKind.BRANCH, NodeKind.GENERAL_BRANCH), is_active=True),
        user=user,
        perm=perm,
        path_field="path",
    ).order_by("path")


def reviews_for(*, user) -> QuerySet[Appraisee]:
    """Grades reported to a base committee the user works for (a scope at a committee), waiting for its review."""
    waiting = (
        Appraisee.objects.filter(review_state=ReviewState.REPORTED)
        .select_related("person", "appraisal__node")
        .order_by("appraisal__node__path", "person__name")
    )
    paths = scope_paths(user, MANAGE_PEOPLE)
    if paths is None:
        return waiting
    committees = list(OrgNode.objects.filter(path__in=paths, kind=NodeKind.COMMITTEE).values_list("path", flat=True))
    return waiting.filter(path_q(committees, "appraisal__node__path"))


# --- what waits for a voter -----------------------------------------------------------------------------------------


@dataclass
class Waiting:
    appraisals: list = field(default_factory=list)  # open appraisals the person has not voted in
    surveys: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    own: list = field(default_factory=list)  # the person's own appraisals (self-assessment, grade once fixed)


def waiting_for(*, person: Person | None, today: datetime.date) -> Waiting:
    """Ballots open today that the person may cast and has not; their own appraisals. A fixed number of queries."""
    waiting = Waiting()
    if person is None:
        return waiting
    open_q = Q(state=BallotState.OPEN, opens_on__lte=today, closes_on__gte=today)
    voted = AppraisalVoter.objects.filter(person=person, appraisal_id=OuterRef("appraisal_id"))
    waiting.own = list(
        Appraisee.objects.filter(person=person)
        .annotate(voted=Exists(voted))
        .select_related("appraisal__node")
        .order_by("-appraisal__year")[:10]
    )
    waiting.appraisals = [a.appraisal for a in waiting.own if a.appraisal.is_open_on(today) and not a.voted]
    paths = [
        p for p in periods_on(today).filter(person=person).values_list("node__path", flat=True) if person.is_member
    ]
    node_path = person.node.path if person.node_id else None

    def covers(node_path_of_ballot: str, staff: bool) -> bool:
        if any(p.startswith(node_path_of_ballot) for p in paths):
            return True
        return staff and node_path is not None and node_path.startswith(node_path_of_ballot)

    answered = Exists(SurveyRespondent.objects.filter(person=person, survey_id=OuterRef("pk")))
    for s in (
        Survey.objects.filter(open_q).exclude(audience=Audience.PAPER).exclude(answered).select_related("node")[:200]
    ):
        if covers(s.node.path, s.audience == Audience.STAFF):
            waiting.surveys.append(s)
    graded = Exists(ReportVoter.objects.filter(person=person, report_id=OuterRef("pk")))
    own = Report.objects.filter(open_q).exclude(graded).exclude(reporter=person)  # not one's own report
    for r in own.select_related("node", "reporter")[:200]:
        if covers(r.node.path, False):
            waiting.reports.append(r)
    return waiting


# --- results --------------------------------------------------------------------------------------------------------


def _summed(counters: QuerySet, *key: str):
    """(key…, ballots) per counter key: the shards of each counter summed in the database, portal and paper."""
    return counters.order_by().values_list(*key).annotate(n=Sum(F("portal") + F("paper"))).values_list(*key, "n")


def _score(pairs) -> Decimal | None:
    """The weighted mean of (count, weight) pairs, weights None not counted; None without any counted answer."""
    counted = [(n, w) for n, w in pairs if w is not None and n]
    total = sum(n for n, _w in counted)
    if not total:
        return None
    return (sum(Decimal(n) * Decimal(w) for n, w in counted) / total).quantize(HUNDREDTH, ROUND_HALF_UP)


@dataclass
class MemberResult:
    appraisee: Appraisee
    counts: dict[str, int]  # grade → ballots (portal and paper)

    @property
    def row(self) -> list[int]:
        return [self.counts.get(g, 0) for g in GRADE_VALUES]


@dataclass
class AppraisalResults:
    voters: int  # portal voters and paper ballots returned
    min_voters: int
    members: list[MemberResult]

    @property
    def shown(self) -> bool:
        return self.voters >= self.min_voters


def appraisal_results(appraisal: Appraisal, *, min_voters: int | None = None) -> AppraisalResults:
    """Per member appraised, the ballots of each grade; the counts are left out below the fewest voters.
    Four queries whatever the size of the branch."""
    if min_voters is None:
        min_voters = min_voters_for(appraisal.node)
    voters = AppraisalVoter.objects.filter(appraisal=appraisal).count() + appraisal.paper_returned
    appraisees = list(
        Appraisee.objects.filter(appraisal=appraisal)
        .select_related("person")
        .only(*APPRAISEE_FIELDS, "person__name")  # not the 30 fields of each person: a 300-member branch
        .order_by("person__name", "pk")
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if voters >= min_voters:
        for pk, grade, n in _summed(
            AppraisalCount.objects.filter(appraisee__appraisal=appraisal), "appraisee_id", "grade"
        ):
            counts[pk][grade] = n
    return AppraisalResults(voters, min_voters, [MemberResult(a, counts.get(a.pk, {})) for a in appraisees])


@dataclass
class QuestionResult:
    text: str
    counts: list[int]  # per option, in the options' order
    score: Decimal | None


@dataclass
class SurveyResults:
    respondents: int
    min_voters: int
    options: list
    questions: list[QuestionResult]
    score: Decimal | None

    @property
    def shown(self) -> bool:
        return self.respondents >= self.min_voters


def survey_results(survey: Survey, *, min_voters: int | None = None) -> SurveyResults:
    """Per question, the answers of each option and the weighted score; overall, the weighted score of every counted
    answer. Nothing below the fewest respondents. Four queries whatever the number of answers."""
    if min_voters is None:
        min_voters = min_voters_for(survey.node)
    respondents = SurveyRespondent.objects.filter(survey=survey).count() + survey.paper_returned
    options = list(survey.options.all())
    weights = {o.pk: o.weight for o in options}
    questions = list(survey.questions.all())
    by_question: dict[int, dict[int, int]] = defaultdict(dict)
    if respondents >= min_voters:
        for q, o, n in _summed(SurveyCount.objects.filter(question__survey=survey), "question_id", "option_id"):
            by_question[q][o] = n
    results = []
    for q in questions:
        counts = [by_question[q.pk].get(o.pk, 0) for o in options]
        results.append(QuestionResult(q.text, counts, _score(zip(counts, (o.weight for o in options), strict=True))))
    overall = _score((n, weights[o]) for q in by_question.values() for o, n in q.items())
    return SurveyResults(respondents, min_voters, options, results, overall if respondents >= min_voters else None)


@dataclass
class ReportResult:
    voters: int
    min_voters: int
    counts: dict[str, int]
    score: Decimal | None

    @property
    def shown(self) -> bool:
        return self.voters >= self.min_voters


def report_result(report: Report) -> ReportResult:
    policy = policy_of_path(report.node.path, policies_by_path())
    voters = ReportVoter.objects.filter(report=report).count() + report.paper_returned
    counts = {}
    if voters >= policy.min_voters:
        counts = dict(_summed(report.counts.all(), "grade"))
    points = policy.report_points()
    score = _score((counts.get(g, 0), points[g]) for g in ReportGrade.values) if counts else None
    return ReportResult(voters, policy.min_voters, counts, score)


# --- assessment components ------------------------------------------------------------------------------------------


def report_scores(*, node_ids, year: int) -> dict[int, Decimal]:
    """述职评议 per organisation: the report's grades weighted by the policy's points (0–100), for reports whose
    voting is closed with at least the fewest voters. Three queries."""
    policies = policies_by_path()
    reports = list(
        Report.objects.filter(node_id__in=list(node_ids), year=year, state=BallotState.CLOSED)
        .annotate(voted=Count("voters"))
        .values_list("pk", "node_id", "node__path", "voted", "paper_returned")
    )
    kept = {}
    for pk, node_id, path, voted, paper in reports:
        policy = policy_of_path(path, policies)
        if voted + paper >= policy.min_voters:
            kept[pk] = (node_id, policy.report_points())
    counts: dict[int, list] = defaultdict(list)
    for report_id, grade, portal, paper in ReportCount.objects.filter(report_id__in=list(kept)).values_list(
        "report_id", "grade", "portal", "paper"
    ):
        counts[report_id].append((portal + paper, kept[report_id][1][grade]))
    scores = {kept[pk][0]: _score(pairs) for pk, pairs in counts.items()}
    return {node_id: s for node_id, s in scores.items() if s is not None}


def survey_scores(*, node_ids, year: int) -> dict[int, Decimal]:
    """民主测评 / satisfaction per organisation: the weighted score of every counted answer of its closed surveys of
    the year that reached the fewest respondents. Three queries."""
    policies = policies_by_path()
    surveys = list(
        Survey.objects.filter(node_id__in=list(node_ids), year=year, state=BallotState.CLOSED)
        .annotate(answered=Count("respondents"))
        .values_list("pk", "node_id", "node__path", "answered", "paper_returned")
    )
    kept = {
        pk: node_id
        for pk, node_id, path, answered, paper in surveys
        if answered + paper >= policy_of_path(path, policies).min_voters
    }
    pairs: dict[int, list] = defaultdict(list)
    for survey_id, portal, paper, weight in SurveyCount.objects.filter(question__survey_id__in=list(kept)).values_list(
        "question__survey_id", "portal", "paper", "option__weight"
    ):
        pairs[kept[survey_id]].append((portal + paper, weight))
    scores = {node_id: _score(p) for node_id, p in pairs.items()}
    return {node_id: s for node_id, s in scores.items() if s is not None}
