"""Loans in the Django admin, for IT admins (see ItAdminOnly for who gets in).

The admin shows loans and lets an IT admin look into them; every step of the flow (approve,
hand out, take back …) goes through the API, whose services keep the never-twice rule and
write the device history. So nothing is added, changed or deleted here.
"""

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ItAdminOnly
from scheduling.models import Loan, LoanReminder


class LoanReminderInline(ItAdminOnly, admin.TabularInline):
    """The reminders sent about a loan (loan_reminders_send), read-only."""

    model = LoanReminder
    fields = readonly_fields = ("kind", "due_on", "sent_on", "recipients", "created_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Loan)
class LoanAdmin(ItAdminOnly, admin.ModelAdmin):
    inlines = [LoanReminderInline]
    list_display = (
        "id",
        "student",
        "school",
        "category",
        "starts_on",
        "ends_on",
        "status",
        "device",
        "requested_at",
    )
    list_filter = ("status", "category", "reason", "school")
    search_fields = (
        "student__last_name",
        "student__first_name",
        "student__login",
        "device__asset_tag",
    )
    list_select_related = ("student", "school", "device")
    date_hierarchy = "requested_at"

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in Loan._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
