"""A roster import run the production way: uploaded over the API, previewed and applied by
a real Celery worker on Redis, against the same database the test reads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Person
from tests.accounts.roster_files import schild_students
from tests.factories import SchoolFactory, UserFactory
from tests.integration.test_import_worker import wait_for

pytestmark = pytest.mark.integration


def test_a_roster_is_previewed_and_applied_by_the_worker(celery_worker, transactional_db):
    school = SchoolFactory(number="165432")
    coordinator = UserFactory(username="koord", role="coordinator", schools=[school])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator)
    data = schild_students(
        [("5a", "Müller", "Anna", "01.02.2015", "101"), ("6b", "Kaya", "Elif", "04.04.2014", "102")]
    )

    upload = client.post(
        "/api/v1/imports/students",
        {"file": SimpleUploadedFile("schueler.csv", data), "school": "165432"},
    )

    assert upload.status_code == 202, upload.content
    preview = wait_for(client, upload.json()["id"], "previewed")
    assert preview["counts"]["create"] == 2
    assert sorted(preview["new_classes"]) == ["5a", "6b"]
    assert not Person.objects.exists()

    confirm = client.post(f"/api/v1/imports/{preview['id']}/confirm", {}, "application/json")
    assert confirm.status_code == 202, confirm.content
    done = wait_for(client, preview["id"], "applied")

    assert sorted(row["login"] for row in done["rows"]) == ["anna.mueller", "elif.kaya"]
    assert sorted(Person.objects.values_list("login", "school_class__name")) == [
        ("anna.mueller", "5a"),
        ("elif.kaya", "6b"),
    ]
