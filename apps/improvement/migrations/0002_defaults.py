"""The default improvement policy (a member makes 2–5 commitments, an organisation at least 3), the commitment
categories (学习、工作、自律、服务), the disclosure categories of published commitments (党员承诺公开) and of
the progress of corrective actions (整改落实情况) and the default
reminder rules of corrective actions and quarterly progress (ADR 7). Administrators edit all of them."""

from django.db import migrations

CATEGORIES = [("study", "学习", 10), ("work", "工作", 20), ("discipline", "自律", 30), ("service", "服务", 40)]
RULES = [
    # source, name (zh-Hans, the primary language of the data), lead days, every n days overdue, recipients, digest
    ("improvement.corrective_due", "整改事项到期", "7, 0", 7, ["subject", "secretary"], True),
    ("improvement.progress_due", "承诺践诺情况按季度记录", "14, 0", 0, ["subject"], True),
]


def seed(apps, schema_editor):
    ImprovementPolicy = apps.get_model("improvement", "ImprovementPolicy")
    if not ImprovementPolicy.objects.filter(committee__isnull=True).exists():
        ImprovementPolicy.objects.create(committee=None)
    CommitmentCategory = apps.get_model("improvement", "CommitmentCategory")
    for code, name, order in CATEGORIES:
        CommitmentCategory.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    Category = apps.get_model("disclosure", "Category")
    Category.objects.get_or_create(
        code="commitments",
        defaults={
            "name": "党员承诺公开", "default_scope": "branch", "cadence": "immediate", "period_months": None,
            "window_length": 5, "window_unit": "working", "signed_objections_only": False, "order": 90,
        },
    )  # fmt: skip
    Category.objects.get_or_create(
        code="corrections",
        defaults={
            "name": "整改落实情况", "default_scope": "organisation", "cadence": "immediate", "period_months": None,
            "window_length": 5, "window_unit": "working", "signed_objections_only": False, "order": 95,
        },
    )  # fmt: skip
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
        ("improvement", "0001_initial"),
        ("notifications", "0008_objection_answered_rule"),
        ("disclosure", "0006_corrections_and_four_eyes"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
