"""The default reminder rules of organisational life (data: staff may change them, organisations replace them)."""

from django.db import migrations

RULES = [
    # source, name (zh-Hans, the primary language of the data), lead days, every n days overdue, recipients,
    # digest allowed
    ("orglife.meeting_notice", "会议通知（参会人员）", "3, 1, 0", 0, ["contacts"], False),
    ("orglife.kind_behind", "组织生活未按期开展提醒", "10, 3", 0, ["secretary", "organiser"], True),
    ("orglife.minutes_missing", "会议记录未录入提醒", "0", 7, ["secretary", "organiser"], True),
    ("orglife.leave_waiting", "请假申请待审批", "2, 0", 0, ["secretary"], False),
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
    dependencies = [
        ("orglife", "0001_initial"),
        ("notifications", "0005_outbox_claims_and_doubts"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
