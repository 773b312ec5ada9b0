from django.urls import path

from inventory import label_views, record_views, views

app_name = "inventory"

# Asset tags may contain slashes ("INV/2021/001"): the edit page comes first, so that
# ".../edit/" is not read as part of a tag.
urlpatterns = [
    path("devices/", views.device_list, name="device_list"),
    # Outside devices/: any name there could be a device's asset tag.
    path("device-changes/", views.device_bulk, name="device_bulk"),
    path("labels/", label_views.label_print, name="label_print"),
    # The address in the QR code of a device's label: short, as it is printed.
    path("d/<path:asset_tag>", label_views.device_link, name="device_link"),
    path("new-device/", record_views.device_create, name="device_create"),
    path("devices/<path:asset_tag>/edit/", views.device_edit, name="device_edit"),
    path("devices/<path:asset_tag>/", views.device_detail, name="device_detail"),
    path("schools/", record_views.school_list, name="school_list"),
    path("schools/new/", record_views.school_create, name="school_create"),
    path("schools/<str:number>/edit/", record_views.school_edit, name="school_edit"),
    path("schools/<str:number>/rooms/new/", record_views.room_create, name="room_create"),
    path("rooms/<int:room_id>/edit/", record_views.room_edit, name="room_edit"),
    path("device-models/", record_views.device_model_list, name="device_model_list"),
    path("device-models/new/", record_views.device_model_create, name="device_model_create"),
]
