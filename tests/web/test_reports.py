"""The report pages, their .xlsx downloads and the open-data export: the right numbers,
the actor's schools only, files a spreadsheet and a script can read, and never a person."""

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from core.models import Role
from inventory.models import Category, Device, Status
from reports.catalogue import REPORTS
from scheduling.models import LoanStatus
from tests.accounts.factories import PersonFactory
from tests.factories import DeviceFactory, DeviceModelFactory, SchoolFactory, UserFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db

SLUGS = [report.slug for report in REPORTS]
PAGES = ["/reports/", *(f"/reports/{slug}/" for slug in SLUGS)]
FILES = [
    *(f"/reports/{slug}.xlsx" for slug in SLUGS),
    "/reports/open-data.json",
    "/reports/open-data.csv",
]


@pytest.fixture
def fleet(school_a, school_b):
    """A small known inventory: school_a 3 laptops (2 in use, 1 lost) and 1 tablet in
    repair; school_b 1 laptop in use."""
    laptop = DeviceModelFactory(name="L14", category=Category.LAPTOP)
    tablet = DeviceModelFactory(manufacturer="Apple", name="iPad", category=Category.TABLET)
    DeviceFactory.create_batch(
        2, school=school_a, model=laptop, status=Status.IN_USE, purchase_price=Decimal("500.25")
    )
    DeviceFactory(school=school_a, model=laptop, status=Status.LOST)
    DeviceFactory(school=school_a, model=tablet, status=Status.IN_REPAIR, lendable=True)
    DeviceFactory(school=school_b, model=laptop, status=Status.IN_USE)
    return laptop


def workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.content))


# Pages


def test_the_index_lists_every_report_and_the_open_data(client_for, city_staff):
    response = client_for(city_staff).get("/reports/")

    html = response.content.decode()
    for slug in SLUGS:
        assert f'href="/reports/{slug}/"' in html
        assert f'href="/reports/{slug}.xlsx"' in html
    assert 'href="/reports/open-data.json"' in html
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0" in html
    assert '<li aria-current="page">Berichte</li>' in html


def test_the_devices_report_counts_each_schools_devices_by_category_and_status(
    client_for, city_staff, fleet, django_assert_max_num_queries
):
    browser = client_for(city_staff)

    with django_assert_max_num_queries(3):
        response = browser.get("/reports/devices-per-school/")

    rows = {(r["school_number"], r["category"]): r for r in response.context["rows"]}
    assert rows["165432", "laptop"]["in_use"] == 2
    assert rows["165432", "laptop"]["lost"] == 1
    assert rows["165432", "laptop"]["total"] == 3
    assert rows["165432", "tablet"]["in_repair"] == 1
    assert rows["123456", "laptop"]["total"] == 1
    # The chart: one bar per school, all its categories added up.
    assert response.context["points"] == [("Grundschule Lindenweg", 1), ("Gymnasium am Park", 4)]
    html = response.content.decode()
    assert "<h1>Geräte je Schule</h1>" in html
    assert 'aria-current="page">Geräte je Schule</li>' in html  # the breadcrumbs


@pytest.mark.parametrize("slug", SLUGS)
def test_each_report_page_has_an_accessible_svg_chart_and_a_table_without_javascript(
    slug, client_for, city_staff, fleet, django_assert_max_num_queries
):
    PersonFactory(school=fleet.devices.first().school)
    DeviceFactory(model=fleet, warranty_end=timezone.localdate(), school=SchoolFactory())
    browser = client_for(city_staff)

    with django_assert_max_num_queries(3):
        response = browser.get(f"/reports/{slug}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert '<title id="chart-' in html and '<desc id="chart-' in html
    assert "<rect " in html
    assert "<table" in html and '<th scope="col"' in html
    assert "<script" not in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # nothing loaded from elsewhere
    assert f'href="/reports/{slug}.xlsx"' in html


def test_svg_coordinates_are_plain_numbers_in_a_german_page(client_for, city_staff, fleet):
    html = client_for(city_staff).get("/reports/lost-in-repair/").content.decode()

    chart = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'y="19.0"' in chart
    assert ',0"' not in chart


def test_a_report_without_figures_says_so(client_for, city_staff):
    response = client_for(city_staff).get("/reports/spending/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Für diesen Bericht gibt es noch keine Zahlen." in html
    assert "<svg" not in html


def test_an_unknown_report_is_404(client_for, city_staff):
    assert client_for(city_staff).get("/reports/gibt-es-nicht/").status_code == 404
    assert client_for(city_staff).get("/reports/gibt-es-nicht.xlsx").status_code == 404


@pytest.mark.parametrize("url", [*PAGES, *FILES])
def test_a_teacher_may_open_no_report_and_no_file(client_for, teacher, url):
    response = client_for(teacher).get(url)

    assert response.status_code == 403


@pytest.mark.parametrize("url", ["/reports/warranty/", "/reports/loans.xlsx"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


def test_a_coordinator_sees_the_figures_of_their_schools_only(
    client_for, coordinator, fleet, school_b
):
    browser = client_for(coordinator)

    for url in PAGES[1:]:
        assert school_b.name not in browser.get(url).content.decode(), url
    for slug in SLUGS:
        content = browser.get(f"/reports/{slug}.xlsx").content
        assert school_b.name not in _xlsx_text(content), slug
    document = json.loads(browser.get("/reports/open-data.json").content)
    numbers = {
        row.get("school_number")
        for report in document["reports"]
        for row in report["rows"]
        if row.get("school_number")
    }
    assert numbers == {"165432"}
    devices = next(r for r in document["reports"] if r["id"] == "devices-per-school")
    assert sum(row["total"] for row in devices["rows"]) == 4


def test_city_staff_see_every_school(client_for, city_staff, fleet):
    response = client_for(city_staff).get("/reports/lost-in-repair/")

    assert [row["school_number"] for row in response.context["rows"]] == ["123456", "165432"]


# Files


def test_the_xlsx_has_the_table_typed_a_frozen_filtered_header_and_a_native_chart(
    client_for, city_staff, fleet
):
    response = client_for(city_staff).get("/reports/spending.xlsx")

    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    book = workbook(response)
    table, chart_sheet = book.worksheets
    assert [cell.value for cell in table[1]] == [
        "Förderprogramm",
        "Anschaffungsjahr",
        "Geräte",
        "Anschaffungspreise (EUR)",
    ]
    assert table.freeze_panes == "A2"
    assert table.auto_filter.ref == "A1:D2"
    programme, year, devices, total = (cell.value for cell in table[2])
    assert (programme, year, devices) == ("DigitalPakt Schule", 2021, 5)
    assert total == pytest.approx(500.25 * 2 + 649 * 3)
    assert table["D2"].data_type == "n"
    assert "€" in table["D2"].number_format
    assert len(chart_sheet._charts) == 1
    assert chart_sheet["A2"].value == "DigitalPakt Schule"


def test_the_xlsx_of_each_report_opens_and_has_its_chart(client_for, city_staff, fleet):
    browser = client_for(city_staff)

    for slug in SLUGS:
        book = workbook(browser.get(f"/reports/{slug}.xlsx"))
        assert len(book.worksheets[1]._charts) == 1, slug
        assert book.worksheets[0].freeze_panes == "A2", slug


def test_numbers_in_the_xlsx_are_number_cells(client_for, city_staff, fleet):
    table = workbook(client_for(city_staff).get("/reports/lost-in-repair.xlsx")).worksheets[0]

    header = [cell.value for cell in table[1]]
    assert header == ["Schule", "Schulnummer", "In Reparatur", "Verloren", "Gesamt"]
    rows = {row[1]: row for row in table.iter_rows(min_row=2, values_only=True)}
    assert rows["165432"][2:] == (1, 1, 2)
    assert rows["123456"][2:] == (0, 0, 0)
    assert table["B2"].data_type == "s"  # a school number stays text: leading zeros


def test_a_school_name_that_looks_like_a_formula_stays_text_in_the_xlsx(client_for, city_staff):
    SchoolFactory(name='=HYPERLINK("http://evil.example","x")', number="111111")

    content = client_for(city_staff).get("/reports/lost-in-repair.xlsx").content

    table = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    cell = next(row[0] for row in table.iter_rows(min_row=2) if row[1].value == "111111")
    assert cell.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and all(b"<f>" not in archive.read(name) for name in sheets)


def test_the_open_data_json_has_its_metadata_and_every_report(
    client_for, city_staff, fleet, settings
):
    settings.LERNSTATT_OPEN_DATA_PUBLISHER = "Stadt Musterstadt, Schulverwaltungsamt"

    response = client_for(city_staff).get("/reports/open-data.json")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content.decode("utf-8"))
    metadata = document["metadata"]
    assert metadata["license"]["name"] == "Datenlizenz Deutschland – Namensnennung – Version 2.0"
    assert metadata["license"]["id"] == "dl-de/by-2-0"
    assert metadata["publisher"] == "Stadt Musterstadt, Schulverwaltungsamt"
    assert metadata["date"] == timezone.localdate().isoformat()
    assert metadata["title"] and metadata["description"]
    assert [report["id"] for report in document["reports"]] == SLUGS
    spending = next(r for r in document["reports"] if r["id"] == "spending")
    assert spending["rows"] == [
        {
            "funding_programme": "DigitalPakt Schule",
            "year": 2021,
            "devices": 5,
            "purchase_price_sum": 2947.5,
        }
    ]


def test_the_open_data_csv_is_utf8_comma_separated_one_measure_per_line(
    client_for, city_staff, fleet
):
    response = client_for(city_staff).get("/reports/open-data.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert not response.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    lost = {
        (line["school_number"], line["measure"]): line["value"]
        for line in lines
        if line["report"] == "lost-in-repair"
    }
    assert lost["165432", "in_repair"] == "1"
    assert lost["165432", "total"] == "2"
    spending = [line for line in lines if line["report"] == "spending"]
    assert {(line["measure"], line["value"]) for line in spending} == {
        ("devices", "5"),
        ("purchase_price_sum", "2947.5"),
    }
    assert {line["school"] for line in lines if line["school_number"] == "165432"} == {
        "Gymnasium am Park"
    }


@pytest.mark.parametrize("url", FILES)
def test_each_file_is_a_bounded_number_of_queries(
    url, client_for, city_staff, fleet, django_assert_max_num_queries
):
    browser = client_for(city_staff)

    with django_assert_max_num_queries(2 + len(SLUGS)):
        assert browser.get(url).status_code == 200


# Privacy: city staff see aggregates only


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def test_no_report_page_or_file_for_city_staff_contains_a_persons_data(
    client_for, city_staff, school_a, fleet
):
    today = timezone.localdate()
    requester = UserFactory(
        username="lk.geheim", first_name="Ottokar", last_name="Zwiebelfisch", role=Role.TEACHER
    )
    secrets = ["Ottokar", "Zwiebelfisch", "lk.geheim"]
    for n, role in enumerate(("student", "student", "teacher")):
        person = PersonFactory(
            school=school_a,
            role=role,
            first_name=f"Xaverine{n}",
            last_name=f"Quirrelmeyer{n}",
            login=f"zq.geheim{n}",
            birth_date=datetime.date(2011, 2, 17 + n),
            external_id=f"SCHILD-98765{n}",
            short_code=f"QZ{n}" if role == "teacher" else "",
        )
        secrets += [
            person.first_name,
            person.last_name,
            person.login,
            person.external_id,
            person.birth_date.isoformat(),
            person.birth_date.strftime("%d.%m.%Y"),
        ]
        if role == "student":
            LoanFactory(
                student=person,
                device=Device.objects.get(lendable=True) if n == 0 else None,
                category=Category.TABLET,
                requested_by=requester,
                status=LoanStatus.ON_LOAN if n == 0 else LoanStatus.WAITING,
                starts_on=today - datetime.timedelta(days=3),
                ends_on=today + datetime.timedelta(days=3),
                note=f"Geheimnotiz{n}",
            )
            secrets.append(f"Geheimnotiz{n}")
    browser = client_for(city_staff)

    outputs = {}
    for url in [*PAGES, *FILES]:
        response = browser.get(url)
        assert response.status_code == 200, url
        if url.endswith(".xlsx"):
            outputs[url] = _xlsx_text(response.content)
        else:
            outputs[url] = response.content.decode("utf-8")

    for url, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} in {url}"
    # The people are there: counted, not named.
    spd = next(
        row
        for row in json.loads(outputs["/reports/open-data.json"])["reports"][1]["rows"]
        if row["school_number"] == "165432"
    )
    assert spd["students"] == 2
    loans = next(
        row
        for row in json.loads(outputs["/reports/open-data.json"])["reports"][5]["rows"]
        if row["school_number"] == "165432"
    )
    assert (loans["on_loan"], loans["waiting"]) == (1, 1)
