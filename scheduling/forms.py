"""Forms of the loan pages. They parse what a user typed; the rules of the loan flow stay in
scheduling.services and scheduling.handling, whose errors the views put back onto the form."""

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import WORKING_STATUSES, PersonRole, SchoolClass
from accounts.people import selectors as people
from accounts.people.selectors import PersonFilters
from core.errors import Conflict, LernstattError
from core.models import User
from core.permissions import Perm
from inventory.models import Category
from scheduling.allocation import lendable_categories
from scheduling.models import Accessory, LoanReason

# The browser's date picker sends and expects ISO dates, whatever the language.
_DATE = {"format": "%Y-%m-%d", "attrs": {"type": "date"}}


class ServiceErrorsMixin:
    """Put the errors of a service next to the fields they name (SERVICE_FIELDS maps the
    service's field names onto the form's), the rest at the top of the form."""

    SERVICE_FIELDS: dict[str, str] = {}
    # A conflict says what clashed in its message: it goes to this field (None: the top).
    CONFLICT_FIELD: str | None = None

    def add_service_error(self, exc: LernstattError) -> None:
        if isinstance(exc, Conflict) or not exc.errors:
            field = self.CONFLICT_FIELD if isinstance(exc, Conflict) else None
            self.add_error(field, exc.message)
            return
        for error in exc.errors:
            field = self.SERVICE_FIELDS.get(error.get("field"), error.get("field"))
            self.add_error(field if field in self.fields else None, error["message"])


class ClassPickForm(forms.Form):
    """Step one of a request: the class (GET), whose students the request form then lists."""

    school_class = forms.ModelChoiceField(
        label=_("Class"), queryset=None, empty_label=_("– choose a class –")
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["school_class"]
        field.queryset = people.class_list(actor=actor, perm=Perm.LOAN_REQUEST)
        field.label_from_instance = lambda c: f"{c.name} ({c.school_year_label}) – {c.school.name}"
        field.error_messages["invalid_choice"] = _("Please choose a class from the list.")


class StudentsField(forms.MultipleChoiceField):
    """The ticked students' ids. Any id passes here: the form names a student who is not in
    the class, and the service the one who cannot get a loan."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()

    def to_python(self, value: Any) -> list[int]:
        return [int(v) for v in super().to_python(value) if str(v).isdigit()]


class LoanRequestForm(ServiceErrorsMixin, forms.Form):
    CONFLICT_FIELD = "students"

    students = StudentsField(
        label=_("Students"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please tick at least one student.")},
    )
    category = forms.ChoiceField(label=_("Device"), choices=Category.choices)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(**_DATE))
    ends_on = forms.DateField(
        label=_("Until"),
        widget=forms.DateInput(**_DATE),
        error_messages={"required": _("Please give the last day of the loan.")},
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=LoanReason.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the school's IT coordinator, e.g. since when the student is at home."),
    )

    def __init__(self, *args, actor: User, school_class: SchoolClass, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.school_class = actor, school_class
        self.class_students = list(
            people.person_list(
                actor=actor,
                filters=PersonFilters(school_class=school_class.pk, role=PersonRole.STUDENT),
                perm=Perm.LOAN_REQUEST,
            ).filter(status__in=WORKING_STATUSES)
        )
        self.fields["students"].choices = [(p.pk, p.sort_name) for p in self.class_students]
        # Only what the school or the pool lends: a teacher cannot ask for a switch.
        self.lendable = lendable_categories(school_class.school_id)
        self.fields["category"].choices = [
            (category, Category(category).label) for category in self.lendable
        ]
        if not self.lendable:
            self.fields["category"].help_text = gettext("The school has no devices to lend yet.")

    def clean_students(self) -> list[int]:
        ids = list(dict.fromkeys(self.cleaned_data["students"]))
        in_class = {p.pk for p in self.class_students}
        outside = [i for i in ids if i not in in_class]
        if not outside:
            return ids
        found = {
            p.pk: p
            for p in people.person_list(actor=self.actor, perm=Perm.LOAN_REQUEST).filter(
                pk__in=outside
            )
        }
        errors, extra = [], []
        for person_id in outside:
            person = found.get(person_id)
            if person is None:
                errors.append(gettext("Student %(id)s not found.") % {"id": person_id})
                continue
            errors.append(
                gettext("%(name)s is not in class %(class)s.")
                % {"name": person.full_name, "class": self.school_class.name}
            )
            label = (
                f"{person.sort_name} ({person.school_class.name if person.school_class else '–'})"
            )
            extra.append((person.pk, label))
        # Keep what was ticked on the page, so the user sees whom the message is about.
        self.fields["students"].choices = [*self.fields["students"].choices, *extra]
        raise forms.ValidationError(errors)


class ApproveForm(ServiceErrorsMixin, forms.Form):
    SERVICE_FIELDS = {"device": "asset_tag"}

    asset_tag = forms.CharField(
        label=_("Asset tag"),
        required=False,
        max_length=50,
        help_text=_("Type or scan a device; leave empty to take the first free one."),
    )


class RejectForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        max_length=2000,
        error_messages={"required": _("Please give a reason for the rejection.")},
        help_text=_("The teacher who made the request reads it."),
    )


def _scan_field(**kwargs) -> forms.CharField:
    # Barcode scanners type the tag and press Enter: Enter checks the scan (the form's
    # hidden first button, step=scan), it does not submit an unfinished form.
    return forms.CharField(
        label=_("Asset tag (scan)"),
        max_length=50,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
        error_messages={"required": _("Please scan or type the asset tag of the device.")},
        **kwargs,
    )


def _accessories_field(label) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=Accessory.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class HandoutForm(ServiceErrorsMixin, forms.Form):
    SERVICE_FIELDS = {"accessories": "accessories"}

    asset_tag = _scan_field()
    guardian_name = forms.CharField(
        label=_("Guardian"),
        max_length=200,
        error_messages={"required": _("Please give the guardian's name.")},
        help_text=_("The name of the parent or guardian who signs the loan agreement."),
    )
    accessories = _accessories_field(_("Accessories handed out"))
    condition = forms.CharField(
        label=_("Condition"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    agreement_signed = forms.BooleanField(label=_("The loan agreement is signed"), required=False)
    # Only on the form of a loan whose first day is still ahead (the view removes it else).
    start_today = forms.BooleanField(label=_("The loan starts today"), required=False)


class ReturnForm(ServiceErrorsMixin, forms.Form):
    asset_tag = _scan_field()
    accessories = _accessories_field(_("Accessories returned"))
    condition = forms.CharField(
        label=_("Condition"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    damaged = forms.BooleanField(
        label=_("The device is damaged"),
        required=False,
        help_text=_("A damaged device goes to repair instead of back into stock."),
    )


class LostForm(ServiceErrorsMixin, forms.Form):
    note = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExtendForm(ServiceErrorsMixin, forms.Form):
    ends_on = forms.DateField(
        label=_("New last day"),
        widget=forms.DateInput(**_DATE),
        error_messages={"required": _("Please give the new last day.")},
    )
