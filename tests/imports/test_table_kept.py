"""The import job moved to its own app without losing a stored job: an installation that
has imports keeps them, and the admin's records of them follow."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("core", "0005_user_directory_link"), ("imports", None)]


@pytest.mark.django_db(transaction=True)
def test_a_job_stored_before_the_move_is_still_there_after_it():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE[0]).apps.get_model("core", "ImportJob")
    old.objects.create(kind="devices", filename="geraete.xlsx", content=b"PK", status="previewed")
    # As in an installation from before the move: the model's type is the basics' one.
    ContentType.objects.filter(app_label="imports").delete()
    old_type = ContentType.objects.get_or_create(app_label="core", model="importjob")[0]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from imports.models import ImportJob

    job = ImportJob.objects.get()
    assert (job.kind, job.filename, bytes(job.content), job.status) == (
        "devices",
        "geraete.xlsx",
        b"PK",
        "previewed",
    )
    old_type.refresh_from_db()
    assert (old_type.app_label, old_type.model) == ("imports", "importjob")
