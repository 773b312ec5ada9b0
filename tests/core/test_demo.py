import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone, translation

from accounts.models import Person, PersonRole, SchoolClass
from core.models import Role, User
from demo.services import DEMO_LOGINS, demo_city_load
from inventory.models import Category, Device, DeviceHistory, DeviceModel, Room, School, Status
from scheduling.models import Loan, LoanStatus
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
        for model in (
            School,
            Room,
            DeviceModel,
            Device,
            DeviceHistory,
            User,
            SchoolClass,
            Person,
            Loan,
        )
    }


def test_load_demo_builds_a_city_of_schools_rooms_and_3000_devices_with_history(db):
    load_demo()

    pool = School.objects.get(loan_pool=True)
    assert pool.name == "Medienzentrum Musterstadt"
    assert pool.city == "Musterstadt"
    pool_devices = pool.devices.all()
    assert pool_devices.count() == 40
    assert {(d.lendable, d.model.category) for d in pool_devices} == {(True, "laptop")}
    schools = School.objects.exclude(pk=pool.pk)
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
    assert Device.objects.count() == 3040
    devices = Device.objects.exclude(school=pool)
    assert devices.count() == 3000
    assert 18 <= DeviceModel.objects.count() <= 24
    assert set(DeviceModel.objects.values_list("category", flat=True)) == set(Category.values)
    assert set(devices.values_list("status", flat=True)) == set(Status.values)
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
    assert created.count() == 3040
    assert created.values("device").distinct().count() == 3040
    broken = devices.filter(status__in=[Status.IN_REPAIR, Status.LOST, Status.RETIRED])
    status_rows = DeviceHistory.objects.filter(field="status", device__in=broken)
    assert status_rows.values("device").distinct().count() == broken.count()


def test_each_printed_demo_login_logs_in_and_the_api_shows_its_role_and_schools(db):
    output = load_demo()

    for login in DEMO_LOGINS:
        line = next(line for line in output.splitlines() if f" {login.username} " in line)
        assert login.password in line
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert client.login(request=HttpRequest(), username=login.username, password=login.password)
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
        "SchoolClass": 0,
        "Person": 0,
        "Loan": 0,
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
        # The inventory follows the seed alone; the loans are made today (a request
        # cannot start in the past), so the loaned devices' history follows the date.
        city += list(
            DeviceHistory.objects.filter(device__loans__isnull=True)
            .order_by("asset_tag", "at")
            .values_list("at", "new")
        )
        city += list(
            Person.objects.order_by("school__number", "external_id").values_list(
                "first_name", "last_name", "login", "birth_date", "short_code", "school_class__name"
            )
        )
        transaction.set_rollback(True)
    return city


def test_the_same_seed_builds_the_same_city(db):
    first = _city(seed=7)

    assert _city(seed=7) == first
    assert len(first) > 3000
    assert not School.objects.exists()


def test_load_demo_gives_every_school_classes_of_students_and_teachers_with_a_kuerzel(db):
    load_demo()

    for school in School.objects.filter(loan_pool=False):
        classes = SchoolClass.objects.filter(school=school)
        assert classes.count() == 3, school
        for school_class in classes:
            assert 18 <= school_class.students.count() <= 26, school_class
        teachers = Person.objects.filter(school=school, role=PersonRole.TEACHER)
        assert teachers.count() == 6
        codes = [t.short_code for t in teachers]
        assert all(re.fullmatch(r"[A-Z]{2}[A-Z0-9]", code) for code in codes), codes
        assert len(set(codes)) == len(codes)
    assert not Person.objects.filter(school__loan_pool=True).exists()
    last_names = set(Person.objects.values_list("last_name", flat=True))
    assert any(ch in name for name in last_names for ch in "äöüß")
    assert any("'" in name for name in last_names)
    assert any("-" in name for name in last_names)
    logins = list(Person.objects.values_list("login", flat=True))
    assert len(set(logins)) == len(logins)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9._-]*", login) for login in logins)
    assert Person.objects.get(login="katrin.becker").short_code == "BEC"


def test_load_demo_makes_loans_in_every_state_with_the_device_history_of_the_real_flow(db):
    load_demo()
    today = timezone.localdate()

    loans = Loan.objects.select_related("device")
    statuses = set(loans.values_list("status", flat=True))
    assert {"requested", "waiting", "reserved", "on_loan", "returned"} <= statuses
    overdue = [loan for loan in loans.filter(status=LoanStatus.ON_LOAN) if loan.is_overdue]
    assert len(overdue) == 1
    assert overdue[0].ends_on < today
    for loan in loans.filter(status__in=[LoanStatus.ON_LOAN, LoanStatus.RESERVED]):
        assert loan.device.status == (
            Status.ON_LOAN if loan.status == LoanStatus.ON_LOAN else Status.IN_STOCK
        )
    for loan in loans.exclude(device=None):
        events = [
            row.new
            for row in DeviceHistory.objects.filter(device=loan.device, field="loan").order_by(
                "at", "pk"
            )
            if row.new.startswith(f"loan {loan.pk} ")
        ]
        period = f"{loan.starts_on.isoformat()}..{loan.ends_on.isoformat()}"
        expected = {
            LoanStatus.RESERVED: ["reserved"],
            LoanStatus.ON_LOAN: ["reserved", "handed_out"],
            LoanStatus.RETURNED: ["reserved", "handed_out", "returned"],
        }[loan.status]
        assert events == [f"loan {loan.pk} {event} {period}" for event in expected]
    returned = loans.get(status=LoanStatus.RETURNED)
    assert returned.handed_out_at < returned.returned_at < timezone.now() - timedelta(days=30)
    assert returned.device.status == Status.IN_STOCK
    # The special needs school lent all its tablets, so its next request waits.
    waiting = loans.get(status=LoanStatus.WAITING)
    assert waiting.school.school_type == "foerderschule"
    assert waiting.category == "tablet"


def test_the_demo_teacher_can_request_a_device_for_students_of_her_class_right_away(db):
    load_demo()
    teacher = next(login for login in DEMO_LOGINS if login.role == Role.TEACHER)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(request=HttpRequest(), username=teacher.username, password=teacher.password)
    school_class = SchoolClass.objects.filter(school__number=teacher.schools[0]).first()
    students = list(school_class.students.exclude(loans__isnull=False)[:2])

    page = client.get("/loans/new/", {"school_class": school_class.pk})
    assert page.status_code == 200
    assert students[0].last_name in page.content.decode()
    response = client.post(
        "/loans/new/",
        {
            "school_class": school_class.pk,
            "students": [s.pk for s in students],
            "category": "laptop",
            "starts_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "ends_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
            "reason": "distance_learning",
        },
    )

    assert response.status_code == 302
    mine = Loan.objects.filter(requested_by__username=teacher.username, student__in=students)
    assert set(mine.values_list("status", flat=True)) == {LoanStatus.REQUESTED}
    assert mine.count() == 2


def test_the_demo_has_last_years_closed_stock_taking_and_this_years_open_one(db):
    from reports.selectors import not_seen_for_a_year
    from stocktaking.models import DeviceSeen, Stocktaking, StocktakingStatus

    load_demo()

    school = School.objects.get(number="166021")
    last, this_year = Stocktaking.objects.filter(school=school).order_by("started_at")
    assert (last.status, this_year.status) == (StocktakingStatus.CLOSED, StocktakingStatus.OPEN)
    assert timezone.now() - last.closed_at > timedelta(days=365)
    assert this_year.scans.count() > 0
    # Last year's sightings are over a year old, this year's are new.
    old = DeviceSeen.objects.filter(stocktaking=last)
    assert old.exists() and all(timezone.now() - seen.seen_at > timedelta(days=365) for seen in old)
    assert DeviceSeen.objects.filter(stocktaking=this_year).count() == this_year.scans.count()
    city = User.objects.get(role=Role.CITY_STAFF)
    row = next(r for r in not_seen_for_a_year(actor=city) if r["school_number"] == "166021")
    in_service = old.exclude(device__status__in=[Status.LOST, Status.RETIRED])
    assert row["seen_over_a_year_ago"] == in_service.count() > 0
    # The demo teacher's class has a classroom for her Selbstinventur.
    assert SchoolClass.objects.get(school=school, name="5a").room is not None
