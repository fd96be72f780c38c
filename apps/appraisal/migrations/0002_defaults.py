"""The default appraisal policy (fewest voters 5, 优秀 at most one third, report points 100/80/60/40) and the
default reminder rules of the ballots (ADR 7, ADR 14). Administrators edit both."""

from django.db import migrations

RULES = [
    # source, name (zh-Hans, the primary language of the data), lead days, every n days overdue, recipients, digest
    ("appraisal.ballot_open", "民主评议党员：投票开始", "0", 0, ["subject"], False),
    ("appraisal.ballot_closing", "民主评议党员：投票即将截止", "2", 0, ["subject"], False),
    ("appraisal.survey_closing", "满意度测评即将截止", "3, 0", 0, ["secretary"], True),
]


def seed(apps, schema_editor):
    AppraisalPolicy = apps.get_model("appraisal", "AppraisalPolicy")
    if not AppraisalPolicy.objects.filter(committee__isnull=True).exists():
        AppraisalPolicy.objects.create(committee=None)
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
    dependencies = [("appraisal", "0001_initial"), ("notifications", "0008_objection_answered_rule")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
