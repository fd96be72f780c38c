"""The default reminder catalogue (data: staff may change it, committees may replace it with their own)."""

from django.db import migrations

RULES = [
    # source, name (zh-Hans, the primary language of the data), lead days, every n days overdue, recipients,
    # digest allowed
    ("lifecycle.step_due", "发展党员：步骤到期提醒（本人、培养联系人、支部）", "7, 3, 1, 0", 7,
     ["subject", "contacts", "secretary", "organiser"], True),
    ("lifecycle.step_due", "发展党员：逾期情况（党委组织部门）", "0", 7, ["committee_staff"], True),
    ("disclosure.window_closing", "公示期届满提醒", "1, 0", 0, ["secretary", "committee_staff"], True),
    ("disclosure.objection_due", "公示反映问题办理期限", "3, 1, 0", 7, ["secretary", "committee_staff"], False),
    ("organisations.term_ending", "换届提醒", "90, 30, 7, 0", 30, ["secretary", "committee_staff"], True),
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
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
