"""Demo assessment: last year's scheme of the committee with every branch's result fixed, graded within the quota
and published as a 公示 on the board; this year's scheme copied from it (with a data indicator: meetings owed and
not held, from organisational life), published and assigned, its sheets left in every state — not started, draft,
submitted, returned with a reason, reviewed — so a newcomer sees each page with data. Through the services, by the
demo logins, as the product does."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.disclosure.services import notice_transition
from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode

from .choices import TARGET, SheetStatus
from .models import BandSet, Sheet
from .services import (
    evidence_add,
    grades_fix,
    half_year_check,
    indicator_save,
    results_compute,
    results_publish,
    scheme_copy,
    scheme_create,
    scheme_publish,
    scheme_update,
    sheet_accept,
    sheet_return,
    sheet_save_self,
    sheet_submit,
    sheets_assign,
    weights_save,
)

NAME = "基层党组织党建工作目标责任制考核"
PDF = b"%PDF-1.4\n% demo evidence\n"
TREE = [
    # code, title, max, mode, params, standard, check method, evidence required
    ("A", "组织建设", 40, "", {}, "", "", False),
    ("A1", "“三会一课”制度落实", 15, "deduct", {"points": "0.5"},
     "每少开1次扣0.5分，同一会议不重复扣分。", "records", False),
    ("A2", "支部班子建设", 10, "graded", {"grades": {"好": 10, "较好": 8, "一般": 6, "较差": 0}},
     "班子健全、分工明确、团结协作。", "interview", True),
    ("A3", "党员发展和教育管理", 15, "graded", {"grades": {"好": 15, "较好": 12, "一般": 9, "较差": 0}},
     "按程序发展党员，党员教育管理规范。", "records", False),
    ("A4", "违反组织纪律", None, "veto", {"caps_grade_at": "一般"},
     "发生严重违纪问题的，不得评定为好等次。", "", False),
    ("B", "作用发挥", 60, "", {}, "", "", False),
    ("B1", "围绕中心服务大局", 40, "graded", {"grades": {"好": 40, "较好": 32, "一般": 24, "较差": 0}},
     "党建工作与生产经营同步安排、同步考核。", "site", False),
    ("B2", "党员先锋模范作用", 20, "graded", {"grades": {"好": 20, "较好": 16, "一般": 12, "较差": 0}},
     "党员责任区、承诺践诺。", "sample", False),
    ("B3", "创新创优加分", 5, "bonus", {"points": 1, "cap": 5},
     "获上级表彰或创新经验被推广，每项加1分，最多5分。", "records", False),
]  # fmt: skip
DATA_INDICATOR = (
    "A5",
    "组织生活按时召开（系统数据）",
    5,
    "data",
    {"mode": "deduct", "points": "0.5"},
    "以组织生活记录为准：应开未开的会议每期扣0.5分。",
    "records",
    False,
)


AWARDS = ("区级先进基层党组织表彰", "党建创新案例被集团推广")  # the bonus's events, as a branch records them


def _moment(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, 0))


def _facts(rng, good: bool) -> dict:
    grade = "好" if good else rng.choice(["较好", "一般"])
    return {
        "A1": {
            "events": [{"key": f"{rng.choice(['一', '二', '三'])}季度党小组会"} for _ in range(rng.randrange(0, 3))]
        },
        "A2": {"grade": grade},
        "A3": {"grade": rng.choice(["好", "较好"])},
        "B1": {"grade": grade},
        "B2": {"grade": rng.choice(["好", "较好", "一般"])},
        "B3": {"events": [{"key": award} for award in AWARDS[: rng.randrange(0, 3)]]},
    }


def _build(scheme, staff, with_data: bool) -> None:
    parents = {}
    items = [*TREE, DATA_INDICATOR] if with_data else TREE
    for order, (code, title, maximum, mode, params, standard, method, evidence) in enumerate(items):
        parent = None if not mode else parents["A" if code.startswith("A") else "B"]
        indicator = indicator_save(
            actor=staff,
            scheme=scheme,
            values={
                "parent": parent,
                "code": code,
                "title": title,
                "order": order,
                "max_points": Decimal(maximum) if maximum is not None else None,
                "mode": mode,
                "params": params,
                "standard": standard,
                "check_method": method,
                "evidence_required": evidence,
                "source": "orglife.meetings_missing" if mode == "data" else "",
            },
        )
        if not mode:
            parents[code] = indicator


def _evidence(sheet, staff, now):
    upload = SimpleUploadedFile("班子建设材料.pdf", PDF, content_type="application/pdf")
    evidence_add(actor=staff, sheet=sheet, code="A2", uploaded=upload, title="支部班子建设材料", now=now)


def _through_review(sheet, staff, facts, now):
    sheet_save_self(actor=staff, sheet=sheet, facts=facts, notes={}, now=now)
    _evidence(sheet, staff, now)
    sheet = sheet_submit(actor=staff, sheet=sheet, now=now)
    while sheet.status == SheetStatus.SUBMITTED:
        sheet = sheet_accept(actor=staff, sheet=sheet, now=now)
    return sheet


def seed_assessment(
    *,
    rng,
    users: dict,
    committee_name: str,
    today: datetime.date,
    corrective_source: str = "",
    component_weights: dict[str, int] | None = None,
) -> int:
    """Returns the number of sheets made. ``corrective_source``: the code of a later app's source of corrective
    actions overdue, scored in this year's scheme; ``component_weights``: later apps' result components (述职评议,
    民主测评) weighted beside the target score in this year's scheme — both named by the seeding command, above the
    apps."""
    staff, clerk, leader = users["zuzhiyuan"], users["ganshi"], users["dangwei_shuji"]
    committee = OrgNode.objects.get(name=committee_name)
    branches = list(
        OrgNode.objects.filter(
            path__startswith=committee.path, kind__in=(NodeKind.BRANCH, NodeKind.GENERAL_BRANCH), is_active=True
        ).order_by("path")
    )
    bands = BandSet.objects.get(name="好/较好/一般/较差")
    stars = BandSet.objects.filter(is_star=True).first()
    # last year: every result fixed, graded within the quota and published
    last = scheme_create(actor=staff, assessing_node=committee, year=today.year - 1, name=NAME, band_set=bands)
    scheme_update(actor=staff, scheme=last, fields={"star_band_set": stars})
    _build(last, staff, with_data=False)
    last_day = datetime.date(today.year - 1, 12, 20)
    scheme_publish(actor=staff, scheme=last, now=_moment(datetime.date(today.year - 1, 3, 1)))
    sheets_assign(actor=staff, scheme=last, nodes=branches, now=_moment(datetime.date(today.year - 1, 3, 1)))
    for sheet in Sheet.objects.filter(scheme=last).select_related("node", "scheme"):
        _through_review(sheet, staff, _facts(rng, rng.random() < 0.4), _moment(last_day))
    results_compute(actor=staff, scheme=last, now=_moment(last_day, 15))
    by_group: dict[str, list[Sheet]] = {}
    for sheet in Sheet.objects.filter(scheme=last).order_by("rank", "pk"):
        by_group.setdefault(sheet.peer_group, []).append(sheet)
    grades = {}
    for sheets in by_group.values():
        allowed = len(sheets) // 3
        for index, sheet in enumerate(sheets):
            if sheet.grade == "好" and index >= allowed:
                grades[sheet.pk] = "较好"  # over the quota: the committee grades the next ones 较好
    grades_fix(actor=staff, scheme=last, grades=grades, now=_moment(last_day, 16))
    notice = results_publish(actor=clerk, scheme=last, today=last_day)
    moment = _moment(last_day, 17)
    notice = notice_transition(actor=staff, notice=notice, move="check", now=moment)
    notice = notice_transition(actor=leader, notice=notice, move="approve", now=moment)
    notice_transition(actor=staff, notice=notice, move="publish", now=moment)
    # this year: copied from last year, a data indicator added, published, assigned, sheets in every state
    current = scheme_copy(actor=staff, source=last, year=today.year)
    indicator_save(
        actor=staff,
        scheme=current,
        values={
            "parent": current.indicators.get(code="A"),
            "code": DATA_INDICATOR[0],
            "title": DATA_INDICATOR[1],
            "order": len(TREE),
            "max_points": Decimal(DATA_INDICATOR[2]),
            "mode": "data",
            "params": DATA_INDICATOR[4],
            "standard": DATA_INDICATOR[5],
            "check_method": DATA_INDICATOR[6],
            "source": "orglife.meetings_missing",
        },
    )
    if corrective_source:
        indicator_save(
            actor=staff,
            scheme=current,
            values={
                "parent": current.indicators.get(code="B"),
                "code": "B4",
                "title": "整改落实按期完成（系统数据）",
                "order": len(TREE) + 1,
                "max_points": Decimal(5),
                "mode": "data",
                "params": {"mode": "deduct", "points": "1"},
                "standard": "以整改台账为准：逾期未完成的整改措施每项扣1分，最多扣5分。",
                "check_method": "records",
                "source": corrective_source,
            },
        )
    if component_weights:  # this year the committee weighs the secretary's report and the survey in the result
        weights_save(
            actor=staff,
            scheme=current,
            weights={TARGET: 100 - sum(component_weights.values()), **component_weights},
        )
    scheme_update(
        actor=staff,
        scheme=current,
        fields={
            "self_due_on": today + datetime.timedelta(days=10),
            "review_due_on": today + datetime.timedelta(days=20),
        },
    )
    start = _moment(datetime.date(today.year, 3, 1))
    scheme_publish(actor=staff, scheme=current, now=start)
    sheets_assign(actor=staff, scheme=current, nodes=branches, now=start)
    now = _moment(today - datetime.timedelta(days=1))
    states = ["draft", "submitted", "returned", "reviewed", "not_started"]
    for index, sheet in enumerate(Sheet.objects.filter(scheme=current).select_related("node", "scheme")):
        state = "draft" if sheet.node.name == "一车间党支部" else states[index % len(states)]
        if state == "not_started":
            continue
        facts = _facts(rng, rng.random() < 0.4)
        sheet_save_self(actor=staff, sheet=sheet, facts=facts, notes={"A1": "以会议记录为准"}, now=now)
        _evidence(sheet, staff, now)
        if state == "draft":
            continue
        try:
            sheet = sheet_submit(actor=staff, sheet=sheet, now=now)
        except ValidationError:  # no meetings recorded here: the sheet stays a draft and shows "no data"
            continue
        if state == "returned":
            sheet_return(actor=staff, sheet=sheet, reason="请补充支部班子建设的佐证材料。", now=now)
        elif state == "reviewed":
            while sheet.status == SheetStatus.SUBMITTED:
                sheet = sheet_accept(actor=staff, sheet=sheet, now=now)
            half_year_check(actor=staff, sheet=sheet, feedback="上半年各项工作推进正常。", now=now)
    return Sheet.objects.filter(scheme__in=[last, current]).count()
