import threading
import time

import ldap3
import pytest
from django.utils import translation
from ldap3.core.exceptions import LDAPBindError, LDAPInvalidCredentialsResult

from accounts.directory import pipeline
from accounts.directory.apply import directory_apply
from accounts.directory.layout import eq_filter
from accounts.directory.plan import directory_plan
from accounts.handout import initial_passwords_take
from accounts.models import DirectorySyncRun, DirectorySyncRunStatus, Person, PersonStatus
from accounts.passwords import password_ldap_hash
from core.errors import DirectoryNotConfigured, NotFound, PermissionDenied
from core.models import User
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.factories import SchoolFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture
def school():
    return SchoolFactory(number="190001")


@pytest.fixture
def class_5a(school):
    return SchoolClassFactory(school=school, name="5a")


@pytest.fixture
def people(school, class_5a):
    return [
        PersonFactory(
            school=school, school_class=class_5a, login="anna.mueller", first_name="Anna"
        ),
        PersonFactory(school=school, school_class=class_5a, login="ben.schmidt", first_name="Ben"),
        PersonFactory(
            school=school, role="teacher", school_class=None, login="kraus", short_code="KR"
        ),
    ]


def base(directory):
    return f"ou=schools,{directory.base_dn}"


def person_dn(directory, login, ou="students"):
    return f"uid={login},ou={ou},ou=190001,{base(directory)}"


def group_dn(directory, cn):
    return f"cn={cn},ou=groups,ou=190001,{base(directory)}"


def members(directory, cn):
    found = directory.search(base=group_dn(directory, cn), attributes=["memberUid"])
    return sorted(next(iter(found.values()))["memberUid"]) if found else None


def _receiving_threads_end(within: float = 5.0) -> bool:
    """Whether every ldap3 receiving thread has ended within `within` seconds."""
    deadline = time.monotonic() + within
    for thread in threading.enumerate():
        if type(thread).__name__ == "ReceiverSocketThread":
            thread.join(max(deadline - time.monotonic(), 0))
            if thread.is_alive():
                return False
    return True


def can_bind(directory, dn, password):
    try:
        directory.server.connect(user=dn, password=password).unbind()
    except (LDAPBindError, LDAPInvalidCredentialsResult):
        return False
    return True


def test_apply_on_an_empty_directory_creates_ous_people_and_groups(
    ldap_directory, people, it_admin
):
    run = directory_apply(actor=it_admin)

    assert run.status == DirectorySyncRunStatus.SUCCEEDED
    assert run.errors == []
    assert run.done == run.total == sum(run.counts.values())
    assert run.counts["add"] == 11  # 5 OUs, 3 groups, 3 people
    assert run.started_by == it_admin
    assert run.duration is not None
    found = ldap_directory.search(base=base(ldap_directory))
    for ou in ("ou=190001", "ou=students,ou=190001", "ou=teachers,ou=190001"):
        assert f"{ou},{base(ldap_directory)}" in found
    anna = found[person_dn(ldap_directory, "anna.mueller")]
    assert anna["departmentNumber"] == ["5a"]
    assert members(ldap_directory, "190001-5a") == ["anna.mueller", "ben.schmidt"]
    assert members(ldap_directory, "190001-teachers") == ["kraus"]
    for person in Person.objects.all():
        assert person.dn == person_dn(
            ldap_directory, person.login, "teachers" if person.login == "kraus" else "students"
        )
        assert person.uid_number is not None
        assert run.started_at <= person.last_synced_at <= run.finished_at
    assert Person.objects.filter(last_synced_at__gte=run.started_at).count() == 3
    assert sorted(run.new_passwords) == ["anna.mueller", "ben.schmidt", "kraus"]


def test_a_new_person_can_bind_with_the_returned_password_which_is_stored_nowhere(
    ldap_directory, people
):
    run = directory_apply()

    password = run.new_passwords["anna.mueller"]
    dn = person_dn(ldap_directory, "anna.mueller")
    assert can_bind(ldap_directory, dn, password)
    assert not can_bind(ldap_directory, dn, password + "x")
    stored = DirectorySyncRun.objects.get(pk=run.pk)
    assert not hasattr(stored, "new_passwords")
    assert password not in str(list(DirectorySyncRun.objects.values()))
    assert password not in str(list(Person.objects.values()))


def test_applying_twice_changes_nothing_the_second_time(ldap_directory, people):
    directory_apply()
    before = ldap_directory.search()

    second = directory_apply()

    assert second.status == DirectorySyncRunStatus.SUCCEEDED
    assert (second.total, second.done, second.counts) == (0, 0, {})
    assert second.new_passwords == {}
    assert ldap_directory.search() == before
    assert DirectorySyncRun.objects.count() == 2


def test_a_disabled_person_cannot_bind_and_can_again_once_enabled(ldap_directory, people):
    password = directory_apply().new_passwords["ben.schmidt"]
    dn = person_dn(ldap_directory, "ben.schmidt")

    Person.objects.filter(login="ben.schmidt").update(status=PersonStatus.DISABLED)
    run = directory_apply()
    assert run.counts == {"disable": 1}
    assert not can_bind(ldap_directory, dn, password)

    Person.objects.filter(login="ben.schmidt").update(status=PersonStatus.ACTIVE)
    run = directory_apply()
    assert run.counts == {"enable": 1}
    assert can_bind(ldap_directory, dn, password)
    assert directory_plan().is_empty


def test_a_class_change_and_a_new_login_move_the_entry_and_its_group_membership(
    ldap_directory, people, school
):
    password = directory_apply().new_passwords["anna.mueller"]
    anna = Person.objects.get(login="anna.mueller")
    uid_number = anna.uid_number
    anna.school_class = SchoolClassFactory(school=school, name="6b")
    anna.login = "anna.meier"
    anna.save()

    run = directory_apply()

    assert run.status == DirectorySyncRunStatus.SUCCEEDED
    assert run.new_passwords == {}
    new_dn = person_dn(ldap_directory, "anna.meier")
    assert not ldap_directory.search(base=person_dn(ldap_directory, "anna.mueller"))
    assert ldap_directory.search(base=new_dn)[new_dn]["departmentNumber"] == ["6b"]
    assert members(ldap_directory, "190001-5a") == ["ben.schmidt"]
    assert members(ldap_directory, "190001-6b") == ["anna.meier"]
    assert "anna.meier" in members(ldap_directory, "190001-students")
    anna.refresh_from_db()
    assert (anna.dn, anna.uid_number) == (new_dn, uid_number)
    assert can_bind(ldap_directory, new_dn, password)
    assert directory_plan().is_empty


def test_a_person_who_left_is_deleted_and_taken_out_of_the_groups(ldap_directory, people):
    directory_apply()
    Person.objects.filter(login="ben.schmidt").update(status=PersonStatus.DELETED)

    run = directory_apply()

    assert run.status == DirectorySyncRunStatus.SUCCEEDED
    assert not ldap_directory.search(base=person_dn(ldap_directory, "ben.schmidt"))
    assert members(ldap_directory, "190001-5a") == ["anna.mueller"]
    assert "ben.schmidt" not in members(ldap_directory, "190001-students")


def test_unmanaged_attributes_and_an_admins_own_entries_are_untouched(ldap_directory, people):
    directory_apply()
    anna_dn = person_dn(ldap_directory, "anna.mueller")
    conn = ldap_directory.server.connect()
    conn.modify(anna_dn, {"description": [(ldap3.MODIFY_ADD, ["Klassensprecherin"])]})
    admin_dn = person_dn(ldap_directory, "hausmeister", "staff")
    conn.add(
        admin_dn,
        ["inetOrgPerson", "posixAccount"],
        {
            "cn": "Hausmeister",
            "sn": "Meister",
            "uid": "hausmeister",
            "uidNumber": 500,
            "gidNumber": 500,
            "homeDirectory": "/home/hm",
        },
    )
    conn.add(group_dn(ldap_directory, "robotik-ag"), ["posixGroup"], {"gidNumber": 501})
    conn.unbind()
    Person.objects.filter(login="anna.mueller").update(last_name="Meier")
    before = ldap_directory.search()

    run = directory_apply()

    assert run.counts == {"modify": 2}  # cn and sn
    after = ldap_directory.search()
    assert after[anna_dn]["sn"] == ["Meier"]
    assert after[anna_dn]["description"] == ["Klassensprecherin"]
    for dn in (admin_dn, group_dn(ldap_directory, "robotik-ag")):
        assert after[dn] == before[dn]


def test_an_unmanaged_entry_in_a_persons_place_is_left_alone_and_reported(ldap_directory, people):
    directory_apply()
    dn = person_dn(ldap_directory, "neu")
    ldap_directory.ldif_add(
        f"dn: {dn}\nobjectClass: inetOrgPerson\ncn: Fremd\nsn: Fremd\nuid: neu\n"
    )
    PersonFactory(school=people[0].school, school_class=people[0].school_class, login="neu")
    before = ldap_directory.search(base=dn)

    with translation.override("en"):
        run = directory_apply()

    assert run.status == DirectorySyncRunStatus.FAILED
    assert [error["code"] for error in run.errors] == ["directory_refused"]
    assert "does not manage" in run.errors[0]["message"]
    assert run.errors[0]["dn"] == dn
    assert ldap_directory.search(base=dn) == before
    assert "neu" not in run.new_passwords
    assert Person.objects.get(login="neu").dn == ""


def test_changes_done_meanwhile_by_someone_else_are_not_done_twice(
    ldap_directory, people, school, monkeypatch
):
    """The directory changes between the plan and an operation: an entry appears (as
    after an add whose answer was lost), a member is added, an entry is deleted."""
    # One request in flight at a time, so that the changes by hand come between the first
    # answer and the next request.
    monkeypatch.setattr(pipeline, "WINDOW", 1)
    directory_apply()
    Person.objects.filter(login="kraus").update(status=PersonStatus.DELETED)
    class_5c = SchoolClassFactory(school=school, name="5c")
    newcomer = PersonFactory(school=school, school_class=class_5c, login="carla")
    plan = directory_plan()
    carla_dn = person_dn(ldap_directory, "carla")
    carla = next(change for change in plan.of_kind("add") if change.dn == carla_dn)
    assert plan.changes[0].dn == group_dn(ldap_directory, "190001-5c")
    done_by_hand = []

    def meanwhile(handled, total):
        if done_by_hand:
            return
        conn = ldap_directory.server.connect()
        attributes = {k: list(v) for k, v in carla.attributes.items() if k != "objectClass"}
        attributes["userPassword"] = password_ldap_hash("Handmade1")
        conn.add(carla_dn, list(carla.attributes["objectClass"]), attributes)
        students = group_dn(ldap_directory, "190001-students")
        conn.modify(students, {"memberUid": [(ldap3.MODIFY_ADD, ["carla"])]})
        conn.delete(person_dn(ldap_directory, "kraus", "teachers"))
        conn.unbind()
        done_by_hand.append(handled)

    run = directory_apply(progress=meanwhile)

    assert run.status == DirectorySyncRunStatus.SUCCEEDED, run.errors
    assert run.done == run.total
    # Nobody can know the password an entry was made with: it gets a fresh one, kept for
    # the class list like every new account's.
    password = run.new_passwords["carla"]
    assert initial_passwords_take([newcomer.pk]) == {newcomer.pk: password}
    assert can_bind(ldap_directory, carla_dn, password)
    assert not can_bind(ldap_directory, carla_dn, "Handmade1")
    assert members(ldap_directory, "190001-students") == ["anna.mueller", "ben.schmidt", "carla"]
    assert members(ldap_directory, "190001-5c") == ["carla"]
    assert not ldap_directory.search(base=person_dn(ldap_directory, "kraus", "teachers"))
    newcomer.refresh_from_db()
    assert newcomer.dn == carla_dn
    assert newcomer.uid_number == int(carla.attributes["uidNumber"][0])
    assert directory_plan().is_empty


def test_a_uid_number_taken_meanwhile_in_the_database_is_replaced_by_the_next_run(
    ldap_directory, people, school
):
    gone = PersonFactory(school=school, school_class=None, role="staff", login="gone")
    Person.objects.filter(pk=gone.pk).update(status=PersonStatus.DELETED)
    plan = directory_plan()
    anna_dn = person_dn(ldap_directory, "anna.mueller")
    planned = int(
        next(c for c in plan.of_kind("add") if c.dn == anna_dn).attributes["uidNumber"][0]
    )

    def take_annas_number(handled, total):
        if handled == 1:
            # As a run for another school would, between this run's plan and its add.
            Person.objects.filter(pk=gone.pk).update(uid_number=planned)

    first = directory_apply(progress=take_annas_number)
    second = directory_apply()

    assert first.status == second.status == DirectorySyncRunStatus.SUCCEEDED
    assert second.counts == {"modify": 1}
    anna = Person.objects.get(login="anna.mueller")
    assert anna.dn == anna_dn
    assert anna.uid_number not in (None, planned)
    entry = ldap_directory.search(base=anna_dn)[anna_dn]
    assert entry["uidNumber"] == [str(anna.uid_number)]
    assert directory_plan().is_empty


def test_names_that_look_like_ldap_syntax_work_end_to_end(ldap_directory, school):
    klasse = SchoolClassFactory(school=school, name="Q1, a+b")
    PersonFactory(school=school, school_class=klasse, login="p1", last_name="*)(uid=*")
    PersonFactory(school=school, school_class=klasse, login="p2", last_name="Smith, John")
    PersonFactory(school=school, school_class=klasse, login="p3", last_name="a+b")

    run = directory_apply()

    assert run.status == DirectorySyncRunStatus.SUCCEEDED, run.errors
    for last_name, login in (("*)(uid=*", "p1"), ("Smith, John", "p2"), ("a+b", "p3")):
        found = ldap_directory.search(search_filter=eq_filter("sn", last_name))
        assert [entry["uid"] for entry in found.values()] == [[login]]
    group = ldap_directory.search(search_filter=eq_filter("cn", "190001-Q1, a+b"))
    assert [sorted(entry["memberUid"]) for entry in group.values()] == [["p1", "p2", "p3"]]
    assert directory_apply().total == 0


def test_without_a_directory_apply_raises_and_records_no_run(settings, people):
    settings.LDAP_URL = ""

    with pytest.raises(DirectoryNotConfigured):
        directory_apply()

    assert not DirectorySyncRun.objects.exists()


def test_a_server_killed_half_way_fails_the_run_and_the_next_run_finishes_the_work(
    slapd_factory, settings, school
):
    server = slapd_factory()
    directory = server.subtree()
    settings.LDAP_URL = directory.url
    settings.LDAP_START_TLS = False
    settings.LDAP_BIND_DN = directory.bind_dn
    settings.LDAP_BIND_PASSWORD = directory.bind_password
    settings.LDAP_BASE_DN = directory.base_dn
    classes = [SchoolClassFactory(school=school, name=name) for name in ("5a", "5b")]
    logins = [f"kind{n:03d}" for n in range(300)]
    for n, login in enumerate(logins):
        PersonFactory(school=school, school_class=classes[n % 2], login=login)

    def kill_after_20(handled, total):
        if handled == 20:
            server.kill()

    with translation.override("en"):
        failed = directory_apply(progress=kill_after_20)
        while_down = directory_apply()

    assert failed.status == DirectorySyncRunStatus.FAILED
    # Answers that had arrived before the kill still count; the rest were never sent.
    assert 20 <= failed.done < 200
    assert failed.total == 308  # 5 OUs, 3 groups, 300 people
    assert [error["code"] for error in failed.errors] == ["directory_unavailable"]
    assert f"stopped answering after {failed.done} of 308 changes" in failed.errors[0]["message"]
    assert failed.finished_at is not None
    assert DirectorySyncRun.objects.get(pk=failed.pk).done == failed.done
    assert while_down.status == DirectorySyncRunStatus.FAILED
    assert while_down.done == 0
    assert [error["code"] for error in while_down.errors] == ["directory_unavailable"]

    # No connection of the failed runs is left behind receiving (and spinning) in the
    # background of the worker.
    assert _receiving_threads_end()

    server.start()
    finished = directory_apply()

    assert finished.status == DirectorySyncRunStatus.SUCCEEDED, finished.errors
    assert _receiving_threads_end()
    people = directory.search(search_filter="(objectClass=posixAccount)", attributes=["uid"])
    assert sorted(entry["uid"][0] for entry in people.values()) == logins
    assert members(directory, "190001-students") == logins
    assert members(directory, "190001-5a") == logins[0::2]
    assert members(directory, "190001-5b") == logins[1::2]
    assert set(failed.new_passwords).isdisjoint(finished.new_passwords)
    assert len(failed.new_passwords) == failed.done - 8
    assert sorted({**failed.new_passwords, **finished.new_passwords}) == logins
    assert not Person.objects.filter(dn="").exists()
    assert directory_plan().is_empty
    # Every account's kept initial password is the one that works.
    kept = initial_passwords_take(Person.objects.values_list("pk", flat=True))
    assert len(kept) == 300
    for person in Person.objects.all():
        assert can_bind(directory, person.dn, kept[person.pk])


def test_entries_whose_batch_never_reached_the_database_get_a_fresh_kept_password(
    ldap_directory, people
):
    """As after a worker killed between the server's confirmation and the next batch."""
    directory_apply()
    Person.objects.update(dn="", uid_number=None, last_synced_at=None)
    initial_passwords_take(Person.objects.values_list("pk", flat=True))
    count = len(ldap_directory.search())

    run = directory_apply()

    assert run.status == DirectorySyncRunStatus.SUCCEEDED, run.errors
    assert run.counts == {"add": 3}
    assert len(ldap_directory.search()) == count  # no duplicates
    kept = initial_passwords_take(Person.objects.values_list("pk", flat=True))
    for person in Person.objects.all():
        assert person.dn and person.uid_number is not None
        assert can_bind(ldap_directory, person.dn, kept[person.pk])
        assert run.new_passwords[person.login] == kept[person.pk]
    assert directory_plan().is_empty


def test_who_may_start_a_sync(ldap_directory, people, school, coordinator, teacher):
    with pytest.raises(PermissionDenied):
        directory_apply(actor=teacher, school=school)
    with pytest.raises(PermissionDenied):
        directory_apply(actor=coordinator)  # a coordinator syncs one of their schools
    with pytest.raises(NotFound):
        directory_apply(actor=coordinator, school=school)  # not one of theirs
    assert not DirectorySyncRun.objects.exists()
    coordinator.schools.add(school)
    coordinator = User.objects.get(pk=coordinator.pk)  # as on the next request
    assert directory_apply(actor=coordinator, school=school).status == "succeeded"
