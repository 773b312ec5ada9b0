"""The forms of the label page: which devices (`LabelSourceForm`: created by an import,
ticked in the device list, a room, or the list's filters) and how to print them
(`LabelForm`). The rules for the options are inventory.labels.printing.label_options's;
the form puts its refusals next to the fields they name."""

from functools import cached_property
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed
from core.models import User
from inventory.forms import DeviceFilterForm, DeviceIdsField, ServiceErrors
from inventory.importing.results import import_created_devices
from inventory.labels.printing import MAX_COPIES, LabelOptions, LabelSelection, label_options
from inventory.labels.templates import (
    CUSTOM,
    CUSTOM_FIELDS,
    DEFAULT_TEMPLATE,
    FIELDS,
    TEMPLATES,
)

# The device list's filters, carried along so the labels are those of the list as shown.
FILTER_FIELDS = ("q", "school", "status", "category", "lendable", "sort")


class LabelSourceForm(forms.Form):
    """Which devices: `job` (the devices a device import created), else `devices` (ids
    ticked in the list), else `room` (a room's id), else the device list's filters."""

    job = forms.IntegerField(required=False, min_value=1)
    devices = DeviceIdsField(required=False)
    room = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data: Any, *, actor: User):
        super().__init__(data)
        self.actor = actor

    @cached_property
    def filter_form(self) -> DeviceFilterForm:
        """The device list's filters (read only when they are the selection: their form
        reads the actor's schools)."""
        data = {name: self.data[name] for name in FILTER_FIELDS if self.data.get(name)}
        return DeviceFilterForm(data or None, actor=self.actor)

    def selection(self) -> LabelSelection | None:
        """The selection, or None when the ids or the room are not valid."""
        if not self.is_valid():
            return None
        if self.cleaned_data["job"] is not None:
            created = import_created_devices(actor=self.actor, job_id=self.cleaned_data["job"])
            return LabelSelection(device_ids=tuple(device.pk for device in created))
        if self.cleaned_data["devices"]:
            return LabelSelection(device_ids=tuple(self.cleaned_data["devices"]))
        if self.cleaned_data["room"] is not None:
            return LabelSelection(room=self.cleaned_data["room"])
        filters = self.filter_form.filters()
        if self.filter_form.is_bound and "school" in self.filter_form.errors:
            return None  # a school out of reach: not "every school" instead
        return LabelSelection(filters=filters)

    def hidden_values(self) -> list[tuple[str, Any]]:
        """(name, value) of the hidden fields that send the same selection again."""
        data = self.cleaned_data
        if data["job"] is not None:
            return [("job", data["job"])]
        if data["devices"]:
            return [("devices", device_id) for device_id in data["devices"]]
        if data["room"] is not None:
            return [("room", data["room"])]
        if not self.filter_form.is_bound:
            return []
        return [
            (name, self.filter_form.data[name])
            for name in FILTER_FIELDS
            if name in self.filter_form.data
        ]


def _measure(name: str, label: Any, *, whole: bool = False) -> forms.Field:
    default = CUSTOM_FIELDS[name][0]
    if default is not None and default == int(default):
        default = int(default)  # "210", not "210,0"
    if whole:
        return forms.IntegerField(label=label, required=False, initial=default, min_value=1)
    return forms.FloatField(
        label=label,
        required=False,
        initial=default or None,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 7}),
    )


class LabelForm(ServiceErrors, forms.Form):
    """Template, start position, copies, fields and format of a print; after is_valid(),
    `options` holds them checked."""

    template = forms.ChoiceField(label=_("Label sheet or label printer"), widget=forms.RadioSelect)
    start = forms.IntegerField(
        label=_("Start position"),
        initial=1,
        help_text=_(
            "For a sheet that is partly used: the first free label, counted row by row from "
            "the top left (1 is the first label)."
        ),
        widget=forms.NumberInput(attrs={"min": 1}),
    )
    copies = forms.IntegerField(
        label=_("Copies of each label"),
        initial=1,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_COPIES}),
    )
    fields = forms.MultipleChoiceField(
        label=_("Print on each label"),
        required=False,
        choices=list(FIELDS.items()),
        initial=list(TEMPLATES[DEFAULT_TEMPLATE].default_fields),
        widget=forms.CheckboxSelectMultiple,
    )
    format = forms.ChoiceField(
        label=_("File"),
        choices=[
            ("pdf", _("PDF, for any printer")),
            ("zpl", _("ZPL, for a Zebra label printer (203 dpi)")),
        ],
        initial="pdf",
        widget=forms.RadioSelect,
    )
    page_width = _measure("page_width", _("Page width (mm)"))
    page_height = _measure("page_height", _("Page height (mm)"))
    label_width = _measure("label_width", _("Label width (mm)"))
    label_height = _measure("label_height", _("Label height (mm)"))
    columns = _measure("columns", _("Columns"), whole=True)
    rows = _measure("rows", _("Rows"), whole=True)
    margin_left = _measure("margin_left", _("Left margin (mm)"))
    margin_top = _measure("margin_top", _("Top margin (mm)"))
    pitch_x = _measure("pitch_x", _("Horizontal pitch (mm)"))
    pitch_y = _measure("pitch_y", _("Vertical pitch (mm)"))

    CUSTOM_NAMES = tuple(CUSTOM_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.options: LabelOptions | None = None
        one_per_page = _("one label per page")
        choices = [
            (
                key,
                f"{template.name} – {one_per_page if template.printer else template.description()}",
            )
            for key, template in TEMPLATES.items()
        ]
        choices.append((CUSTOM, _("Custom grid: the measurements below")))
        self.fields["template"].choices = choices
        self.fields["template"].initial = DEFAULT_TEMPLATE
        self.fields["template"].error_messages.update(
            {
                "required": _("Please choose a template from the list."),
                "invalid_choice": _("Please choose a template from the list."),
            }
        )
        self.fields["format"].error_messages["invalid_choice"] = _("Please choose PDF or ZPL.")
        self.fields["fields"].error_messages["invalid_choice"] = _(
            "Please choose from the list what to print."
        )
        for name in ("pitch_x", "pitch_y"):
            self.fields[name].help_text = _("Leave it empty when the labels touch.")

    def custom_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CUSTOM_NAMES]

    @property
    def custom_open(self) -> bool:
        """Whether the custom grid's measurements are shown open: it is chosen, or one of
        them is wrong."""
        return self["template"].value() == CUSTOM or any(
            self[name].errors for name in self.CUSTOM_NAMES
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.options = label_options(
                template=data["template"],
                fields=data["fields"],
                start=data["start"],
                copies=data["copies"],
                fmt=data["format"],
                custom={name: data.get(name) for name in self.CUSTOM_NAMES},
            )
        except ValidationFailed as exc:
            self.add_service_error(exc)
        return data
