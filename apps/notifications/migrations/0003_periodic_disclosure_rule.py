"""A default rule for periodic disclosures due (党务公开 at fixed intervals)."""

from django.db import migrations

RULES = [
    ("disclosure.periodic_due", "定期党务公开到期提醒", "7, 0", 7, ["secretary", "committee_staff"], True),
]


def seed(apps, schema_editor):
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    for source, name, leads, every, recipients, digest in RULES:
        ReminderRule.objects.get_or_create(
            committee=None,
            source=source,
            name=name,
            defaults={
                "lead_days": leads,
                "overdue_every_days": every,
                "recipients": recipients,
                "digest_allowed": digest,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_default_rules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
