from django.db import migrations


class Migration(migrations.Migration):
    """The import job now belongs to the imports app, which keeps its table."""

    dependencies = [
        ("core", "0005_user_directory_link"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportJob")],
        ),
    ]
