import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _content_type_follows(apps, schema_editor):
    """The admin's records and permissions of import jobs follow the model to this app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="imports", model="importjob").exists():
        content_type.objects.filter(app_label="core", model="importjob").update(
            app_label="imports"
        )


class Migration(migrations.Migration):
    """The import job moves from the basics to its own app; its table stays as it is."""

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_user_directory_link"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_content_type_follows, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='ImportJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=30, verbose_name='kind')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('filename', models.CharField(max_length=255, verbose_name='file name')),
                ('content', models.BinaryField(verbose_name='file')),
                ('options', models.JSONField(blank=True, default=dict, verbose_name='options')),
                ('status', models.CharField(choices=[('uploaded', 'uploaded'), ('previewing', 'being checked'), ('previewed', 'checked'), ('applying', 'being imported'), ('applied', 'imported'), ('failed', 'failed')], default='uploaded', max_length=20, verbose_name='status')),
                ('progress_done', models.PositiveIntegerField(default=0, verbose_name='progress done')),
                ('progress_total', models.PositiveIntegerField(default=0, verbose_name='progress total')),
                ('report', models.JSONField(blank=True, null=True, verbose_name='report')),
                ('error', models.JSONField(blank=True, null=True, verbose_name='error')),
                ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='import_jobs', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
            ],
            options={
                'verbose_name': 'import',
                'verbose_name_plural': 'imports',
                'db_table': 'core_importjob',
                'ordering': ['-created_at', '-id'],
            },
        ),
            ],
        ),
    ]
