from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.organisations.choices import NodeKind
from apps.organisations.models import OrgNode, Term
from apps.organisations.permissions import scope_paths
from apps.organisations.selectors import node_overviews
from apps.people.choices import PoliticalStatus
from apps.people.models import Person
from tests.dates import TODAY


def test_seed_demo_builds_a_realistic_committee(db):
    out = StringIO()
    call_command("seed_demo", "--members", "300", stdout=out)
    assert OrgNode.objects.filter(kind=NodeKind.COMMITTEE).count() == 1
    assert OrgNode.objects.filter(kind=NodeKind.GENERAL_BRANCH).count() == 3
    assert 18 <= OrgNode.objects.filter(kind=NodeKind.BRANCH).count() <= 22
    assert OrgNode.objects.filter(kind=NodeKind.GROUP).exists()
    assert Person.objects.count() >= 300
    statuses = set(Person.objects.values_list("political_status", flat=True))
    assert statuses == set(PoliticalStatus.values)
    codes = {w.code for o in node_overviews(nodes=list(OrgNode.objects.all()), today=TODAY) for w in o.warnings}
    assert {"too_few_members", "term_expiring", "term_expired"} <= codes
    assert Term.objects.filter(closed_on__isnull=True).count() >= 5
    for username in ("admin", "zuzhiyuan", "shuji_yichejian", "dangyuan", "shenqingren", "qunzhong"):
        assert username in out.getvalue()
    user = get_user_model().objects.get(username="shuji_yichejian")
    assert user.is_staff and len(scope_paths(user, "organisations.view_scope")) == 1
    assert not get_user_model().objects.get(username="dangyuan").is_staff


def test_seed_demo_if_empty_is_idempotent(db):
    call_command("seed_demo", "--members", "50", stdout=StringIO())
    count = Person.objects.count()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert Person.objects.count() == count
    assert "demo-pass-2026" in out.getvalue()


def test_seed_demo_places_every_member_on_a_roll(db):
    from apps.membership.models import ContactLoss, Transfer
    from apps.membership.selectors import members_without_period

    call_command("seed_demo", "--members", "300", stdout=StringIO())
    assert not members_without_period().exists()  # the move to membership periods placed everyone
    assert Transfer.objects.filter(state="requested").exists() and Transfer.objects.filter(state="sent").exists()
    assert ContactLoss.objects.filter(found_on__isnull=True).exists()
