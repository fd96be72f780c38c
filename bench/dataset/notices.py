"""Notices and their published versions, chained in the archive (apps/disclosure/chain.py) as they are written;
the periodic disclosures of a committee's organisations."""

from __future__ import annotations

import datetime

from apps.disclosure.chain import version_hash
from apps.disclosure.models import Category, NoticeKind, NoticeStatus, Scope
from apps.organisations.choices import NodeKind

from .run import Run

D = datetime.timedelta
CORRECTED_SHARE = 0.03  # disclosure notices corrected once (a second published version)
# The catalogue's periodic disclosures of the last year (apps/disclosure/migrations/0004_catalogue.py):
# category, scope, the kind of node that issues it, every how many days.
DISCLOSURES = (
    ("meetings", Scope.BRANCH, NodeKind.BRANCH, 91),
    ("appraisal", Scope.BRANCH, NodeKind.BRANCH, 365),
    ("goals", Scope.ORGANISATION, NodeKind.GENERAL_BRANCH, 182),
    ("goals", Scope.ORGANISATION, NodeKind.COMMITTEE, 182),
    ("dues", Scope.ORGANISATION, NodeKind.COMMITTEE, 365),
    ("masses", Scope.UNIT, NodeKind.COMMITTEE, 182),
)


def window_status(run: Run, closes: datetime.date, retention: int) -> str:
    """What the status of a notice whose window closes on ``closes`` is today: published, closed, or archived
    once the names have left the board."""
    if closes >= run.today:
        return NoticeStatus.PUBLISHED
    return NoticeStatus.CLOSED if closes + D(days=retention) >= run.today else NoticeStatus.ARCHIVED


def publish(run: Run, notices: list[dict], corrected: float = 0.0) -> list[int]:
    """Write the notices and their published versions (a corrected notice has two), chained in order."""
    ids = run.t.notice.ids(len(notices))
    for notice, pk in zip(notices, ids, strict=True):
        notice.update(id=pk, created_at=run.now)
        run.t.notice.add(notice)
        for number in (1, 2) if run.rng.random() < corrected else (1,):
            content = notice["content"] + ("<p>（更正：日期有误，已更正。）</p>" if number == 2 else "")
            digest = version_hash(
                notice_id=pk,
                number=number,
                title=notice["title"],
                content=content,
                opens_on=notice["opens_on"],
                closes_on=notice["closes_on"],
                attachment_digests=[],
                previous_hash=run.chain,
            )
            run.t.version.add(
                {
                    "notice_id": pk,
                    "number": number,
                    "title": notice["title"],
                    "content": content,
                    "opens_on": notice["opens_on"],
                    "closes_on": notice["closes_on"],
                    "published_at": run.now,
                    "previous_hash": run.chain,
                    "hash": digest,
                    "correction_note": "日期更正" if number == 2 else "",
                }
            )
            run.chain = digest
            run.totals.versions += 1
    run.totals.notices += len(notices)
    return ids


def disclosures(run: Run, nodes: list[dict]) -> None:
    """The periodic disclosures of the last year on the nodes that issue them, and a draft per committee."""
    notices = []
    for code, scope, kind, every in DISCLOSURES:
        category = run.categories[code]
        for node in (n for n in nodes if n["kind"] == kind):
            opens = run.today - D(days=run.rng.randint(0, every - 1))
            while opens > run.today - D(days=365):
                notices.append(_disclosure(run, node, category, scope, opens))
                opens -= D(days=every)
    notices.sort(key=lambda n: n["opens_on"])
    publish(run, notices, corrected=CORRECTED_SHARE)
    committee = nodes[0]
    pk = run.t.notice.ids(1)[0]
    run.t.notice.add(
        {
            "id": pk,
            "node_id": committee["id"],
            "kind": NoticeKind.DISCLOSURE,
            "category_id": run.categories["goals"].pk,
            "scope": Scope.ORGANISATION,
            "status": NoticeStatus.DRAFT,
            "title": f"{committee['name']}党建工作目标（草稿）",
            "opens_on": run.today + D(days=7),
            "closes_on": run.today + D(days=21),
            "working_days": 10,
            "created_at": run.now,
        }
    )
    run.totals.notices += 1


def _disclosure(run: Run, node: dict, category: Category, scope: str, opens: datetime.date) -> dict:
    if category.window_unit == "working":
        closes, provisional = run.calendar.add_working_days(opens, category.window_length)
    else:
        closes, provisional = opens + D(days=category.window_length - 1), False
    return {
        "node_id": node["id"],
        "kind": NoticeKind.DISCLOSURE,
        "category_id": category.pk,
        "scope": scope,
        "status": window_status(run, closes, category.name_retention_days),
        "title": f"{node['name']}{category.name}（{opens:%Y年%m月}）",
        "content": "<p>" + f"{category.name}：按照党务公开目录，现将有关情况公开如下。" * 3 + "</p>",
        "opens_on": opens,
        "closes_on": closes,
        "working_days": category.window_length,
        "provisional": provisional,
    }
