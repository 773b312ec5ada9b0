"""Classes, people, released logins and directory sync runs in the Django admin (for IT
admins; see ItAdminOnly for who gets in).

Classes and people are saved through accounts.people.services like every other entry
point: the same checks, the same messages, and a new person's login is made there. People
are not deleted here: they leave through the roster import's lifecycle. Initial passwords
are never shown here."""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import lifecycle
from accounts.models import (
    AccessLogEntry,
    AccessVia,
    DirectorySyncRun,
    Person,
    ReleasedLogin,
    SchoolClass,
)
from accounts.people import services
from core.admin import ItAdminOnly
from core.errors import ValidationFailed


class ServiceValidatedForm(forms.ModelForm):
    """A form whose instance is checked by a service's validation (`validate`) instead of
    the model's own checks, whose constraint errors only say "constraint violated"."""

    validate: Callable[..., None]

    def _post_clean(self) -> None:
        self.instance = construct_instance(self, self.instance, self._meta.fields)
        try:
            type(self).validate(self.instance)
        except ValidationFailed as exc:
            for error in exc.errors:
                field = error.get("field")
                if field not in self.fields:
                    self.add_error(None, error["message"])
                elif field not in self._errors:
                    self.add_error(field, error["message"])


class SchoolClassForm(ServiceValidatedForm):
    validate = staticmethod(services.class_validate)

    class Meta:
        model = SchoolClass
        fields = ("school", "name", "school_year")


class PersonForm(ServiceValidatedForm):
    validate = staticmethod(services.person_validate)

    class Meta:
        model = Person
        fields = ("school", *services.PERSON_CREATE_FIELDS)


class ReadOnly(ItAdminOnly):
    """Looked at, never changed here."""

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SchoolClass)
class SchoolClassAdmin(ItAdminOnly, admin.ModelAdmin):
    form = SchoolClassForm
    list_display = ("name", "school_year", "school")
    list_filter = ("school_year", "school")
    search_fields = ("name", "school__name", "school__number")
    list_select_related = ("school",)
    autocomplete_fields = ("school",)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        return ("school",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: SchoolClass, form, change: bool) -> None:
        values = {field: getattr(obj, field) for field in services.CLASS_EDITABLE}
        if change:
            saved = SchoolClass.objects.select_related("school").get(pk=obj.pk)
            services.class_update(actor=request.user, school_class=saved, **values)
        else:
            created = services.class_create(actor=request.user, school=obj.school, **values)
            obj.pk = created.pk
            obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: SchoolClass) -> None:
        services.class_delete(actor=request.user, school_class=obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SchoolClass]) -> None:
        for school_class in queryset.select_related("school"):
            services.class_delete(actor=request.user, school_class=school_class)


@admin.register(Person)
class PersonAdmin(ItAdminOnly, admin.ModelAdmin):
    form = PersonForm
    list_display = ("last_name", "first_name", "login", "role", "school", "school_class", "status")
    list_filter = ("school", "role", "status", "school_class")
    search_fields = ("last_name", "first_name", "login", "external_id")
    list_select_related = ("school", "school_class")
    autocomplete_fields = ("school",)
    raw_id_fields = ("school_class",)  # class names repeat from school to school and year to year
    actions = ("disable_now", "enable_now")
    # Written by the roster lifecycle and the directory sync alone.
    state_fields = (
        "login",
        "status",
        "tolerated_at",
        "disabled_at",
        "disabled_by_hand",
        "deleted_at",
        "dn",
        "uid_number",
        "user",
        "last_synced_at",
        "created_at",
        "updated_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        if obj is None:
            return ()
        # Changing these is a new person, not a change (see person_update).
        return ("school", "role", "external_id", *self.state_fields)

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        fields = ["school", *services.PERSON_CREATE_FIELDS]
        return fields if obj is None else [*fields, *self.state_fields]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Disable the accounts now (left the school)"))
    def disable_now(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        count = lifecycle.people_disable_now(actor=request.user, people=list(queryset))
        self.message_user(
            request,
            ngettext(
                "%(count)d account disabled; its Lernstatt login ended at once.",
                "%(count)d accounts disabled; their Lernstatt logins ended at once.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Enable the accounts disabled by hand again"))
    def enable_now(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        count = lifecycle.people_enable_now(actor=request.user, people=list(queryset))
        self.message_user(
            request,
            ngettext(
                "%(count)d account enabled again.",
                "%(count)d accounts enabled again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: Person, form, change: bool) -> None:
        if change:
            saved = Person.objects.select_related("school").get(pk=obj.pk)
            values = {field: getattr(obj, field) for field in services.PERSON_EDITABLE}
            services.person_update(actor=request.user, person=saved, via=AccessVia.WEB, **values)
            obj.refresh_from_db()
        else:
            values = {field: getattr(obj, field) for field in services.PERSON_CREATE_FIELDS}
            created = services.person_create(
                actor=request.user, school=obj.school, via=AccessVia.WEB, **values
            )
            obj.pk, obj.login = created.pk, created.login
            obj._state.adding = False


@admin.register(ReleasedLogin)
class ReleasedLoginAdmin(ReadOnly, admin.ModelAdmin):
    """Logins of deleted people, reserved for the reuse period."""

    list_display = ("login", "released_at")
    search_fields = ("login",)
    date_hierarchy = "released_at"


@admin.register(DirectorySyncRun)
class DirectorySyncRunAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("started_at", "school", "status", "done", "total", "started_by", "duration")
    list_filter = ("status", "school")
    list_select_related = ("school", "started_by")
    date_hierarchy = "started_at"

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [f.name for f in DirectorySyncRun._meta.fields if f.name != "id"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnly, admin.ModelAdmin):
    """Who looked at or changed whose data (access_log_record); read-only."""

    list_display = ("at", "actor_name", "action", "via", "person", "detail")
    list_filter = ("action", "via")
    list_select_related = ("person",)
    search_fields = ("actor_name", "=person__id")
    date_hierarchy = "at"

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["at", "actor_name", "action", "via", "person", "detail"]
