from django.db import migrations

from core.unicode_migration import report_kept, stored_text_composed

FIELDS = {
    "School": ("name", "street", "city"),
    "Room": ("name", "building"),
    "DeviceModel": ("manufacturer", "name"),
    "Device": ("asset_tag", "serial_number", "manufacturer", "funding_programme", "notes"),
}


def compose(apps, schema_editor):
    kept = []
    for name, fields in FIELDS.items():
        kept += stored_text_composed(apps.get_model("inventory", name), fields)
    report_kept(kept)


class Migration(migrations.Migration):
    """Text of the inventory in Unicode's composed form (NFC), as every import and form
    writes it now: a tag typed on a Mac then matches the same tag in a file."""

    dependencies = [("inventory", "0003_school_loan_pool")]

    operations = [migrations.RunPython(compose, migrations.RunPython.noop)]
