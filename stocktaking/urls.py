from django.urls import path

from stocktaking import views

app_name = "stocktaking"

urlpatterns = [
    path("stocktakings/", views.stocktaking_list, name="stocktaking_list"),
    path("stocktakings/new/", views.stocktaking_start, name="stocktaking_start"),
    path("stocktakings/<int:stocktaking_id>/", views.stocktaking_detail, name="stocktaking_detail"),
    path(
        "stocktakings/<int:stocktaking_id>/scan/", views.stocktaking_scan, name="stocktaking_scan"
    ),
    path("stocktakings/<int:stocktaking_id>/scan/stop/", views.scan_stop, name="scan_stop"),
    path(
        "stocktakings/<int:stocktaking_id>/scans/<int:scan_id>/move/",
        views.scan_move,
        name="scan_move",
    ),
    path(
        "stocktakings/<int:stocktaking_id>/close/",
        views.stocktaking_close,
        name="stocktaking_close",
    ),
    path("stocktakings/<int:stocktaking_id>/protocol.pdf", views.protocol_pdf, name="protocol_pdf"),
    path(
        "stocktakings/<int:stocktaking_id>/protocol.xlsx",
        views.protocol_xlsx,
        name="protocol_xlsx",
    ),
]
