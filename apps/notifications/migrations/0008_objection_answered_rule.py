"""The default rule of the news that an objection was answered: to its reporter, at once, in the portal and by
e-mail (never in a digest)."""

from django.db import migrations

RULES = [
    ("disclosure.objection_answered", "异议答复通知", "0", 0, ["subject"], False),
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
    dependencies = [("notifications", "0007_reminder_done_at")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
