"""The Art. 15 export: everything held about one person as one JSON document."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.access_log import access_log_record
from accounts.handout import initial_passwords_keep
from accounts.models import AccessLogEntry
from scheduling.history import loan_event_write
from scheduling.models import LoanReminder, LoanStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.factories import DeviceFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(school_a, teacher):
    person = PersonFactory(
        school=school_a,
        school_class=SchoolClassFactory(school=school_a, name="5a", school_year=2026),
        first_name="Anna",
        last_name="Müller",
        birth_date=datetime.date(2014, 5, 17),
        external_id="4711",
        login="anna.mueller",
        dn="uid=anna.mueller,ou=students,ou=165432,ou=schools,dc=example,dc=org",
        uid_number=30001,
    )
    device = DeviceFactory(school=school_a, asset_tag="LT-0815")
    loan = LoanFactory(
        student=person,
        device=device,
        status=LoanStatus.ON_LOAN,
        requested_by=teacher,
        guardian_name="Petra Müller",
        accessories_out=["charger", "case"],
        condition_out="wie neu",
        note="Homeschooling",
        handed_out_at=timezone.now(),
    )
    loan_event_write(loan=loan, device=device, event="handed_out", actor=teacher)
    LoanReminder.objects.create(
        loan=loan,
        kind="before_due",
        due_on=loan.ends_on,
        sent_on=loan.ends_on - datetime.timedelta(days=3),
        recipients=["petra@example.org"],
    )
    initial_passwords_keep({person.pk: "Geheim-123"})
    access_log_record(actor=teacher, action="view", via="web", people=[person])
    # Someone else's loan and log entry must not be in Anna's export.
    other = PersonFactory(school=school_a)
    LoanFactory(student=other, guardian_name="Fremd")
    access_log_record(actor=teacher, action="view", via="web", people=[other])
    return person


def test_the_export_holds_the_persons_data_loans_reminders_history_and_log(
    client_for, it_admin, anna, django_assert_max_num_queries
):
    client = client_for(it_admin)
    with django_assert_max_num_queries(14):
        response = client.get(f"/api/v1/people/{anna.pk}/export")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert set(data["erlaeuterung"]) == {
        "person",
        "account",
        "status_history",
        "initial_password_waiting",
        "loans",
        "roster_imports",
        "access_log",
    }
    assert data["person"] == {
        "id": anna.pk,
        "role": "student",
        "first_name": "Anna",
        "last_name": "Müller",
        "birth_date": "2014-05-17",
        "external_id": "4711",
        "short_code": "",
        "school": {"number": "165432", "name": "Gymnasium am Park"},
        "class": {"id": anna.school_class_id, "name": "5a", "school_year": "2026/27"},
    }
    assert data["account"]["login"] == "anna.mueller"
    assert data["account"]["uid_number"] == 30001 and data["account"]["working_account"]
    assert data["status_history"]["deleted_at"] is None
    assert data["initial_password_waiting"] is True
    assert "Geheim-123" not in response.content.decode()
    (loan,) = data["loans"]
    assert loan["device"]["asset_tag"] == "LT-0815"
    assert (loan["guardian_name"], loan["condition_out"], loan["note"]) == (
        "Petra Müller",
        "wie neu",
        "Homeschooling",
    )
    assert loan["accessories_out"] == ["charger", "case"]
    assert (loan["starts_on"], loan["ends_on"], loan["requested_by"]) == (
        "2026-12-01",
        "2026-12-20",
        "lehrer",
    )
    assert [(r["kind"], r["recipients"]) for r in loan["reminders"]] == [
        ("before_due", ["petra@example.org"])
    ]
    assert [(h["asset_tag"], h["by"]) for h in loan["device_history"]] == [("LT-0815", "lehrer")]
    assert loan["device_history"][0]["new"].startswith(f"loan {loan['id']} handed_out")
    assert [(e["actor"], e["action"], e["via"]) for e in data["access_log"]] == [
        ("lehrer", "view", "web"),
        ("admin", "export", "api"),
    ]
    assert "Fremd" not in response.content.decode()


@pytest.mark.parametrize("role", ["coordinator", "teacher", "city_staff"])
def test_only_it_admins_export(client_for, role_users, role, anna):
    response = client_for(role_users[role]).get(f"/api/v1/people/{anna.pk}/export")

    assert response.status_code == 403
    assert not AccessLogEntry.objects.filter(action="export").exists()


def test_an_unknown_person_is_not_found(client_for, it_admin):
    response = client_for(it_admin).get("/api/v1/people/999999/export")

    assert response.status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_the_command_writes_the_same_document_to_a_file(tmp_path, anna, capsys):
    target = tmp_path / "auskunft.json"

    call_command("person_export", str(anna.pk), "--output", str(target), "--language", "en")

    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["person"]["last_name"] == "Müller"
    assert data["loans"][0]["guardian_name"] == "Petra Müller"
    assert (target.stat().st_mode & 0o777) == 0o600
    entry = AccessLogEntry.objects.get(action="export")
    assert (entry.actor_name, entry.via, entry.actor_id) == ("manage.py", "command", None)


def test_the_command_refuses_an_unknown_person_and_writes_no_file(tmp_path, db):
    target = tmp_path / "auskunft.json"

    with pytest.raises(CommandError, match="Person not found"):
        call_command("person_export", "999999", "--output", str(target), "--language", "en")

    assert not target.exists()


def test_the_command_refuses_a_user_who_may_not_export(anna, coordinator):
    with pytest.raises(CommandError, match="not allowed"):
        call_command("person_export", str(anna.pk), "--user", "koord", "--language", "en")
