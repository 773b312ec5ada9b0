"""Forms of the accounts pages: the searches and filters of the class and people lists, and
the choice of school for a directory sync. They parse what a user typed; who may see what
stays in the selectors, whose schools fill the choices."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonRole, PersonStatus
from accounts.people.selectors import ClassFilters, PersonFilters
from core.models import User
from core.permissions import Perm, school_ids
from inventory import selectors as inventory


def _school_choices(actor: User, perm: Perm, *, empty: str) -> list[tuple[str, str]]:
    schools = inventory.school_list(actor=actor, perm=perm).only("number", "name")
    return [("", empty), *((s.number, f"{s.name} ({s.number})") for s in schools)]


class ClassFilterForm(forms.Form):
    """The filters of the class list (GET); without a school year the current one."""

    school = forms.ChoiceField(label=_("School"), required=False)
    school_year = forms.IntegerField(
        label=_("School year"),
        required=False,
        min_value=2000,
        max_value=2100,
    )
    q = forms.CharField(label=_("Class"), required=False, max_length=30)

    def __init__(self, *args, actor: User, current_year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_year = current_year
        self.fields["school"].choices = _school_choices(actor, Perm.PERSON_VIEW, empty=_("all"))
        self.fields["school_year"].widget.attrs["placeholder"] = str(current_year)
        self.fields["q"].widget.attrs.update({"placeholder": _("e.g. 5a"), "type": "search"})

    def filters(self) -> ClassFilters:
        """The valid filters; a value that is not valid is left out (and shown at its field)."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return ClassFilters(
            school=data.get("school") or None,
            school_year=data.get("school_year") or self.current_year,
            q=data.get("q") or None,
        )


class PersonSearchForm(forms.Form):
    """The search of the people list (GET): words of the name or login, school, role."""

    q = forms.CharField(label=_("Name or login"), required=False, max_length=100)
    school = forms.ChoiceField(label=_("School"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("all")), *PersonRole.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all but the deleted")), *PersonStatus.choices],
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("e.g. Müller or anna.mueller"), "type": "search"}
        )
        self.fields["school"].choices = _school_choices(actor, Perm.PERSON_VIEW, empty=_("all"))

    def filters(self) -> PersonFilters:
        if not self.is_bound:
            return PersonFilters()
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return PersonFilters(
            q=data.get("q") or None,
            school=data.get("school") or None,
            role=data.get("role") or None,
            status=data.get("status") or None,
        )


class SyncSchoolForm(forms.Form):
    """Which school the plan and the sync are for; those who reach every school may also
    choose all of them (the empty value)."""

    school = forms.ChoiceField(label=_("School"), required=False)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _school_choices(actor, Perm.DIRECTORY_SYNC, empty=_("all schools"))
        if school_ids(actor) is not None:
            # A coordinator syncs one of their schools, never all (the selector refuses it).
            choices = choices[1:]
        self.fields["school"].choices = choices

    def school_number(self) -> str | None:
        """The chosen school; without a valid choice the first one offered."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["school"] or None
        choices = self.fields["school"].choices
        return (choices[0][0] or None) if choices else None


class ClassTeacherForm(forms.Form):
    """A teacher of the class's school to teach the class, and whether they lead it."""

    teacher = forms.TypedChoiceField(label=_("Teacher"), coerce=int)
    is_class_teacher = forms.BooleanField(
        label=_("Class teacher"),
        required=False,
        help_text=_("Leads the class (Klassenleitung); otherwise a subject teacher."),
    )

    def __init__(self, *args, candidates: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].choices = [
            ("", _("– choose a teacher –")),
            *(
                (p.pk, f"{p.sort_name} ({p.short_code})" if p.short_code else p.sort_name)
                for p in candidates
            ),
        ]
        choose = _("Please choose a teacher from the list.")
        self.fields["teacher"].error_messages.update(invalid_choice=choose, required=choose)


class ClassRoomForm(forms.Form):
    """The classroom of a class: one of the rooms of its school, or none."""

    room = forms.TypedChoiceField(
        label=_("Classroom"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Its class teachers confirm the devices in this room in a stock-taking."),
    )

    def __init__(self, *args, rooms: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.rooms = {room.pk: room for room in rooms}
        self.fields["room"].choices = [
            ("", _("– no classroom –")),
            *(
                (room.pk, f"{room.name} ({room.building})" if room.building else room.name)
                for room in rooms
            ),
        ]
        choose = _("Please choose a room of the class's school.")
        self.fields["room"].error_messages.update(invalid_choice=choose)

    def chosen_room(self):
        """The chosen room, or None."""
        return self.rooms.get(self.cleaned_data["room"])
