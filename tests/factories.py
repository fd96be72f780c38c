"""Factories shared by every domain's tests."""

import datetime

import factory
from django.contrib.auth import get_user_model

from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode, Post, PostTitle
from apps.people.choices import MEMBER_STATUSES, PoliticalStatus
from apps.people.models import Person
from tests.dates import TODAY


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct-horse-42")


def make_node(*, parent=None, kind=NodeKind.BRANCH, name="支部", **fields) -> OrgNode:
    if parent is None:
        return OrgNode.objects.add_root({"kind": NodeKind.COMMITTEE, "name": name, **fields})
    parent.refresh_from_db()
    return OrgNode.objects.add_child(parent, {"kind": kind, "name": name, **fields})


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"党员{n}")
    political_status = PoliticalStatus.FULL
    birth_date = datetime.date(1985, 3, 1)
    id_number = factory.Sequence(lambda n: f"11{n:08d}19850301")
    full_member_on = datetime.date(2010, 7, 1)
    joined_on = datetime.date(2009, 7, 1)

    @factory.post_generation
    def membership(person, create, extracted, **kwargs):
        """A member on the roll holds their relationship in their node since the admission (membership history)."""
        if create and person.is_active and person.political_status in MEMBER_STATUSES and extracted is not False:
            from apps.membership.models import MembershipPeriod

            MembershipPeriod.objects.create(
                person=person, node=person.node, started_on=person.joined_on or datetime.date(2000, 1, 1),
                began="migrated",
            )  # fmt: skip


def give_post(*, person, node, title_code, started_on=datetime.date(2024, 1, 1), today=TODAY) -> Post:
    """Record a post and sync the holder's access (through the service, as the product does)."""
    from apps.organisations.services import post_assign

    return post_assign(
        actor=None,
        person=person,
        node=node,
        title=PostTitle.objects.get(code=title_code),
        started_on=started_on,
        today=today,
    )
