from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from core.models import ImportJob
        from inventory.importing.jobs import DEVICE_IMPORT, import_kind_register

        import_kind_register(ImportJob.Kind.DEVICES, DEVICE_IMPORT)
