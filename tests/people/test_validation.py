"""ID card numbers (GB 11643-1999) and phone numbers are checked where they are entered or changed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.people.choices import PoliticalStatus
from apps.people.demo import demo_id_number
from apps.people.models import Person
from apps.people.services import person_create, person_update
from apps.people.validators import id_number_birth_date, id_number_check_character, validate_phone
from tests.conftest import sign_in
from tests.dates import TODAY

# The example of GB 11643-1999 itself: born 1949-12-31, check character X.
STANDARD_EXAMPLE = "11010519491231002X"


def test_the_standards_example_is_accepted_and_carries_its_date_of_birth():
    assert id_number_check_character(STANDARD_EXAMPLE[:17]) == "X"
    assert id_number_birth_date(STANDARD_EXAMPLE) == datetime.date(1949, 12, 31)
    assert id_number_birth_date(STANDARD_EXAMPLE.lower()) == datetime.date(1949, 12, 31)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_number_check"),  # one character off: the check character no longer matches
        ("110105194912130020", "id_number_check"),  # two digits swapped
        ("11010519491231002", "id_number_shape"),  # 17 characters
        ("110105491231002", "id_number_shape"),  # the 15-digit cards of before 1999
        ("1101051949123100ZX", "id_number_shape"),
        ("110105194902300020", "id_number_date"),  # 30 February
        ("110105189912310023", "id_number_date"),  # 1899
    ],
)
def test_malformed_id_card_numbers_are_refused(value, code):
    with pytest.raises(ValidationError) as refused:
        id_number_birth_date(value)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "value",
    ["13912345678", "+8613912345678", "+86 139 1234 5678", "139-1234-5678", "010-62345678", "0571 87654321",
     "+86 10 62345678", "021-62345678-123", "0571-87654321转8001"],
)  # fmt: skip
def test_plausible_phone_numbers_are_accepted(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["1", "12345", "12912345678", "1391234567", "139123456789", "62345678", "abc"])
def test_implausible_phone_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


def test_demo_id_numbers_are_well_formed_and_carry_the_date_of_birth():
    born = datetime.date(1987, 6, 5)
    assert {demo_id_number(seq, born) for seq in range(1, 3000)}.__len__() == 2999
    assert id_number_birth_date(demo_id_number(1234, born)) == born


def test_a_new_person_with_a_mistyped_id_card_number_is_refused_with_a_sentence_and_nothing_saved(world):
    with pytest.raises(ValidationError) as refused:
        person_create(
            actor=world.users["secretary_a"],
            node=world.branch_a,
            name="新同志",
            political_status=PoliticalStatus.APPLICANT,
            id_number="110105194912310021",
            today=TODAY,
        )
    assert "身份证号码" in refused.value.message_dict["id_number"][0]
    assert not Person.objects.filter(name="新同志").exists()


def test_the_date_of_birth_must_agree_with_the_id_card_number(world):
    with pytest.raises(ValidationError) as refused:
        person_create(
            actor=world.users["secretary_a"],
            node=world.branch_a,
            name="新同志",
            political_status=PoliticalStatus.APPLICANT,
            id_number=STANDARD_EXAMPLE,
            birth_date=datetime.date(1950, 1, 1),
            today=TODAY,
        )
    assert "1949-12-31" in refused.value.message_dict["id_number"][0]
    person = person_create(
        actor=world.users["secretary_a"],
        node=world.branch_a,
        name="新同志",
        political_status=PoliticalStatus.APPLICANT,
        id_number=STANDARD_EXAMPLE.lower(),
        birth_date=datetime.date(1949, 12, 31),
        today=TODAY,
    )
    assert person.id_number == STANDARD_EXAMPLE
    # changing the date of birth alone is checked against the number on record
    with pytest.raises(ValidationError) as refused:
        person_update(
            actor=world.users["secretary_a"],
            person=person,
            fields={"birth_date": datetime.date(1949, 1, 1)},
            today=TODAY,
        )
    assert "birth_date" in refused.value.message_dict


def test_an_old_mistyped_number_on_record_does_not_stop_a_phone_correction(world):
    me = world.people["member_a"]
    Person.objects.filter(pk=me.pk).update(id_number="123")
    person_update(
        actor=world.users["member_a"], person=me, fields={"phone": "13912345678"}, self_service=True, today=TODAY
    )
    me.refresh_from_db()
    assert me.phone == "13912345678"


@pytest.mark.usefixtures("today")
def test_my_profile_refuses_an_implausible_phone_number_in_chinese_and_keeps_the_input(client, world):
    sign_in(client, world.users["member_a"])
    response = client.post(reverse("portal:my_profile"), {"phone": "12345", "email": "a@example.org"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "手机号码" in body and 'value="12345"' in body
    world.people["member_a"].refresh_from_db()
    assert world.people["member_a"].phone != "12345"


@pytest.mark.usefixtures("today")
def test_the_admin_shows_an_id_card_error_next_to_the_field_and_keeps_the_input(client, world):
    person = world.people["plain_a"]
    sign_in(client, world.users["secretary_a"])
    url = reverse("admin:people_person_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"id_number": "110105194912310021", "birth_date": "1949-12-31", "family-TOTAL_FORMS": "0"})
    data.update({"family-INITIAL_FORMS": "0", "family-MIN_NUM_FORMS": "0", "family-MAX_NUM_FORMS": "1000"})
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "身份证号码" in errors["id_number"][0]
    assert 'value="110105194912310021"' in response.content.decode()
    person.refresh_from_db()
    assert person.birth_date == datetime.date(1985, 3, 1)
