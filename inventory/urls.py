from django.urls import path

from inventory import export_views, import_views, views
from inventory.reports import views as report_views

app_name = "inventory"

# Asset tags may contain slashes ("INV/2021/001"): the edit page comes first, so that
# ".../edit/" is not read as part of a tag.
urlpatterns = [
    path("devices/", views.device_list, name="device_list"),
    path("devices/<path:asset_tag>/edit/", views.device_edit, name="device_edit"),
    path("devices/<path:asset_tag>/", views.device_detail, name="device_detail"),
    path("imports/", import_views.import_start, name="import_start"),
    path("imports/<int:job_id>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("imports/<int:job_id>/recheck/", import_views.import_recheck, name="import_recheck"),
    path("exports/", export_views.export_index, name="export_index"),
    path("exports/devices/", export_views.export_devices, name="export_devices"),
    path("exports/loans/", export_views.export_loans, name="export_loans"),
    path("reports/", report_views.report_index, name="report_index"),
    path("reports/open-data.json", report_views.open_data_json, name="open_data_json"),
    path("reports/open-data.csv", report_views.open_data_csv, name="open_data_csv"),
    # The first report keeps the name the start page links to.
    path(
        "reports/devices-per-school/",
        report_views.report_detail,
        {"slug": "devices-per-school"},
        name="device_report",
    ),
    path("reports/<slug:slug>/", report_views.report_detail, name="report_detail"),
    path("reports/<slug:slug>.xlsx", report_views.report_xlsx, name="report_xlsx"),
]
