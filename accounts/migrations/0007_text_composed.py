from django.db import migrations

from core.unicode_migration import report_kept, stored_text_composed

FIELDS = {
    "SchoolClass": ("name",),
    "Person": ("first_name", "last_name", "external_id", "short_code"),
}


def compose(apps, schema_editor):
    kept = []
    for name, fields in FIELDS.items():
        kept += stored_text_composed(apps.get_model("accounts", name), fields)
    report_kept(kept)


class Migration(migrations.Migration):
    """Names of people and classes in Unicode's composed form (NFC), as the roster import
    writes them now: a name typed on a Mac then matches the same name in the next file."""

    dependencies = [("accounts", "0006_accesslog_create_loan_agreement_loan_export")]

    operations = [migrations.RunPython(compose, migrations.RunPython.noop)]
