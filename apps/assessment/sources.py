"""Indicator sources: the facts a data indicator is scored from, read from the records of the other apps.

A source is code (it knows its tables); a scheme's data indicator names it and says how its facts are scored
(``scored_as``: deduct per event, a bonus…). ``facts(nodes=…, year=…, as_of=…)`` returns, for each organisation that
*has data*, ``{"events": [{"key", "label", "url"}, …]}`` — one event per thing that costs (or earns) points, with a
key so that the same case counts once and a link to the record behind it. An organisation left out of the answer has
**no data** for the period (it does not record that activity here): the pages say so and the sheet cannot be
submitted, so a missing source is never read as zero events. Each source runs a number of queries that does not grow
with the number of organisations.

The sources of the apps below assessment (organisational life, the lifecycle, disclosure, reminders, dues) are
registered here; apps above assessment register theirs in their ``AppConfig.ready`` with :func:`register`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.disclosure.models import Cadence, Category, Notice, Objection, Scope
from apps.disclosure.selectors import BOARD_STATUSES
from apps.dues.arrears import deadline
from apps.dues.models import DuesMonth
from apps.dues.selectors import policy_on
from apps.lifecycle.compliance import NOT_VIOLATIONS
from apps.lifecycle.models import DevelopmentCase
from apps.lifecycle.steps import WarningCode
from apps.notifications.models import Reminder
from apps.organisations.choices import NodeKind
from apps.organisations.overview_cache import cached_fragment, data_versions, fragment_key, read_ahead, watch_tables
from apps.orglife.models import Meeting
from apps.orglife.selectors import compliance_reports

STEP = 4  # the tree's path step (django-treebeard's default)

Facts = dict[str, list[dict]]


@dataclass(frozen=True)
class IndicatorSource:
    code: str
    label: str  # translated
    definition: str  # translated: what an event is, which records, which period, when there is no data
    facts: Callable[..., dict[int, Facts]]  # (*, nodes, year, as_of) -> {node id: {"events": [...]}}
    # The table name prefixes the facts are read from: a committed write to any of them bumps the source's data
    # version, so that the facts cached for a page (``cached_facts_for``) are read again (ADR 4). Empty: never cached.
    tables: tuple[str, ...] = ()


_REGISTRY: dict[str, IndicatorSource] = {}


def _version_name(code: str) -> str:
    return f"assessment-source:{code}"


def register(source: IndicatorSource) -> IndicatorSource:
    _REGISTRY[source.code] = source
    if source.tables:
        watch_tables(_version_name(source.code), source.tables)
    return source


def get(code: str) -> IndicatorSource | None:
    return _REGISTRY.get(code)


def all_sources() -> list[IndicatorSource]:
    return list(_REGISTRY.values())


def source_choices() -> list[tuple[str, str]]:
    return [(s.code, s.label) for s in _REGISTRY.values()]


def facts_for(code: str, *, nodes: Sequence, year: int, as_of: datetime.date) -> dict[int, Facts]:
    source = _REGISTRY.get(code)
    return source.facts(nodes=list(nodes), year=year, as_of=as_of) if source and nodes else {}


def facts_by_source(codes: Sequence[str], *, nodes: Sequence, year: int, as_of: datetime.date) -> dict[str, dict]:
    """``{source code: facts_for(code, …)}``, read from the records."""
    return {code: facts_for(code, nodes=nodes, year=year, as_of=as_of) for code in codes}


def cached_facts_for(codes: Sequence[str], *, nodes: Sequence, year: int, as_of: datetime.date) -> dict[str, dict]:
    """``{source code: facts_for(code, …)}`` for a page: each source's facts cached under the data version of the
    tables it reads, the organisations, the year, the day and the language of its labels (ADR 4) — a write to those
    tables shows on the next request. Two cache round trips when warm; a source without tables is read every time."""
    nodes = list(nodes)
    out: dict[str, dict] = {}
    cacheable = [c for c in codes if (source := _REGISTRY.get(c)) is not None and source.tables and nodes]
    if cacheable:
        data_versions(*(_version_name(c) for c in cacheable))  # one round trip; the keys below reuse them
        parts = (year, as_of.isoformat(), translation.get_language(), ",".join(str(n.pk) for n in nodes))
        keys = {c: fragment_key("assessment-facts", (_version_name(c),), c, *parts) for c in cacheable}
        read_ahead(list(keys.values()))
        for code, key in keys.items():
            out[code] = cached_fragment(key, lambda code=code: facts_for(code, nodes=nodes, year=year, as_of=as_of))
    for code in codes:
        if code not in out:
            out[code] = facts_for(code, nodes=nodes, year=year, as_of=as_of)
    return out


def _common_root(nodes) -> str:
    paths = [n.path for n in nodes]
    prefix = paths[0]
    for path in paths[1:]:
        while not path.startswith(prefix):
            prefix = prefix[:-STEP]
    return prefix


def _owner(path: str, by_path: dict) -> list:
    """The assessed organisations whose subtree holds ``path`` (itself and its ancestors among them)."""
    return [by_path[path[:i]] for i in range(STEP, len(path) + 1, STEP) if path[:i] in by_path]


def _year_end(year: int, as_of: datetime.date) -> datetime.date:
    return min(as_of, datetime.date(year, 12, 31))


# --- organisational life: meetings held against meetings owed ---------------------------------------------------


def _orglife_facts(*, nodes, year, as_of):
    recording = set(Meeting.objects.filter(node__in=nodes).order_by().values_list("node_id", flat=True).distinct())
    reports = compliance_reports(nodes=[n for n in nodes if n.pk in recording], year=year, as_of=as_of)
    out = {}
    for node in nodes:
        report = reports.get(node.pk)
        if report is None:
            continue
        url = reverse("orglife:node_year", args=[node.pk]) + f"?year={year}"
        out[node.pk] = {
            "events": [
                {
                    "key": f"{kind.key}:{period}",
                    "label": _("%(kind)s not held in %(period)s") % {"kind": kind.label, "period": period},
                    "url": url,
                }
                for kind in report.kinds
                for period in kind.missing
            ]
        }
    return out


# --- the lifecycle: rule findings on development cases -------------------------------------------------------------


def _lifecycle_facts(*, nodes, year, as_of):
    root = _common_root(nodes)
    by_path = {n.path: n for n in nodes}
    out: dict[int, Facts] = {}
    rows = (
        DevelopmentCase.objects.filter(branch__path__startswith=root)
        .values_list("pk", "branch__path", "person__name", "warnings__code")
        .order_by("pk", "warnings__code")
    )  # one query: every case (it gives its organisation data) with its findings, if any
    for case_id, path, name, code in rows:
        owners = _owner(path, by_path)
        for node in owners:
            out.setdefault(node.pk, {"events": []})
        if code is None or code in NOT_VIOLATIONS:
            continue
        label = WarningCode(code).label if code in WarningCode.values else code
        for node in owners:
            out[node.pk]["events"].append(
                {
                    "key": f"case-{case_id}",
                    "label": f"{name}: {label}",
                    "url": reverse("lifecycle:case_detail", args=[case_id]),
                }
            )
    return out


# --- disclosure: periodic disclosures due and not published; objections answered late ----------------------------


def _disclosure_due_facts(*, nodes, year, as_of):
    day = _year_end(year, as_of)
    categories = list(Category.objects.filter(cadence=Cadence.PERIODIC, period_months__isnull=False))
    ids = [n.pk for n in nodes]
    last, publishing = {}, set()
    rows = (
        Notice.objects.filter(node_id__in=ids)
        .order_by()
        .values_list("node_id", "category_id")
        .annotate(opened=Max("opens_on", filter=Q(status__in=BOARD_STATUSES, opens_on__lte=day)))
    )  # one query: every organisation that has notices here, and the last one published of each category
    for node_id, category_id, opened in rows:
        publishing.add(node_id)
        if opened is not None:
            last[(node_id, category_id)] = opened
    out = {}
    for node in nodes:
        if node.pk not in publishing:
            continue
        events = []
        for category in categories:
            if (node.kind == NodeKind.BRANCH) != (category.default_scope == Scope.BRANCH):
                continue
            previous = last.get((node.pk, category.pk))
            due_on = previous + relativedelta(months=category.period_months) if previous else None
            if due_on is None or due_on <= day:
                events.append(
                    {
                        "key": f"category-{category.pk}",
                        "label": _("%(category)s due and not published") % {"category": category.name},
                        "url": reverse("disclosure:due"),
                    }
                )
        out[node.pk] = {"events": events}
    return out


def _objections_late_facts(*, nodes, year, as_of):
    root = _common_root(nodes)
    by_path = {n.path: n for n in nodes}
    out: dict[int, Facts] = {}
    notices = Notice.objects.filter(node__path__startswith=root).order_by()
    for path in notices.values_list("node__path", flat=True).distinct():
        for node in _owner(path, by_path):
            out.setdefault(node.pk, {"events": []})
    late = Q(resolved_on__gt=F("due_on")) | Q(resolved_on__isnull=True, due_on__lt=_year_end(year, as_of))
    rows = (
        Objection.objects.filter(notice__node__path__startswith=root, received_on__year=year, due_on__isnull=False)
        .filter(late)
        .values_list("pk", "notice_id", "notice__node__path", "notice__title", "due_on")
    )
    for pk, notice_id, path, title, due_on in rows:
        for node in _owner(path, by_path):
            out[node.pk]["events"].append(
                {
                    "key": f"objection-{pk}",
                    "label": _("Objection to “%(title)s” answered after %(date)s") % {"title": title, "date": due_on},
                    "url": reverse("disclosure:notice", args=[notice_id]),
                }
            )
    return out


# --- reminders: deadlines passed (a reminder sent after its due date) ----------------------------------------------


def _reminders_facts(*, nodes, year, as_of):
    root = _common_root(nodes)
    by_path = {n.path: n for n in nodes}
    out: dict[int, Facts] = {n.pk: {"events": []} for n in nodes}  # the sweep covers every organisation
    rows = (
        Reminder.objects.filter(node__path__startswith=root, offset__gt=0, due_on__year=year, due_on__lte=as_of)
        .values_list("source", "subject_id", "node__path", "due_on", "url")
        .order_by("due_on", "source", "subject_id")
        .distinct()
    )
    seen = set()
    for source, subject_id, path, due_on, url in rows:
        if (source, subject_id, path) in seen:
            continue
        seen.add((source, subject_id, path))
        for node in _owner(path, by_path):
            out[node.pk]["events"].append(
                {
                    "key": f"{source}:{subject_id}",
                    "label": _("Deadline of %(date)s passed (%(source)s)") % {"date": due_on, "source": source},
                    "url": url,
                }
            )
    return out


# --- dues: members who did not pay a month by its deadline ---------------------------------------------------------


def _dues_facts(*, nodes, year, as_of):
    policy = policy_on(_year_end(year, as_of))
    grace = policy.grace_months if policy else 0
    root = _common_root(nodes)
    by_path = {n.path: n for n in nodes}
    out: dict[int, Facts] = {}
    rows = (
        DuesMonth.objects.filter(node__path__startswith=root, month__year=year, exempt=False)
        .values_list("person_id", "person__name", "node__path", "month", "settled_on")
        .order_by("person_id", "month")
    )
    late: dict[tuple[int, int], list[str]] = defaultdict(list)
    names = {}
    for person_id, name, path, month, settled_on in rows.iterator(chunk_size=5000):
        owners = _owner(path, by_path)
        for node in owners:
            out.setdefault(node.pk, {"events": []})
        limit = deadline(month, grace)
        if limit > as_of:
            continue  # not due yet
        if settled_on is None or settled_on > limit:
            for node in owners:
                late[(node.pk, person_id)].append(month.strftime("%Y-%m"))
                names[person_id] = name
    for (node_id, person_id), months in late.items():
        out[node_id]["events"].append(
            {
                "key": f"person-{person_id}",
                "label": _("%(name)s: dues not paid on time for %(months)s")
                % {"name": names[person_id], "months": ", ".join(months)},
                "url": reverse("dues:person", args=[person_id]),
            }
        )
    return out


register(
    IndicatorSource(
        "orglife.meetings_missing",
        gettext_lazy("Meetings owed and not held (三会一课)"),
        gettext_lazy(
            "One event per period of a kind of meeting (general meeting, committee meeting, group meeting, lecture, "
            "theme day, life meeting…) that ended in the year without a meeting of that kind, as the compliance grid "
            "of organisational life counts it under the committee's frequencies. No data: the organisation has "
            "recorded no meeting here at all."
        ),
        _orglife_facts,
        ("orglife_", "organisations_", "people_", "membership_"),
    )
)
register(
    IndicatorSource(
        "lifecycle.findings",
        gettext_lazy("Development cases with rule findings"),
        gettext_lazy(
            "One event per development case of the organisation (or below it) with a finding of the rules: a step "
            "overdue or late, dates out of order, a missing record — the same case counts once however "
            "many findings it has. Reminders of what is still to come are not findings. No data: no development case "
            "is recorded here."
        ),
        _lifecycle_facts,
        ("lifecycle_", "people_", "organisations_"),
    )
)
register(
    IndicatorSource(
        "disclosure.due_unpublished",
        gettext_lazy("Periodic disclosures due and not published"),
        gettext_lazy(
            "One event per category of the disclosure catalogue that the organisation owes periodically (三会一课 "
            "quarterly for a branch, dues yearly for a committee…) whose next notice was due by the end of the year "
            "and not published. No data: the organisation has never published a notice here."
        ),
        _disclosure_due_facts,
        ("disclosure_", "organisations_"),
    )
)
register(
    IndicatorSource(
        "disclosure.objections_late",
        gettext_lazy("Objections answered late"),
        gettext_lazy(
            "One event per objection received in the year to a notice of the organisation (or below it) that was "
            "answered after the date it was to be handled by, or is still unanswered after it. No data: the "
            "organisation has no notice here."
        ),
        _objections_late_facts,
        ("disclosure_", "organisations_"),
    )
)
register(
    IndicatorSource(
        "notifications.overdue",
        gettext_lazy("Deadlines passed (reminders overdue)"),
        gettext_lazy(
            "One event per deadline of the organisation (or below it) for which an overdue reminder was sent in the "
            "year: a development step, minutes, a disclosure… counted once per deadline whoever was reminded. Every "
            "organisation has data: the reminder sweep covers all."
        ),
        _reminders_facts,
        ("notifications_reminder", "organisations_"),
    )
)
register(
    IndicatorSource(
        "dues.late",
        gettext_lazy("Members who did not pay dues on time"),
        gettext_lazy(
            "One event per member of the organisation (or below it) with a month of the year not paid in full by its "
            "deadline (the month's end plus the grace months of the dues policy); exempt months do not count. No "
            "data: no dues month of the year is recorded here."
        ),
        _dues_facts,
        ("dues_", "people_", "organisations_"),
    )
)
