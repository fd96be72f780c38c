"""The reports of the apps below reports (membership and people, lifecycle, disclosure, audit), declared here
(ADR 15). Each reads through the selector its page uses, restricted to the runner's subtree there."""

from __future__ import annotations

import datetime
import functools
from collections import Counter

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.actions import ACTION_LABELS
from apps.audit.models import AuditEntry
from apps.disclosure.models import NoticeVersion
from apps.lifecycle.selectors import pipeline_counts, pipeline_for
from apps.lifecycle.steps import STEP_CHOICES, Stage
from apps.membership.choices import PeriodEnd, PeriodStart
from apps.membership.selectors import members_on_for, roll_changes_for
from apps.organisations.choices import VIEW_AUDIT, VIEW_SCOPE, VIEW_SENSITIVE, NodeKind
from apps.organisations.models import OrgNode
from apps.organisations.permissions import has_any_scope, restrict, scope_paths
from apps.people.choices import MEMBER_STATUSES, Education, Gender, LeftHow, Occupation, PoliticalStatus
from apps.people.selectors import person_list_for

from .catalogue import Column, Report, Table, register
from .forms import OptionalYearForm, PeriodForm, RosterForm, YearForm

MASK = "***"

# --- 党员花名册: the roster in the layout of the national register's basic information --------------------------

ROSTER_COLUMNS = [
    Column("name", gettext_lazy("Name"), 12),
    Column("gender", gettext_lazy("Gender"), 6),
    Column("ethnicity", gettext_lazy("Ethnicity"), 8),
    Column("id_number", gettext_lazy("Citizen ID number"), 21, "code"),
    Column("birth_date", gettext_lazy("Date of birth"), 12, "date"),
    Column("education", gettext_lazy("Education"), 12),
    Column("category", gettext_lazy("Personnel category"), 10),
    Column("branch", gettext_lazy("Party branch"), 20),
    Column("group", gettext_lazy("Party group"), 16),
    Column("joined_on", gettext_lazy("Date of joining the Party"), 12, "date"),
    Column("full_member_on", gettext_lazy("Date of conversion"), 12, "date"),
    Column("job_title", gettext_lazy("Job"), 10),
    Column("occupation", gettext_lazy("Occupation"), 14),
    Column("phone", gettext_lazy("Phone"), 13, "code"),
    Column("home_address", gettext_lazy("Home address"), 20),
    Column("status", gettext_lazy("Membership status"), 10),
]
ROSTER_FIELDS = [c.key for c in ROSTER_COLUMNS]
SENSITIVE = ("id_number", "home_address")


def roster_people(user):
    """The members on the roll of the user's subtree: the people page's selector, members only."""
    return (
        person_list_for(user=user)
        .filter(is_active=True, political_status__in=MEMBER_STATUSES)
        .order_by("node__path", "name", "id")
    )


def _may_exchange(user) -> bool:
    """The right to see sensitive data over every organisation the user sees."""
    seen, sensitive = scope_paths(user, VIEW_SCOPE), scope_paths(user, VIEW_SENSITIVE)
    if sensitive is None:
        return True
    if seen is None:
        return False
    return bool(seen) and all(any(path.startswith(root) for root in sensitive) for path in seen)


def _label(choices, value) -> str:
    """The choice's label in the active language (the labels of each choice class read once per language)."""
    return _labels(choices, translation.get_language()).get(value, value or "")


@functools.cache
def _labels(choices, language) -> dict:
    return {value: str(label) for value, label in choices.choices}


# what ``roster_row`` reads of a person (the rest of the record is left in the database)
ROSTER_READS = (
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "political_status",
    "node__name",
    "node__kind",
    "node__path",
    "joined_on",
    "full_member_on",
    "job_title",
    "occupation",
    "phone",
    "home_address",
    "left_how",
)


def roster_labels() -> tuple:
    """The labels a roster row shows, in the active language: looked up once per table, not once per cell."""
    language = translation.get_language()
    return (
        _labels(Gender, language),
        _labels(Education, language),
        _labels(PoliticalStatus, language),
        _labels(Occupation, language),
        _labels(LeftHow, language),
        _("On the roll"),
    )


def branch_names() -> dict[str, str]:
    """The name of every organisation above a Party group, by path (one query): the branch of a group's members."""
    return dict(OrgNode.objects.exclude(kind=NodeKind.GROUP).values_list("path", "name"))


def _branch_and_group(node, branches: dict[str, str] | None) -> tuple[str, str]:
    """The register's 所在党支部 of a person on ``node``, and their Party group if they are in one."""
    if node.kind != NodeKind.GROUP:
        return node.name, ""
    above = node.path[: -OrgNode.steplen]
    if branches is None or above not in branches:
        return OrgNode.objects.filter(path=above).values_list("name", flat=True).first() or "", node.name
    return branches[above], node.name


def roster_row(person, *, masked: bool, labels: tuple | None = None, branches: dict[str, str] | None = None) -> tuple:
    gender, education, standing, occupation, left_how, on_roll = labels or roster_labels()
    branch, group = _branch_and_group(person.node, branches)
    return (
        person.name,
        gender.get(person.gender, person.gender),
        person.ethnicity,
        MASK if masked and person.id_number else person.id_number,
        person.birth_date,
        education.get(person.education, person.education),
        standing.get(person.political_status, person.political_status),
        branch,
        group,
        person.joined_on,
        person.full_member_on,
        person.job_title,
        occupation.get(person.occupation, person.occupation),
        person.phone,
        MASK if masked and person.home_address else person.home_address,
        left_how.get(person.left_how, person.left_how) if person.left_how else on_roll,
    )


def roster_table(*, user, params, today) -> Table:
    exchange = bool(params.get("exchange"))
    if exchange and not _may_exchange(user):
        raise ValidationError(
            _("An export for exchange needs the right to see sensitive data over all your organisations.")
        )
    people = roster_people(user).select_related("node").only(*ROSTER_READS)
    count = people.count()
    labels, branches = roster_labels(), branch_names()
    rows = (
        roster_row(p, masked=not exchange, labels=labels, branches=branches) for p in people.iterator(chunk_size=2000)
    )
    note = "" if exchange else _("ID numbers and addresses are masked: this file cannot be imported again.")
    marking = _("Confidential: ID numbers and home addresses in full") if exchange else ""
    return Table(
        count=count,
        rows=rows,
        totals={"members": count},
        note=note,
        marking=marking,
        organisation=_organisation(user),
        caption=_("Members on the roll on %(day)s") % {"day": today.isoformat()},
    )


def _organisation(user) -> str:
    paths = scope_paths(user, VIEW_SCOPE)
    if paths is None:
        root = OrgNode.objects.filter(depth=1).order_by("path").first()
        return root.name if root else ""
    names = list(OrgNode.objects.filter(path__in=paths).order_by("path").values_list("name", flat=True)[:3])
    return "、".join(names)


register(
    Report(
        name="roster",
        title=gettext_lazy("Roster of Party members"),
        form=RosterForm,
        columns=lambda params: ROSTER_COLUMNS,
        rows=roster_table,
        description=gettext_lazy(
            "The members on the roll of your organisations, in the layout of the national register's basic information."
        ),
    )
)


# --- 发展党员工作统计: the pipeline by branch, stage and next step, on time and overdue -----------------------------

STEP_LABELS = dict(STEP_CHOICES)


def development_table(*, user, params, today) -> Table:
    cases = pipeline_for(user=user)
    if params.get("year"):
        cases = cases.filter(opened_on__year=params["year"])
    by = ("branch__path", "branch__name", "stage", "next_due_step")
    counts = pipeline_counts(cases, today=today, by=by)
    stages = {s.value: str(s.label) for s in Stage}
    rows = [
        (
            row["branch__name"],
            stages.get(row["stage"], row["stage"]),
            str(STEP_LABELS.get(row["next_due_step"], row["next_due_step"] or "")),
            row["n"],
            row["n"] - row["overdue"],
            row["overdue"],
        )
        for row in counts
    ]
    total = sum(r["n"] for r in counts)
    overdue = sum(r["overdue"] for r in counts)
    rows.append((_("Total"), "", "", total, total - overdue, overdue))
    return Table(
        count=len(rows),
        rows=rows,
        totals={"open": total, "overdue": overdue},
        organisation=_organisation(user),
        caption=_("Cases open on %(day)s, on time or overdue by the deadlines of their rule sets")
        % {"day": today.isoformat()},
    )


register(
    Report(
        name="development_stats",
        title=gettext_lazy("Party member development statistics"),
        form=OptionalYearForm,
        columns=lambda params: [
            Column("branch", gettext_lazy("Party branch"), 26),
            Column("stage", gettext_lazy("Stage"), 14),
            Column("step", gettext_lazy("Next step"), 30),
            Column("open", gettext_lazy("Open cases"), 10, "int"),
            Column("on_time", gettext_lazy("On time"), 10, "int"),
            Column("overdue", gettext_lazy("Overdue"), 10, "int"),
        ],
        rows=development_table,
        description=gettext_lazy("Open development cases by branch, stage and next step, on time and overdue."),
    )
)


# --- membership structure, in the shape of the annual Party statistics -------------------------------------------

HAN = "汉族"  # the ethnicity as recorded (the value, not a label): first, the others by number
AGE_BANDS = [(0, 30), (31, 35), (36, 40), (41, 45), (46, 50), (51, 55), (56, 60), (61, 200)]


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _standing_on(day: datetime.date, status: str, joined, full) -> str:
    """A member's standing on ``day`` (``membership.selectors.status_q`` in Python): full from the conversion, else
    probationary; a member whose dates were never recorded has their current standing."""
    if full is not None:
        return PoliticalStatus.FULL if full <= day else PoliticalStatus.PROBATIONARY
    return status


def _band(age: int) -> str:
    for low, high in AGE_BANDS:
        if low <= age <= high:
            if low == 0:
                return _("30 and under")
            if high == 200:
                return _("61 and over")
            return f"{low}–{high}"
    return ""


def _in_order(counter: Counter, order: list[str], unknown: str) -> list[tuple[str, int]]:
    """The values of a dimension in the statistics' order (``order``; what is not in it by count), "not recorded"
    last: a table to compare year with year, not a ranking."""
    place = {value: i for i, value in enumerate(order)}
    return sorted(
        counter.items(),
        key=lambda kv: (kv[0] == unknown, place.get(kv[0], len(place)), -kv[1] if kv[0] not in place else 0, kv[0]),
    )


def structure_table(*, user, params, today) -> Table:
    """Members on the roll of the user's organisations on the last day of the year, or today in the current year (the
    membership page's roll on that day, ``membership.selectors.members_on_for``) by gender, ethnicity, age band,
    education, occupation and standing on that day, each in its order; then who came onto and went off the roll of the
    user's organisations in the year, by how (the membership history, ``membership.selectors.roll_changes_for``)."""
    year = params["year"]
    end = min(today, datetime.date(year, 12, 31))
    values = [
        (gender, ethnicity, birth, education, occupation, _standing_on(end, status, joined, full))
        for gender, ethnicity, birth, education, occupation, status, joined, full in members_on_for(
            user=user, day=end
        ).values_list(
            "gender",
            "ethnicity",
            "birth_date",
            "education",
            "occupation",
            "political_status",
            "joined_on",
            "full_member_on",
        )
    ]
    total = len(values)
    unknown = _("Not recorded")
    language = translation.get_language()

    def labels(choices) -> list[str]:
        return list(_labels(choices, language).values())

    bands = [_band(high) for _low, high in AGE_BANDS]
    dims = [
        (_("Gender"), Counter(_label(Gender, v[0]) or unknown for v in values), labels(Gender)),
        (_("Ethnicity"), Counter(v[1] or unknown for v in values), [HAN]),
        (_("Age"), Counter(_band(_age(v[2], end)) if v[2] and v[2] <= end else unknown for v in values), bands),
        (_("Education"), Counter(_label(Education, v[3]) or unknown for v in values), labels(Education)),
        (_("Occupation"), Counter(_label(Occupation, v[4]) or unknown for v in values), labels(Occupation)),
        (_("Party standing"), Counter(_label(PoliticalStatus, v[5]) for v in values), labels(PoliticalStatus)),
    ]
    rows = [(_("Members on the roll"), "", total, 100.0)]
    for name, counter, order in dims:
        for value, n in _in_order(counter, order, unknown):
            rows.append((name, value, n, round(100 * n / total, 1) if total else 0.0))
    changes = roll_changes_for(user=user, since=datetime.date(year, 1, 1), until=datetime.date(year, 12, 31))
    for name, counts, choices in (
        (_("Came onto the roll in the year"), changes.joined, PeriodStart),
        (_("Left in the year"), changes.left, PeriodEnd),
    ):
        rows.append((name, _("Total"), sum(counts.values()), None))
        for code, label in choices.choices:
            if counts.get(code):
                rows.append((name, str(label), counts[code], None))
    return Table(
        count=len(rows),
        rows=rows,
        totals={"members": total, "joined": sum(changes.joined.values()), "left": sum(changes.left.values())},
        organisation=_organisation(user),
        caption=_("Members on the roll on %(day)s; who came onto and went off it in %(year)s")
        % {"day": end.isoformat(), "year": year},
    )


register(
    Report(
        name="membership_structure",
        title=gettext_lazy("Membership structure"),
        form=YearForm,
        columns=lambda params: [
            Column("dimension", gettext_lazy("By"), 16),
            Column("value", gettext_lazy("Value"), 30),
            Column("n", gettext_lazy("Members"), 10, "int"),
            Column("share", gettext_lazy("Share (%)"), 10, "number"),
        ],
        rows=structure_table,
        description=gettext_lazy(
            "Members by gender, ethnicity, age band, education, occupation and Party standing; who joined and who "
            "left the roll in the year, by how."
        ),
    )
)


# --- the disclosure archive register ------------------------------------------------------------------------------


def archive_versions(user, since: datetime.date, until: datetime.date):
    versions = NoticeVersion.objects.filter(published_at__date__gte=since, published_at__date__lte=until)
    return restrict(versions, user=user, perm=VIEW_SCOPE, path_field="notice__node__path")


def archive_table(*, user, params, today) -> Table:
    versions = (
        archive_versions(user, params["since"], params["until"])
        .select_related("notice__node", "published_by")
        .order_by("published_at", "pk")
    )
    count = versions.count()
    rows = (
        (
            v.notice_id,
            v.number,
            v.title,
            v.notice.node.name,
            v.opens_on,
            v.closes_on,
            v.published_at.date(),
            str(v.published_by or ""),
            v.hash,
        )
        for v in versions.iterator(chunk_size=1000)
    )
    return Table(count=count, rows=rows, totals={"versions": count}, organisation=_organisation(user))


register(
    Report(
        name="disclosure_archive",
        title=gettext_lazy("Register of the disclosure archive"),
        form=PeriodForm,
        columns=lambda params: [
            Column("notice", gettext_lazy("Notice"), 8, "int"),
            Column("version", gettext_lazy("Version"), 8, "int"),
            Column("title", gettext_lazy("Title"), 40),
            Column("node", gettext_lazy("Organisation"), 24),
            Column("opens_on", gettext_lazy("Opens on"), 12, "date"),
            Column("closes_on", gettext_lazy("Closes on"), 12, "date"),
            Column("published", gettext_lazy("Published on"), 12, "date"),
            Column("by", gettext_lazy("Published by"), 14),
            Column("hash", gettext_lazy("SHA-256"), 66),
        ],
        rows=archive_table,
        description=gettext_lazy("Every published version of a notice in the period, with its hash in the chain."),
    )
)


# --- an extract of the audit log ------------------------------------------------------------------------------------


def audit_entries(user, since: datetime.date, until: datetime.date):
    """The entries the admin's audit log shows the user (its scoped queryset), in the period."""
    entries = AuditEntry.objects.filter(at__date__gte=since, at__date__lte=until)
    return restrict(entries, user=user, perm=VIEW_AUDIT, path_field="node__path")


def audit_table(*, user, params, today) -> Table:
    entries = audit_entries(user, params["since"], params["until"]).select_related("node").order_by("at", "pk")
    count = entries.count()
    rows = (
        (
            timezone.localtime(e.at).replace(tzinfo=None),
            e.actor_repr,
            str(ACTION_LABELS.get(e.action, e.action)),
            e.target_repr,
            e.node.name if e.node_id else "",
            e.ip_address or "",
        )
        for e in entries.iterator(chunk_size=2000)
    )
    return Table(count=count, rows=rows, totals={"entries": count}, organisation=_organisation(user))


def _auditors(user) -> bool:
    return user.is_staff and has_any_scope(user, VIEW_AUDIT)


register(
    Report(
        name="audit_extract",
        title=gettext_lazy("Extract of the audit log"),
        form=PeriodForm,
        columns=lambda params: [
            Column("at", gettext_lazy("When"), 20, "datetime"),
            Column("actor", gettext_lazy("Who"), 16),
            Column("action", gettext_lazy("Action"), 28),
            Column("target", gettext_lazy("Target"), 36),
            Column("node", gettext_lazy("Organisation"), 24),
            Column("ip", gettext_lazy("IP address"), 16),
        ],
        rows=audit_table,
        allowed=_auditors,
        description=gettext_lazy("The entries of the audit log about your organisations in the period."),
    )
)
