"""The inventory in the Django admin (for IT admins; see ItAdminOnly for who gets in).

Saving and deleting go through inventory.services like every other entry point, so a
device edited here gets its history rows and a deleted device leaves its 'deleted' row.
"""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest

from core.admin import ItAdminOnly
from core.errors import ValidationFailed
from inventory import services
from inventory.models import Device, DeviceHistory, DeviceModel, Room, School


@admin.register(School)
class SchoolAdmin(ItAdminOnly, admin.ModelAdmin):
    list_display = ("name", "number", "school_type", "city")
    list_filter = ("school_type",)
    search_fields = ("name", "number")

    def save_model(self, request: HttpRequest, obj: School, form, change: bool) -> None:
        services.school_save(actor=request.user, school=obj)

    def delete_model(self, request: HttpRequest, obj: School) -> None:
        services.school_delete(actor=request.user, school=obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[School]) -> None:
        for school in queryset:
            services.school_delete(actor=request.user, school=school)


@admin.register(Room)
class RoomAdmin(ItAdminOnly, admin.ModelAdmin):
    list_display = ("name", "building", "school")
    list_filter = ("school",)
    search_fields = ("name", "building", "school__name", "school__number")
    list_select_related = ("school",)
    autocomplete_fields = ("school",)

    def save_model(self, request: HttpRequest, obj: Room, form, change: bool) -> None:
        services.room_save(actor=request.user, room=obj)

    def delete_model(self, request: HttpRequest, obj: Room) -> None:
        services.room_delete(actor=request.user, room=obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Room]) -> None:
        for room in queryset.select_related("school"):
            services.room_delete(actor=request.user, room=room)


@admin.register(DeviceModel)
class DeviceModelAdmin(ItAdminOnly, admin.ModelAdmin):
    list_display = ("manufacturer", "name", "category")
    list_filter = ("category", "manufacturer")
    search_fields = ("manufacturer", "name")

    def save_model(self, request: HttpRequest, obj: DeviceModel, form, change: bool) -> None:
        services.device_model_save(actor=request.user, device_model=obj)

    def delete_model(self, request: HttpRequest, obj: DeviceModel) -> None:
        services.device_model_delete(actor=request.user, device_model=obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DeviceModel]) -> None:
        for device_model in queryset:
            services.device_model_delete(actor=request.user, device_model=device_model)


class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = services.DEVICE_FIELDS

    def _post_clean(self) -> None:
        # Instead of the model's own checks (whose constraint errors only say "constraint
        # violated"), the services' validation: the same rules device_create/device_update
        # enforce, with messages that name the field.
        self.instance = construct_instance(self, self.instance, self._meta.fields)
        try:
            services.device_validate(self.instance)
        except ValidationFailed as exc:
            for error in exc.errors:
                field = error.get("field")
                if field not in self.fields:
                    self.add_error(None, error["message"])
                elif field not in self._errors:
                    self.add_error(field, error["message"])


class DeviceHistoryInline(ItAdminOnly, admin.TabularInline):
    model = DeviceHistory
    fk_name = "device"
    fields = ("at", "actor", "action", "field", "old", "new")
    readonly_fields = fields
    ordering = ("-at", "-id")
    extra = 0
    can_delete = False
    verbose_name_plural = DeviceHistory._meta.verbose_name_plural

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeviceHistory]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Device)
class DeviceAdmin(ItAdminOnly, admin.ModelAdmin):
    form = DeviceForm
    list_display = (
        "asset_tag",
        "serial_number",
        "model",
        "school",
        "room",
        "status",
        "lendable",
        "funding_programme",
        "warranty_end",
    )
    list_filter = ("school", "status", "model__category", "lendable", "funding_programme")
    search_fields = ("asset_tag", "serial_number", "model__name", "model__manufacturer")
    list_select_related = ("model", "school", "room")
    autocomplete_fields = ("model", "school")
    # Room names repeat from school to school ("101"); the lookup list shows each room's school.
    raw_id_fields = ("room",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (DeviceHistoryInline,)

    def save_model(self, request: HttpRequest, obj: Device, form, change: bool) -> None:
        values = {field: getattr(obj, field) for field in services.DEVICE_FIELDS}
        if change:
            # `obj` already holds the form's values; the service compares with the saved row.
            saved = Device.objects.select_related("model", "school", "room").get(pk=obj.pk)
            services.device_update(actor=request.user, device=saved, **values)
        else:
            created = services.device_create(actor=request.user, **values)
            obj.pk = created.pk
            obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Device) -> None:
        services.device_delete(actor=request.user, device=obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        for device in queryset.select_related("model"):
            services.device_delete(actor=request.user, device=device)


@admin.register(DeviceHistory)
class DeviceHistoryAdmin(ItAdminOnly, admin.ModelAdmin):
    """The history is written by the services only; here it is read."""

    list_display = ("at", "asset_tag", "action", "field", "old", "new", "actor")
    list_filter = ("action", "field")
    search_fields = ("asset_tag",)
    list_select_related = ("actor",)
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
