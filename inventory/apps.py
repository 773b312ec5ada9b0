from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from imports.kinds import import_kind_register
        from inventory import checks  # noqa: F401 (registers the deploy checks)
        from inventory.importing.kind import DEVICE_IMPORT, DEVICES

        import_kind_register(DEVICES, DEVICE_IMPORT)
