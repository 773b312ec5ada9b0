"""Requesting loan devices: for one or several students of a class, with clear messages
for bad input, and each requester sees their own requests."""

import pytest

from accounts.models import PersonStatus
from inventory.models import Category, Device, Status
from scheduling.models import Loan, LoanStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.factories import DeviceFactory, DeviceModelFactory, SchoolFactory, UserFactory
from tests.scheduling.conftest import days


def body(people, **fields):
    data = {
        "students": [person.pk for person in people],
        "category": "laptop",
        "starts_on": days(1).isoformat(),
        "ends_on": days(14).isoformat(),
        "reason": "distance_learning",
        "note": "Familie hat kein Gerät",
    }
    data.update(fields)
    return data


def post(client, data):
    return client.post("/api/v1/loans", data, content_type="application/json")


@pytest.mark.django_db
@pytest.mark.usefixtures("lends_laptops")
class TestRequest:
    def test_a_teacher_requests_for_three_students_of_a_class_at_once(
        self, client_for, teacher, students_a
    ):
        response = post(client_for(teacher, language="en"), body(students_a))
        assert response.status_code == 201, response.json()
        got = response.json()
        assert [loan["student"]["name"] for loan in got] == ["Mia Becker", "Ben Wolf", "Lea Koch"]
        assert {loan["status"] for loan in got} == {"requested"}
        assert got[0]["student"]["school_class"] == "7b"
        assert got[0]["ends_on"] == days(14).isoformat()
        assert got[0]["requested_by"] == teacher.username
        assert Loan.objects.filter(requested_by=teacher).count() == 3

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"starts_on": "next monday"}, "starts_on", "date"),
            ({"ends_on": "31.12."}, "ends_on", "date"),
            ({"category": "spaceship"}, "category", "laptop"),
            ({"reason": "bored"}, "reason", "distance_learning"),
            ({"students": []}, "students", "at least 1"),
            ({"color": "red"}, "color", "Extra inputs"),
        ],
    )
    def test_unreadable_input_is_422_naming_the_field(
        self, client_for, teacher, students_a, fields, field, message
    ):
        response = post(client_for(teacher, language="en"), body(students_a, **fields))
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == [field]
        assert message in errors[0]["message"]
        assert not Loan.objects.exists()

    @pytest.mark.parametrize(
        ("starts_on", "ends_on", "field", "message"),
        [
            (days(5), days(4), "ends_on", "cannot be before its first day"),
            (days(-1), days(4), "starts_on", "cannot start in the past"),
        ],
    )
    def test_a_period_that_makes_no_sense_is_refused(
        self, client_for, teacher, students_a, starts_on, ends_on, field, message
    ):
        data = body(students_a, starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat())
        response = post(client_for(teacher, language="en"), data)
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": field, "message": response.json()["message"]}
        ]
        assert message in response.json()["message"]
        assert not Loan.objects.exists()

    def test_until_is_required(self, client_for, teacher, students_a):
        response = post(client_for(teacher, language="en"), body(students_a, ends_on=None))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "ends_on"

    def test_a_student_of_another_school_is_not_found_and_nothing_is_written(
        self, client_for, teacher, students_a, student_b
    ):
        response = post(client_for(teacher, language="en"), body([students_a[0], student_b]))
        assert response.status_code == 404
        assert response.json()["message"] == f"Student {student_b.pk} not found."
        assert not Loan.objects.exists()

    def test_a_student_who_has_left_cannot_get_a_loan(self, client_for, teacher, students_a):
        students_a[1].status = PersonStatus.DISABLED
        students_a[1].save()
        response = post(client_for(teacher, language="en"), body(students_a))
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "students", "message": "Ben Wolf is no longer at the school (Disabled)."}
        ]
        assert not Loan.objects.exists()

    def test_a_tolerated_student_can_still_get_a_loan(self, client_for, teacher, students_a):
        students_a[0].status = PersonStatus.TOLERATED
        students_a[0].save()
        assert post(client_for(teacher), body(students_a[:1])).status_code == 201

    def test_students_of_two_classes_are_two_requests(
        self, client_for, teacher, students_a, school_a
    ):
        other = PersonFactory(school=school_a, school_class=SchoolClassFactory(school=school_a))
        teaches(teacher, other.school_class)
        response = post(client_for(teacher, language="en"), body([students_a[0], other]))
        assert response.status_code == 422
        assert "same class" in response.json()["errors"][0]["message"]

    def test_a_student_of_a_class_the_teacher_does_not_teach_is_not_found(
        self, client_for, teacher, students_a, school_a
    ):
        """Same school, not one of the teacher's classes: as if the student did not exist."""
        other = PersonFactory(school=school_a, school_class=SchoolClassFactory(school=school_a))
        response = post(client_for(teacher, language="en"), body([other]))
        assert response.status_code == 404
        assert response.json()["message"] == f"Student {other.pk} not found."
        assert Loan.objects.count() == 0

    def test_an_overlapping_open_request_of_the_same_category_is_409_naming_the_student(
        self, client_for, teacher, students_a, school_a, lendable
    ):
        tablets = DeviceModelFactory(category=Category.TABLET)
        lendable(school_a, "LEIH-T", model=tablets, status=Status.IN_REPAIR)
        client = client_for(teacher, language="en")
        assert post(client, body(students_a[1:2])).status_code == 201
        overlapping = body(students_a, starts_on=days(10).isoformat(), ends_on=days(20).isoformat())
        response = post(client, overlapping)
        assert response.status_code == 409
        assert response.json()["code"] == "duplicate_request"
        assert response.json()["message"].startswith("Ben Wolf already has an open request")
        assert Loan.objects.count() == 1
        # a tablet, or the days after, are fine
        assert post(client, body(students_a, category="tablet")).status_code == 201
        later = body(students_a, starts_on=days(15).isoformat(), ends_on=days(20).isoformat())
        assert post(client, later).status_code == 201

    def test_only_what_the_school_or_the_pool_lends_can_be_requested(
        self, client_for, teacher, students_a, school_a, lendable
    ):
        """A teacher cannot ask for a projector, nor for a tablet where none is lent; what
        the school marks lendable (or the city's pool lends) can be asked for."""
        DeviceFactory(school=school_a, model=DeviceModelFactory(category=Category.DISPLAY))
        client = client_for(teacher, language="en")

        for category in ("display", "tablet"):
            response = post(client, body(students_a, category=category))
            assert response.status_code == 422
            [error] = response.json()["errors"]
            label = Category(category).label
            assert error == {
                "field": "category",
                "message": f"Devices of the kind {label} are not lent; you can request: Laptop.",
            }
        assert not Loan.objects.exists()
        pool = SchoolFactory(name="Medienzentrum", number="999001", loan_pool=True)
        lendable(pool, "POOL-T1", model=DeviceModelFactory(category=Category.TABLET))
        assert post(client, body(students_a, category="tablet")).status_code == 201

    def test_a_school_that_lends_nothing_says_so(self, client_for, teacher, students_a):
        Device.objects.all().delete()
        response = post(client_for(teacher, language="en"), body(students_a))
        assert response.status_code == 422
        assert response.json()["message"] == "The school has no devices to lend yet."

    def test_a_cancelled_request_does_not_block_a_new_one(self, client_for, teacher, students_a):
        client = client_for(teacher)
        loan_id = post(client, body(students_a[:1])).json()[0]["id"]
        assert client.post(f"/api/v1/loans/{loan_id}/cancel").status_code == 200
        assert post(client, body(students_a[:1])).status_code == 201

    def test_city_staff_may_not_request(self, client_for, city_staff, students_a):
        assert post(client_for(city_staff), body(students_a)).status_code == 403


@pytest.mark.django_db
@pytest.mark.usefixtures("lends_laptops")
class TestWhoSeesWhich:
    def test_a_teacher_sees_their_own_requests_and_the_coordinator_the_queue(
        self, client_for, teacher, coordinator, students_a, school_a, django_assert_max_num_queries
    ):
        colleague = UserFactory(username="kollegin", schools=[school_a])
        teaches(colleague, students_a[0].school_class)
        post(client_for(teacher), body(students_a[:2]))
        post(client_for(colleague), body(students_a[2:]))

        mine = client_for(teacher).get("/api/v1/loans").json()
        assert mine["count"] == 2
        assert {loan["student"]["name"] for loan in mine["items"]} == {"Mia Becker", "Ben Wolf"}
        other_id = Loan.objects.get(requested_by=colleague).pk
        assert client_for(teacher).get(f"/api/v1/loans/{other_id}").status_code == 404

        client = client_for(coordinator)
        with django_assert_max_num_queries(6):
            queue = client.get("/api/v1/loans", {"status": "requested", "ordering": "requested_at"})
        assert [loan["student"]["name"] for loan in queue.json()["items"]] == [
            "Mia Becker",
            "Ben Wolf",
            "Lea Koch",
        ]
        assert client.get("/api/v1/loans", {"mine": True}).json()["count"] == 0
        assert client.get(f"/api/v1/loans/{other_id}").status_code == 200

    def test_a_persons_page_lists_their_loans(self, client_for, teacher, it_admin, students_a):
        post(client_for(teacher), body(students_a))
        got = client_for(it_admin).get("/api/v1/loans", {"student": students_a[2].pk}).json()
        assert [loan["student"]["name"] for loan in got["items"]] == ["Lea Koch"]

    def test_a_coordinator_of_another_school_sees_nothing(
        self, client_for, teacher, students_a, school_b
    ):
        post(client_for(teacher), body(students_a))
        other = UserFactory(username="koord-b", role="coordinator", schools=[school_b])
        assert client_for(other).get("/api/v1/loans").json()["count"] == 0
        loan = Loan.objects.first()
        assert client_for(other).get(f"/api/v1/loans/{loan.pk}").status_code == 404
        assert loan.status == LoanStatus.REQUESTED
