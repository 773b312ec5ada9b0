"""Text stored decomposed (typed on a Mac, before imports wrote the composed form) is made
composed by the migration, so the same asset tag in an office's file finds its device
instead of creating a second one; a row that would then equal another keeps its text."""

import unicodedata

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from inventory.importing import device_import_preview

BEFORE = [("inventory", "0003_school_loan_pool")]
NFD = unicodedata.normalize("NFD", "Gerät-7")
NFC = "Gerät-7"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_a_decomposed_tag_is_composed_and_found_by_the_next_import(it_admin):
    executor = _migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE[0]).apps
    school = apps.get_model("inventory", "School").objects.create(number="165432", name="GS Süd")
    model = apps.get_model("inventory", "DeviceModel").objects.create(
        manufacturer="Lenovo", name="ThinkPad E14", category="laptop"
    )
    device = apps.get_model("inventory", "Device")
    fields = {"model_id": model.pk, "school_id": school.pk, "manufacturer": "Lenovo"}
    device.objects.create(asset_tag=NFD, serial_number=unicodedata.normalize("NFD", "Ü1"), **fields)
    # Already there composed: the decomposed twin keeps its text.
    device.objects.create(asset_tag="Tür-1", **fields)
    device.objects.create(asset_tag=unicodedata.normalize("NFD", "Tür-1"), **fields)

    executor = _migrate(executor.loader.graph.leaf_nodes())

    from inventory.models import Device

    assert Device.objects.get(asset_tag=NFC).serial_number == "Ü1"
    tags = sorted(Device.objects.values_list("asset_tag", flat=True))
    assert tags == sorted([NFC, "Tür-1", unicodedata.normalize("NFD", "Tür-1")])
    data = f"Inventarnummer;Hersteller;Modell;Schulnummer\r\n{NFC};Lenovo;ThinkPad E14;165432\r\n"
    report = device_import_preview(actor=it_admin, data=data.encode(), filename="geraete.csv")
    assert report.counts["create"] == 0
    assert report.counts["unchanged"] == 1
