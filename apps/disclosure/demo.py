"""The boards of the demo: notices of the committee and of branches in every state of the workflow — drafts waiting
for their check, a checked one waiting for approval, an approved one waiting to be published, published ones with
their windows open, closing tomorrow or closed, one on hold, one corrected (two versions), old ones archived by the
sweep — and objections: one answered, one waiting for its answer. Everything goes through the services
(``notice_draft``, ``notice_transition``, ``notice_correct``, ``objection_file``, ``objection_resolve``), with four
eyes: the author neither checks nor approves, and a holder of ``publish`` publishes, so ``manage.py disclosure_verify``
checks a real archive chain.

``apps.portal``'s ``seed_demo`` runs it after the logins exist; the development 公示 come with the cases
(``apps.lifecycle.demo``), and the disclosure sweep at the end closes and archives what is past. For the large data
sets of the benchmarks, ``publicity_bulk`` writes the development 公示 as fixtures instead (ADR 5).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from apps.people.selectors import person_for_user
from apps.workdays.selectors import calendar_add_working_days

from .chain import GENESIS, version_hash
from .models import Category, ChainHead, Notice, NoticeKind, NoticeStatus, NoticeVersion, Scope
from .richtext import content_clean
from .services import notice_correct, notice_draft, notice_transition, objection_file, objection_resolve

D = datetime.timedelta


@dataclass(frozen=True)
class Desk:
    """Who drafts, checks, approves and publishes the notices of one organisation (demo usernames)."""

    author: str
    checker: str
    approver: str
    publisher: str


COMMITTEE = None  # the base committee, in the tables below
WORKSHOP = "一车间党支部"
FINANCE = "财务资产部党支部"
WORKSHOP_2 = "二车间党支部"
DESKS = {
    COMMITTEE: Desk(author="ganshi", checker="zuzhiyuan", approver="dangwei_shuji", publisher="zuzhiyuan"),
    WORKSHOP: Desk(
        author="zuzhi_yichejian", checker="shuji_yichejian", approver="zuzhiyuan", publisher="shuji_yichejian"
    ),
    FINANCE: Desk(author="shuji_caiwu", checker="ganshi", approver="dangwei_shuji", publisher="shuji_caiwu"),
    WORKSHOP_2: Desk(author="ganshi", checker="zuzhiyuan", approver="dangwei_shuji", publisher="zuzhiyuan"),
}

# Where the workflow leaves a notice: the last move made ("" = a draft).
DRAFT, CHECKED, APPROVED, PUBLISHED = "", "check", "approve", "publish"
MOVES = ("check", "approve", "publish")

# organisation (None = committee), category, title, days before today it opens ("closing" = its window closes
# tomorrow), where the workflow leaves it, content
NOTICES = [
    (COMMITTEE, "dues", "2025年度党费收缴、使用和管理情况", 340, PUBLISHED,
     "<p>2025年度党委共收缴党费 186,420.00 元，按规定上缴 93,210.00 元，留存部分用于党员教育培训和慰问困难党员。</p>"),
    (COMMITTEE, "goals", "2026年上半年党建工作目标及完成情况", 150, PUBLISHED,
     "<p>上半年党建工作目标 12 项，已完成 11 项；“两新”组织覆盖工作顺延至下半年。</p>"),
    (COMMITTEE, "masses", "2026年第三季度联系服务群众情况", 12, PUBLISHED,
     "<p>本季度党员联系服务职工群众 326 人次，解决实际困难 41 件。</p>"),
    (COMMITTEE, "elections", "关于党委换届选举委员候选人预备人选的公示", 1, PUBLISHED,
     "<p>经各党支部推荐、党委研究，确定下列同志为党委委员候选人预备人选，现予公示。</p>"),
    (COMMITTEE, "goals", "2026年下半年党建工作目标", 0, DRAFT, "<p>下半年党建工作目标（征求意见稿）。</p>"),
    (COMMITTEE, "dues", "2026年上半年党费收缴情况", 0, APPROVED, "<p>上半年收缴党费 95,310.00 元。</p>"),
    (WORKSHOP, "meetings", "2026年第二季度“三会一课”开展情况", 100, PUBLISHED,
     "<p>召开支部党员大会 1 次、支委会 3 次、党小组会 9 次，书记讲党课 1 次。</p>"),
    (WORKSHOP, "appraisal", "2025年度民主评议党员结果", "closing", PUBLISHED,
     "<p>经民主评议，评定优秀党员 6 名、合格党员 30 名。</p>"),
    (WORKSHOP, "meetings", "2026年第三季度“三会一课”开展情况", 0, DRAFT,
     "<p>召开支部党员大会 1 次、支委会 3 次、党小组会 9 次。</p>"),
    (WORKSHOP, "masses", "一车间党员先锋岗联系服务职工情况", 0, CHECKED, "<p>先锋岗党员本季度帮扶职工 23 人次。</p>"),
    (FINANCE, "meetings", "2026年第二季度“三会一课”开展情况", 40, PUBLISHED,
     "<p>召开支部党员大会 1 次、支委会 2 次，书记讲党课 1 次。</p>"),
    (WORKSHOP_2, "meetings", "2026年第二季度“三会一课”开展情况", 30, PUBLISHED,
     "<p>召开支部党员大会 1 次、支委会 3 次。</p>"),
]  # fmt: skip
CORRECTED = "2025年度党费收缴、使用和管理情况"  # published, then corrected: two versions on the board
CORRECTION = ("更正留存金额", "<p>2025年度党委共收缴党费 186,420.00 元，按规定上缴 93,210.00 元，留存 93,210.00 元，"
              "用于党员教育培训和慰问困难党员。</p>")  # fmt: skip
HELD = (WORKSHOP_2, "待核实党小组会次数，暂停公开。")  # a published notice put on hold, and why
OBJECTED = "2026年第三季度联系服务群众情况"  # an objection from a non-member, still to be answered
OBJECTION = "季度内帮扶困难职工的人数与车间实际情况不符，请核实。"


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


def _opening_for_close_tomorrow(today: datetime.date, length: int) -> datetime.date:
    """The latest opening day whose window of ``length`` working days ends tomorrow or today."""
    for back in range(0, 30):
        opens_on = today - D(days=back)
        closes_on, _provisional = calendar_add_working_days(start=opens_on, count=length)
        if closes_on <= today + D(days=1):
            return opens_on
    return today


def seed_boards(*, nodes: dict, users: dict, committee_name: str, today: datetime.date) -> list[Notice]:
    """The notices of ``NOTICES`` through the workflow, a correction, a hold and an objection; returns them."""
    categories = {c.code: c for c in Category.objects.all()}
    notices = []
    for where, code, title, opens, last_move, content in NOTICES:
        node = nodes[where or committee_name]
        desk = DESKS[where]
        category = categories[code]
        opens_on = (
            _opening_for_close_tomorrow(today, category.window_length) if opens == "closing" else today - D(days=opens)
        )
        notice = notice_draft(
            actor=users[desk.author], node=node, category=category, title=title, content=content, opens_on=opens_on
        )
        moves = MOVES[: MOVES.index(last_move) + 1] if last_move else ()
        for move in moves:
            actor = {"check": desk.checker, "approve": desk.approver, "publish": desk.publisher}[move]
            notice = notice_transition(actor=users[actor], notice=notice, move=move, now=_moment(opens_on))
        if title == CORRECTED:
            _correct(notice, desk, users, now=_moment(opens_on + D(days=3)))
        if where == HELD[0] and last_move == PUBLISHED:
            notice_transition(actor=users[desk.approver], notice=notice, move="hold", note=HELD[1])
        if title == OBJECTED:
            _object(notice, users, today=today)
        notices.append(notice)
    return notices


def _correct(notice: Notice, desk: Desk, users: dict, *, now: datetime.datetime) -> None:
    note, content = CORRECTION
    correction = notice_correct(actor=users[desk.author], notice=notice, note=note, content=content)
    for move in MOVES:
        actor = {"check": desk.checker, "approve": desk.approver, "publish": desk.publisher}[move]
        notice_transition(actor=users[actor], notice=correction, move=move, now=now)


def _object(notice: Notice, users: dict, *, today: datetime.date) -> None:
    """An objection of a non-member of the unit, received on the window's second day and not answered yet."""
    reporter = users["qunzhong"]
    objection_file(
        actor=reporter,
        notice=notice,
        content=OBJECTION,
        reporter=person_for_user(reporter),
        received_on=notice.opens_on + D(days=1),
        today=today,
    )


def answer_objection(*, notice: Notice, reporter, handler, content: str, answer: str, today: datetime.date):
    """An objection to ``notice`` by ``reporter`` (a user with a person record), received yesterday (or on the
    window's first day) and answered today by ``handler``: the lifecycle's demo uses it on an open 公示."""
    objection = objection_file(
        actor=reporter,
        notice=notice,
        content=content,
        reporter=person_for_user(reporter),
        received_on=max(notice.opens_on, today - D(days=1)),
        today=today,
    )
    return objection_resolve(
        actor=handler,
        objection=objection,
        outcome="unfounded",
        resolution="经支部委员会调查核实，所反映情况不属实：该同志参加集中培训的考勤记录完整。",
        answer=answer,
        today=today,
    )


def publicity_bulk(rows: list[dict], *, today: datetime.date) -> list[Notice]:
    """Development 公示 as fixtures, for data sets too large to open each through ``notice_open_for_step`` (the
    benchmarks' tens of thousands of people): each row (``case``, ``title``, ``opens_on``, ``closes_on``,
    ``provisional``, ``working_days``) becomes the notice that service writes, in the state the disclosure sweep would
    have left it by ``today`` (closed after its window, archived once names have left the board), with its first
    version appended to the archive chain exactly as the service appends it (so ``disclosure_verify`` holds)."""
    category = Category.objects.filter(code="development").first()
    retention = D(days=category.name_retention_days if category else 30)

    def status(closes_on):
        if today > closes_on + retention:
            return NoticeStatus.ARCHIVED
        return NoticeStatus.CLOSED if today > closes_on else NoticeStatus.PUBLISHED

    notices = Notice.objects.bulk_create(
        [
            Notice(
                node=row["case"].branch,
                kind=NoticeKind.LIFECYCLE,
                category=category,
                scope=Scope.UNIT,
                status=status(row["closes_on"]),
                title=row["title"],
                content=content_clean(row.get("content", "")),
                case=row["case"],
                step="candidate_publicity",
                opens_on=row["opens_on"],
                closes_on=row["closes_on"],
                working_days=row["working_days"],
                provisional=row["provisional"],
            )
            for row in rows
        ],
        batch_size=2000,
    )
    ChainHead.objects.get_or_create(key="head", defaults={"hash": GENESIS})
    head = ChainHead.objects.select_for_update().get(key="head")
    versions = []
    for notice in notices:
        digest = version_hash(
            notice_id=notice.pk,
            number=1,
            title=notice.title,
            content=notice.content,
            opens_on=notice.opens_on,
            closes_on=notice.closes_on,
            attachment_digests=[],
            previous_hash=head.hash,
        )
        versions.append(
            NoticeVersion(
                notice=notice,
                number=1,
                title=notice.title,
                content=notice.content,
                opens_on=notice.opens_on,
                closes_on=notice.closes_on,
                attachment_digests=[],
                published_at=_moment(notice.opens_on),
                previous_hash=head.hash,
                hash=digest,
            )
        )
        head.hash, head.count = digest, head.count + 1
    NoticeVersion.objects.bulk_create(versions, batch_size=2000)
    head.save(update_fields=["hash", "count"])
    return notices
