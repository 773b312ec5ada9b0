from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_start, name="start"),
    path("<int:job_id>/", views.import_detail, name="detail"),
    path("<int:job_id>/confirm/", views.import_confirm, name="confirm"),
    path("<int:job_id>/recheck/", views.import_recheck, name="recheck"),
]
