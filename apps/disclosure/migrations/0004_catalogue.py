"""The default disclosure catalogue (党务公开条例（试行） 2017, for a base organisation). Data: staff edit it."""

from django.db import migrations

CATALOGUE = [
    # code, name, scope, cadence, period (months), window, unit, signed objections only, order
    ("goals", "党建工作目标及完成情况", "organisation", "periodic", 6, 10, "working", False, 10),
    ("meetings", "“三会一课”开展情况", "branch", "periodic", 3, 5, "working", False, 20),
    ("elections", "党组织换届选举", "organisation", "immediate", None, 5, "working", True, 30),
    ("development", "发展党员公示", "unit", "immediate", None, 5, "working", True, 40),
    ("appraisal", "民主评议党员结果", "branch", "periodic", 12, 5, "working", True, 50),
    ("dues", "党费收缴、使用和管理情况", "organisation", "periodic", 12, 10, "calendar", False, 60),
    ("discipline", "党纪处分决定", "organisation", "immediate", None, 5, "working", True, 70),
    ("masses", "联系服务群众情况", "unit", "periodic", 6, 10, "calendar", False, 80),
]


def seed(apps, schema_editor):
    Category = apps.get_model("disclosure", "Category")
    for code, name, scope, cadence, period, window, unit, signed, order in CATALOGUE:
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "default_scope": scope, "cadence": cadence, "period_months": period,
                "window_length": window, "window_unit": unit, "signed_objections_only": signed, "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0003_catalogue_versions_chain")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
