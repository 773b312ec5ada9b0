"""Free devices for a period, the calendar, the counts per school, and the bulk pass over
the queue — each with a number of queries that does not grow with the data."""

import pytest

from inventory.models import Status
from scheduling.allocation import loans_allocate_waiting
from scheduling.models import Loan, LoanStatus
from tests.accounts.factories import PersonFactory
from tests.scheduling.conftest import days


def loan(student, device=None, *, starts, ends, status=LoanStatus.RESERVED, category="laptop"):
    return Loan.objects.create(
        student=student,
        school=student.school,
        category=category,
        starts_on=days(starts),
        ends_on=days(ends),
        reason="other",
        status=status,
        device=device,
    )


@pytest.mark.django_db
class TestAvailability:
    def test_free_devices_of_my_school_and_the_pool_for_a_period(
        self,
        client_for,
        teacher,
        students_a,
        school_a,
        school_b,
        pool_school,
        lendable,
        tablet_model,
        django_assert_max_num_queries,
    ):
        busy = lendable(school_a, "A-1")
        lendable(school_a, "A-2")
        lendable(school_a, "A-3", status=Status.RETIRED)
        lendable(school_a, "T-1", model=tablet_model)
        lendable(school_b, "B-1")
        lendable(pool_school, "P-1")
        for n in range(10):  # many loans, the same number of queries
            loan(students_a[0], busy, starts=2 * n, ends=2 * n + 1)
        client = client_for(teacher)
        query = {
            "category": "laptop",
            "starts_on": days(3).isoformat(),
            "ends_on": days(5).isoformat(),
        }
        with django_assert_max_num_queries(4):
            got = client.get("/api/v1/loans/availability", query).json()
        assert [(d["asset_tag"], d["pool"]) for d in got] == [("A-2", False), ("P-1", True)]
        later = {**query, "starts_on": days(30).isoformat(), "ends_on": days(31).isoformat()}
        assert [d["asset_tag"] for d in client.get("/api/v1/loans/availability", later).json()] == [
            "A-1",
            "A-2",
            "P-1",
        ]

    def test_another_school_is_not_found_the_pool_is(
        self, client_for, teacher, school_b, pool_school, lendable
    ):
        lendable(pool_school, "P-1")
        client = client_for(teacher)
        query = {
            "category": "laptop",
            "starts_on": days(1).isoformat(),
            "ends_on": days(2).isoformat(),
        }
        assert (
            client.get(
                "/api/v1/loans/availability", {**query, "school": school_b.number}
            ).status_code
            == 404
        )
        pool = client.get("/api/v1/loans/availability", {**query, "school": pool_school.number})
        assert [d["asset_tag"] for d in pool.json()] == ["P-1"]

    def test_text_dates_are_422_naming_the_parameter(self, client_for, teacher):
        response = client_for(teacher).get(
            "/api/v1/loans/availability",
            {"category": "laptop", "starts_on": "morgen", "ends_on": days(2).isoformat()},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "starts_on"


@pytest.mark.django_db
class TestCalendar:
    def test_each_device_with_its_loans_in_the_coming_weeks(
        self, client_for, coordinator, students_a, school_a, lendable, django_assert_max_num_queries
    ):
        one, two = lendable(school_a, "A-1"), lendable(school_a, "A-2")
        loan(students_a[0], one, starts=1, ends=5)
        loan(students_a[1], one, starts=10, ends=40, status=LoanStatus.RESERVED)
        loan(students_a[2], one, starts=50, ends=60)  # after the window
        loan(students_a[2], two, starts=1, ends=3, status=LoanStatus.RETURNED)
        client = client_for(coordinator)
        with django_assert_max_num_queries(5):
            got = client.get("/api/v1/loans/calendar", {"weeks": 4}).json()
        assert got["starts_on"] == days(0).isoformat()
        assert got["ends_on"] == days(27).isoformat()
        devices = {d["asset_tag"]: d for d in got["devices"]}
        assert [(x["starts_on"], x["student"]) for x in devices["A-1"]["loans"]] == [
            (days(1).isoformat(), "Mia Becker"),
            (days(10).isoformat(), "Ben Wolf"),
        ]
        assert devices["A-2"]["loans"] == []
        single = client.get("/api/v1/loans/calendar", {"device": "a-2"}).json()
        assert [d["asset_tag"] for d in single["devices"]] == ["A-2"]

    def test_a_device_of_another_school_is_not_found(
        self, client_for, coordinator, school_b, lendable
    ):
        lendable(school_b, "B-1")
        response = client_for(coordinator).get("/api/v1/loans/calendar", {"device": "B-1"})
        assert response.status_code == 404


@pytest.mark.django_db
def test_counts_per_school_for_city_staff(
    client_for,
    city_staff,
    students_a,
    student_b,
    school_a,
    school_b,
    lendable,
    django_assert_max_num_queries,
):
    devices = [lendable(school_a, f"A-{n}") for n in range(3)]
    lendable(school_a, "A-lost", status=Status.LOST)
    loan(students_a[0], devices[0], starts=-10, ends=-1, status=LoanStatus.ON_LOAN)
    loan(students_a[1], devices[1], starts=-10, ends=5, status=LoanStatus.ON_LOAN)
    loan(students_a[2], None, starts=1, ends=5, status=LoanStatus.WAITING)
    loan(student_b, None, starts=1, ends=5, status=LoanStatus.WAITING)
    client = client_for(city_staff)
    with django_assert_max_num_queries(4):  # the session, the user, the counts
        got = client.get("/api/v1/loan-counts").json()
    counts = {row["school"]["number"]: row for row in got}
    assert {
        k: counts[school_a.number][k] for k in ("pool_devices", "on_loan", "overdue", "waiting")
    } == {
        "pool_devices": 3,
        "on_loan": 2,
        "overdue": 1,
        "waiting": 1,
    }
    assert counts[school_b.number]["waiting"] == 1
    assert "Mia" not in str(got)


@pytest.mark.django_db
def test_one_pass_allocates_the_queue_first_come_first_served_in_few_queries(
    school_a, school_b, pool_school, lendable, students_a, django_assert_max_num_queries
):
    own = [lendable(school_a, f"A-{n}") for n in range(3)]
    for n in range(2):
        lendable(pool_school, f"P-{n}")
    lendable(school_b, "B-0")
    students = [PersonFactory(school=school_a) for _ in range(8)] + [PersonFactory(school=school_b)]
    loan(students[0], own[0], starts=1, ends=30)  # A-0 is taken for the whole time
    waiting = [loan(s, None, starts=2, ends=9, status=LoanStatus.WAITING) for s in students[1:]]
    # 3 reads for all; per reserved loan a check, a write, a history row and 2 savepoints;
    # nothing for the requests left waiting, nothing per device
    with django_assert_max_num_queries(2 + 3 + 5 * 7):
        reserved = loans_allocate_waiting()
    assert [x.pk for x in reserved] == [w.pk for w in waiting[:4]] + [waiting[-1].pk]
    got = {x.student_id: x.device.asset_tag for x in reserved}
    assert [got[s.pk] for s in students[1:5]] == ["A-1", "A-2", "P-0", "P-1"]
    assert got[students[-1].pk] == "B-0"
    assert Loan.objects.filter(status=LoanStatus.WAITING).count() == 3
    assert loans_allocate_waiting() == []
