import ldap3
import pytest
from django.utils import translation

from accounts.directory.changes import (
    AddEntry,
    DeleteEntry,
    DisableAccount,
    EnableAccount,
    GroupMembership,
    ModifyAttribute,
    MoveEntry,
)
from accounts.directory.layout import password_disabled
from accounts.directory.plan import directory_plan
from accounts.models import Person, PersonRole, PersonStatus
from accounts.passwords import password_ldap_hash
from core.errors import DirectoryNotConfigured
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.factories import SchoolFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture
def school():
    return SchoolFactory(number="190001")


@pytest.fixture
def three_people(school):
    klasse = SchoolClassFactory(school=school, name="5a")
    return [
        PersonFactory(
            school=school,
            school_class=klasse,
            login="anna.mueller",
            first_name="Anna",
            last_name="Müller",
            external_id="4711",
        ),
        PersonFactory(
            school=school,
            school_class=klasse,
            login="ben.schmidt",
            first_name="Ben",
            last_name="Schmidt",
        ),
        PersonFactory(
            school=school,
            role=PersonRole.TEACHER,
            school_class=None,
            login="kraus",
            first_name="Eva",
            last_name="Kraus",
            short_code="KR",
        ),
    ]


def write(directory, changes):
    """Carry out adds by hand, as the sync would, without the sync's apply."""
    conn = directory.server.connect()
    for change in changes:
        assert isinstance(change, AddEntry), change
        attributes = {k: list(v) for k, v in change.attributes.items() if k != "objectClass"}
        if "uid" in attributes:
            attributes["userPassword"] = [password_ldap_hash("Start1234")]
        conn.add(change.dn, list(change.attributes["objectClass"]), attributes)
        if change.person_id is not None:
            # What the sync records for a person once the entry exists.
            Person.objects.filter(pk=change.person_id).update(
                dn=change.dn, uid_number=int(change.attributes["uidNumber"][0])
            )
    conn.unbind()


def in_sync(directory):
    plan = directory_plan()
    write(directory, plan)
    return directory_plan()


def schools(directory):
    return f"ou=schools,{directory.base_dn}"


def test_an_empty_directory_gets_ous_entries_and_groups(ldap_directory, three_people):
    plan = directory_plan()

    base = schools(ldap_directory)
    added = {change.dn: change for change in plan.of_kind("add")}
    assert plan.counts() == {"add": len(added)}
    for ou in (
        "ou=190001",
        "ou=students,ou=190001",
        "ou=teachers,ou=190001",
        "ou=groups,ou=190001",
    ):
        assert f"{ou},{base}" in added
    anna = added[f"uid=anna.mueller,ou=students,ou=190001,{base}"].attributes
    assert anna["cn"] == ("Anna Müller",)
    assert anna["employeeNumber"] == ("4711",)
    assert anna["employeeType"] == ("student",)
    assert anna["departmentNumber"] == ("5a",)
    assert anna["homeDirectory"] == ("/home/190001/anna.mueller",)
    assert anna["loginShell"] == ("/usr/sbin/nologin",)
    assert f"uid=kraus,ou=teachers,ou=190001,{base}" in added
    klasse = added[f"cn=190001-5a,ou=groups,ou=190001,{base}"].attributes
    assert klasse["memberUid"] == ("anna.mueller", "ben.schmidt")
    students = added[f"cn=190001-students,ou=groups,ou=190001,{base}"].attributes
    assert anna["gidNumber"] == students["gidNumber"]
    teachers = added[f"cn=190001-teachers,ou=groups,ou=190001,{base}"].attributes
    assert teachers["memberUid"] == ("kraus",)
    uid_numbers = [a.attributes["uidNumber"] for a in added.values() if "uid" in a.attributes]
    assert sorted(uid_numbers) == [("10000",), ("10001",), ("10002",)]


def test_showing_a_plan_changes_nothing(ldap_directory, three_people):
    before = ldap_directory.search()
    rows = list(Person.objects.values().order_by("pk"))

    directory_plan()

    assert ldap_directory.search() == before
    assert list(Person.objects.values().order_by("pk")) == rows


def test_a_directory_that_matches_has_an_empty_plan(ldap_directory, three_people):
    assert in_sync(ldap_directory).is_empty


def test_a_managed_attribute_edited_by_hand_is_repaired(ldap_directory, three_people):
    in_sync(ldap_directory)
    dn = f"uid=anna.mueller,ou=students,ou=190001,{schools(ldap_directory)}"
    conn = ldap_directory.server.connect()
    conn.modify(
        dn,
        {
            "sn": [(ldap3.MODIFY_REPLACE, ["Meier"])],
            "loginShell": [(ldap3.MODIFY_REPLACE, ["/bin/bash"])],
        },
    )
    conn.unbind()

    plan = directory_plan()

    assert set(plan) == {
        ModifyAttribute(dn=dn, attribute="sn", old=("Meier",), new=("Müller",)),
        ModifyAttribute(
            dn=dn, attribute="loginShell", old=("/bin/bash",), new=("/usr/sbin/nologin",)
        ),
    }
    sn_change = next(change for change in plan if change.attribute == "sn")
    with translation.override("en"):
        assert sn_change.describe() == f"Change sn of {dn}: Meier → Müller"


def test_unmanaged_attributes_and_an_admins_own_entries_are_never_in_the_plan(
    ldap_directory, three_people
):
    in_sync(ldap_directory)
    base = schools(ldap_directory)
    conn = ldap_directory.server.connect()
    conn.modify(
        f"uid=anna.mueller,ou=students,ou=190001,{base}",
        {
            "description": [(ldap3.MODIFY_ADD, ["Klassensprecherin"])],
            "mail": [(ldap3.MODIFY_ADD, ["anna@example.org"])],
        },
    )
    # An admin's account in the school OU, a service account without employeeType in
    # the students OU, and a group a teacher made.
    conn.add(
        f"uid=admin.hans,ou=190001,{base}",
        ["inetOrgPerson", "posixAccount"],
        {
            "cn": "Hans",
            "sn": "Admin",
            "uid": "admin.hans",
            "uidNumber": 500,
            "gidNumber": 500,
            "homeDirectory": "/root",
            "employeeType": "student",
        },
    )
    conn.add(
        f"uid=scanner,ou=students,ou=190001,{base}",
        ["inetOrgPerson", "posixAccount"],
        {
            "cn": "Scanner",
            "sn": "Scanner",
            "uid": "scanner",
            "uidNumber": 501,
            "gidNumber": 500,
            "homeDirectory": "/tmp",
        },
    )
    conn.add(
        f"cn=190001-theater-ag,ou=groups,ou=190001,{base}",
        ["posixGroup"],
        {"cn": "190001-theater-ag", "gidNumber": 502, "memberUid": ["anna.mueller"]},
    )
    conn.unbind()

    assert directory_plan().is_empty


@pytest.mark.parametrize("last_name", ["*)(uid=*", "Smith, John", "a+b", "O'Brien", "Ünal-Öztürk"])
def test_names_with_special_characters_work(ldap_directory, school, last_name):
    PersonFactory(school=school, login="kid1", first_name="Kid", last_name=last_name)
    PersonFactory(school=school, login="kid2", first_name="Other", last_name="Person")

    assert in_sync(ldap_directory).is_empty

    found = ldap_directory.search(search_filter="(uid=kid1)")
    assert [entry["sn"] for entry in found.values()] == [[last_name]]


def test_without_a_directory_the_plan_raises_a_clear_error(settings, three_people):
    settings.LDAP_URL = ""
    with pytest.raises(DirectoryNotConfigured) as info, translation.override("en"):
        directory_plan()
    assert info.value.code == "directory_not_configured"
    assert "No directory is configured" in info.value.message


def test_disabled_people_are_disabled_and_enabled_again(ldap_directory, three_people):
    in_sync(ldap_directory)
    anna = three_people[0]
    dn = f"uid=anna.mueller,ou=students,ou=190001,{schools(ldap_directory)}"
    Person.objects.filter(pk=anna.pk).update(status=PersonStatus.DISABLED)
    assert list(directory_plan()) == [DisableAccount(dn=dn)]

    conn = ldap_directory.server.connect()
    hashed = ldap_directory.search(base=dn)[dn]["userPassword"][0]
    conn.modify(dn, {"userPassword": [(ldap3.MODIFY_REPLACE, [password_disabled(hashed)])]})
    conn.unbind()
    assert directory_plan().is_empty

    Person.objects.filter(pk=anna.pk).update(status=PersonStatus.TOLERATED)
    assert list(directory_plan()) == [EnableAccount(dn=dn)]


def test_a_renamed_login_and_a_new_class_are_a_move_and_a_membership_change(
    ldap_directory, three_people, school
):
    in_sync(ldap_directory)
    base = schools(ldap_directory)
    anna = Person.objects.get(pk=three_people[0].pk)
    anna.login = "anna.meier"
    anna.school_class = SchoolClassFactory(school=school, name="6b")
    anna.save()

    plan = directory_plan()

    old_dn = f"uid=anna.mueller,ou=students,ou=190001,{base}"
    new_dn = f"uid=anna.meier,ou=students,ou=190001,{base}"
    assert MoveEntry(dn=old_dn, new_dn=new_dn, person_id=anna.pk) in plan.of_kind("move")
    assert (
        ModifyAttribute(dn=new_dn, attribute="departmentNumber", old=("5a",), new=("6b",)) in plan
    )
    assert (
        GroupMembership(dn=f"cn=190001-5a,ou=groups,ou=190001,{base}", removed=("anna.mueller",))
        in plan
    )
    assert f"cn=190001-6b,ou=groups,ou=190001,{base}" in {c.dn for c in plan.of_kind("add")}
    assert not plan.of_kind("delete")


def test_deleted_people_and_orphaned_entries_are_deleted(ldap_directory, three_people):
    in_sync(ldap_directory)
    base = schools(ldap_directory)
    Person.objects.filter(pk=three_people[1].pk).update(status=PersonStatus.DELETED)
    Person.objects.filter(pk=three_people[2].pk).delete()

    plan = directory_plan()

    assert DeleteEntry(dn=f"uid=ben.schmidt,ou=students,ou=190001,{base}") in plan
    assert DeleteEntry(dn=f"uid=kraus,ou=teachers,ou=190001,{base}") in plan
    # The teachers' group has nobody left in it.
    assert DeleteEntry(dn=f"cn=190001-teachers,ou=groups,ou=190001,{base}") in plan
    assert plan.changes[-1].kind == "delete"


def test_uid_numbers_skip_those_taken_in_the_database_and_the_directory(
    ldap_directory, school, settings
):
    PersonFactory(school=school, login="has.number", uid_number=10001)
    conn = ldap_directory.server.connect()
    conn.add(
        f"uid=other,ou=schools,{ldap_directory.base_dn}",
        ["inetOrgPerson", "posixAccount"],
        {
            "cn": "O",
            "sn": "O",
            "uid": "other",
            "uidNumber": 10000,
            "gidNumber": 1,
            "homeDirectory": "/x",
        },
    )
    conn.unbind()
    PersonFactory(school=school, login="new.one")

    added = {c.dn.split(",")[0]: c.attributes for c in directory_plan().of_kind("add")}

    assert added["uid=has.number"]["uidNumber"] == ("10001",)
    assert added["uid=new.one"]["uidNumber"] == ("10002",)


def test_an_entry_or_group_member_removed_by_hand_comes_back(ldap_directory, three_people):
    in_sync(ldap_directory)
    base = schools(ldap_directory)
    conn = ldap_directory.server.connect()
    conn.delete(f"uid=ben.schmidt,ou=students,ou=190001,{base}")
    conn.modify(
        f"cn=190001-5a,ou=groups,ou=190001,{base}",
        {"memberUid": [(ldap3.MODIFY_DELETE, ["anna.mueller"])]},
    )
    conn.unbind()

    plan = directory_plan()

    assert [change.dn for change in plan.of_kind("add")] == [
        f"uid=ben.schmidt,ou=students,ou=190001,{base}"
    ]
    assert plan.of_kind("add")[0].attributes["uidNumber"] == (
        str(Person.objects.get(login="ben.schmidt").uid_number),
    )
    assert plan.of_kind("membership") == [
        GroupMembership(dn=f"cn=190001-5a,ou=groups,ou=190001,{base}", added=("anna.mueller",))
    ]


def test_a_plan_for_one_school_leaves_the_other_schools_alone(ldap_directory, school):
    other = SchoolFactory(number="190002")
    PersonFactory(school=school, login="here")
    PersonFactory(school=other, login="there")

    plan = directory_plan(school=school)

    dns = [change.dn for change in plan]
    assert any(dn.startswith("uid=here,") for dn in dns)
    assert not any("190002" in dn for dn in dns)


def test_a_person_who_changed_school_is_moved_not_deleted(ldap_directory, three_people, school):
    in_sync(ldap_directory)
    base = schools(ldap_directory)
    other = SchoolFactory(number="190002")
    Person.objects.filter(login="kraus").update(school=other)

    assert DeleteEntry(dn=f"uid=kraus,ou=teachers,ou=190001,{base}") not in directory_plan(
        school=school
    )
    plan = directory_plan(school=other)
    assert plan.of_kind("move") == [
        MoveEntry(
            dn=f"uid=kraus,ou=teachers,ou=190001,{base}",
            new_dn=f"uid=kraus,ou=teachers,ou=190002,{base}",
            person_id=three_people[2].pk,
        )
    ]
    assert not plan.of_kind("delete")
