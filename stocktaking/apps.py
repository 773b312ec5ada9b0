from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StocktakingConfig(AppConfig):
    name = "stocktaking"
    verbose_name = _("Stock-taking")

    def ready(self) -> None:
        from core.pages import page_extra_register
        from inventory.links import device_link_handler_register
        from stocktaking.pages import device_last_seen, device_link_scan

        page_extra_register("inventory.device", device_last_seen)
        device_link_handler_register(device_link_scan)
