import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.utils import translation

from core.demo import DEMO_LOGINS, demo_city_load
from core.models import Role, User
from inventory.models import Category, Device, DeviceHistory, DeviceModel, Room, School, Status
from tests.factories import SchoolFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The demo logins get real password hashes; a test needs no key stretching.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (School, Room, DeviceModel, Device, DeviceHistory, User)
    }


def test_load_demo_builds_a_city_of_schools_rooms_and_3000_devices_with_history(db):
    load_demo()

    schools = School.objects.all()
    assert len(schools) == 12
    assert {s.city for s in schools} == {"Musterstadt"}
    assert all(re.fullmatch(r"1\d{5}", s.number) for s in schools)
    types = {s.school_type for s in schools}
    assert {"grundschule", "gymnasium", "gesamtschule", "realschule", "berufskolleg"} <= types
    assert "foerderschule" in types
    for school in schools:
        names = set(school.rooms.values_list("name", flat=True))
        assert {"R001", "Informatikraum 1", "Lehrerzimmer", "Medienraum"} <= names, school
    assert set(Room.objects.values_list("building", flat=True)) == {"Hauptgebäude", "Neubau"}
    devices = Device.objects.all()
    assert devices.count() == 3000
    assert 18 <= DeviceModel.objects.count() <= 24
    assert set(DeviceModel.objects.values_list("category", flat=True)) == set(Category.values)
    assert set(devices.values_list("status", flat=True)) == set(Status.values) - {"on_loan"}
    assert set(devices.values_list("funding_programme", flat=True)) == {
        "DigitalPakt Schule",
        "Sofortausstattungsprogramm",
        "Medienentwicklungsplan",
        "Schulträger Haushalt",
    }
    years = {d.year for d in devices.values_list("purchase_date", flat=True)}
    assert min(years) == 2016
    assert max(years) == 2026
    assert not devices.exclude(manufacturer=F("model__manufacturer")).exists()
    assert not devices.filter(room__isnull=False).exclude(room__school=F("school")).exists()
    assert not devices.filter(warranty_end__lte=F("purchase_date")).exists()
    assert not devices.filter(purchase_price__lte=0).exists()
    lendable = devices.filter(
        lendable=True, status=Status.IN_STOCK, model__category__in=["laptop", "tablet"]
    )
    assert lendable.values("school").distinct().count() == 12
    created = DeviceHistory.objects.filter(action=DeviceHistory.Action.CREATE)
    assert created.count() == 3000
    assert created.values("device").distinct().count() == 3000
    broken = devices.filter(status__in=[Status.IN_REPAIR, Status.LOST, Status.RETIRED])
    status_rows = DeviceHistory.objects.filter(field="status", device__in=broken)
    assert status_rows.values("device").distinct().count() == broken.count()


def test_each_printed_demo_login_logs_in_and_the_api_shows_its_role_and_schools(db):
    output = load_demo()

    for login in DEMO_LOGINS:
        line = next(line for line in output.splitlines() if f" {login.username} " in line)
        assert login.password in line
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert client.login(username=login.username, password=login.password)
        me = client.get("/api/v1/me").json()
        assert me["role"] == login.role
        assert me["schools"] == sorted(login.schools)
        # The Django admin is the IT admin's tool; nobody else gets in.
        admin_page = client.get("/admin/inventory/device/")
        assert admin_page.status_code == (200 if login.role == Role.IT_ADMIN else 302)
    assert {login.role for login in DEMO_LOGINS} == set(Role.values)


def test_load_demo_if_empty_twice_changes_nothing_the_second_time(db):
    load_demo("--if-empty")
    before = row_counts()
    hashes = dict(User.objects.values_list("username", "password"))

    output = load_demo("--if-empty")

    assert row_counts() == before
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert "not loaded" in output
    assert all(login.password in output for login in DEMO_LOGINS)


def test_load_demo_refuses_a_database_with_schools_and_writes_nothing(db):
    SchoolFactory()

    with pytest.raises(CommandError, match="already has schools"):
        load_demo()

    assert row_counts() == {
        "School": 1,
        "Room": 0,
        "DeviceModel": 0,
        "Device": 0,
        "DeviceHistory": 0,
        "User": 0,
    }


def test_load_demo_if_empty_leaves_a_database_with_schools_alone(db):
    SchoolFactory()

    output = load_demo("--if-empty")

    assert row_counts()["Device"] == 0
    assert "not loaded" in output
    assert "demo-admin" not in output


def _city(seed: int) -> list[tuple]:
    """The demo city a seed builds, rolled back after reading it."""
    with transaction.atomic():
        demo_city_load(seed=seed)
        city = list(
            Device.objects.order_by("asset_tag").values_list(
                "asset_tag",
                "serial_number",
                "model__name",
                "room__name",
                "status",
                "purchase_date",
                "purchase_price",
                "funding_programme",
                "lendable",
            )
        )
        city += list(DeviceHistory.objects.order_by("asset_tag", "at").values_list("at", "new"))
        transaction.set_rollback(True)
    return city


def test_the_same_seed_builds_the_same_city(db):
    first = _city(seed=7)

    assert _city(seed=7) == first
    assert len(first) > 3000
    assert not School.objects.exists()
