"""Forms of the inventory's web pages. They parse what a user typed; the rules of the
inventory stay in inventory.services, whose errors the views put back onto the form."""

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db.models import Model
from django.utils.formats import get_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed
from core.models import User
from core.permissions import Perm
from core.sheets.values import parse_macs
from inventory import selectors
from inventory.importing.parse import TEXT_LIMITS, read_text, read_value
from inventory.models import Category, Device, DeviceModel, Room, School, SchoolType, Status
from inventory.selectors import DEVICE_ORDERINGS, DeviceFilters


def _label(field: str, model: type[Model] = Device) -> str:
    return capfirst(model._meta.get_field(field).verbose_name)


class DeviceFilterForm(forms.Form):
    """The search and filters of the device list (GET). A value that is not valid is left
    out of the filters and shown as an error, so the list still shows."""

    LENDABLE_CHOICES = (("", _("all")), ("yes", _("yes")), ("no", _("no")))

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    school = forms.ChoiceField(label=_label("school"), required=False)
    status = forms.ChoiceField(
        label=_label("status"), required=False, choices=[("", _("all")), *Status.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("all")), *Category.choices]
    )
    lendable = forms.ChoiceField(label=_label("lendable"), required=False, choices=LENDABLE_CHOICES)
    sort = forms.ChoiceField(
        required=False,
        choices=[(f"{p}{f}", f"{p}{f}") for f in sorted(DEVICE_ORDERINGS) for p in ("", "-")],
    )

    def __init__(self, *args, actor: User, schools: list[tuple[str, str]] | None = None, **kwargs):
        """`schools`: (number, name) of the actor's schools when the caller has read them
        already (the device list, with their rooms for the bulk form: one query for both)."""
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Asset tag, serial number or model"), "type": "search"}
        )
        if schools is None:
            found = selectors.school_list(actor=actor, perm=Perm.DEVICE_VIEW).only("number", "name")
            schools = [(school.number, school.name) for school in found]
        self.fields["school"].choices = [("", _("all")), *schools]

    def filters(self) -> DeviceFilters:
        if not self.is_bound:
            return DeviceFilters()
        self.is_valid()
        data = self.cleaned_data
        lendable = {"yes": True, "no": False}.get(data.get("lendable") or "")
        return DeviceFilters(
            q=data.get("q") or None,
            school=data.get("school") or None,
            status=data.get("status") or None,
            category=data.get("category") or None,
            lendable=lendable,
            ordering=data.get("sort") or "asset_tag",
        )

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(
            self.cleaned_data.get(name)
            for name in ("q", "school", "status", "category", "lendable")
        )


# (school number, school name, [(room id, room name), ...])
SchoolRooms = tuple[str, str, list[tuple[int, str]]]


def school_rooms(actor: User) -> list[SchoolRooms]:
    """The schools whose devices the actor may edit, each with its rooms, in one query (a
    school without rooms too). The scope is the one the device list reads: a role that may
    edit devices reaches the same schools for viewing them."""
    rows = (
        selectors.school_list(actor=actor, perm=Perm.DEVICE_EDIT)
        .order_by("name", "number", "rooms__name", "rooms__id")
        .values_list("number", "name", "rooms__id", "rooms__name")
    )
    schools: dict[str, SchoolRooms] = {}
    for number, name, room_id, room_name in rows:
        school = schools.setdefault(number, (number, name, []))
        if room_id is not None:
            school[2].append((room_id, room_name))
    return list(schools.values())


class DeviceIdsField(forms.Field):
    """The ids of the devices selected in the list (checkboxes of one name)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Please select at least one device."),
        "invalid": _("Please select the devices in the list."),
        "too_many": _("Please select at most %(max)d devices at once."),
    }
    MAX = 500

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        try:
            ids = list(dict.fromkeys(int(each) for each in value))
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if len(ids) > self.MAX:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": self.MAX}
            )
        return ids


class BulkForm(forms.Form):
    """One change for the devices selected in the list: a new status, a room, or lendable
    yes/no, chosen from one select ("status:in_repair", "room:12", "room:" for no room,
    "lendable:yes"). The rooms offered are those of the actor's schools, grouped by school;
    that a room fits each device's school is inventory.services.device_bulk_update's rule."""

    devices = DeviceIdsField()
    change = forms.ChoiceField(label=_("Change for the selected devices"))

    def __init__(self, *args, actor: User, schools: list[SchoolRooms] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if schools is None:
            schools = school_rooms(actor)
        lendable = [("lendable:yes", _("Lendable: yes")), ("lendable:no", _("Lendable: no"))]
        choices: list = [
            ("", _("– choose a change –")),
            (_("Set the status"), [(f"status:{value}", label) for value, label in Status.choices]),
            (_label("lendable"), lendable),
            (_label("room"), [("room:", _("– no room –"))]),
        ]
        choices.extend(
            (
                _("Rooms of %(school)s") % {"school": name},
                [(f"room:{room_id}", room_name) for room_id, room_name in rooms],
            )
            for _number, name, rooms in schools
            if rooms
        )
        self.fields["change"].choices = choices
        self.fields["change"].error_messages.update(
            {
                "required": _("Please choose a change for the selected devices."),
                "invalid_choice": _("Please choose a change from the list."),
            }
        )

    def values(self) -> dict[str, Any]:
        """What inventory.services.device_bulk_update takes as `values`."""
        field, _sep, value = self.cleaned_data["change"].partition(":")
        if field == "lendable":
            return {"lendable": value == "yes"}
        if field == "room":
            room = None
            if value:
                room = selectors.room_get(
                    actor=self.actor, room_id=int(value), perm=Perm.DEVICE_EDIT
                )
            return {"room": room}
        return {"status": value}


class MacAddressesField(forms.CharField):
    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value)
        try:
            return parse_macs(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value


# The browser's date picker sends and expects ISO dates, whatever the language.
_DATE = {"format": "%Y-%m-%d", "attrs": {"type": "date"}}


class EuroField(forms.DecimalField):
    """A price as people type it: "1.234,50 €" in German, "1,234.50" in English."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("€", "").replace("\u00a0", "").replace(" ", "")
            thousands, decimal = get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")
            if thousands in value and decimal in value:
                value = value.replace(thousands, "")
        return super().to_python(value)


class ServiceErrors:
    """For forms whose values a service checks again: its errors go next to their fields."""

    def add_service_error(self, exc: ValidationFailed) -> None:
        """Put the errors of the service next to the fields they name."""
        for error in exc.errors:
            field = error.get("field")
            self.add_error(field if field in self.fields else None, error["message"])
        if not exc.errors:
            self.add_error(None, exc.message)


class DeviceForm(ServiceErrors, forms.Form):
    """The fields of one device as the edit page shows them. Only the schools, rooms and
    models the actor may use for editing are offered (selectors, with DEVICE_EDIT)."""

    asset_tag = forms.CharField(label=_label("asset_tag"), max_length=50)
    serial_number = forms.CharField(label=_label("serial_number"), max_length=100, required=False)
    mac_addresses = MacAddressesField(
        label=_label("mac_addresses"),
        required=False,
        help_text=_("Several addresses separated by commas."),
    )
    model = forms.ModelChoiceField(label=_label("model"), queryset=None, empty_label=None)
    school = forms.ModelChoiceField(label=_label("school"), queryset=None, empty_label=None)
    room = forms.ModelChoiceField(
        label=_label("room"),
        queryset=None,
        required=False,
        empty_label=_("– no room –"),
        help_text=_(
            "The rooms of the device's school. To move it to another school, change "
            "the school first and choose the room after saving."
        ),
    )
    status = forms.ChoiceField(label=_label("status"), choices=Status.choices)
    purchase_date = forms.DateField(
        label=_label("purchase_date"), required=False, widget=forms.DateInput(**_DATE)
    )
    purchase_price = EuroField(
        label=_("Purchase price in euros"),
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=0,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    funding_programme = forms.CharField(
        label=_label("funding_programme"), max_length=100, required=False
    )
    warranty_end = forms.DateField(
        label=_label("warranty_end"), required=False, widget=forms.DateInput(**_DATE)
    )
    lendable = forms.BooleanField(
        label=_label("lendable"),
        required=False,
        help_text=_("May be lent to students."),
    )
    notes = forms.CharField(
        label=_label("notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, actor: User, device: Device, **kwargs):
        initial = {field: getattr(device, field) for field in self.base_fields}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["model"].queryset = selectors.device_model_list(
            actor=actor, perm=Perm.DEVICE_EDIT
        )
        self.fields["school"].queryset = selectors.school_list(actor=actor, perm=Perm.DEVICE_EDIT)
        self.fields["room"].queryset = selectors.room_list(
            actor=actor, school=device.school.number, perm=Perm.DEVICE_EDIT
        )
        self.fields["model"].error_messages["invalid_choice"] = _(
            "Please choose a model from the list."
        )
        self.fields["school"].error_messages["invalid_choice"] = _(
            "Please choose a school from the list."
        )
        self.fields["room"].error_messages["invalid_choice"] = _(
            "Please choose a room of the device's school from the list."
        )

    def values(self) -> dict[str, Any]:
        """What inventory.services.device_update takes."""
        return dict(self.cleaned_data)


# Forms for new rows (a device, a school, a room, a device model). Every value typed there
# is read by the device import's rule for it (inventory.importing.parse), so a value is
# refused here exactly when a file's cell with it would be, in the preview's words. What
# spans rows (a taken asset tag, a room name a school has already) is the services' rule.


class ImportRuleField(forms.CharField):
    """A typed value read as the device import reads a cell of the column `column` (a key
    of inventory.columns): the same parser, length and messages. Without a column: text
    read as the import reads text, of at most `max_length` characters."""

    def __init__(self, *, column: str | None = None, **kwargs: Any):
        self.column = column
        if column is not None:
            kwargs.setdefault("max_length", TEXT_LIMITS.get(column))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        try:
            if self.column is None:
                return read_text(text, limit=self.max_length)
            return read_value(self.column, text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


class ImportChoiceField(forms.ChoiceField):
    """A choice of a list (a status, a category) read by the device import's rule for the
    column `column`, so that it becomes the code the import stores for it."""

    def __init__(self, *, column: str, **kwargs: Any):
        self.column = column
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return text
        try:
            return read_value(self.column, text) or ""
        except ValueError as exc:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": text},
            ) from exc


def _choose(field: forms.Field, message: str) -> None:
    field.error_messages.update({"required": message, "invalid_choice": message})


class RecordForm(ServiceErrors, forms.Form):
    """The fields of one row: shown with the values of `instance`, if any, and copied onto
    it by `apply_to` for the service that checks and saves it."""

    def __init__(self, *args: Any, instance: Model | None = None, **kwargs: Any):
        if instance is not None:
            kwargs["initial"] = {name: getattr(instance, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)

    def apply_to(self, instance: Model) -> Model:
        for name, value in self.cleaned_data.items():
            setattr(instance, name, value)
        return instance


class DeviceCreateForm(ServiceErrors, forms.Form):
    """A new device. Only the actor's schools, their rooms (grouped by school) and the models
    are offered (selectors, with DEVICE_EDIT); that the room is one of the school's is
    inventory.services.device_create's rule, like a taken asset tag or serial number."""

    asset_tag = ImportRuleField(
        column="asset_tag",
        label=_label("asset_tag"),
        error_messages={"required": _("The asset tag is missing.")},
    )
    model = forms.ModelChoiceField(
        label=_label("model"), queryset=None, empty_label=_("– choose a model –")
    )
    serial_number = ImportRuleField(
        column="serial_number", label=_label("serial_number"), required=False
    )
    mac_addresses = ImportRuleField(
        column="mac_addresses",
        label=_label("mac_addresses"),
        required=False,
        help_text=_("Several addresses separated by commas."),
    )
    status = ImportChoiceField(
        column="status", label=_label("status"), choices=Status.choices, initial=Status.IN_STOCK
    )
    lendable = forms.BooleanField(
        label=_label("lendable"), required=False, help_text=_("May be lent to students.")
    )
    school = forms.ModelChoiceField(
        label=_label("school"), queryset=None, empty_label=_("– choose a school –")
    )
    room = forms.ModelChoiceField(
        label=_label("room"),
        queryset=None,
        required=False,
        help_text=_("A room of the device's school."),
    )
    purchase_date = ImportRuleField(
        column="purchase_date",
        label=_label("purchase_date"),
        required=False,
        widget=forms.DateInput(**_DATE),
    )
    purchase_price = ImportRuleField(
        column="purchase_price",
        label=_("Purchase price in euros"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    funding_programme = ImportRuleField(
        column="funding_programme", label=_label("funding_programme"), required=False
    )
    warranty_end = ImportRuleField(
        column="warranty_end",
        label=_label("warranty_end"),
        required=False,
        widget=forms.DateInput(**_DATE),
    )
    notes = ImportRuleField(
        column="notes",
        label=_label("notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        schools = school_rooms(actor)
        fields = self.fields
        fields["model"].queryset = selectors.device_model_list(actor=actor, perm=Perm.DEVICE_EDIT)
        fields["school"].queryset = selectors.school_list(actor=actor, perm=Perm.DEVICE_EDIT)
        if len(schools) == 1:
            fields["school"].empty_label = None
        fields["room"].queryset = selectors.room_list(actor=actor, perm=Perm.DEVICE_EDIT)
        fields["room"].choices = [
            ("", _("– no room –")),
            *(
                (f"{name} ({number})", [(room_id, room_name) for room_id, room_name in rooms])
                for number, name, rooms in schools
                if rooms
            ),
        ]
        _choose(fields["model"], _("Please choose a model from the list."))
        _choose(fields["school"], _("Please choose a school from the list."))
        _choose(fields["room"], _("Please choose a room from the list."))
        _choose(fields["status"], _("Please choose a status from the list."))

    def values(self) -> dict[str, Any]:
        """What inventory.services.device_create takes."""
        return dict(self.cleaned_data)


_NUMBER = School._meta.get_field("number")


class SchoolForm(RecordForm):
    """A school's fields, for inventory.services.school_save (IT admins). The number follows
    the model's own rule of six digits; that it is taken is the service's rule."""

    number = ImportRuleField(
        label=_label("number", School),
        help_text=_NUMBER.help_text,
        validators=[rule for rule in _NUMBER.validators if isinstance(rule, RegexValidator)],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": _NUMBER.max_length}),
    )
    name = ImportRuleField(
        label=_label("name", School), max_length=School._meta.get_field("name").max_length
    )
    short_name = ImportRuleField(
        label=_label("short_name", School),
        required=False,
        max_length=School._meta.get_field("short_name").max_length,
        help_text=School._meta.get_field("short_name").help_text,
    )
    school_type = forms.ChoiceField(
        label=_label("school_type", School), choices=SchoolType.choices, initial=SchoolType.OTHER
    )
    street = ImportRuleField(
        label=_label("street", School),
        required=False,
        max_length=School._meta.get_field("street").max_length,
    )
    postal_code = ImportRuleField(
        label=_label("postal_code", School),
        required=False,
        max_length=School._meta.get_field("postal_code").max_length,
    )
    city = ImportRuleField(
        label=_label("city", School),
        required=False,
        max_length=School._meta.get_field("city").max_length,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choose(self.fields["school_type"], _("Please choose a school type from the list."))


class RoomForm(RecordForm):
    """A room's name and building, for inventory.services.room_save; the name is read as
    the device import reads a room, and a name the school has already is the service's
    rule."""

    name = ImportRuleField(
        column="room",
        label=_label("name", Room),
        help_text=Room._meta.get_field("name").help_text,
    )
    building = ImportRuleField(
        label=_label("building", Room),
        required=False,
        max_length=Room._meta.get_field("building").max_length,
    )


class DeviceModelForm(RecordForm):
    """A device model, for inventory.services.device_model_save; manufacturer, name and
    category are read as the device import reads them."""

    manufacturer = ImportRuleField(column="manufacturer", label=_label("manufacturer", DeviceModel))
    name = ImportRuleField(column="model", label=_label("name", DeviceModel))
    category = ImportChoiceField(
        column="category",
        label=_label("category", DeviceModel),
        choices=[("", _("– choose a category –")), *Category.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choose(self.fields["category"], _("Please choose a category from the list."))
