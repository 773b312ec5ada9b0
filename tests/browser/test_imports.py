import pytest
from playwright.sync_api import expect

from core.models import Role
from inventory.models import Device, DeviceHistory
from tests.browser.conftest import log_in, shot
from tests.factories import DeviceModelFactory, RoomFactory, SchoolFactory, UserFactory
from tests.inventory.files import xlsx

pytestmark = pytest.mark.integration

HEADER = ["Inventarnummer", "Seriennummer", "Hersteller", "Modell", "Schulnummer", "Raum"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def admin_and_school():
    school = SchoolFactory(name="Theodor-Heuss-Realschule", number="177802")
    RoomFactory(school=school, name="Medienraum")
    DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")
    return UserFactory(username="admin", role=Role.IT_ADMIN), school


def upload(page, rows: list[list], name: str = "inventar.xlsx") -> None:
    page.goto("/imports/")
    page.get_by_label("Devices", exact=True).check()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": xlsx(rows)}
    )
    shot(page, "import-start")
    page.get_by_role("button", name="Upload and check").click()


def test_admin_imports_a_spreadsheet_sees_the_preview_and_then_the_devices(page, admin_and_school):
    log_in(page, "admin")
    upload(
        page,
        [
            HEADER,
            ["177802-0001", "PF1A2B3C", "Lenovo", "ThinkPad L14", "177802", "Medienraum"],
            ["177802-0002", "PF4D5E6F", "Lenovo", "ThinkPad L14", "177802", "Medienraum"],
        ],
    )

    main = page.locator("main")
    expect(main).to_contain_text("177802-0001")
    expect(main).to_contain_text("177802-0002")
    assert not Device.objects.exists()  # a preview changes nothing
    shot(page, "import-preview")
    page.get_by_role("button", name="Confirm and import").click()

    expect(page.get_by_role("heading", name="The file has been imported")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("2")
    expect(page.get_by_role("button", name="Confirm and import")).to_have_count(0)
    shot(page, "import-result")
    devices = Device.objects.order_by("asset_tag")
    assert [(d.asset_tag, d.room.name) for d in devices] == [
        ("177802-0001", "Medienraum"),
        ("177802-0002", "Medienraum"),
    ]
    assert DeviceHistory.objects.filter(action=DeviceHistory.Action.CREATE).count() == 2


def test_import_preview_names_the_row_and_column_of_an_error_and_imports_nothing(
    page, admin_and_school
):
    log_in(page, "admin")
    upload(
        page,
        [
            HEADER,
            ["177802-0001", "PF1A2B3C", "Lenovo", "ThinkPad L14", "177802", "Medienraum"],
            ["177802-0001", "PF4D5E6F", "Lenovo", "ThinkPad L14", "177802", "Medienraum"],
        ],
    )

    main = page.locator("main")
    expect(main).to_contain_text("Asset tag 177802-0001 appears more than once in the file")
    expect(main).to_contain_text("Inventarnummer")
    # Both rows are wrong: there is nothing to import until a corrected file comes.
    expect(page.get_by_role("button", name="Confirm and import")).to_be_disabled()
    shot(page, "import-preview-errors")
    assert not Device.objects.exists()
