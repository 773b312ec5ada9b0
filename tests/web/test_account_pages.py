"""The accounts pages: classes and people of one's schools, a student's password reset shown
once, the class list download, and the directory sync with its plan, start and runs."""

import io
import re

import openpyxl
import pytest
from ldap3.core.exceptions import LDAPBindError, LDAPInvalidCredentialsResult

from accounts.directory.apply import directory_apply
from accounts.models import DirectorySyncRun, DirectorySyncRunStatus, PersonRole
from core.sheets.write import XLSX_CONTENT_TYPE
from scheduling.models import LoanStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.factories import DeviceFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db

ROLES = ("it_admin", "coordinator", "teacher", "city_staff")


@pytest.fixture
def class_a(school_a, teacher):
    """Class 5a of school A, taught by the teacher."""
    school_class = SchoolClassFactory(school=school_a, name="5a", school_year=2026)
    teaches(teacher, school_class)
    return school_class


@pytest.fixture
def anna(class_a):
    return PersonFactory(
        school=class_a.school,
        school_class=class_a,
        first_name="Anna",
        last_name="Müller",
        login="anna.mueller",
        external_id="SCHILD-4711",
    )


@pytest.fixture
def ben(class_a):
    return PersonFactory(
        school=class_a.school,
        school_class=class_a,
        first_name="Ben",
        last_name="Wolf",
        login="ben.wolf",
    )


@pytest.fixture
def kraus(school_a):
    return PersonFactory(
        school=school_a,
        role=PersonRole.TEACHER,
        school_class=None,
        first_name="Karin",
        last_name="Kraus",
        login="kr",
    )


@pytest.fixture
def class_b(school_b):
    return SchoolClassFactory(school=school_b, name="3c", school_year=2026)


@pytest.fixture
def bert(class_b):
    return PersonFactory(
        school=class_b.school,
        school_class=class_b,
        first_name="Bert",
        last_name="Berger",
        login="bert.berger",
    )


def text(response) -> str:
    return response.content.decode()


def can_bind(directory, dn, password):
    try:
        directory.server.connect(user=dn, password=password).unbind()
    except (LDAPBindError, LDAPInvalidCredentialsResult):
        return False
    return True


def sheets(response) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


# Classes and people


@pytest.mark.parametrize("role", ROLES)
def test_class_list_shows_the_classes_of_the_roles_schools_with_counts(
    role, role_users, client_for, anna, ben, bert
):
    response = client_for(role_users[role]).get("/classes/")
    if role == "city_staff":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    page = text(response)
    assert "Gymnasium am Park" in page
    assert f'href="/classes/{anna.school_class_id}/"' in page
    assert re.search(r">5a</a></td>\s*<td>2026/27</td>\s*<td>2</td>", page)
    assert ("Grundschule Lindenweg" in page) is (role == "it_admin")


def test_class_list_of_another_school_year_is_empty_with_a_way_back(client_for, coordinator, anna):
    response = client_for(coordinator).get("/classes/", {"school_year": "2019"})
    assert "Zu diesen Filtern wurde keine Klasse gefunden." in text(response)
    assert f'href="/classes/{anna.school_class_id}/"' not in text(response)


def test_a_wrong_school_year_is_named_at_its_field_and_the_list_still_shows(
    client_for, coordinator, anna
):
    response = client_for(coordinator).get("/classes/", {"school_year": "1800"})
    page = text(response)
    assert response.status_code == 200
    assert 'class="field has-error"' in page and "Schuljahr" in page
    assert ">5a</a>" in page


@pytest.mark.parametrize("role", ROLES)
def test_class_page_lists_its_students_with_login_status_and_sync(
    role, role_users, client_for, anna, ben
):
    response = client_for(role_users[role]).get(f"/classes/{anna.school_class_id}/")
    if role == "city_staff":
        assert response.status_code == 403
        return
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Klasse 5a</h1>" in page
    assert "Müller, Anna" in page and "anna.mueller" in page and "ben.wolf" in page
    assert "Aktiv" in page


@pytest.mark.parametrize("role", ("coordinator", "teacher"))
def test_another_schools_class_and_person_are_not_found(role, role_users, client_for, bert):
    client = client_for(role_users[role])
    assert client.get(f"/classes/{bert.school_class_id}/").status_code == 404
    assert client.get(f"/people/{bert.pk}/").status_code == 404
    assert client.get(f"/people/{bert.pk}/password-reset/").status_code == 404
    assert client.post(f"/classes/{bert.school_class_id}/class-list.xlsx").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_person_page_shows_birth_date_and_school_office_id_only_to_roster_keepers(
    role, role_users, client_for, anna
):
    response = client_for(role_users[role]).get(f"/people/{anna.pk}/")
    if role == "city_staff":
        assert response.status_code == 403
        return
    page = text(response)
    assert "<h1>Anna Müller</h1>" in page
    assert "anna.mueller" in page
    private = role in ("it_admin", "coordinator")
    assert ("SCHILD-4711" in page) is private
    assert ("01.03.2014" in page) is private
    assert ("Geburtsdatum" in page) is private


def test_person_page_shows_account_state_loans_and_the_devices_they_had(
    client_for, coordinator, teacher, anna, laptop_model, django_assert_max_num_queries
):
    anna.dn = "uid=anna.mueller,ou=students,ou=165432,ou=schools,dc=example"
    anna.save()
    device = DeviceFactory(asset_tag="L-77", school=anna.school, model=laptop_model)
    LoanFactory(student=anna, requested_by=teacher, device=device, status=LoanStatus.RETURNED)
    LoanFactory(student=anna, requested_by=coordinator)

    client = client_for(coordinator)
    client.get("/")
    # One of them is the access log's insert (accounts.access_log).
    with django_assert_max_num_queries(6):
        page = text(client.get(f"/people/{anna.pk}/"))

    assert "uid=anna.mueller,ou=students" in page
    assert page.count("<tr>") == 3  # the header and two loans
    assert 'href="/devices/L-77/"' in page
    assert "Passwort zurücksetzen" in page


def test_people_search_finds_by_name_and_login_in_own_schools(
    client_for, coordinator, anna, ben, bert, kraus
):
    client = client_for(coordinator)
    page = text(client.get("/people/", {"q": "müll"}))
    assert "Müller, Anna" in page and "Wolf" not in page
    page = text(client.get("/people/", {"q": "ben.wolf"}))
    assert "Wolf, Ben" in page and "Müller, Anna" not in page
    page = text(client.get("/people/"))
    assert "Kraus, Karin" in page and "Berger" not in page
    page = text(client.get("/people/", {"q": "niemand"}))
    assert "Zu dieser Suche wurde niemand gefunden." in page


def test_people_and_class_lists_need_a_fixed_number_of_queries(
    client_for, coordinator, class_a, django_assert_max_num_queries
):
    for n in range(30):
        PersonFactory(school=class_a.school, school_class=class_a, login=f"kind{n}")
    for _n in range(5):
        SchoolClassFactory(school=class_a.school, school_year=2026)
    client = client_for(coordinator)
    client.get("/")  # the session is warm, as for a user between two pages
    with django_assert_max_num_queries(6):
        assert client.get("/people/").status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get("/classes/").status_code == 200
    # The class page also lists the class's teachers and, for who edits classes, the
    # school's teachers to add and the rooms for its classroom: three queries, whatever
    # their number.
    with django_assert_max_num_queries(8):
        assert client.get(f"/classes/{class_a.pk}/").status_code == 200


def test_navigation_shows_the_accounts_pages_to_the_roles_that_may_use_them(client_for, role_users):
    for role, wanted in {
        "it_admin": ("/classes/", "/people/", "/directory/"),
        "coordinator": ("/classes/", "/people/", "/directory/"),
        "teacher": ("/classes/", "/people/"),
        "city_staff": (),
    }.items():
        page = text(client_for(role_users[role]).get("/"))
        for url in ("/classes/", "/people/", "/directory/"):
            assert (f'href="{url}"' in page) is (url in wanted), (role, url)


# Password reset


@pytest.fixture
def synced(ldap_directory, it_admin, anna, ben, kraus, bert):
    """Everyone in the directory; the initial passwords (login → password)."""
    run = directory_apply(actor=it_admin)
    assert run.errors == []
    for person in (anna, ben, kraus, bert):
        person.refresh_from_db()
    return dict(run.new_passwords)


@pytest.mark.integration
def test_a_teacher_resets_a_students_password_and_sees_it_once(
    ldap_directory, synced, client_for, teacher, anna
):
    client = client_for(teacher)
    ask = client.get(f"/people/{anna.pk}/password-reset/")
    assert "Passwort zurücksetzen" in text(ask)

    response = client.post(f"/people/{anna.pk}/password-reset/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = re.search(r'<code class="secret"[^>]*>([^<]+)</code>', text(response)).group(1)
    assert len(password) == 10
    assert can_bind(ldap_directory, anna.dn, password)
    assert not can_bind(ldap_directory, anna.dn, synced["anna.mueller"])
    assert password not in response.request["PATH_INFO"] + response.request.get("QUERY_STRING", "")
    again = client.get(f"/people/{anna.pk}/password-reset/")
    assert password not in text(again)
    assert password not in text(client.get(f"/people/{anna.pk}/"))
    assert password not in str(dict(client.session))


@pytest.mark.integration
def test_a_teacher_may_not_reset_a_teachers_password(
    ldap_directory, synced, client_for, teacher, kraus
):
    client = client_for(teacher)
    assert "zurücksetzen…" not in text(client.get(f"/people/{kraus.pk}/"))
    assert client.post(f"/people/{kraus.pk}/password-reset/").status_code == 404
    assert can_bind(ldap_directory, kraus.dn, synced["kr"])


def test_a_reset_without_a_directory_entry_says_why_and_shows_no_password(
    client_for, teacher, anna
):
    response = client_for(teacher).post(f"/people/{anna.pk}/password-reset/", follow=True)
    page = text(response)
    assert response.redirect_chain[-1][0] == f"/people/{anna.pk}/password-reset/"
    assert "Anna Müller hat noch kein Konto im Verzeichnis." in page
    assert 'class="secret"' not in page


def test_city_staff_may_not_reset_passwords(client_for, city_staff, anna):
    assert client_for(city_staff).post(f"/people/{anna.pk}/password-reset/").status_code == 403


# Class lists


def test_a_teacher_downloads_the_class_list_without_passwords(client_for, teacher, anna, ben):
    client = client_for(teacher)
    response = client.post(f"/classes/{anna.school_class_id}/class-list.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    rows = sheets(response)["5a"]
    header = next(row for row in rows if row and row[0] == "Nachname")
    assert header == ("Nachname", "Vorname", "Anmeldename")
    assert ("Müller", "Anna", "anna.mueller") in rows
    assert client.get(f"/classes/{anna.school_class_id}/class-list.xlsx").status_code == 405


@pytest.mark.integration
def test_an_admin_gets_the_initial_passwords_once(
    ldap_directory, synced, client_for, coordinator, anna
):
    client = client_for(coordinator)
    first = sheets(client.post(f"/classes/{anna.school_class_id}/class-list.xlsx"))["5a"]
    assert ("Müller", "Anna", "anna.mueller", synced["anna.mueller"]) in first
    second = sheets(client.post(f"/classes/{anna.school_class_id}/class-list.xlsx"))["5a"]
    assert ("Müller", "Anna", "anna.mueller", None) in second


def test_all_class_lists_of_a_school_have_a_sheet_per_class_and_the_teachers(
    client_for, coordinator, anna, kraus, school_b
):
    client = client_for(coordinator)
    response = client.post("/schools/165432/class-lists.xlsx")
    assert list(sheets(response)) == ["5a", "Lehrkräfte"]
    assert client.post(f"/schools/{school_b.number}/class-lists.xlsx").status_code == 404


# Directory sync


@pytest.mark.parametrize("role", ("teacher", "city_staff"))
def test_directory_pages_are_forbidden_without_the_sync_role(role, role_users, client_for):
    client = client_for(role_users[role])
    assert client.get("/directory/").status_code == 403
    assert client.get("/directory/runs/").status_code == 403
    assert client.post("/directory/sync/").status_code == 403


def test_without_a_directory_the_page_says_so_plainly(client_for, it_admin, settings):
    settings.LDAP_URL = ""
    client = client_for(it_admin)
    response = client.get("/directory/")
    assert response.status_code == 200
    assert "Es ist kein Verzeichnis eingerichtet." in text(response)
    response = client.post("/directory/sync/", follow=True)
    assert "Es ist kein Verzeichnis eingerichtet" in text(response)
    assert not DirectorySyncRun.objects.exists()


@pytest.mark.integration
def test_the_sync_page_lists_the_plan_in_plain_words(
    ldap_directory, client_for, coordinator, anna, kraus, bert
):
    response = client_for(coordinator).get("/directory/", {"school": "165432"})
    page = text(response)
    assert response.status_code == 200
    assert "Konto anlegen: anna.mueller (Klasse 5a)" in page
    assert "Konto anlegen: kr (Lehrkraft)" in page
    assert "Gruppe anlegen: 165432-5a" in page
    assert "bert.berger" not in page
    assert re.search(r'id="kind-add">Anlegen <span class="muted">\(\d+\)', page)


@pytest.mark.integration
def test_the_apply_button_starts_a_run_that_the_run_page_follows(
    ldap_directory, client_for, coordinator, anna, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/directory/sync/", {"school": "165432"})
    run = DirectorySyncRun.objects.get()
    assert response.status_code == 302 and response.url == f"/directory/runs/{run.pk}/"
    assert run.status == DirectorySyncRunStatus.SUCCEEDED and run.started_by == coordinator

    page = text(client.get(response.url))
    assert f'value="{run.total}"' in page and "Erfolgreich" in page
    assert 'http-equiv="refresh"' not in page
    listed = text(client.get("/directory/runs/"))
    assert f'href="/directory/runs/{run.pk}/"' in listed
    assert (coordinator.get_full_name() or coordinator.username) in listed
    plan = text(client.get("/directory/", {"school": "165432"}))
    assert "nichts zu ändern" in plan


@pytest.mark.integration
def test_a_running_sync_is_said_as_a_message_and_nothing_starts(
    ldap_directory, client_for, coordinator, it_admin, school_a, anna
):
    running = DirectorySyncRun.objects.create(started_by=it_admin, school=school_a, total=10)
    client = client_for(coordinator)
    response = client.post("/directory/sync/", {"school": "165432"}, follow=True)
    assert response.redirect_chain[-1][0] == "/directory/?school=165432"
    assert "gestartet von admin" in text(response) and "läuft noch" in text(response)
    assert DirectorySyncRun.objects.count() == 1

    page = text(client.get(f"/directory/runs/{running.pk}/"))
    assert 'http-equiv="refresh"' in page
    assert "accounts/accounts-progress.js" in page
    assert f'data-run-progress="/api/v1/directory/runs/{running.pk}"' in page


def test_a_coordinator_sees_only_their_schools_runs(
    client_for, coordinator, it_admin, school_a, school_b, django_assert_max_num_queries
):
    mine = DirectorySyncRun.objects.create(started_by=it_admin, school=school_a)
    other = DirectorySyncRun.objects.create(started_by=it_admin, school=school_b)
    everyone = DirectorySyncRun.objects.create(started_by=None, school=None)
    DirectorySyncRun.objects.filter(pk__in=[mine.pk, other.pk, everyone.pk]).update(
        status=DirectorySyncRunStatus.SUCCEEDED
    )
    for _n in range(20):
        DirectorySyncRun.objects.create(
            school=school_a, status=DirectorySyncRunStatus.FAILED, errors=[{"message": "x"}]
        )
    client = client_for(coordinator)
    client.get("/")
    with django_assert_max_num_queries(6):
        page = text(client.get("/directory/runs/"))
    assert f'href="/directory/runs/{mine.pk}/"' in page
    assert f'href="/directory/runs/{other.pk}/"' not in page
    assert client.get(f"/directory/runs/{other.pk}/").status_code == 404
    assert client.get(f"/directory/runs/{everyone.pk}/").status_code == 404
    admin_page = text(client_for(it_admin).get("/directory/runs/"))
    assert "Lernstatt (nach Zeitplan)" in admin_page and "alle Schulen" in admin_page


# CSRF


@pytest.mark.parametrize(
    "url",
    ["/people/{anna}/password-reset/", "/classes/{cls}/class-list.xlsx", "/directory/sync/"],
)
def test_post_forms_need_the_csrf_token(url, client_for, it_admin, anna):
    client = client_for(it_admin, csrf=True)
    response = client.post(url.format(anna=anna.pk, cls=anna.school_class_id))
    assert response.status_code == 403
    assert not DirectorySyncRun.objects.exists()


def test_forms_carry_the_csrf_token(client_for, it_admin, anna, settings):
    settings.LDAP_URL = ""
    anna.dn = "uid=anna.mueller,ou=students,ou=165432,ou=schools,dc=example"
    anna.save()
    client = client_for(it_admin)
    for url in (f"/people/{anna.pk}/password-reset/", f"/classes/{anna.school_class_id}/"):
        assert "csrfmiddlewaretoken" in text(client.get(url))


def test_a_reset_that_cannot_be_done_here_is_a_disabled_button_with_the_reason(
    client_for, teacher, anna, settings
):
    """A feature that is unavailable is shown, disabled, saying why; not hidden."""
    settings.LDAP_URL = ""
    anna.dn = "uid=anna.mueller,ou=students,ou=165432,ou=schools,dc=example"
    anna.save()
    client = client_for(teacher)

    page = text(client.get(f"/people/{anna.pk}/"))
    assert '<button type="button" class="button" disabled aria-describedby="reset-refusal">' in page
    assert "Lernstatt ist hier mit keinem Verzeichnis verbunden" in page
    assert f'href="/people/{anna.pk}/password-reset/"' not in page

    anna.dn = ""
    anna.save()
    page = text(client.get(f"/people/{anna.pk}/"))
    assert "Anna Müller hat noch kein Konto im Verzeichnis." in page
