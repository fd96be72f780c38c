"""Excel imports of the branch clerk: a payroll workbook (each member's category and monthly income: their dues
bases) and a collection sheet (payments). Read, check every row (the dry run), then import all rows or none.

An import is not a side door: each row goes through the same guarded services as the portal (``base_declare``,
``dues_pay``) with the importing user's rights. A person outside the user's organisations, or unknown, is a row
error; nobody is created. The workbook is read by ``_read_rows`` only, within row, column, cell and size limits."""

from __future__ import annotations

import datetime
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.organisations.choices import MANAGE_PEOPLE
from apps.organisations.permissions import restrict
from apps.people.choices import MEMBER_STATUSES
from apps.people.models import Person

from .arrears import month_of
from .choices import INCOME_CATEGORIES, Category, LineKind, Method
from .models import Payment
from .money import parse_yuan
from .rates import monthly_amount
from .selectors import policy_on
from .services import base_declare, dues_pay

MAX_ROWS = 5000
MAX_COLUMNS = 30
MAX_CELL_CHARS = 200
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # what the workbook holds once unzipped (a huge inline string is refused)
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)

HEADERS = {
    "id_number": {"id_number", "身份证号", "身份证号码", "id card number"},
    "name": {"name", "姓名"},
    "category": {"category", "类别", "党员类别"},
    "income": {"income", "月收入", "税后月收入", "月工资收入", "monthly income"},
    "chosen": {"chosen_amount", "农民交纳额", "chosen amount"},
    "extra": {"extra", "自愿多交", "voluntary extra"},
    "month": {"month", "月份", "所交月份", "from month"},
    "last_month": {"last_month", "至月份", "to month"},
    "amount": {"amount", "金额", "交纳金额"},
    "paid_on": {"paid_on", "交纳日期", "paid on"},
    "method": {"method", "方式", "交纳方式"},
    "receipt": {"receipt", "收据号", "票据号", "receipt number"},
}
REQUIRED = {"payroll": ("id_number", "category"), "collection": ("id_number", "month", "paid_on")}
CATEGORY_WORDS = {
    "在职": Category.EMPLOYED,
    "在职党员": Category.EMPLOYED,
    "退休": Category.RETIRED,
    "离退休": Category.RETIRED,
    "离退休党员": Category.RETIRED,
    "农民": Category.FARMER,
    "农民党员": Category.FARMER,
    "学生": Category.STUDENT,
    "学生党员": Category.STUDENT,
    "失业": Category.UNEMPLOYED,
    "下岗失业": Category.UNEMPLOYED,
    "无工作": Category.UNEMPLOYED,
    "低保": Category.RELIEF,
    "救济": Category.RELIEF,
}
METHOD_WORDS = {
    "现金": Method.CASH,
    "转账": Method.TRANSFER,
    "银行转账": Method.TRANSFER,
    "微信": Method.ONLINE,
    "支付宝": Method.ONLINE,
    "网上": Method.ONLINE,
    "线上": Method.ONLINE,
    "工资代扣": Method.PAYROLL,
    "代扣": Method.PAYROLL,
}


def _read_rows(uploaded) -> list[list]:
    """The rows of the first sheet as lists of cell values, refused beyond the limits before they are built up.
    The one place that opens a workbook (to be replaced by the shared spreadsheet reader)."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(uploaded) as archive:
            if sum(item.file_size for item in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ValidationError(_("The workbook is too large once unpacked; split it."))
        uploaded.seek(0)
        workbook = load_workbook(uploaded, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ValidationError(_("The file is not an Excel workbook (.xlsx).")) from exc
    try:
        rows = []
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            if any(v not in (None, "") for v in values[MAX_COLUMNS:]):
                raise ValidationError(_("A sheet has at most %(n)s columns.") % {"n": MAX_COLUMNS})
            cells = list(values[:MAX_COLUMNS])
            if all(v in (None, "") for v in cells):
                continue
            if len(rows) > MAX_ROWS:  # the header and MAX_ROWS rows
                raise ValidationError(_("At most %(n)s rows can be imported at once.") % {"n": MAX_ROWS})
            if any(isinstance(v, str) and len(v) > MAX_CELL_CHARS for v in cells):
                raise ValidationError(_("A cell holds at most %(n)s characters.") % {"n": MAX_CELL_CHARS})
            rows.append(cells)
        return rows
    finally:
        workbook.close()


@dataclass
class ImportRow:
    line: int
    id_number: str
    person: Person | None = None
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    amount: Decimal | None = None  # the monthly amount (payroll) or the sum paid (collection), for the preview


def _columns(header: list, kind: str) -> dict[str, int]:
    lowered = [str(h or "").strip().lower() for h in header]
    columns = {}
    for i, text in enumerate(lowered):
        if not text:
            continue
        name = next((name for name, words in HEADERS.items() if text in words), None)
        if name is None:
            raise ValidationError(_("Unknown column “%(header)s”.") % {"header": header[i]})
        columns[name] = i
    missing = [name for name in REQUIRED[kind] if name not in columns]
    if missing:
        raise ValidationError(
            _("The first row names the columns; these are missing: %(names)s.") % {"names": ", ".join(missing)}
        )
    return columns


def _cell(values: list, columns: dict[str, int], name: str):
    i = columns.get(name)
    value = values[i] if i is not None and i < len(values) else None
    return value.strip() if isinstance(value, str) else value


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _people(user) -> dict[str, Person]:
    """The people the user manages, by ID card number (one query)."""
    people = restrict(Person.objects.select_related("node"), user=user, perm=MANAGE_PEOPLE, path_field="node__path")
    return {p.id_number.upper(): p for p in people.exclude(id_number="")}


def _check_person(row: ImportRow, known: dict[str, Person], name, seen: set) -> None:
    row.person = known.get(row.id_number.upper())
    if row.person is None:
        row.errors.append(_("No person with this ID card number in your organisations."))
        return
    if name and _text(name) != row.person.name:
        row.errors.append(_("The name “%(name)s” is not the name of this ID card number.") % {"name": name})
    if not (row.person.is_active and row.person.political_status in MEMBER_STATUSES):
        row.errors.append(_("%(person)s is not a Party member on the roll: no dues.") % {"person": row.person})


def _money(row: ImportRow, value, label) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return parse_yuan(value)
    except ValidationError as exc:
        row.errors.append(f"{label}: {' '.join(exc.messages)}")
        return None


def _day(row: ImportRow, value, label, *, month: bool = False) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        text = _text(value).replace("/", "-").replace(".", "-")
        try:
            value = datetime.date.fromisoformat(text + "-01" if month and len(text) <= 7 else text)
        except ValueError:
            row.errors.append(
                _("%(what)s: “%(value)s” is not a date (YYYY-MM-DD) or month (YYYY-MM).")
                % {"what": label, "value": text}
            )
            return None
    if not EARLIEST <= value <= LATEST:
        row.errors.append(_("%(what)s: %(value)s is outside 2000–2100.") % {"what": label, "value": value})
        return None
    return month_of(value) if month else value


def _category(row: ImportRow, value) -> str | None:
    text = _text(value)
    if text.lower() in Category.values:
        return text.lower()
    if text in CATEGORY_WORDS:
        return CATEGORY_WORDS[text]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for code, label in Category.choices:
                if str(label).lower() == text.lower():
                    return code
    row.errors.append(_("Unknown category “%(value)s”.") % {"value": text})
    return None


def _method(row: ImportRow, value) -> str:
    text = _text(value)
    if not text:
        return Method.CASH
    if text.lower() in Method.values:
        return text.lower()
    if text in METHOD_WORDS:
        return METHOD_WORDS[text]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for code, label in Method.choices:
                if str(label).lower() == text.lower():
                    return code
    row.errors.append(_("Unknown way of paying “%(value)s”.") % {"value": text})
    return Method.CASH


def _rows(uploaded, kind: str):
    rows = _read_rows(uploaded)
    if not rows:
        raise ValidationError(_("The file has no rows to import."))
    return _columns(rows[0], kind), rows[1:]


def payroll_parse(*, user, uploaded, applies_from: datetime.date, today: datetime.date) -> list[ImportRow]:
    """Read and check a payroll workbook: one row per member (ID card number, category, monthly income, …). The
    bases apply from ``applies_from``. Nothing is written."""
    columns, lines = _rows(uploaded, "payroll")
    known, seen, result = _people(user), set(), []
    policy = policy_on(applies_from)
    for line, values in enumerate(lines, start=2):
        row = ImportRow(line=line, id_number=_text(_cell(values, columns, "id_number")))
        _check_person(row, known, _cell(values, columns, "name"), seen)
        if row.id_number.upper() in seen:
            row.errors.append(_("This person appears twice in the file."))
        seen.add(row.id_number.upper())
        category = _category(row, _cell(values, columns, "category"))
        income = _money(row, _cell(values, columns, "income"), _("Monthly income"))
        chosen = _money(row, _cell(values, columns, "chosen"), _("Amount chosen (farmers)"))
        extra = _money(row, _cell(values, columns, "extra"), _("Voluntary extra")) or Decimal("0.00")
        if category in INCOME_CATEGORIES and income is None and not row.errors:
            row.errors.append(_("Give the monthly income: the amount is a share of it."))
        row.values = {"category": category, "income": income, "chosen_amount": chosen, "extra": extra}
        if category and not row.errors:
            if policy is None:
                row.errors.append(_("No dues policy is in force on %(date)s.") % {"date": applies_from})
            else:
                try:
                    row.amount = monthly_amount(
                        policy.rates, category=category, income=income, chosen=chosen, extra=extra
                    )
                except ValidationError as exc:
                    row.errors.extend(exc.messages)
        result.append(row)
    return result


def collection_parse(*, user, uploaded, today: datetime.date) -> list[ImportRow]:
    """Read and check a collection sheet: one payment per row (ID card number, month [to month], paid on, amount,
    method, receipt). A month already paid, or twice in the file, is a row error. Nothing is written."""
    columns, lines = _rows(uploaded, "collection")
    known, seen, result = _people(user), set(), []
    parsed = []
    for line, values in enumerate(lines, start=2):
        row = ImportRow(line=line, id_number=_text(_cell(values, columns, "id_number")))
        _check_person(row, known, _cell(values, columns, "name"), set())
        first = _day(row, _cell(values, columns, "month"), _("Month"), month=True)
        last = _day(row, _cell(values, columns, "last_month"), _("To the month"), month=True) or first
        paid_on = _day(row, _cell(values, columns, "paid_on"), _("Paid on"))
        if first is None and not row.errors:
            row.errors.append(_("Give the month paid."))
        if paid_on is None and not row.errors:
            row.errors.append(_("Give the day of payment."))
        if paid_on and paid_on > today:
            row.errors.append(_("The day of payment cannot be in the future (%(date)s).") % {"date": paid_on})
        months = []
        if first and last:
            if last < first:
                row.errors.append(_("The last month comes after the first."))
            month = first
            while month <= last and len(months) <= 24:
                months.append(month)
                month = (month + datetime.timedelta(days=32)).replace(day=1)
        amount = _money(row, _cell(values, columns, "amount"), _("Amount"))
        if amount is not None and len(months) > 1:
            row.errors.append(_("An amount of your own is for one month; several months are each paid their due."))
        for month in months:
            key = (row.id_number.upper(), month)
            if key in seen:
                row.errors.append(
                    _("%(month)s of this person appears twice in the file.") % {"month": f"{month:%Y-%m}"}
                )
            seen.add(key)
        row.values = {
            "months": months,
            "paid_on": paid_on,
            "amount": amount,
            "method": _method(row, _cell(values, columns, "method")),
            "receipt": _text(_cell(values, columns, "receipt"))[:40],
        }
        row.amount = amount
        parsed.append(row)
        result.append(row)
    _check_paid_already(parsed)
    return result


def _check_paid_already(rows: list[ImportRow]) -> None:
    """A month paid already is a row error (one query for the file)."""
    wanted = {(r.person.pk, m) for r in rows if r.person for m in r.values.get("months", [])}
    if not wanted:
        return
    people = {p for p, _m in wanted}
    paid = set(
        Payment.objects.filter(kind=LineKind.ENTRY, month__person_id__in=people).values_list(
            "month__person_id", "month__month"
        )
    )
    for row in rows:
        for month in row.values.get("months", []):
            if row.person and (row.person.pk, month) in paid:
                row.errors.append(
                    _("%(month)s is paid already: a month is paid once; a change is a correction.")
                    % {"month": f"{month:%Y-%m}"}
                )


def _refuse_if_bad(rows: list[ImportRow]) -> None:
    bad = [r for r in rows if r.errors]
    if bad:
        raise ValidationError(_("%(n)s rows have errors; nothing was imported.") % {"n": len(bad)})
    if not rows:
        raise ValidationError(_("The file has no rows to import."))


def _in_row(row: ImportRow, exc: ValidationError) -> ValidationError:
    return ValidationError(
        _("Row %(line)s: %(message)s Nothing was imported.") % {"line": row.line, "message": " ".join(exc.messages)}
    )


@transaction.atomic
def payroll_commit(*, actor, rows: list[ImportRow], applies_from: datetime.date, now: datetime.datetime) -> int:
    """Every row through ``base_declare`` (confirmed: the branch imports it) with the actor's rights; all or none."""
    _refuse_if_bad(rows)
    today = timezone.localdate(now)
    for row in rows:
        try:
            base_declare(
                actor=actor, person=row.person, applies_from=applies_from, today=today, source="import", **row.values
            )
        except ValidationError as exc:
            raise _in_row(row, exc) from None
    return len(rows)


@transaction.atomic
def collection_commit(*, actor, rows: list[ImportRow], now: datetime.datetime) -> int:
    """Every row through ``dues_pay`` with the actor's rights; all or none. Returns the months paid."""
    _refuse_if_bad(rows)
    months = 0
    for row in rows:
        try:
            months += len(dues_pay(actor=actor, person=row.person, now=now, **row.values))
        except ValidationError as exc:
            raise _in_row(row, exc) from None
    return months
