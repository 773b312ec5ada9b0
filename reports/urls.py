from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report_index, name="report_index"),
    path("reports/open-data.json", views.open_data_json, name="open_data_json"),
    path("reports/open-data.csv", views.open_data_csv, name="open_data_csv"),
    # The first report keeps the name the start page links to.
    path(
        "reports/devices-per-school/",
        views.report_detail,
        {"slug": "devices-per-school"},
        name="device_report",
    ),
    path("reports/<slug:slug>/", views.report_detail, name="report_detail"),
    path("reports/<slug:slug>.xlsx", views.report_xlsx, name="report_xlsx"),
]
