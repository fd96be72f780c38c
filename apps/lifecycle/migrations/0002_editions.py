"""The two national editions of the development rules; 2026 is the default for new committees."""

import datetime

from django.db import migrations

EDITIONS = [
    {
        "edition": "2014",
        "name": "中国共产党发展党员工作细则（2014）",
        "issued_on": datetime.date(2014, 6, 10),
        "candidate_publicity": False,
        "candidate_filing": True,
        "is_default": False,
    },
    {
        "edition": "2026.05",
        "name": "中国共产党发展党员工作细则（2026年修订）",
        "issued_on": datetime.date(2026, 5, 1),
        "candidate_publicity": True,
        "candidate_filing": False,
        "is_default": True,
    },
]


def seed(apps, schema_editor):
    RuleSet = apps.get_model("lifecycle", "RuleSet")
    for values in EDITIONS:
        RuleSet.objects.get_or_create(edition=values["edition"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
