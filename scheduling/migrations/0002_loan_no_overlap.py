"""No device on two holding loans whose periods overlap: an exclusion constraint on
PostgreSQL. SQLite has none; there scheduling.booking checks inside a serialised write
transaction. btree_gist is a trusted extension (PostgreSQL 13+): the database owner may
create it."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_loan ADD CONSTRAINT loan_device_no_overlap
    EXCLUDE USING gist (
        device_id WITH =,
        daterange(starts_on, ends_on, '[]') WITH &&
    ) WHERE (status IN ('reserved', 'on_loan'));
"""
DROP = "ALTER TABLE scheduling_loan DROP CONSTRAINT IF EXISTS loan_device_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
