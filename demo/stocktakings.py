"""The demo city's stock-takings, made through the stock-taking's own services: at the
Gymnasium am Stadtgarten last year's Inventur of the Hauptgebäude, closed (its sightings are
more than twelve months old, so the city's report "Seit über 12 Monaten nicht gesehen" has
something to show, and this year's can be compared with it), and this year's, open, with a
few rooms scanned. Each class of the school has a classroom, so the demo teacher (class
teacher of 5a) can confirm the devices of hers (Selbstinventur)."""

import datetime
import random
import uuid

from django.db.models import F
from django.utils import timezone

from accounts.models import SchoolClass
from core.models import User
from inventory.models import Room, School
from stocktaking import services
from stocktaking.models import DeviceSeen, ExpectedDevice, Scan, Stocktaking

SCHOOL = "166021"
BUILDING = "Hauptgebäude"
LAST_YEAR = datetime.timedelta(days=390)


def demo_stocktakings_create(*, rng: random.Random, coordinator: User) -> int:
    """The classrooms and the two stock-takings; returns how many scans were made."""
    school = School.objects.get(number=SCHOOL)
    _classrooms(school)
    last = services.stocktaking_start(
        actor=coordinator, school_number=SCHOOL, building=BUILDING, name="Inventur 2025"
    )
    expected = list(
        ExpectedDevice.objects.filter(stocktaking=last)
        .order_by("asset_tag")
        .values_list("asset_tag", "room_id")
    )
    rooms = list(Room.objects.filter(school=school, building=BUILDING).values_list("pk", flat=True))
    scans = 0
    for tag, room_id in expected:
        if rng.random() < 0.04:
            continue  # not found last year
        if rng.random() < 0.02:
            room_id = rng.choice(rooms)  # standing in another room
        _scan(coordinator, last, tag, room_id)
        scans += 1
    services.stocktaking_close(actor=coordinator, stocktaking=last)
    _move_back(last)

    this_year = services.stocktaking_start(
        actor=coordinator, school_number=SCHOOL, building=BUILDING, name="Inventur 2026"
    )
    scanned_rooms = sorted({room_id for _tag, room_id in expected if room_id})[:3]
    for tag, room_id in expected:
        if room_id in scanned_rooms:
            _scan(coordinator, this_year, tag, room_id)
            scans += 1
    return scans


def _classrooms(school: School) -> None:
    """Each class of the school its classroom, in the order of the rooms R001, R002, …"""
    rooms = list(Room.objects.filter(school=school, name__startswith="R").order_by("name"))
    classes = list(SchoolClass.objects.filter(school=school).order_by("name"))
    for school_class, room in zip(classes, rooms, strict=False):
        school_class.room = room
    SchoolClass.objects.bulk_update(classes, ["room"])


def _scan(actor: User, stocktaking: Stocktaking, tag: str, room_id: int | None) -> None:
    services.scan_record(
        actor=actor,
        stocktaking=stocktaking,
        client_id=str(uuid.uuid4()),
        code=tag,
        room_id=room_id,
    )


def _move_back(stocktaking: Stocktaking) -> None:
    """Date a stock-taking made now as if it had been made a year and a month ago."""
    Stocktaking.objects.filter(pk=stocktaking.pk).update(
        started_at=F("started_at") - LAST_YEAR, closed_at=F("closed_at") - LAST_YEAR
    )
    Scan.objects.filter(stocktaking=stocktaking).update(received_at=F("received_at") - LAST_YEAR)
    DeviceSeen.objects.filter(stocktaking=stocktaking).update(seen_at=timezone.now() - LAST_YEAR)
