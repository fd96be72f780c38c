"""The default rule of the news that a scheduled report is ready: to its owner, at once, in the portal and by e-mail
(a link to the reports page; never the file)."""

from django.db import migrations

RULES = [("reports.ready", "定期报表已生成", "0", 0, ["subject"], False)]


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
    dependencies = [("reports", "0001_initial"), ("notifications", "0008_objection_answered_rule")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
