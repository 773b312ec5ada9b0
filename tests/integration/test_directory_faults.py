"""The directory server stops in the middle of a plan's paged search: a clear error,
nothing written, no run left running, and the next sync after the restart works."""

import pytest
from django.utils import translation

from accounts.directory import plan as plan_module
from accounts.directory.apply import directory_apply
from accounts.directory.plan import directory_plan
from accounts.models import DirectorySyncRun, DirectorySyncRunStatus, Person
from core.errors import DirectoryUnavailable
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.factories import SchoolFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ENTRIES = 3000  # others' entries below ou=schools, read by every plan
PAGE = 200


@pytest.fixture
def directory(slapd_factory, settings):
    server = slapd_factory()
    subtree = server.subtree()
    settings.LDAP_URL = subtree.url
    settings.LDAP_START_TLS = False
    settings.LDAP_BIND_DN = subtree.bind_dn
    settings.LDAP_BIND_PASSWORD = subtree.bind_password
    settings.LDAP_BASE_DN = subtree.base_dn
    subtree.ldif_add(
        "\n".join(
            f"dn: ou=fremd-{n},ou=schools,{subtree.base_dn}\nobjectClass: organizationalUnit\n"
            f"ou: fremd-{n}\n"
            for n in range(ENTRIES)
        )
    )
    return server, subtree


@pytest.fixture
def killed_after_first_page(monkeypatch, directory):
    """Small pages, and the server killed once the first page has been read."""
    server, _subtree = directory
    monkeypatch.setattr("accounts.directory.connection.PAGE_SIZE", PAGE)
    searched = plan_module.paged_search
    seen = {"entries": 0, "kills": 0}

    def search_then_kill(*args, **kwargs):
        for entry in searched(*args, **kwargs):
            seen["entries"] += 1
            if seen["entries"] == PAGE + 1 and server.running:
                server.kill()
                seen["kills"] += 1
            yield entry

    monkeypatch.setattr(plan_module, "paged_search", search_then_kill)
    return seen


def people_in_database():
    return sorted(Person.objects.values_list("login", "dn", "uid_number", "status"))


def test_a_server_stopping_during_a_plans_paged_search_raises_a_clear_error(
    killed_after_first_page, directory
):
    school = SchoolFactory(number="190001")
    PersonFactory(school=school, school_class=SchoolClassFactory(school=school, name="5a"))
    before = people_in_database()

    with translation.override("en"), pytest.raises(DirectoryUnavailable) as caught:
        directory_plan()

    assert killed_after_first_page["kills"] == 1
    assert PAGE < killed_after_first_page["entries"] < ENTRIES  # cut off, not read whole
    assert caught.value.code == "directory_unavailable"
    assert caught.value.message.startswith("Reading the directory failed")
    assert people_in_database() == before
    assert not DirectorySyncRun.objects.exists()


def test_a_sync_whose_directory_stops_mid_search_fails_writes_nothing_and_the_next_one_works(
    killed_after_first_page, directory
):
    server, subtree = directory
    school = SchoolFactory(number="190001")
    school_class = SchoolClassFactory(school=school, name="5a")
    logins = [f"kind{n:02d}" for n in range(5)]
    for login in logins:
        PersonFactory(school=school, school_class=school_class, login=login)
    before = people_in_database()

    failed = directory_apply()

    assert killed_after_first_page["kills"] == 1
    assert failed.status == DirectorySyncRunStatus.FAILED
    assert [error["code"] for error in failed.errors] == ["directory_unavailable"]
    assert failed.done == 0 and failed.finished_at is not None
    assert not DirectorySyncRun.objects.filter(status=DirectorySyncRunStatus.RUNNING).exists()
    assert people_in_database() == before

    server.start()  # its data is still there
    finished = directory_apply()

    assert killed_after_first_page["kills"] == 1  # the restarted server ran to the end
    assert finished.status == DirectorySyncRunStatus.SUCCEEDED, finished.errors
    accounts = subtree.search(search_filter="(objectClass=posixAccount)", attributes=["uid"])
    assert sorted(entry["uid"][0] for entry in accounts.values()) == logins
    # Others' entries were read, not touched.
    others = subtree.search(search_filter="(ou=fremd-*)", attributes=["ou"])
    assert len(others) == ENTRIES
