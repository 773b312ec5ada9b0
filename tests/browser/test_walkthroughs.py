"""Each role's main job, walked in German from the start page by clicking only: after
logging in, no test types an address. A step that could only be reached by typing one
would be a missing link in the product, not something to work around here.

Every step is saved as a screenshot `walk-<role>-<step>.png` (see conftest.shot).

The teacher's password reset in the demo directory is walked in test_demo_directory.py
(from "/" by clicking only), so it is not repeated here."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import DirectorySyncRun, DirectorySyncRunStatus
from core.models import Role
from inventory.models import Category, Device, DeviceHistory, Room, Status
from scheduling import services
from scheduling.models import Loan, LoanStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.browser.conftest import PASSWORD, shot
from tests.factories import DeviceFactory, DeviceModelFactory, SchoolFactory, UserFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.integration


def anmelden(page, username: str) -> None:
    """Log in from the start page, in German, as a person would."""
    page.goto("/")
    expect(page.get_by_role("heading", name="Bei Lernstatt anmelden")).to_be_visible()
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def navigation(page):
    return page.get_by_role("navigation", name="Hauptnavigation")


def heading(page):
    return page.get_by_role("heading", level=1)


def table(page, name: str):
    """The scrolling table region of that name (its section has the same name)."""
    return page.locator(f'.table-wrap[role=region][aria-label="{name}"]')


def cells(row):
    return row.locator("th, td")


@pytest.fixture
def schule():
    """A school with class 8c and its three students."""
    school = SchoolFactory(name="Gesamtschule Am Röderberg", number="166033")
    klasse = SchoolClassFactory(school=school, name="8c")
    students = [
        PersonFactory(
            school=school, school_class=klasse, first_name=first, last_name=last, login=login
        )
        for first, last, login in [
            ("Jörg", "Öztürk", "joerg.oeztuerk"),
            ("Siobhán", "O'Brien", "siobhan.obrien"),
            ("Lea", "Müller-Lüdenscheidt", "lea.mueller-lue"),
        ]
    ]
    return school, klasse, students


def test_teacher_requests_laptops_for_two_students_of_her_class_by_clicking_from_the_start(
    page_de, schule
):
    page = page_de
    school, klasse, _students = schule
    DeviceFactory(
        asset_tag="166033-0001",
        school=school,
        model=DeviceModelFactory(category=Category.LAPTOP),
        status=Status.IN_STOCK,
        lendable=True,
    )
    teacher = UserFactory(
        username="lehrerin",
        role=Role.TEACHER,
        schools=[school],
        first_name="Dörte",
        last_name="Weiß",
    )
    teaches(teacher, klasse)
    # A class of the same school she does not teach is not offered to her.
    SchoolClassFactory(school=school, name="9a")
    start = timezone.localdate() + datetime.timedelta(days=3)
    end = start + datetime.timedelta(days=20)

    anmelden(page, "lehrerin")
    expect(heading(page)).to_have_text("Willkommen, Dörte")
    loans = page.get_by_role("region", name="Leihgeräte")
    expect(loans).to_contain_text("Sie haben keine offenen Anfragen für Leihgeräte.")
    shot(page, "walk-teacher-start")

    loans.get_by_role("link", name="Meine Anfragen").click()
    expect(heading(page)).to_have_text("Meine Anfragen")
    expect(page.locator("main")).to_contain_text("Sie haben noch kein Leihgerät angefragt.")
    shot(page, "walk-teacher-my-requests-empty")

    page.locator(".page-head").get_by_role("link", name="Leihgeräte anfragen").click()
    expect(heading(page)).to_have_text("Leihgeräte anfragen")
    klassen = page.get_by_label("Klasse", exact=True)
    expect(klassen.locator("option")).to_have_text(
        ["– Klasse wählen –", f"8c (2026/27) – {school.name}"]
    )
    klassen.select_option(label=f"8c (2026/27) – {school.name}")
    page.get_by_role("button", name="Schülerinnen und Schüler anzeigen").click()
    students = page.get_by_role("group", name="Schülerinnen und Schüler der Klasse 8c")
    # German order: Ö sorts with O.
    expect(students.locator("label")).to_have_text(
        ["Müller-Lüdenscheidt, Lea", "O'Brien, Siobhán", "Öztürk, Jörg"]
    )
    shot(page, "walk-teacher-class-chosen")

    page.get_by_label("Öztürk, Jörg", exact=True).check()
    page.get_by_label("O'Brien, Siobhán", exact=True).check()
    page.get_by_label("Gerät", exact=True).select_option(label="Laptop")
    page.get_by_label("Von", exact=True).fill(start.isoformat())
    page.get_by_label("Bis", exact=True).fill(end.isoformat())
    page.get_by_label("Grund", exact=True).select_option(label="Kein Gerät zu Hause")
    page.get_by_label("Bemerkung").fill("Beide ab Montag zu Hause; Vater: Giuseppe D'Angelo")
    shot(page, "walk-teacher-request-filled")
    page.get_by_role("button", name="Anfrage senden").click()

    expect(heading(page)).to_have_text("Meine Anfragen")
    expect(page.locator(".messages")).to_contain_text(
        "Ihre Anfrage für Siobhán O'Brien, Jörg Öztürk wurde gesendet."
    )
    period = f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"
    requests = table(page, "Meine Anfragen")
    for name in ("Jörg Öztürk (8c)", "Siobhán O'Brien (8c)"):
        row = requests.locator("tbody tr", has_text=name)
        expect(cells(row).nth(0)).to_have_text(name)
        expect(cells(row).nth(1)).to_have_text("Laptop")
        expect(cells(row).nth(2)).to_have_text(period)
        expect(cells(row).nth(3)).to_have_text("Angefragt")
        expect(row.get_by_role("button", name="Anfrage stornieren")).to_be_visible()
    expect(requests).not_to_contain_text("Müller-Lüdenscheidt")
    shot(page, "walk-teacher-my-requests")

    # Back on the start page, both requests are listed as open.
    navigation(page).get_by_role("link", name="Start").click()
    loans = page.get_by_role("region", name="Leihgeräte")
    expect(loans.locator("li")).to_have_count(2)
    expect(loans).to_contain_text("Jörg Öztürk (8c): Laptop")
    expect(loans).to_contain_text("Siobhán O'Brien (8c): Laptop")
    shot(page, "walk-teacher-start-after")

    requested = Loan.objects.filter(status=LoanStatus.REQUESTED, requested_by=teacher)
    assert sorted(loan.student.last_name for loan in requested) == ["O'Brien", "Öztürk"]
    assert {(loan.starts_on, loan.ends_on, loan.reason) for loan in requested} == {
        (start, end, "no_device_at_home")
    }


def test_coordinator_approves_hands_out_by_scanning_and_takes_back_by_clicking_from_the_start(
    page_de, schule, tmp_path
):
    page = page_de
    school, klasse, students = schule
    teacher = UserFactory(
        username="lehrerin",
        role=Role.TEACHER,
        schools=[school],
        first_name="Dörte",
        last_name="Weiß",
    )
    teaches(teacher, klasse)
    UserFactory(
        username="koord",
        role=Role.COORDINATOR,
        schools=[school],
        first_name="Björn",
        last_name="Schäfer",
    )
    laptop = DeviceFactory(
        asset_tag="166033-0042",
        school=school,
        model=DeviceModelFactory(
            manufacturer="Lenovo", name="ThinkPad E14", category=Category.LAPTOP
        ),
        status=Status.IN_STOCK,
        lendable=True,
    )
    today = timezone.localdate()
    (loan,) = services.loan_request(
        actor=teacher,
        student_ids=[students[0].pk],
        category=Category.LAPTOP,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=14),
        reason="distance_learning",
        note="Mutter: Ayşe Öztürk",
    )

    anmelden(page, "koord")
    expect(heading(page)).to_have_text("Willkommen, Björn")
    queue_tile = page.get_by_role("link", name="offene Anfrage")
    expect(queue_tile).to_contain_text("1")
    shot(page, "walk-coordinator-start")

    queue_tile.click()
    expect(page.get_by_role("link", name="Anfragen (1)")).to_have_attribute("aria-current", "page")
    row = page.locator("tbody tr", has_text="Jörg Öztürk (8c)")
    expect(row).to_contain_text("Distanzunterricht")
    expect(row).to_contain_text("Mutter: Ayşe Öztürk")
    expect(row).to_contain_text("Dörte Weiß")
    shot(page, "walk-coordinator-queue")
    row.get_by_role("button", name="Genehmigen").click()

    message = page.locator(".messages")
    expect(message).to_contain_text("Das Gerät 166033-0042 ist für Jörg Öztürk reserviert.")
    expect(message.get_by_role("link", name="Jetzt ausgeben")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Es gibt keine neuen Anfragen. Gut gemacht!")
    shot(page, "walk-coordinator-approved")

    # Later, from the start page: the tile counts it and leads to the list.
    navigation(page).get_by_role("link", name="Start").click()
    ready_tile = page.get_by_role("link", name="Zur Ausgabe bereit")
    expect(ready_tile).to_contain_text("1")
    ready_tile.click()
    expect(page.get_by_role("link", name="Zur Ausgabe bereit (1)")).to_have_attribute(
        "aria-current", "page"
    )
    row = page.locator("tbody tr", has_text="Jörg Öztürk (8c)")
    expect(row).to_contain_text("Laptop: 166033-0042")
    shot(page, "walk-coordinator-ready")
    row.get_by_role("link", name="Ausgeben").click()

    expect(heading(page)).to_have_text("Ein Gerät ausgeben")
    scan = page.get_by_label("Inventarnummer (scannen)", exact=True)
    expect(scan).to_be_focused()
    shot(page, "walk-coordinator-handout")
    # A barcode scanner types the tag and presses Enter: the device is checked and the
    # cursor moves on to the guardian.
    scan.fill("166033-0042")
    scan.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("166033-0042 ist das Gerät dieser Ausleihe.")
    guardian = page.get_by_label("Erziehungsberechtigte(r)", exact=True)
    expect(guardian).to_be_focused()
    shot(page, "walk-coordinator-handout-scanned")

    # The loan agreement to print and sign.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Leihvertrag drucken").click()
    agreement = download_info.value
    assert agreement.suggested_filename == "Leihvertrag-166033-0042.pdf"
    path = tmp_path / agreement.suggested_filename
    agreement.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")

    guardian.fill("Ayşe Öztürk")
    page.get_by_label("Ladegerät", exact=True).check()
    page.get_by_label("Hülle", exact=True).check()
    page.get_by_label("Der Leihvertrag ist unterschrieben", exact=True).check()
    shot(page, "walk-coordinator-handout-filled")
    page.get_by_role("button", name="Ausgeben", exact=True).click()

    expect(page.locator(".messages")).to_contain_text(
        "Das Gerät 166033-0042 wurde an Jörg Öztürk ausgegeben."
    )
    facts = page.get_by_role("region", name="Angaben")
    expect(facts).to_contain_text("Ayşe Öztürk")
    expect(facts).to_contain_text("Ladegerät, Hülle")
    expect(page.get_by_role("link", name="Leihvertrag erneut drucken")).to_be_visible()
    shot(page, "walk-coordinator-on-loan")

    page.get_by_role("link", name="Zurücknehmen").click()
    expect(heading(page)).to_have_text("Ein Gerät zurücknehmen")
    scan = page.get_by_label("Inventarnummer (scannen)", exact=True)
    scan.fill("166033-0042")
    scan.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("166033-0042 ist das Gerät dieser Ausleihe.")
    page.get_by_label("Ladegerät", exact=True).check()
    page.get_by_label("Hülle", exact=True).check()
    page.get_by_label("Zustand").fill("Tastatur etwas abgegriffen, sonst einwandfrei")
    shot(page, "walk-coordinator-return")
    page.get_by_role("button", name="Zurücknehmen", exact=True).click()

    expect(page.locator(".messages")).to_contain_text("Das Gerät 166033-0042 wurde zurückgenommen.")
    history = table(page, "Verlauf")
    expect(history.locator("tbody tr td:nth-child(3)")).to_have_text(
        ["Angefragt", "Genehmigt", "Gerät reserviert", "Ausgegeben", "Zurückgegeben"]
    )
    shot(page, "walk-coordinator-returned")

    # The device's own page tells the loan in words.
    page.get_by_role("region", name="Gerät").get_by_role("link", name="166033-0042").click()
    expect(heading(page)).to_have_text("Gerät 166033-0042")
    device_loans = table(page, "Ausleihen")
    expect(cells(device_loans.locator("tbody tr"))).to_have_text(
        [
            "Jörg Öztürk (8c)",
            f"{today:%d.%m.%Y}",
            f"{today + datetime.timedelta(days=14):%d.%m.%Y}",
            "Zurückgegeben",
        ]
    )
    device_history = table(page, "Verlauf")
    loan_rows = device_history.locator("tbody tr", has_text="Ausleihe")
    # Newest first.
    expect(loan_rows.locator("td:nth-child(5)")).to_have_text(
        [
            re.compile(r"^von Jörg Öztürk \(8c\) zurückgegeben, "),
            re.compile(r"^an Jörg Öztürk \(8c\) ausgegeben, "),
            re.compile(r"^für Jörg Öztürk \(8c\) reserviert, "),
        ]
    )
    expect(loan_rows.locator("td:nth-child(2)").first).to_have_text("Björn Schäfer")
    status_row = device_history.locator("tbody tr", has_text="Status").first
    expect(cells(status_row).nth(3)).to_have_text("Verliehen")
    expect(cells(status_row).nth(4)).to_have_text("Auf Lager")
    shot(page, "walk-coordinator-device")

    loan.refresh_from_db()
    laptop.refresh_from_db()
    assert loan.status == LoanStatus.RETURNED
    assert loan.guardian_name == "Ayşe Öztürk"
    assert sorted(loan.accessories_out) == sorted(loan.accessories_in) == ["case", "charger"]
    assert laptop.status == Status.IN_STOCK
    events = DeviceHistory.objects.filter(device=laptop, field="loan").order_by("at", "pk")
    assert [row.new.split()[2] for row in events] == ["reserved", "handed_out", "returned"]


def test_it_admin_syncs_a_school_into_the_directory_by_clicking_from_the_start(
    page_de, schule, ldap_directory
):
    page = page_de
    school, klasse, _students = schule
    teaches(
        UserFactory(
            username="lehrerin",
            role=Role.TEACHER,
            schools=[school],
            first_name="Dörte",
            last_name="Weiß",
        ),
        klasse,
    )
    SchoolFactory(name="Grundschule Lindenweg", number="123456")
    admin = UserFactory(
        username="admin", role=Role.IT_ADMIN, first_name="Hans-Jürgen", last_name="Grüßner"
    )

    anmelden(page, "admin")
    shot(page, "walk-it-admin-start")
    navigation(page).get_by_role("link", name="Verzeichnis").click()
    expect(heading(page)).to_have_text("Verzeichnissynchronisation")
    expect(page.get_by_role("region", name="Letzte Läufe")).to_contain_text(
        "Es ist noch keine Synchronisation gelaufen."
    )
    shot(page, "walk-it-admin-directory")

    page.get_by_label("Schule", exact=True).select_option(
        label="Gesamtschule Am Röderberg (166033)"
    )
    page.get_by_role("button", name="Plan anzeigen").click()
    plan = page.get_by_role("region", name="12 Änderungen")
    for line in (
        "Gruppe anlegen: 166033-8c",
        "Konto anlegen: joerg.oeztuerk (Klasse 8c)",
        "Konto anlegen: siobhan.obrien (Klasse 8c)",
        "Konto anlegen: lea.mueller-lue (Klasse 8c)",
        "Konto anlegen: lk-lehrerin (Lehrkraft)",
    ):
        expect(plan.get_by_text(line, exact=True)).to_be_visible()
    expect(plan).not_to_contain_text("123456")
    shot(page, "walk-it-admin-plan")
    # Looking at the plan changed nothing.
    assert not ldap_directory.search(search_filter="(uid=joerg.oeztuerk)")

    page.get_by_role("button", name="Änderungen ausführen").click()
    expect(page.locator(".messages")).to_contain_text(
        "Die Verzeichnissynchronisation wurde gestartet."
    )
    expect(heading(page)).to_have_text(re.compile(r"^Synchronisationslauf \d+$"))
    progress = page.get_by_role("region", name="Fortschritt")
    expect(progress).to_contain_text("Erfolgreich")
    expect(progress).to_contain_text("12 von 12 Änderungen ausgeführt")
    facts = page.get_by_role("region", name="Angaben")
    expect(facts).to_contain_text("Gesamtschule Am Röderberg")
    expect(facts).to_contain_text("Hans-Jürgen Grüßner")
    expect(page.get_by_role("region", name="Fehler")).to_contain_text("Keine Fehler.")
    shot(page, "walk-it-admin-run")

    page.get_by_role("navigation", name="Sie sind hier").get_by_role(
        "link", name="Verzeichnissynchronisation"
    ).click()
    page.get_by_label("Schule", exact=True).select_option(
        label="Gesamtschule Am Röderberg (166033)"
    )
    page.get_by_role("button", name="Plan anzeigen").click()
    expect(page.get_by_role("region", name="0 Änderungen")).to_contain_text(
        "Das Verzeichnis stimmt mit Lernstatt überein"
    )
    runs = page.get_by_role("region", name="Letzte Läufe")
    expect(runs.locator("tbody tr")).to_have_count(1)
    expect(runs.locator("tbody tr")).to_contain_text("Hans-Jürgen Grüßner")
    expect(runs.locator("tbody tr")).to_contain_text("Erfolgreich")
    expect(runs.locator("tbody tr")).to_contain_text("Anlegen: 12")
    shot(page, "walk-it-admin-directory-after")

    run = DirectorySyncRun.objects.get()
    assert (run.status, run.started_by, run.school) == (
        DirectorySyncRunStatus.SUCCEEDED,
        admin,
        school,
    )
    [entry] = ldap_directory.search(
        search_filter="(uid=siobhan.obrien)", attributes=["cn", "sn"]
    ).values()
    assert entry["sn"] == ["O'Brien"]
    assert entry["cn"] == ["Siobhán O'Brien"]


def test_it_admin_adds_a_room_and_a_device_in_it_by_clicking_from_the_start(page_de):
    page = page_de
    school = SchoolFactory(name="Grundschule „Am Bach“", number="177001")
    DeviceModelFactory(manufacturer="Dell", name="Latitude 3440", category=Category.LAPTOP)
    UserFactory(username="admin", role=Role.IT_ADMIN, first_name="Hans-Jürgen", last_name="Grüßner")

    anmelden(page, "admin")
    page.get_by_role("region", name="Geräte").get_by_role("link", name="Alle Geräte").click()
    expect(heading(page)).to_have_text("Geräte")
    page.get_by_role("link", name="Schulen und Räume").click()
    expect(heading(page)).to_have_text("Schulen und Räume")
    expect(page.locator("main")).to_contain_text("Diese Schule hat in Lernstatt noch keine Räume.")
    shot(page, "walk-it-admin-schools")

    page.get_by_role("link", name="Neuer Raum – Grundschule „Am Bach“").click()
    expect(heading(page)).to_have_text("Neuer Raum für Grundschule „Am Bach“")
    page.get_by_label("Raum", exact=True).fill("Raum 1.02, Süd")
    page.get_by_label("Gebäude").fill("Altbau")
    shot(page, "walk-it-admin-room-form")
    page.get_by_role("button", name="Raum anlegen").click()

    expect(page.locator(".messages")).to_contain_text("Raum 1.02, Süd")
    expect(page.locator(".messages")).to_contain_text("wurde angelegt")
    room_row = page.locator("tbody tr", has_text="Raum 1.02, Süd")
    expect(cells(room_row).nth(1)).to_have_text("Altbau")
    shot(page, "walk-it-admin-room-created")

    navigation(page).get_by_role("link", name="Geräte").click()
    page.get_by_role("link", name="Neues Gerät").click()
    expect(heading(page)).to_have_text("Neues Gerät")
    page.get_by_label("Inventarnummer").fill("177001-0100")
    page.get_by_label("Modell").select_option(label="Dell Latitude 3440")
    page.get_by_label("Seriennummer").fill("DL-Ä'7781")
    page.get_by_label("Status").select_option(label="In Benutzung")
    page.get_by_label("Schule").select_option(label="Grundschule „Am Bach“ (177001)")
    page.get_by_label("Raum").select_option(label="Raum 1.02, Süd")
    page.get_by_label("Anschaffungsdatum").fill("2024-08-01")
    page.get_by_label("Anschaffungspreis").fill("1.234,50")
    page.get_by_label("Förderprogramm").fill("DigitalPakt Schule")
    page.get_by_label("Bemerkung").fill("Für die Lehrkräfte-Ecke, mit Hülle")
    shot(page, "walk-it-admin-device-form")
    page.get_by_role("button", name="Gerät anlegen").click()

    expect(heading(page)).to_have_text("Gerät 177001-0100")
    expect(page.locator(".messages")).to_contain_text("177001-0100")
    facts = page.get_by_role("region", name="Angaben")
    for text in (
        "Dell Latitude 3440 (Laptop)",
        "DL-Ä'7781",
        "Grundschule „Am Bach“ (177001)",
        "Raum 1.02, Süd",
        "In Benutzung",
        "01.08.2024",
        "1.234,50 €",
        "DigitalPakt Schule",
        "Für die Lehrkräfte-Ecke, mit Hülle",
    ):
        expect(facts).to_contain_text(text)
    expect(table(page, "Verlauf")).to_contain_text("Hans-Jürgen Grüßner")
    shot(page, "walk-it-admin-device")

    device = Device.objects.get(asset_tag="177001-0100")
    room = Room.objects.get(school=school)
    assert (device.school, device.room, device.status) == (school, room, Status.IN_USE)
    assert device.purchase_price == Decimal("1234.50")


@pytest.fixture
def stadt():
    """Two schools with devices of several ages, programmes and states, and loans."""
    kollwitz = SchoolFactory(name="Käthe-Kollwitz-Gesamtschule", number="188140")
    muehlbach = SchoolFactory(name="Grundschule Am Mühlbach", number="177002")
    laptop = DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")
    tablet = DeviceModelFactory(manufacturer="Apple", name="iPad 9", category=Category.TABLET)
    bought_2021 = {
        "purchase_date": datetime.date(2021, 8, 1),
        "purchase_price": Decimal("649.00"),
        "funding_programme": "DigitalPakt Schule",
    }
    bought_2023 = {
        "purchase_date": datetime.date(2023, 2, 15),
        "purchase_price": Decimal("399.00"),
        "funding_programme": "Sofortausstattungsprogramm",
    }
    for _i in range(3):
        DeviceFactory(
            school=kollwitz,
            model=laptop,
            status=Status.IN_USE,
            warranty_end=datetime.date(2027, 3, 31),
            **bought_2021,
        )
    DeviceFactory(school=kollwitz, model=laptop, status=Status.IN_REPAIR, **bought_2021)
    DeviceFactory(school=kollwitz, model=tablet, status=Status.LOST, **bought_2023)
    klasse = SchoolClassFactory(school=kollwitz, name="10a")
    kollwitz_students = [
        PersonFactory(school=kollwitz, school_class=klasse, last_name=name)
        for name in ("Özdemir", "O'Connor", "Weiß", "Groß", "Jäger", "Kühn")
    ]
    LoanFactory(student=kollwitz_students[0], status=LoanStatus.WAITING)

    for _i in range(2):
        DeviceFactory(
            school=muehlbach,
            model=tablet,
            status=Status.IN_STOCK,
            lendable=True,
            warranty_end=datetime.date(2026, 12, 31),
            **bought_2023,
        )
    on_loan = DeviceFactory(
        school=muehlbach,
        model=tablet,
        status=Status.ON_LOAN,
        lendable=True,
        purchase_date=datetime.date(2024, 9, 1),
        purchase_price=Decimal("429.00"),
        funding_programme="",
        warranty_end=datetime.date(2027, 8, 31),
    )
    DeviceFactory(
        school=muehlbach,
        model=laptop,
        status=Status.RETIRED,
        purchase_date=datetime.date(2016, 5, 10),
        purchase_price=Decimal("899.00"),
        funding_programme="Eigenmittel der Stadt",
    )
    klasse = SchoolClassFactory(school=muehlbach, name="3b")
    muehlbach_students = [
        PersonFactory(school=muehlbach, school_class=klasse, last_name=name)
        for name in ("Müller", "D'Souza", "Schröder")
    ]
    today = timezone.localdate()
    # Overdue: its last day was yesterday.
    LoanFactory(
        student=muehlbach_students[0],
        device=on_loan,
        category=Category.TABLET,
        status=LoanStatus.ON_LOAN,
        starts_on=today - datetime.timedelta(days=20),
        ends_on=today - datetime.timedelta(days=1),
    )
    return kollwitz, muehlbach


def test_city_staff_open_every_report_by_clicking_and_download_one_as_excel(
    page_de, stadt, tmp_path
):
    page = page_de
    UserFactory(username="stadt", role=Role.CITY_STAFF, first_name="Günther", last_name="Öhl")
    today = timezone.localdate()

    anmelden(page, "stadt")
    equipment = page.get_by_role("region", name="Ausstattung der Schulen")
    expect(equipment).to_contain_text("Die Schulen haben 9 Geräte.")
    shot(page, "walk-city-staff-start")

    navigation(page).get_by_role("link", name="Berichte").click()
    expect(heading(page)).to_have_text("Berichte")
    titles = page.locator("main .cards .card strong")
    expect(titles).to_have_text(
        [
            "Geräte je Schule",
            "Schülerinnen und Schüler je Gerät",
            "Alter der Geräte",
            "Ablaufende Garantie",
            "Ausgaben nach Förderprogramm",
            "Ausleihen je Schule",
            "Verloren oder in Reparatur",
            "Seit über 12 Monaten nicht gesehen",
        ]
    )
    shot(page, "walk-city-staff-reports")

    def open_report(title: str, step: str):
        page.locator("main .cards").get_by_role("link", name=title, exact=True).click()
        expect(heading(page)).to_have_text(title)
        expect(page.locator("svg[role=img]")).to_be_visible()
        # Counts and sums only: no student's name on any report.
        for name in ("Özdemir", "O'Connor", "Müller", "D'Souza"):
            expect(page.locator("main")).not_to_contain_text(name)
        shot(page, f"walk-city-staff-{step}")
        return table(page, title)

    def back_to_the_list():
        page.locator("main").get_by_role("link", name="Alle Berichte").click()
        expect(heading(page)).to_have_text("Berichte")

    def row(figures, *texts: str):
        found = figures.locator("tbody tr")
        for text in texts:
            found = found.filter(has_text=text)
        expect(found).to_have_count(1)
        return cells(found)

    figures = open_report("Geräte je Schule", "devices-per-school")
    expect(figures.locator("thead th")).to_have_text(
        [
            "Schule",
            "Schulnummer",
            "Kategorie",
            "Auf Lager",
            "In Benutzung",
            "Verliehen",
            "In Reparatur",
            "Verloren",
            "Ausgemustert",
            "Gesamt",
        ]
    )
    kollwitz = ["Käthe-Kollwitz-Gesamtschule", "188140"]
    muehlbach = ["Grundschule Am Mühlbach", "177002"]
    expect(row(figures, "188140", "Laptop")).to_have_text(
        [*kollwitz, "Laptop", "0", "3", "0", "1", "0", "0", "4"]
    )
    expect(row(figures, "188140", "Tablet")).to_have_text(
        [*kollwitz, "Tablet", "0", "0", "0", "0", "1", "0", "1"]
    )
    expect(row(figures, "177002", "Tablet")).to_have_text(
        [*muehlbach, "Tablet", "2", "0", "1", "0", "0", "0", "3"]
    )
    expect(row(figures, "177002", "Laptop")).to_have_text(
        [*muehlbach, "Laptop", "0", "0", "0", "0", "0", "1", "1"]
    )
    back_to_the_list()

    figures = open_report("Schülerinnen und Schüler je Gerät", "students-per-device")
    expect(row(figures, "188140")).to_have_text([*kollwitz, "6", "4", "1,5"])
    expect(row(figures, "177002")).to_have_text([*muehlbach, "3", "3", "1,0"])
    back_to_the_list()

    figures = open_report("Alter der Geräte", "fleet-age")
    expect(figures.locator("tbody tr")).to_have_count(3)
    expect(row(figures, "2021")).to_have_text(["2021", str(today.year - 2021), "4"])
    expect(row(figures, "2023")).to_have_text(["2023", str(today.year - 2023), "2"])
    expect(row(figures, "2024")).to_have_text(["2024", str(today.year - 2024), "1"])
    back_to_the_list()

    figures = open_report("Ablaufende Garantie", "warranty")
    expect(row(figures, "März 2027")).to_have_text(["März 2027", *kollwitz, "3"])
    expect(row(figures, "August 2027")).to_have_text(["August 2027", *muehlbach, "1"])
    if today <= datetime.date(2026, 12, 31):
        expect(row(figures, "Dezember 2026")).to_have_text(["Dezember 2026", *muehlbach, "2"])
    back_to_the_list()

    figures = open_report("Ausgaben nach Förderprogramm", "spending")
    expect(row(figures, "DigitalPakt Schule")).to_have_text(
        ["DigitalPakt Schule", "2021", "4", "2.596,00 €"]
    )
    expect(row(figures, "Sofortausstattungsprogramm")).to_have_text(
        ["Sofortausstattungsprogramm", "2023", "3", "1.197,00 €"]
    )
    expect(row(figures, "ohne Förderprogramm")).to_have_text(
        ["ohne Förderprogramm", "2024", "1", "429,00 €"]
    )
    expect(row(figures, "Eigenmittel der Stadt")).to_have_text(
        ["Eigenmittel der Stadt", "2016", "1", "899,00 €"]
    )
    # This one goes to the city's spreadsheet.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Als Excel-Datei (.xlsx) herunterladen").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    back_to_the_list()

    figures = open_report("Ausleihen je Schule", "loans")
    expect(figures.locator("thead th")).to_have_text(
        [
            "Schule",
            "Schulnummer",
            "Ausleihbare Geräte",
            "Verliehen",
            "Überfällig",
            "Wartet auf ein Gerät",
        ]
    )
    expect(row(figures, "188140")).to_have_text([*kollwitz, "0", "0", "0", "1"])
    expect(row(figures, "177002")).to_have_text([*muehlbach, "3", "1", "1", "0"])
    back_to_the_list()

    figures = open_report("Verloren oder in Reparatur", "lost-in-repair")
    expect(row(figures, "188140")).to_have_text([*kollwitz, "1", "1", "2"])
    expect(row(figures, "177002")).to_have_text([*muehlbach, "0", "0", "0"])
    back_to_the_list()

    # No stock-taking has seen any device yet: in service, never seen (lost and retired
    # devices are not counted).
    figures = open_report("Seit über 12 Monaten nicht gesehen", "not-seen")
    expect(row(figures, "188140")).to_have_text([*kollwitz, "4", "0", "4", "4"])
    expect(row(figures, "177002")).to_have_text([*muehlbach, "3", "0", "3", "3"])
    back_to_the_list()

    sheet = load_workbook(path).worksheets[0]
    rows = [row for row in sheet.iter_rows(values_only=True) if any(c is not None for c in row)]
    header, *body = rows
    assert header == ("Förderprogramm", "Anschaffungsjahr", "Geräte", "Anschaffungspreise (EUR)")
    by_programme = {line[0]: line for line in body}
    assert by_programme["DigitalPakt Schule"] == ("DigitalPakt Schule", 2021, 4, 2596)
    assert by_programme["Sofortausstattungsprogramm"][3] == 1197


def test_coordinator_gives_a_class_its_teacher_who_then_sees_its_students(page_de):
    """The coordinator adds a teacher to a class by clicking; the teacher then finds the
    class's students under "Personen", and no one of another class."""
    school = SchoolFactory(name="Gesamtschule Am Röderberg", number="166033")
    klasse = SchoolClassFactory(school=school, name="7c")
    PersonFactory(school=school, school_class=klasse, first_name="Siobhán", last_name="O'Brien")
    PersonFactory(school=school, first_name="Fremd", last_name="Andereklasse")
    UserFactory(username="koord", role=Role.COORDINATOR, schools=[school])
    lehrerin = UserFactory(
        username="lehrerin", role=Role.TEACHER, schools=[school], first_name="Dörte"
    )
    me = teaches(lehrerin, SchoolClassFactory(school=school, name="5a"))
    page = page_de

    anmelden(page, "koord")
    navigation(page).get_by_role("link", name="Klassen").click()
    page.get_by_role("link", name="7c").click()
    expect(heading(page)).to_have_text("Klasse 7c")
    expect(page.locator("main")).to_contain_text("Noch keine Lehrkraft unterrichtet diese Klasse")
    page.get_by_label("Lehrkraft", exact=True).select_option(str(me.pk))
    page.get_by_label("Klassenleitung").check()
    page.get_by_role("button", name="Lehrkraft hinzufügen").click()
    expect(page.locator(".messages")).to_contain_text(
        f"{me.full_name} unterrichtet jetzt die Klasse 7c."
    )
    expect(table(page, "Lehrkräfte")).to_contain_text("Klassenleitung")
    shot(page, "walk-coordinator-class-teacher")
    page.get_by_role("button", name="Abmelden").click()

    anmelden(page, "lehrerin")
    navigation(page).get_by_role("link", name="Personen").click()
    people = page.locator("main")
    expect(people).to_contain_text("O'Brien")
    expect(people).not_to_contain_text("Andereklasse")
    shot(page, "walk-teacher-people-of-her-classes")
