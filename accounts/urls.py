from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("classes/", views.class_list, name="class_list"),
    path("classes/<int:class_id>/", views.class_detail, name="class_detail"),
    path(
        "classes/<int:class_id>/teachers/",
        views.class_teacher_set,
        name="class_teacher_set",
    ),
    path("classes/<int:class_id>/room/", views.class_room_set, name="class_room_set"),
    path(
        "classes/<int:class_id>/teachers/<int:teacher_id>/remove/",
        views.class_teacher_remove,
        name="class_teacher_remove",
    ),
    path(
        "classes/<int:class_id>/class-list.xlsx",
        views.class_list_download,
        name="class_list_download",
    ),
    path(
        "schools/<str:number>/class-lists.xlsx",
        views.school_class_lists_download,
        name="school_class_lists_download",
    ),
    path("people/", views.person_list, name="person_list"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path(
        "people/<int:person_id>/password-reset/",
        views.person_password_reset,
        name="person_password_reset",
    ),
    path("directory/", views.directory_sync, name="directory_sync"),
    path("directory/sync/", views.directory_sync_start, name="directory_sync_start"),
    path("directory/runs/", views.directory_run_list, name="directory_run_list"),
    path("directory/runs/<int:run_id>/", views.directory_run, name="directory_run"),
]
