"""Imports in the Django admin: looked at, never changed (uploads go through the pages and
the API)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ItAdminOnly
from imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ItAdminOnly, admin.ModelAdmin):
    """Imports are uploaded, checked and confirmed through the API; here they are looked at.
    The uploaded file itself is not shown (it may hold thousands of rows)."""

    list_display = ("filename", "kind", "status", "created_by", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("filename", "created_by__username")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [f.name for f in ImportJob._meta.fields if f.name not in {"id", "content"}]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return self.get_fields(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
