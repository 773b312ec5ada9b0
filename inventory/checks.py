"""The deploy checks of the inventory (`manage.py check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@register(deploy=True)
def label_address_check(app_configs, **kwargs) -> list[Warning]:
    """The QR code on every asset label holds LERNSTATT_BASE_URL: a label stuck on a device
    with the local development address, or with plain http, can never be scanned into the
    right place, and labels are not reprinted lightly."""
    address = urlsplit(settings.LERNSTATT_BASE_URL)
    if address.scheme == "https" and address.hostname not in LOOPBACK:
        return []
    return [
        Warning(
            f"LERNSTATT_BASE_URL is {settings.LERNSTATT_BASE_URL!r}: the asset labels' QR "
            "codes would hold this address.",
            hint="Set LERNSTATT_BASE_URL to the https:// address Lernstatt is opened at "
            "before printing labels.",
            id="lernstatt.W001",
        )
    ]
