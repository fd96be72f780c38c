"""Four-eyes on notices (who checked, who approved, who edited the draft) and corrections as drafts of their own."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0005_objections_attachments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="approved_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="approved by",
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="checked_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="checked by",
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="correction_note",
            field=models.CharField(blank=True, max_length=300, verbose_name="correction"),
        ),
        migrations.AddField(
            model_name="notice",
            name="corrects",
            field=models.ForeignKey(
                blank=True,
                help_text="The published notice whose next version this draft becomes once approved and published.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="corrections",
                to="disclosure.notice",
                verbose_name="corrects",
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="editors",
            field=models.ManyToManyField(
                blank=True,
                help_text="Everyone who changed the draft: like its author, none of them may check or approve it.",
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="edited by",
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("checked", "Checked for secrecy and accuracy"),
                    ("approved", "Approved"),
                    ("published", "Published"),
                    ("closed", "Closed"),
                    ("archived", "Archived"),
                    ("held", "On hold"),
                    ("merged", "Published as a correction"),
                ],
                db_index=True,
                default="published",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AddConstraint(
            model_name="notice",
            constraint=models.UniqueConstraint(
                condition=models.Q(("corrects__isnull", False), ("status__in", ["draft", "checked", "approved"])),
                fields=("corrects",),
                name="notice_one_open_correction",
            ),
        ),
    ]
