"""The forms of the stock-taking pages. They check what a form can check (a choice from
the list); every rule of a stock-taking is the services' (stocktaking.services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stocktaking.codes import MAX_CODE_LENGTH
from stocktaking.services import MAX_NAME

WHOLE, BUILDING, ROOMS = "school", "building", "rooms"


class SchoolChoiceForm(forms.Form):
    """Which school to start a stock-taking for (a GET form: it shows that school's rooms)."""

    school = forms.ChoiceField(label=_("School"))

    def __init__(self, *args, schools: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [
            (school.number, f"{school.name} ({school.number})") for school in schools
        ]


class StartForm(forms.Form):
    school = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_NAME,
        required=False,
        help_text=_("Empty: the school, building or rooms and today's date."),
    )
    scope = forms.ChoiceField(
        label=_("What is counted"),
        widget=forms.RadioSelect,
        initial=WHOLE,
        choices=[
            (WHOLE, _("The whole school")),
            (BUILDING, _("One building")),
            (ROOMS, _("Some rooms")),
        ],
    )
    building = forms.ChoiceField(label=_("Building"), required=False)
    rooms = forms.TypedMultipleChoiceField(
        label=_("Rooms"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, rooms: list, **kwargs):
        super().__init__(*args, **kwargs)
        buildings = sorted({room.building for room in rooms if room.building}, key=str.casefold)
        self.fields["building"].choices = [("", _("– choose a building –"))] + [
            (building, building) for building in buildings
        ]
        self.fields["rooms"].choices = [
            (room.pk, f"{room.name} ({room.building})" if room.building else room.name)
            for room in rooms
        ]

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == BUILDING and not data.get("building"):
            self.add_error("building", _("Please choose a building."))
        if scope == ROOMS and not data.get("rooms"):
            self.add_error("rooms", _("Please choose at least one room."))
        return data

    def scope_values(self) -> dict:
        """building and room_ids for stocktaking_start, as the chosen scope says."""
        scope = self.cleaned_data["scope"]
        return {
            "building": self.cleaned_data.get("building", "") if scope == BUILDING else "",
            "room_ids": self.cleaned_data.get("rooms", []) if scope == ROOMS else [],
        }


class ScanForm(forms.Form):
    """A code typed or sent by a scanner, in a room (the page without JavaScript)."""

    code = forms.CharField(max_length=MAX_CODE_LENGTH)
    room = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, rooms: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [("", "")] + [(room.pk, room.name) for room in rooms]
