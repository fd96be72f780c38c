"""What a reviewer found on the assessment pages: a line that says zero is not an event, ranks only once a peer
group's every sheet has its result, the year-end result and the grades only after a ticked confirmation, the scheme
page in words (no stored JSON, no source codes), the sheets to review on the home to-do, the sheets in the admin."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.assessment import scoring
from apps.assessment.choices import SheetStatus
from apps.assessment.forms import column_from_post, is_zero_line
from apps.assessment.models import Sheet
from apps.assessment.services import results_compute, sheet_submit
from tests.conftest import sign_in
from tests.dates import TODAY, at

from .conftest import YEAR, build_scheme
from .test_services import SELF, evidence, reviewed, sheet_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]
NOW = at(TODAY)


@pytest.mark.parametrize(
    ("line", "zero"),
    [("0", True), ("无", True), ("表彰 0 次", True), ("表彰0次", True), ("表彰：0.0", True), ("表彰 0", True),
     ("表彰0", False), ("表彰1", False), ("表彰", False), ("2025年表彰0", False), ("表彰10", False),
     ("第0号表彰决定", False)],
)  # fmt: skip
def test_a_line_that_says_zero_is_not_an_event(line, zero):
    assert is_zero_line(line) is zero


def test_zero_lines_earn_no_bonus():
    sheet = scoring.Sheet(
        bands=[scoring.Band("好", 0)],
        indicators=[
            scoring.Indicator(code="A3", title="", max=Decimal(3), mode="bonus", params={"points": "1", "cap": "3"})
        ],
    )
    facts, _notes = column_from_post(sheet, {"f_A3": "表彰 0 次\n无\n市级表彰"})
    assert facts == {"A3": {"events": [{"key": "市级表彰"}]}}
    facts, _notes = column_from_post(sheet, {"f_A3": "表彰：0"})
    assert facts == {}  # nothing claimed
    assert scoring.score(sheet, facts).indicators["A3"] == 0


def test_saving_keeps_an_event_whose_name_ends_in_zero():
    """Events recorded as "表彰0", "表彰1" come back from the form as they were: a save never drops one."""
    sheet = scoring.Sheet(
        bands=[scoring.Band("好", 0)],
        indicators=[
            scoring.Indicator(code="B3", title="", max=Decimal(3), mode="bonus", params={"points": "1", "cap": "3"})
        ],
    )
    facts, _notes = column_from_post(sheet, {"f_B3": "表彰0\n表彰1"})
    assert facts == {"B3": {"events": [{"key": "表彰0"}, {"key": "表彰1"}]}}
    assert scoring.score(sheet, facts).indicators["B3"] == 2


def test_ranks_wait_for_every_sheet_of_the_peer_group(world, plain_scheme):
    reviewed(world, plain_scheme, world.branch_a)
    results_compute(actor=world.users["staff"], scheme=plain_scheme, now=NOW)
    first = sheet_of(plain_scheme, world.branch_a)
    assert first.locked and first.rank is None  # branch B's sheet (same peer group) is still open
    reviewed(world, plain_scheme, world.branch_b)
    results_compute(actor=world.users["staff"], scheme=plain_scheme, now=NOW)
    ranks = sorted(Sheet.objects.filter(scheme=plain_scheme).values_list("rank", flat=True))
    assert ranks in ([1, 2], [1, 1])


def test_the_year_end_result_and_the_grades_need_a_ticked_confirmation(client, world, plain_scheme):
    reviewed(world, plain_scheme, world.branch_a)
    sign_in(client, world.users["staff"])
    url = reverse("assessment:scheme_action", args=[plain_scheme.pk, "results"])
    page = client.post(url, {}, follow=True).content.decode()
    assert not sheet_of(plain_scheme, world.branch_a).locked  # nothing done
    assert "confirm" in page or "确认" in page
    client.post(url, {"confirm": "1"})
    sheet = sheet_of(plain_scheme, world.branch_a)
    assert sheet.locked and sheet.status == SheetStatus.FINAL
    grades = reverse("assessment:scheme_action", args=[plain_scheme.pk, "grades"])
    worst = list(plain_scheme.band_set.bands.order_by("min_points").values_list("grade", flat=True))[0]
    client.post(grades, {f"grade_{sheet.pk}": worst})
    assert sheet_of(plain_scheme, world.branch_a).grade == sheet.grade  # not without the box ticked
    client.post(grades, {f"grade_{sheet.pk}": worst, "confirm": "1"})
    assert sheet_of(plain_scheme, world.branch_a).grade == worst


def test_the_scheme_page_says_the_rules_in_words(client, world, scheme):
    sign_in(client, world.users["staff"])
    page = client.get(reverse("assessment:scheme", args=[scheme.pk])).content.decode()
    assert "orglife.meetings_missing" not in page and "{&#x27;" not in page and "{'" not in page
    assert "应开未开" in page or "Meetings owed and not held" in page or "三会一课" in page


def test_sheets_to_review_are_on_the_home_to_do(client, world, plain_scheme):
    sheet = sheet_of(plain_scheme, world.branch_a)
    evidence(world, sheet)
    from apps.assessment.services import sheet_save_self

    sheet_save_self(actor=world.users["secretary_a"], sheet=sheet, facts=SELF, notes={}, now=NOW)
    sheet_submit(actor=world.users["secretary_a"], sheet=sheet, now=NOW)
    sign_in(client, world.users["staff"])
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("assessment:sheet", args=[sheet.pk]) in home
    sign_in(client, world.users["secretary_a"])  # the branch does not review its own sheet
    assert reverse("assessment:sheet", args=[sheet.pk]) not in client.get(reverse("portal:home")).content.decode()


def test_the_admin_lists_the_sheets_read_only(client, world, plain_scheme):
    sign_in(client, world.users["staff"])
    sheet = sheet_of(plain_scheme, world.branch_a)
    page = client.get(reverse("admin:assessment_sheet_change", args=[sheet.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert datetime.date(YEAR, 1, 1).year == YEAR


def test_the_admin_edits_the_scoring_parameters_as_fields_not_json(client, world):
    """A draft scheme's indicators in the admin: stacked, each parameter a field of its own (grades as 好=5; …),
    read back into the stored parameters; a grade written wrongly is a translated error, nothing saved."""
    from apps.assessment.admin import IndicatorForm
    from apps.assessment.models import Indicator

    scheme = build_scheme(world, publish=False)
    sign_in(client, world.users["staff"])
    page = client.get(reverse("admin:assessment_scheme_change", args=[scheme.pk])).content.decode()
    assert "好=5; 较好=4; 一般=2; 较差=0" in page and "-params" not in page
    graded = Indicator.objects.get(scheme=scheme, code="A2")
    form = IndicatorForm(instance=graded)
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"grades": "好=5；较好：3, 一般=1\n较差=0", "evidence_required": "on"})
    bound = IndicatorForm(data=data, instance=graded)
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["params"] == {"grades": {"好": "5", "较好": "3", "一般": "1", "较差": "0"}}
    bad = IndicatorForm(data={**data, "grades": "好 5"}, instance=graded)
    assert not bad.is_valid() and list(bad.errors) == ["grades"]
    deduct = Indicator.objects.get(scheme=scheme, code="A1")
    form = IndicatorForm(instance=deduct)
    assert form["points"].value() == "0.5"
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    bound = IndicatorForm(data={**data, "points": "1.50", "cap": "9"}, instance=deduct)
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["params"] == {"points": "1.5"}  # a deduction has no cap: not kept


def test_removing_an_indicator_goes_through_the_service_takes_its_items_and_is_audited(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    from apps.assessment.models import Indicator
    from apps.assessment.services import indicator_delete
    from apps.audit.models import AuditEntry

    scheme = build_scheme(world, publish=False)
    category = Indicator.objects.get(scheme=scheme, code="B")
    under = set(Indicator.objects.filter(parent=category).values_list("code", flat=True))
    with pytest.raises(PermissionDenied):
        indicator_delete(actor=world.users["secretary_a"], indicator=category)
    assert indicator_delete(actor=world.users["staff"], indicator=category) == 1 + len(under)
    assert not Indicator.objects.filter(scheme=scheme, code__in={"B", *under}).exists()
    entry = AuditEntry.objects.get(action="assessment.indicator_deleted")
    assert entry.note.startswith("B") and entry.actor == world.users["staff"]
    published = build_scheme(world, year=YEAR + 1)
    with pytest.raises(ValidationError, match="frozen"):
        indicator_delete(actor=world.users["staff"], indicator=published.indicators.first())


def _form_values(html: str) -> dict:
    """Every field of the page's forms with the value the browser would send (inputs, checked boxes, selected
    options, text areas), as a browser submits them."""
    from html.parser import HTMLParser

    values: dict = {}

    class Fields(HTMLParser):
        select = None
        textarea = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            name = a.get("name")
            if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
                if a.get("type") in ("checkbox", "radio"):
                    if "checked" in a:
                        values[name] = a.get("value", "on")
                else:
                    values[name] = a.get("value", "")
            elif tag == "select" and name:
                self.select = name
                values.setdefault(name, "")
            elif tag == "option" and self.select and "selected" in a:
                values[self.select] = a.get("value", "")
            elif tag == "textarea" and name:
                self.textarea = name
                values[name] = ""

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            if tag == "textarea":
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                values[self.textarea] += data.lstrip("\n") if not values[self.textarea] else data

    Fields(convert_charrefs=True).feed(html)
    return values


def test_saving_a_draft_scheme_with_its_indicators_in_the_admin(client, world):
    """The scheme's change page with its indicator rows saves (it answered 500: the change message read the
    formset's saved objects, which the services' save never set), the change made through the service."""
    from apps.assessment.models import Indicator

    scheme = build_scheme(world, publish=False)
    sign_in(client, world.users["staff"])
    url = reverse("admin:assessment_scheme_change", args=[scheme.pk])
    data = _form_values(client.get(url).content.decode())
    key = next(k for k, v in data.items() if k.endswith("-code") and v == "A1")
    data[key.replace("-code", "-points")] = "0.75"
    data["_continue"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Indicator.objects.get(scheme=scheme, code="A1").params == {"points": "0.75"}


def test_a_published_schemes_indicators_read_their_scoring_in_words_in_the_admin(client, world):
    """Read only, the indicators show their scoring as the scheme's page says it — never the edit form's fields
    printed as 'Scored as: None'."""
    scheme = build_scheme(world)
    sign_in(client, world.users["admin"])
    page = client.get(reverse("admin:assessment_scheme_change", args=[scheme.pk])).content.decode()
    assert "Scored as" not in page and "Caps grade at" not in page and ": None" not in page
    assert "计分" in page and "0.5" in page  # A1 in words: 0.5 points deducted per event
