"""The default dues policy — the 2008 rules (中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》), in force
from the first day of 2008 so that every month of a ledger finds a policy; administrators edit it or add versions —
and the default reminder rules of arrears (ADR 7, ADR 10)."""

from django.db import migrations

POLICY = {
    "name": "2008年党费收缴规定（默认）",
    "effective_from": "2008-01-01",
    "employed_bands": "3000:0.5; 5000:1; 10000:1.5; *:2",
    "retired_bands": "5000:0.5; *:1",
    "farmer_min": "0.20",
    "farmer_default": "0.20",
    "farmer_max": "1.00",
    "fixed_amount": "0.20",
    "grace_months": 1,
    "remind_at_months": "3, 5",
    "flag_after_months": 6,
    "advance_max_months": 12,
}

RULES = [
    # source, name (zh-Hans, the primary language of the data), lead days, every n days overdue, recipients, digest
    ("dues.arrears", "党费欠交提醒（本人、支部书记）", "0", 0, ["subject", "secretary"], True),
    ("dues.arrears_decision", "连续6个月未交纳党费：提请支部研究处理", "0", 30, ["secretary", "committee_staff"], True),
]


def seed(apps, schema_editor):
    DuesPolicy = apps.get_model("dues", "DuesPolicy")
    if not DuesPolicy.objects.exists():
        DuesPolicy.objects.create(**POLICY)
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
    dependencies = [("dues", "0001_initial"), ("notifications", "0005_outbox_claims_and_doubts")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
