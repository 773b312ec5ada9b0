"""The main navigation of the web pages: one entry per page, shown only to the roles that
may use it (decided by core.permissions, like everything else)."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.permissions import Perm, has


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    perm: Perm | None = None  # None: every logged-in user
    staff_only: bool = False  # the Django admin also needs is_staff


# A new section of the application adds its entry here.
NAV_ITEMS = (
    NavItem("home", _("Start")),
    NavItem("inventory:device_list", _("Devices"), Perm.DEVICE_VIEW),
    NavItem("stocktaking:stocktaking_list", _("Stock-taking"), Perm.STOCKTAKE_SCAN),
    NavItem("reports:report_index", _("Reports"), Perm.REPORT_VIEW),
    NavItem("imports:start", _("Import"), Perm.DEVICE_IMPORT),
    NavItem("portal:export_index", _("Export"), Perm.DEVICE_VIEW),
    NavItem("scheduling:loan_list", _("My requests"), Perm.LOAN_REQUEST),
    NavItem("scheduling:loan_queue", _("Loans"), Perm.LOAN_MANAGE),
    NavItem("accounts:class_list", _("Classes"), Perm.PERSON_VIEW),
    NavItem("accounts:person_list", _("People"), Perm.PERSON_VIEW),
    NavItem("accounts:directory_sync", _("Directory"), Perm.DIRECTORY_SYNC),
    NavItem("admin:index", _("Administration"), Perm.ADMIN_SITE, staff_only=True),
)


def nav_items(request: HttpRequest) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = []
    for item in NAV_ITEMS:
        if item.perm is not None and not has(user, item.perm):
            continue
        if item.staff_only and not user.is_staff:
            continue
        url = reverse(item.url_name)
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"url": url, "label": item.label, "current": current})
    # A loan's own pages (/loans/<id>/...) belong to "Loans" for those who manage loans,
    # to "My requests" for the others.
    match = getattr(request, "resolver_match", None)
    if match is not None and match.namespace == "scheduling" and "loan_id" in match.kwargs:
        managed = reverse("scheduling:loan_queue")
        for item in items:
            item["current"] = item["current"] or item["url"] == managed
    # Only the closest entry is current: /loans/queue/ is under /loans/ too.
    longest = max((len(item["url"]) for item in items if item["current"]), default=0)
    for item in items:
        item["current"] = item["current"] and len(item["url"]) == longest
    return items


def navigation(request: HttpRequest) -> dict:
    """Context processor: `nav_items` for the header of base.html."""
    return {"nav_items": nav_items(request)}
