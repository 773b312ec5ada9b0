"""Class lists: one printable sheet per class, the initial passwords handed out once, and
each printed password one that the directory accepts."""

import datetime
import io
import json
import logging

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from ldap3.core.exceptions import LDAPBindError, LDAPInvalidCredentialsResult

from accounts.classlists import class_list_workbook
from accounts.directory.apply import directory_apply
from accounts.models import Person, PersonStatus
from core.errors import NotFound, PermissionDenied
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.factories import SchoolFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

YEAR = 2026  # the school year of the tests' "today" below


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(
        "accounts.classlists.timezone.localdate", lambda *args: datetime.date(2026, 11, 23)
    )


@pytest.fixture
def classes(school_a):
    return {
        name: SchoolClassFactory(school=school_a, name=name, school_year=YEAR)
        for name in ("5a", "10b", "Q1/2", "Q1:2")
    }


@pytest.fixture
def people(school_a, classes):
    def student(cls, last, first, login, **kwargs):
        return PersonFactory(
            school=school_a,
            school_class=classes[cls],
            last_name=last,
            first_name=first,
            login=login,
            **kwargs,
        )

    return {
        "mueller": student("5a", "Müller", "Anna", "anna.mueller"),
        "obrien": student("5a", "O'Brien", "Seán", "sean.obrien"),
        "aerger": student("5a", "Ärger", "Zoë", "zoe.aerger"),
        "formula": student("5a", '=HYPERLINK("http://x.example")', "Eve", "eve.x"),
        "tolerated": student("5a", "Bauer", "Tim", "tim.bauer", status=PersonStatus.TOLERATED),
        "disabled": student("5a", "Gone", "Gina", "gina.gone", status=PersonStatus.DISABLED),
        "zander": student("10b", "Zander", "Ben", "ben.zander"),
        "kraus": PersonFactory(
            school=school_a,
            role="teacher",
            school_class=None,
            last_name="Kraus",
            first_name="Karin",
            short_code="KR",
            login="kr",
        ),
    }


@pytest.fixture
def synced(ldap_directory, people, it_admin):
    """Every account created in the directory, the initial passwords kept for the list."""
    run = directory_apply(actor=it_admin)
    assert run.errors == []
    for person in people.values():
        person.refresh_from_db()
    return people


def read(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def table(sheet) -> list[list]:
    """The rows from the header on (the title lines above it left out)."""
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(rows) if row[2] in ("Login", "Anmeldename"))
    return rows[start:]


def can_bind(directory, dn, password):
    try:
        directory.server.connect(user=dn, password=password).unbind()
    except (LDAPBindError, LDAPInvalidCredentialsResult):
        return False
    return True


def english(fn, **kwargs):
    with translation.override("en"):
        return fn(**kwargs)


def test_one_sheet_per_class_sorted_by_name_and_a_teachers_sheet(synced, coordinator, school_a):
    book = read(english(class_list_workbook, actor=coordinator, school=school_a))

    # "5a" before "10b"; "Q1/2" and "Q1:2" both become "Q1_2", the second one numbered.
    assert book.sheetnames == ["5a", "10b", "Q1_2", "Q1_2 (2)", "Teachers"]
    sheet = book["5a"]
    assert sheet["A1"].value == (
        "Gymnasium am Park (165432) · class 5a · school year 2026/27 · 11/23/2026"
    )
    rows = table(sheet)
    assert rows[0] == ["Last name", "First name", "Login", "Initial password"]
    # Active and tolerated people by last name, Ä filed with A; the disabled one is not listed.
    assert [row[:3] for row in rows[1:]] == [
        ['=HYPERLINK("http://x.example")', "Eve", "eve.x"],
        ["Ärger", "Zoë", "zoe.aerger"],
        ["Bauer", "Tim", "tim.bauer"],
        ["Müller", "Anna", "anna.mueller"],
        ["O'Brien", "Seán", "sean.obrien"],
    ]
    formula_cell = next(row[0] for row in sheet.iter_rows() if row[2].value == "eve.x")
    assert formula_cell.data_type == "s"
    assert [row[2] for row in table(book["10b"])[1:]] == ["ben.zander"]
    assert table(book["Q1_2"])[1:] == []
    assert [row[:3] for row in table(book["Teachers"])[1:]] == [["Kraus", "Karin", "kr"]]


def passwords_on(book) -> dict[str, str | None]:
    """login → the password cell, over every sheet."""
    return {row[2]: row[3] for sheet in book for row in table(sheet)[1:]}


def test_the_printed_initial_passwords_bind_to_the_directory(
    synced, ldap_directory, coordinator, school_a
):
    printed = passwords_on(read(english(class_list_workbook, actor=coordinator, school=school_a)))

    assert set(printed) == {
        "eve.x", "zoe.aerger", "tim.bauer", "anna.mueller", "sean.obrien", "ben.zander", "kr"
    }  # fmt: skip
    for login, password in printed.items():
        assert password and len(password) == 10, login
        dn = Person.objects.get(login=login).dn
        assert can_bind(ldap_directory, dn, password), login
        assert not can_bind(ldap_directory, dn, password + "x"), login


def test_a_second_list_has_the_logins_but_no_passwords_and_says_why(
    synced, coordinator, it_admin, school_a
):
    english(class_list_workbook, actor=coordinator, school=school_a)
    book = read(english(class_list_workbook, actor=it_admin, school=school_a))

    assert set(passwords_on(book).values()) == {None}
    assert "anna.mueller" in passwords_on(book)
    assert book["5a"]["A2"].value == (
        "Empty password cells: those initial passwords were handed out on an earlier list. "
        "A password reset gives a new one."
    )


def test_only_new_accounts_have_a_password_on_the_next_list(
    synced, ldap_directory, coordinator, school_a, classes
):
    english(class_list_workbook, actor=coordinator, school=school_a)
    PersonFactory(school=school_a, school_class=classes["5a"], last_name="Neu", login="nina.neu")
    directory_apply(school=school_a)
    PersonFactory(school=school_a, school_class=classes["5a"], last_name="Später", login="s.p")

    book = read(english(class_list_workbook, actor=coordinator, school=school_a))

    printed = passwords_on(book)
    assert printed["anna.mueller"] is None
    assert printed["s.p"] is None
    assert can_bind(ldap_directory, Person.objects.get(login="nina.neu").dn, printed["nina.neu"])
    notes = [book["5a"]["A2"].value, book["5a"]["A3"].value]
    assert notes[1] == (
        "Some of these accounts are not in the directory yet: their initial passwords come "
        "on a list printed after the next directory sync."
    )


def test_a_teachers_list_has_no_password_column_and_leaves_the_passwords(
    synced, teacher, coordinator, school_a, classes
):
    me = teaches(teacher, classes["5a"], classes["10b"])  # no directory account yet
    book = read(english(class_list_workbook, actor=teacher, school=school_a))

    # Their own classes only, and no list of the school's teachers.
    assert book.sheetnames == ["5a", "10b"]
    assert table(book["5a"])[0] == ["Last name", "First name", "Login"]
    assert all(len(row) == 3 for sheet in book for row in sheet.iter_rows(values_only=True))
    assert book["5a"]["A2"].value == "Last name"  # no note line either
    # The passwords are still there for the one who hands them out.
    later = passwords_on(read(class_list_workbook(actor=coordinator, school=school_a)))
    assert later.pop(me.login) is None
    assert all(later.values())


def test_a_teacher_gets_no_other_class_and_no_teachers_list(synced, teacher, school_a, classes):
    with translation.override("en"):
        with pytest.raises(NotFound) as caught:
            class_list_workbook(actor=teacher, school=school_a)
        assert caught.value.message.startswith("You teach no class of school 165432")
        teaches(teacher, classes["5a"])
        with pytest.raises(NotFound):
            class_list_workbook(actor=teacher, school=school_a, classes=["10b"])
        with pytest.raises(PermissionDenied):
            class_list_workbook(actor=teacher, school=school_a, teachers=True)


def test_passwords_stay_kept_when_the_file_cannot_be_built(
    synced, coordinator, school_a, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("accounts.classlists.write_xlsx_sheets", broken)
    with pytest.raises(OSError):
        class_list_workbook(actor=coordinator, school=school_a)
    monkeypatch.undo()

    printed = passwords_on(read(class_list_workbook(actor=coordinator, school=school_a)))
    assert all(printed.values())


def test_a_school_out_of_reach_is_not_found_and_city_staff_may_not(
    people, coordinator, teacher, city_staff, school_b
):
    for actor in (coordinator, teacher):
        with pytest.raises(NotFound):
            class_list_workbook(actor=actor, school=school_b)
    with pytest.raises(PermissionDenied):
        class_list_workbook(actor=city_staff, school=school_b)


def test_chosen_classes_by_id_or_name_without_teachers_unless_asked(
    people, coordinator, school_a, classes
):
    book = read(
        class_list_workbook(actor=coordinator, school=school_a, classes=[classes["10b"].pk, "5A"])
    )
    assert book.sheetnames == ["5a", "10b"]
    with translation.override("en"):
        book = read(
            class_list_workbook(actor=coordinator, school=school_a, classes=["5a"], teachers=True)
        )
    assert book.sheetnames == ["5a", "Teachers"]


def test_a_class_of_another_school_or_year_is_not_found(people, coordinator, school_a):
    old = SchoolClassFactory(school=school_a, name="4a", school_year=YEAR - 1)
    other = SchoolClassFactory(school=SchoolFactory(), name="7c", school_year=YEAR)
    for wanted in ([old.pk], [other.pk], ["7c"]):
        with pytest.raises(NotFound) as caught, translation.override("en"):
            class_list_workbook(actor=coordinator, school=school_a, classes=wanted)
        assert "The school 165432 has no class" in caught.value.message
        assert "in the school year 2026/27" in caught.value.message


def test_headers_are_in_the_users_language(people, coordinator, school_a):
    with translation.override("de"):
        book = read(class_list_workbook(actor=coordinator, school=school_a))
    assert table(book["5a"])[0][:2] == ["Nachname", "Vorname"]
    assert book["5a"]["A1"].value.endswith("23.11.2026")


def test_the_sheets_print_on_a4_one_page_wide_with_the_header_on_every_page(
    people, coordinator, school_a
):
    with translation.override("de"):
        sheet = read(class_list_workbook(actor=coordinator, school=school_a))["5a"]
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # Title, note (no account is in the directory yet) and header repeat on every page.
    assert [sheet["A1"].value[:9], sheet["A3"].value] == ["Gymnasium", "Nachname"]
    assert sheet.print_title_rows == "$1:$3"
    assert sheet.freeze_panes == "A4"
    assert [sheet.column_dimensions[c].width > 10 for c in "ABCD"] == [True] * 4


# -- over the API and the command line ------------------------------------------------------


def post_lists(client, body: dict):
    # A POST with a JSON body: the list hands passwords out (tests/security).
    return client.post("/api/v1/class-lists", json.dumps(body), "application/json")


def test_download_over_the_api(synced, client_for, coordinator, school_a, classes):
    response = post_lists(
        client_for(coordinator, language="en"), {"school": "165432", "class": [classes["5a"].pk]}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == (
        'attachment; filename="class-lists-165432-2026-11-23.xlsx"'
    )
    assert response["Cache-Control"] == "no-store"
    book = read(response.content)
    assert book.sheetnames == ["5a"]
    assert passwords_on(book)["anna.mueller"]


def test_the_api_answers_404_for_another_school_and_a_foreign_class(
    people, client_for, coordinator, school_b, classes
):
    client = client_for(coordinator, language="en")
    response = post_lists(client, {"school": school_b.number})
    assert response.status_code == 404
    assert response.json()["message"] == "School 123456 not found."
    response = post_lists(client, {"school": "165432", "class": [999999]})
    assert response.status_code == 404
    assert response.json()["errors"] == [
        {"field": "class", "message": "Not a class of this school."}
    ]


def test_the_command_writes_the_lists_for_the_owner_only(synced, school_a, tmp_path):
    target = tmp_path / "listen.xlsx"
    out = io.StringIO()
    call_command(
        "class_lists", "--school", "165432", "--class", "5a", "--output", str(target),
        "--language", "en", stdout=out,
    )  # fmt: skip

    assert f"Class lists written to {target}." in out.getvalue()
    assert target.stat().st_mode & 0o777 == 0o600
    book = read(target.read_bytes())
    assert book.sheetnames == ["5a"]
    assert passwords_on(book)["anna.mueller"]
    assert not any("anna" in line for line in out.getvalue().splitlines()[1:])


def test_the_command_speaks_german_and_keeps_the_service_log_out_of_its_output(
    synced, school_a, tmp_path, caplog
):
    """The service's English log line ("Class lists of school …") is for whoever runs the
    server; the person running the command reads one German line. -v 2 shows the log."""
    caplog.set_level(logging.INFO)
    target = tmp_path / "listen.xlsx"
    out = io.StringIO()
    call_command("class_lists", "--school", "165432", "--output", str(target), stdout=out)

    assert out.getvalue() == f"Klassenlisten in {target} gespeichert.\n"
    assert "Class lists of school" not in caplog.text

    call_command(
        "class_lists", "--school", "165432", "--output", str(target), "-v", "2", stdout=out
    )
    assert "Class lists of school 165432" in caplog.text


def test_the_command_names_an_unknown_class_and_writes_nothing(people, school_a, tmp_path):
    target = tmp_path / "listen.xlsx"
    with pytest.raises(CommandError, match="has no class 9z"), translation.override("en"):
        call_command(
            "class_lists", "--school", "165432", "--class", "9z", "--output", str(target),
            "--language", "en",
        )  # fmt: skip
    assert not target.exists()


def test_no_password_reaches_the_log(synced, coordinator, school_a, caplog):
    caplog.set_level(logging.DEBUG)
    printed = passwords_on(read(class_list_workbook(actor=coordinator, school=school_a)))
    assert "Class lists of school 165432" in caplog.text
    for password in printed.values():
        assert password not in caplog.text
