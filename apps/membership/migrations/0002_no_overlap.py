"""On PostgreSQL, periods of one person never overlap, enforced by the database too (an exclusion constraint over
date ranges; needs btree_gist). On SQLite the service's check under the person's row lock is the guard."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE membership_membershipperiod ADD CONSTRAINT period_no_overlap
    EXCLUDE USING gist (person_id WITH =, daterange(started_on, ended_on, '[]') WITH &&);
"""
DROP = "ALTER TABLE membership_membershipperiod DROP CONSTRAINT IF EXISTS period_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
