"""Reads of development cases, restricted to what the user may see, and the facts the plan calculator needs."""

from __future__ import annotations

import datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from apps.audit.services import access_denied_note
from apps.disclosure.models import Notice
from apps.membership.selectors import members_on
from apps.organisations.choices import APPROVE, VIEW_SCOPE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import restrict
from apps.people.choices import PENALTIES_WITHOUT_VOTE, PoliticalStatus
from apps.people.models import Penalty
from apps.workdays.selectors import calendar_load

from .models import CasePerson, CaseRole, CaseWarning, CommitteeRuleSet, DevelopmentCase, RuleSet, StepRecord
from .plan import Facts, Plan, PublicityFacts, VoteCounts, compute_plan
from .rules import Rules
from .steps import ARCHIVE_DOCUMENT_FOR_STEP, KIND_BY_CODE, OPEN_STAGES, STEPS, Stage


def _own_or_helper(user) -> Q:
    """A person sees their own cases; training contacts and sponsors the cases they are responsible for.
    (An EXISTS, not a join: no duplicate rows, no DISTINCT.)"""
    helping = CasePerson.objects.filter(case=OuterRef("pk"), person__user_id=user.pk, until__isnull=True)
    return Q(person__user_id=user.pk) | Q(Exists(helping))


def case_list_for(*, user) -> QuerySet[DevelopmentCase]:
    qs = DevelopmentCase.objects.select_related("person", "branch", "rule_set")
    return restrict(qs, user=user, perm=VIEW_SCOPE, path_field="branch__path", own=_own_or_helper(user))


def with_warning_count(qs: QuerySet[DevelopmentCase]) -> QuerySet[DevelopmentCase]:
    counts = (
        CaseWarning.objects.filter(case=OuterRef("pk")).order_by().values("case").annotate(n=Count("pk")).values("n")
    )
    return qs.annotate(warning_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


def _records() -> Prefetch:
    return Prefetch(
        "records",
        queryset=StepRecord.objects.select_related("vote", "entered_by__person")
        .prefetch_related("documents")
        .order_by("on", "id"),
    )


def _helpers() -> Prefetch:
    return Prefetch("helpers", queryset=CasePerson.objects.select_related("person").order_by("since"))


def case_prefetched(qs: QuerySet[DevelopmentCase]) -> QuerySet[DevelopmentCase]:
    """Everything the plan needs, in a fixed number of queries however many cases or steps."""
    return qs.select_related("person", "branch", "rule_set").prefetch_related(
        _records(),
        "warnings",
        _helpers(),
        Prefetch("notices", queryset=Notice.objects.prefetch_related("objections")),
    )


def case_prefetched_for_plan(qs: QuerySet[DevelopmentCase]) -> QuerySet[DevelopmentCase]:
    """Only what the plan needs, for sweeps over thousands of cases (the compliance audit): the records with their
    vote and whether a document is attached (an EXISTS, not the documents), the helpers, the notices with their
    objections. ``case_facts`` reads these as it reads ``case_prefetched``."""
    has_documents = Exists(StepRecord.documents.through.objects.filter(steprecord_id=OuterRef("pk")))
    return qs.select_related("person", "branch", "rule_set").prefetch_related(
        Prefetch(
            "records",
            queryset=StepRecord.objects.select_related("vote")
            .annotate(has_documents=has_documents)
            .order_by("on", "id"),
        ),
        Prefetch("helpers", queryset=CasePerson.objects.order_by("since")),
        Prefetch("notices", queryset=Notice.objects.prefetch_related("objections")),
    )


def case_reload_records(case: DevelopmentCase, *, helpers: bool = False) -> None:
    """Read a prefetched case's records again (and its training contacts and sponsors), after new ones were written
    in the same transaction; the rest of what ``case_prefetched`` read is kept (two or three queries, not six)."""
    cache = getattr(case, "_prefetched_objects_cache", {})  # Django's own cache of prefetched relations
    cache.pop("records", None)
    if helpers:
        cache.pop("helpers", None)
    prefetch_related_objects([case], _records(), *([_helpers()] if helpers else []))


def case_get_for(*, user, pk, request=None) -> DevelopmentCase:
    case = case_prefetched(case_list_for(user=user)).filter(pk=pk).first()
    if case is None:
        denied = DevelopmentCase.objects.select_related("branch").filter(pk=pk).first() if str(pk).isdigit() else None
        if denied is not None:
            access_denied_note(actor=user, target=denied, node=denied.branch, request=request)
        raise Http404
    return case


def committee_for(node: OrgNode) -> OrgNode | None:
    from apps.organisations.selectors import committee_of

    return committee_of(node)


def rule_set_for(node: OrgNode) -> RuleSet:
    """The rule set the node's base committee follows, or the default edition."""
    committee = committee_for(node)
    choice = CommitteeRuleSet.objects.select_related("rule_set").filter(committee=committee).first()
    if choice is not None:
        return choice.rule_set
    rule_set = RuleSet.objects.filter(is_default=True).first()
    if rule_set is None:
        raise RuleSet.DoesNotExist("No default rule set: load the editions (migration lifecycle 0002).")
    return rule_set


# Where a record was entered when another app holds its context (a vote taken in a branch general meeting of
# organisational life): that app registers ``fn(record ids) -> {record id: (label, url)}`` at AppConfig.ready, so the
# case page links to it without this app importing it.
_RECORD_ORIGINS: list = []


def register_record_origin(origin) -> None:
    if origin not in _RECORD_ORIGINS:
        _RECORD_ORIGINS.append(origin)


def record_origins(record_ids: list[int]) -> dict[int, tuple[str, str]]:
    """{record id: (label, url)} of the records entered in another app's context (one query per registered app)."""
    found: dict[int, tuple[str, str]] = {}
    for origin in _RECORD_ORIGINS if record_ids else ():
        found.update(origin(record_ids))
    return found


def voters_due(*, branch: OrgNode, on: datetime.date) -> int:
    """Full members on the branch's roll on that date — members who have left since still counted, people admitted
    later not — minus those without a vote (留党察看); probationary members have no vote (§20)."""
    members = members_on(branch, on, statuses=(PoliticalStatus.FULL,))
    without_vote = Penalty.objects.filter(
        person__in=members, kind__in=PENALTIES_WITHOUT_VOTE, effective_from__lte=on
    ).filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on))
    return members.count() - without_vote.values("person").distinct().count()


def case_facts(case: DevelopmentCase, *, today: datetime.date) -> Facts:
    """The facts of a prefetched case, as the plan calculator reads them."""
    facts = Facts(birth_date=case.person.birth_date, departure_on=case.departure_on, today=today)
    for record in case.records.all():
        kind = KIND_BY_CODE.get(record.step)
        if record.step == "probation_extended":
            facts.extensions.append(record.months or 0)
        elif record.step == "conversion_postponed":
            facts.postponed_months += record.months or 0
        elif kind is not None and kind.repeated:
            facts.repeated.setdefault(record.step, []).append(record.on)
        elif kind is not None and kind.in_plan:
            facts.steps.setdefault(record.step, record.on)
        vote = getattr(record, "vote", None)
        if vote is not None and record.step in ("admission_meeting", "conversion_meeting"):
            facts.votes[record.step] = VoteCounts(
                vote.due, vote.present, vote.yes, vote.no, vote.abstain, vote.written_yes, vote.written_no
            )
        if record.step == "training_completed":
            facts.training_days = float(record.training_days or 0)
            facts.training_hours = float(record.training_hours or 0)
        if record.step == "admission_approved":
            facts.approved_by_committee = record.body == "base_committee"
    facts.missing_documents = [
        r.step for r in case.records.all() if r.step in ARCHIVE_DOCUMENT_FOR_STEP and not _has_documents(r)
    ]
    helpers = [h for h in case.helpers.all() if h.until is None]
    if "contacts_assigned" in facts.steps:
        facts.contacts = sum(h.role == CaseRole.CONTACT for h in helpers)
    if "sponsors_assigned" in facts.steps:
        facts.sponsors = sum(h.role == CaseRole.SPONSOR for h in helpers)
    for notice in case.notices.all():
        objections = list(notice.objections.all())
        facts.publicity[notice.step] = PublicityFacts(
            opened_on=notice.opens_on,
            closes_on=notice.closes_on,
            objections_open=sum(o.is_open for o in objections),
        )
    return facts


def _has_documents(record: StepRecord) -> bool:
    """From the annotation of ``case_prefetched_for_plan`` where present, else from the prefetched documents."""
    known = getattr(record, "has_documents", None)
    return bool(record.documents.all()) if known is None else known


def case_plan(case: DevelopmentCase, *, today: datetime.date, calendar=None) -> Plan:
    facts = case_facts(case, today=today)
    calendar = calendar or calendar_load(start=case.opened_on - datetime.timedelta(days=1))
    return compute_plan(rules=Rules.from_model(case.rule_set), facts=facts, calendar=calendar)


def pipeline_for(*, user, node: OrgNode | None = None) -> QuerySet[DevelopmentCase]:
    """Open cases of the subtrees the user may view (optionally under one node), for the pipeline.

    The scope only, not ``case_list_for``'s own and accompanied cases (those have their own page): with that OR,
    PostgreSQL joined every open case with every person before it looked at the subtree (75 ms for a committee of
    1,000 open cases among 50,000 people, growing with the whole database)."""
    from .steps import OPEN_STAGES

    qs = restrict(
        DevelopmentCase.objects.filter(stage__in=OPEN_STAGES), user=user, perm=VIEW_SCOPE, path_field="branch__path"
    )
    if node is not None:
        qs = qs.filter(branch__path__startswith=node.path)
    # only what the list shows: hundreds of rows, so no full person, branch or rule set rows
    qs = qs.select_related(None).select_related("person", "branch")
    qs = qs.only("pk", "stage", "next_due_on", "next_due_step", "next_due_is_limit", "person__name", "branch__name")
    return qs.order_by("stage", "next_due_on", "person__name")


def pipeline_counts(cases: QuerySet[DevelopmentCase], *, today: datetime.date, by: tuple[str, ...] = ("stage",)):
    """Open cases and overdue ones (a limit passed before ``today``) grouped by ``by``: rows of ``by``'s values and
    ``n``, ``overdue``. The pipeline page's counts and the development statistics report both read them here."""
    return list(
        cases.order_by()
        .values(*by)
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(next_due_on__lt=today, next_due_is_limit=True)),
        )
        .order_by(*by)
    )


def helper_cases_for(*, user) -> QuerySet[DevelopmentCase]:
    """Cases the user accompanies as a training contact or sponsor."""
    return (
        DevelopmentCase.objects.filter(helpers__person__user_id=user.pk, helpers__until__isnull=True)
        .select_related("person", "branch")
        .distinct()
    )


def branches_for_cases(*, user) -> QuerySet[OrgNode]:
    return restrict(OrgNode.objects.filter(kind=NodeKind.BRANCH), user=user, perm=VIEW_SCOPE, path_field="path")


# --- the committee's queues and to-do ------------------------------------------------------------------------------


def _has(step: str) -> Exists:
    return Exists(StepRecord.objects.filter(case=OuterRef("pk"), step=step))


def with_queue_flags(qs: QuerySet[DevelopmentCase]) -> QuerySet[DevelopmentCase]:
    """The flags ``QUEUES`` filter on: which of the committee's steps and the steps before them are recorded."""
    return qs.annotate(
        has_activist_filed=_has("activist_filed"),
        has_committee_review=_has("committee_review"),
        has_prereview=_has("prereview_passed"),
        has_meeting=_has("admission_meeting"),
        has_approval=_has("admission_approved"),
        has_conversion_meeting=_has("conversion_meeting"),
        has_conversion_approval=_has("conversion_approved"),
    )


# The committee's work queues (over ``with_queue_flags``): what waits for a filing, a pre-review or an approval.
QUEUES = {
    "activist_filing": (_("Activist filing"), Q(stage=Stage.ACTIVIST) & ~Q(has_activist_filed=True)),
    "prereview": (_("Pre-review"), Q(stage=Stage.CANDIDATE, has_committee_review=True, has_prereview=False)),
    "admission_approval": (_("Admission approval"), Q(stage=Stage.CANDIDATE, has_meeting=True, has_approval=False)),
    "conversion_approval": (
        _("Conversion approval"),
        Q(stage=Stage.PROBATIONARY, has_conversion_meeting=True, has_conversion_approval=False),
    ),
}
# Steps of the plan that the base committee records (``Step.recorders``: approve), the publicity windows aside.
COMMITTEE_STEPS = tuple(s.code for s in STEPS if APPROVE in s.recorders and not s.automatic)


def committee_cases_for(*, user) -> QuerySet[DevelopmentCase]:
    """The open cases waiting for the committee's filing, review or approval where the user records them (approve
    over the case's branch): those in a committee queue and those whose next step is the committee's."""
    waiting = Q(next_due_step__in=COMMITTEE_STEPS)
    for _label, q in QUEUES.values():
        waiting |= q
    qs = restrict(
        DevelopmentCase.objects.filter(stage__in=OPEN_STAGES), user=user, perm=APPROVE, path_field="branch__path"
    )
    return with_queue_flags(qs).filter(waiting)


def committee_todo_for(*, user, limit: int = 20) -> tuple[list[DevelopmentCase], int]:
    """Open cases waiting for the committee's filing, review or approval where the user records them (approve over
    the case's branch): those in a committee queue and those whose next step is the committee's. Each case carries
    ``queue`` (the key of its queue, or ""); nearest date first; and how many there are. One query."""
    qs = committee_cases_for(user=user).select_related("person", "branch")
    queue = Case(*(When(q, then=Value(key)) for key, (_label, q) in QUEUES.items()), default=Value(""))
    qs = qs.annotate(queue=queue, waiting=Window(Count("pk"))).order_by(F("next_due_on").asc(nulls_last=True), "pk")
    found = list(qs[:limit])
    return found, found[0].waiting if found else 0
