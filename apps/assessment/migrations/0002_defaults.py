"""The default band sets (好/较好/一般/较差 with at most one third 好; 优秀/合格/基本合格/不合格 with at most one
third 优秀; the star bands, 80 to pass) and the default reminder rules of the assessment (ADR 7, ADR 13). Data:
administrators edit them."""

from django.db import migrations

BAND_SETS = [
    # name, star, [(grade, from, quota numerator, quota denominator)]
    ("好/较好/一般/较差", False, [("好", 90, 1, 3), ("较好", 80, None, None), ("一般", 60, None, None), ("较差", 0, None, None)]),
    (
        "优秀/合格/基本合格/不合格",
        False,
        [("优秀", 90, 1, 3), ("合格", 70, None, None), ("基本合格", 60, None, None), ("不合格", 0, None, None)],
    ),
    (
        "星级（100分，80分达标）",
        True,
        [("五星", 95, None, None), ("四星", 90, None, None), ("三星", 85, None, None), ("达标", 80, None, None),
         ("未达标", 0, None, None)],
    ),
]

RULES = [
    # source, name (zh-Hans, the primary language of the data), lead days, every n days overdue, recipients, digest
    ("assessment.self_due", "目标责任制考核：自评截止提醒", "7, 1", 3, ["secretary"], True),
    ("assessment.review_due", "目标责任制考核：审核截止提醒", "3, 0", 3, ["committee_staff"], True),
    ("assessment.returned", "目标责任制考核：自评被退回", "0", 0, ["secretary"], False),
]


def seed(apps, schema_editor):
    BandSet = apps.get_model("assessment", "BandSet")
    Band = apps.get_model("assessment", "Band")
    for name, star, bands in BAND_SETS:
        band_set, created = BandSet.objects.get_or_create(name=name, defaults={"is_star": star})
        if created:
            for grade, minimum, numerator, denominator in bands:
                Band.objects.create(
                    band_set=band_set,
                    grade=grade,
                    min_points=minimum,
                    quota_numerator=numerator,
                    quota_denominator=denominator,
                )
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
    dependencies = [("assessment", "0001_initial"), ("notifications", "0008_objection_answered_rule")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
