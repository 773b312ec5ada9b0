"""An IT admin locks out a teacher who left, by clicking: start page → Administration →
People → the teacher → the action. The teacher's open session ends at once."""

import datetime

import pytest
from playwright.sync_api import expect

from accounts.models import PersonRole, PersonStatus
from core.models import Role
from tests.accounts.factories import PersonFactory
from tests.browser.conftest import log_in, shot
from tests.factories import SchoolFactory, UserFactory

pytestmark = pytest.mark.integration


def test_an_it_admin_disables_a_leaver_and_the_teachers_session_ends(browser, page, live_server):
    school = SchoolFactory(name="Theodor-Heuss-Realschule", number="177802")
    UserFactory(username="admin", role=Role.IT_ADMIN, is_staff=True)
    teacher_user = UserFactory(username="karin.kraus", role=Role.TEACHER, schools=[school])
    kraus = PersonFactory(
        school=school,
        role=PersonRole.TEACHER,
        school_class=None,
        first_name="Karin",
        last_name="Kraus",
        login="karin.kraus",
        birth_date=datetime.date(1980, 1, 1),
        user=teacher_user,
    )
    teacher = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    log_in(teacher, "karin.kraus")
    expect(
        teacher.get_by_role("link", name="Log out").or_(
            teacher.get_by_role("button", name="Log out")
        )
    ).to_be_visible()

    log_in(page, "admin")
    page.get_by_role("navigation").get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="People", exact=True).first.click()
    page.get_by_role("row", name="Kraus").get_by_role("checkbox").check()
    page.get_by_role("combobox", name="Action").select_option("disable_now")
    page.get_by_role("button", name="Go").click()

    expect(page.get_by_text("1 account disabled")).to_be_visible()
    shot(page, "admin-leaver-disabled")
    kraus.refresh_from_db()
    teacher_user.refresh_from_db()
    assert kraus.status == PersonStatus.DISABLED
    assert not teacher_user.is_active
    teacher.reload()
    expect(teacher).to_have_url(f"{live_server.url}/login/")
    teacher.context.close()
