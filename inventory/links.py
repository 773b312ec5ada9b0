"""What the address on a label's QR code (/d/<asset tag>) may mean besides the device's
page. A higher app registers a handler in its AppConfig.ready (the stock-taking counts the
address as a scan while its scan page is open); inventory never imports it.

A handler gets the request and the asset tag and returns the response to send, or None
to leave the address to the next handler and, in the end, to the device's page."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

DeviceLinkHandler = Callable[[HttpRequest, str], HttpResponse | None]

_HANDLERS: list[DeviceLinkHandler] = []


def device_link_handler_register(handler: DeviceLinkHandler) -> None:
    """Ask `handler(request, asset_tag)` first whenever a label's address is opened."""
    if handler not in _HANDLERS:
        _HANDLERS.append(handler)


def device_link_handled(request: HttpRequest, asset_tag: str) -> HttpResponse | None:
    """The response of the first handler that takes the address, or None."""
    for handler in _HANDLERS:
        response = handler(request, asset_tag)
        if response is not None:
            return response
    return None
