"""What a higher app adds to a lower app's page, which never imports it: the device page
and the person page show the loans, which live above the inventory and the accounts.

An app registers a function for a page (in its AppConfig.ready); the page's view merges
what each returns into its template context."""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from core.models import User

PageExtra = Callable[[User, Any], dict[str, Any]]

_EXTRAS: dict[str, list[PageExtra]] = defaultdict(list)


def page_extra_register(page: str, extra: PageExtra) -> None:
    """Add `extra(actor, subject)` to the context of `page` (e.g. "inventory.device")."""
    if extra not in _EXTRAS[page]:
        _EXTRAS[page].append(extra)


def page_extras(page: str, actor: User, subject: Any) -> dict[str, Any]:
    """The context the registered apps add to one page for this actor and subject."""
    context: dict[str, Any] = {}
    for extra in _EXTRAS[page]:
        context.update(extra(actor, subject))
    return context
