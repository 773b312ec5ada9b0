from django.contrib import admin
from django.urls import include, path, re_path

from lernstatt.api import api, api_not_found
from portal.urls import session_urlpatterns

urlpatterns = [
    path("", include(session_urlpatterns)),
    path("", include("portal.urls")),
    path("", include("reports.urls")),
    path("", include("inventory.urls")),
    path("imports/", include("imports.urls")),
    path("", include("scheduling.urls")),
    path("", include("stocktaking.urls")),
    path("", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    re_path(r"^api/", api_not_found),
]
