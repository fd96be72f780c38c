"""What every committee of a run shares: the random source, the day, the rules, the calendar, the tables being
written, the archive chain's last hash and the running totals."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from apps.disclosure.chain import GENESIS
from apps.disclosure.models import Category, Notice, NoticeVersion, Objection
from apps.documents.models import Document
from apps.lifecycle.models import CasePerson, CaseWarning, DevelopmentCase, RuleSet, StepRecord, Vote
from apps.lifecycle.rules import Rules
from apps.lifecycle.steps import OPEN_STAGES
from apps.membership.models import MembershipPeriod
from apps.organisations.models import OrgNode, OrgPolicy, Post, PostTitle, Term
from apps.people.models import Person
from apps.workdays.selectors import calendar_load

from .tables import Table


@dataclass
class Totals:
    nodes: int = 0
    people: int = 0
    cases: Counter = field(default_factory=Counter)
    records: int = 0
    documents: int = 0
    notices: int = 0
    versions: int = 0
    warnings: int = 0

    def line(self) -> str:
        return (
            f"{self.nodes} organisations, {self.people} people, {sum(self.cases.values())} development cases "
            f"({sum(self.cases[s] for s in OPEN_STAGES)} open), {self.records} step records, {self.documents} "
            f"documents, {self.notices} notices, {self.versions} published versions, {self.warnings} case warnings"
        )


class Tables:
    """The tables the data set writes; those nothing points at let the database number their rows."""

    def __init__(self):
        self.node, self.person, self.case = Table(OrgNode), Table(Person), Table(DevelopmentCase)
        self.record, self.document, self.notice = Table(StepRecord), Table(Document), Table(Notice)
        self.policy, self.term = Table(OrgPolicy, own_ids=False), Table(Term, own_ids=False)
        self.post, self.vote = Table(Post, own_ids=False), Table(Vote, own_ids=False)
        self.helper, self.warning = Table(CasePerson, own_ids=False), Table(CaseWarning, own_ids=False)
        self.attached = Table(StepRecord.documents.through, own_ids=False)
        self.version, self.objection = Table(NoticeVersion, own_ids=False), Table(Objection, own_ids=False)
        self.period = Table(MembershipPeriod, own_ids=False)

    def all(self) -> list[Table]:
        return list(vars(self).values())

    def flush(self) -> None:
        for table in self.all():
            table.flush()


class Run:
    def __init__(self, *, seed: int, today: datetime.date, now: datetime.datetime):
        self.rng = random.Random(seed)
        self.today, self.now = today, now
        self.rule_set = RuleSet.objects.get(is_default=True)
        self.rules = Rules.from_model(self.rule_set)
        self.calendar = calendar_load()
        self.titles: dict[str, int] = dict(PostTitle.objects.values_list("code", "pk"))
        self.categories: dict[str, Category] = {c.code: c for c in Category.objects.all()}
        self.t = Tables()
        self.chain = GENESIS  # the hash of the last version published
        self.seq = 0  # people made so far: unique e-mail addresses and ID numbers
        self.totals = Totals()
        self.open_by_committee: dict[int, int] = {}
