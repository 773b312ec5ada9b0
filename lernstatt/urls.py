from django.contrib import admin
from django.urls import path, re_path
from django.views.generic import RedirectView

from lernstatt.api import api, api_not_found

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    re_path(r"^api/", api_not_found),
]
