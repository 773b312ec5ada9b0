from django.urls import path

from inventory import views

app_name = "inventory"

# Asset tags may contain slashes ("INV/2021/001"): the edit page comes first, so that
# ".../edit/" is not read as part of a tag.
urlpatterns = [
    path("devices/", views.device_list, name="device_list"),
    # Outside devices/: any name there could be a device's asset tag.
    path("device-changes/", views.device_bulk, name="device_bulk"),
    path("devices/<path:asset_tag>/edit/", views.device_edit, name="device_edit"),
    path("devices/<path:asset_tag>/", views.device_detail, name="device_detail"),
]
