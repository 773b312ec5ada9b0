"""The Django admin is the IT admins' tool: every page opens for them, nothing for anyone
else, and device changes made there are recorded like any other."""

import pytest
from django.contrib import admin
from django.forms import CheckboxInput
from django.test import Client
from django.urls import reverse

from accounts.access_log import access_log_record
from accounts.models import DirectorySyncRun, ReleasedLogin
from core.models import ApiToken, Role
from core.tokens import api_token_create
from imports.models import ImportJob
from inventory.models import Device, DeviceHistory, Status
from tests.factories import DeviceFactory, RoomFactory, UserFactory
from tests.scheduling.factories import LoanFactory

LERNSTATT_APPS = {"core", "inventory", "accounts", "scheduling"}


@pytest.fixture
def staff_it_admin(db):
    return UserFactory(username="itadmin", role=Role.IT_ADMIN, is_staff=True)


@pytest.fixture
def admin_client(staff_it_admin) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff_it_admin)
    return client


@pytest.fixture
def device(school_a):
    return DeviceFactory(
        asset_tag="INV-1",
        school=school_a,
        room=RoomFactory(school=school_a, name="E12"),
        status=Status.IN_USE,
    )


def registered_models():
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label in LERNSTATT_APPS),
        key=lambda model: model._meta.label,
    )


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response) -> dict:
    """What the browser would post back for the page's form, unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field.widget, CheckboxInput):
                if value:
                    data[key] = "on"
            elif value is not None:
                data[key] = value
    return data


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_an_it_admin_opens_every_changelist(admin_client, staff_it_admin, device, model):
    api_token_create(user=staff_it_admin, name="Skript")
    ImportJob.objects.create(kind="devices", filename="geraete.xlsx", created_by=staff_it_admin)
    DeviceHistory.objects.create(
        device=device,
        asset_tag="INV-1",
        actor=staff_it_admin,
        at=device.created_at,
        action="create",
    )
    loan = LoanFactory(student__school=device.school)
    access_log_record(actor=staff_it_admin, action="view", via="web", people=[loan.student])
    ReleasedLogin.objects.create(login="alt.login", released_at=device.created_at)
    DirectorySyncRun.objects.create(school=device.school)
    response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_the_device_list_filters_and_searches(admin_client, device, school_b):
    DeviceFactory(asset_tag="INV-2", school=school_b, status=Status.LOST)
    response = admin_client.get(
        url(Device, "changelist"),
        {
            "school__id__exact": device.school_id,
            "status__exact": "in_use",
            "model__category__exact": "laptop",
            "lendable__exact": "0",
            "funding_programme": "DigitalPakt Schule",
            "q": "inv",
        },
    )
    assert [d.asset_tag for d in response.context["cl"].result_list] == ["INV-1"]


def test_an_it_admin_opens_a_device_page_with_its_history(admin_client, device, staff_it_admin):
    DeviceHistory.objects.create(
        device=device,
        asset_tag="INV-1",
        actor=staff_it_admin,
        at=device.created_at,
        action="update",
        field="status",
        old="in_stock",
        new="in_use",
    )
    response = admin_client.get(url(Device, "change", device.pk))
    assert response.status_code == 200
    assert "in_stock" in response.content.decode()
    assert admin_client.get(url(Device, "add")).status_code == 200


def test_changing_a_device_status_in_the_admin_writes_a_history_row(
    admin_client, device, staff_it_admin
):
    data = form_data(admin_client.get(url(Device, "change", device.pk)))
    data["status"] = Status.IN_REPAIR
    response = admin_client.post(url(Device, "change", device.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    device.refresh_from_db()
    assert device.status == Status.IN_REPAIR
    entry = DeviceHistory.objects.get(device=device)
    assert (entry.actor, entry.field, entry.old, entry.new) == (
        staff_it_admin,
        "status",
        "in_use",
        "in_repair",
    )


def test_saving_a_device_unchanged_in_the_admin_writes_no_history(admin_client, device):
    data = form_data(admin_client.get(url(Device, "change", device.pk)))
    assert admin_client.post(url(Device, "change", device.pk), data).status_code == 302
    assert not DeviceHistory.objects.exists()


def test_a_device_added_in_the_admin_has_its_created_row(admin_client, device, staff_it_admin):
    data = form_data(admin_client.get(url(Device, "change", device.pk)))
    data.update(asset_tag="INV-2", serial_number="NEU-1", room="")
    for key in [k for k in data if k.startswith("history-")]:
        del data[key]
    data.update({"history-TOTAL_FORMS": "0", "history-INITIAL_FORMS": "0"})
    response = admin_client.post(url(Device, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Device.objects.get(asset_tag="INV-2")
    assert DeviceHistory.objects.get(device=created).action == "create"


def test_the_admin_shows_a_service_rule_next_to_the_field(admin_client, device, school_b):
    data = form_data(admin_client.get(url(Device, "change", device.pk)))
    data["room"] = RoomFactory(school=school_b).pk
    response = admin_client.post(url(Device, "change", device.pk), data)
    assert response.status_code == 200
    assert "room" in response.context["adminform"].form.errors
    device.refresh_from_db()
    assert device.room.name == "E12"


def test_deleting_a_device_in_the_admin_is_recorded(admin_client, device, staff_it_admin):
    response = admin_client.post(url(Device, "delete", device.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Device.objects.exists()
    entry = DeviceHistory.objects.get(asset_tag="INV-1")
    assert (entry.action, entry.actor) == ("delete", staff_it_admin)


def test_the_token_admin_never_shows_a_key(admin_client, coordinator):
    token, key = api_token_create(user=coordinator, name="Skript")
    pages = [url(ApiToken, "changelist"), url(ApiToken, "change", token.pk)]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200
        assert key not in response.content.decode()
    assert admin_client.get(url(ApiToken, "add")).status_code == 403


def test_the_admin_can_revoke_tokens(admin_client, coordinator):
    token, _ = api_token_create(user=coordinator, name="Skript")
    response = admin_client.post(
        url(ApiToken, "changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.is_active


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TEACHER, Role.CITY_STAFF])
def test_staff_who_are_not_it_admins_get_nothing_in_the_admin(school_a, role, device):
    user = UserFactory(role=role, is_staff=True, schools=[school_a])
    client = Client()
    client.force_login(user)
    assert client.get(url(Device, "changelist")).status_code == 403
    assert client.get(url(Device, "change", device.pk)).status_code == 403
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert index.context["app_list"] == []


def test_users_who_are_not_staff_are_sent_to_the_login(it_admin):
    client = Client()
    client.force_login(it_admin)  # an IT admin without is_staff
    response = client.get(url(Device, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_duplicate_asset_tag_in_the_admin_is_named_at_the_field(admin_client, device, school_a):
    DeviceFactory(asset_tag="INV-2", school=school_a)
    data = form_data(admin_client.get(url(Device, "change", device.pk)))
    data["asset_tag"] = "inv-2"
    response = admin_client.post(url(Device, "change", device.pk), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["asset_tag"]
    device.refresh_from_db()
    assert device.asset_tag == "INV-1"
