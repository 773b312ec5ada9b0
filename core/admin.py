"""The Django admin: a tool for the city's IT admins, not for the schools.

Who reaches it: Django lets only `is_staff` users log in to the admin, and Lernstatt adds one
rule on top: every Lernstatt model here is shown only to IT admins (role `it_admin`, or a
superuser). IT admins are therefore created with `is_staff=True`. Coordinators and teachers
work through the API and the web pages, which limit them to their own schools; the admin
has no such limit, so a coordinator who was made staff by mistake still sees nothing here.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import tokens
from core.models import ApiToken, User
from core.permissions import Perm, has


def is_it_admin(request: HttpRequest) -> bool:
    return request.user.is_staff and has(request.user, Perm.ADMIN_SITE)


class ItAdminOnly:
    """Mixin for a ModelAdmin: IT admins may do everything the ModelAdmin offers, nobody
    else anything. A ModelAdmin narrows this further by overriding a method."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_it_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_it_admin(request)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return is_it_admin(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_it_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_it_admin(request)


@admin.register(User)
class UserAdmin(ItAdminOnly, DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_active", "schools")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("schools",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("Lernstatt"),
            {
                "fields": ("role", "schools"),
                "description": _(
                    "IT admins need “Staff status” to use this admin. Coordinators and "
                    "teachers see only the schools chosen here."
                ),
            },
        ),
        (
            _("Directory login"),
            {
                "fields": ("directory_dn", "directory_uuid"),
                "description": _(
                    "With the DN of a directory entry here, the user may also log in with "
                    "that entry's password. Nobody logs in with a directory password "
                    "without such a link; teachers and staff get theirs at their first "
                    "login. The entryUUID is read at the next login, or at once with "
                    "“manage.py directory_link”."
                ),
            },
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Lernstatt"), {"fields": ("role", "schools", "is_staff")}),
    )
    readonly_fields = ("directory_uuid",)

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        if "directory_dn" in form.changed_data:
            # A new DN is a new link: the entry found there at the next login is the one.
            obj.directory_uuid = ""
        super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(ItAdminOnly, admin.ModelAdmin):
    """Tokens are created by their owner (API or `manage.py api_token`), because the key is
    shown only once; here they can be looked at and revoked, never read."""

    list_display = ("name", "user", "hint", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "user__username", "hint")
    list_select_related = ("user",)
    fields = ("user", "name", "hint", "key_hash", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            tokens.api_token_revoke(user=token.user, token_id=token.id)
        count = len(queryset)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
