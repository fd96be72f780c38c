"""The members on the roll get their current membership period from the records that existed before; a default
reminder rule for transfers not completed by their reporting day."""

from django.db import migrations

from apps.membership.backfill import place_members


def place(apps, schema_editor):
    place_members(
        apps.get_model("people", "Person"),
        apps.get_model("membership", "MembershipPeriod"),
        apps.get_model("lifecycle", "StepRecord"),
    )


def rule(apps, schema_editor):
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    ReminderRule.objects.get_or_create(
        committee=None,
        source="membership.transfer_pending",
        name="组织关系转接未完成提醒",
        defaults={
            "lead_days": "3, 0",
            "overdue_every_days": 7,
            "recipients": ["secretary", "committee_staff"],
            "digest_allowed": True,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0002_no_overlap"),
        ("lifecycle", "0005_registry_repeatable_kinds"),
        ("notifications", "0003_periodic_disclosure_rule"),
    ]
    operations = [
        migrations.RunPython(place, migrations.RunPython.noop),
        migrations.RunPython(rule, migrations.RunPython.noop),
    ]
