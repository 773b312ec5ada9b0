"""Forms of the import and export pages. They parse what a user chose; the import jobs
(inventory.importing.jobs, accounts.rosters.jobs) and the export services decide the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import PermissionDenied
from core.models import ImportJob, User
from core.permissions import Perm, has
from inventory import selectors
from inventory.importing.jobs import import_kind

ROSTER_KINDS = (ImportJob.Kind.STUDENTS, ImportJob.Kind.TEACHERS)


def import_kinds(actor: User) -> list[tuple[str, str]]:
    """The kinds of import the actor's role may start (core.permissions decides)."""
    return [
        (kind, label)
        for kind, label in ImportJob.Kind.choices
        if has(actor, import_kind(kind).perm)
    ]


class ImportUploadForm(forms.Form):
    """What to import, for which school, and the file. A roster always names its school;
    a device file may name the school in a column instead."""

    kind = forms.ChoiceField(label=_("What do you import?"), widget=forms.RadioSelect)
    school = forms.ChoiceField(
        label=_("School"),
        required=False,
        help_text=_(
            "Required for students and teachers. For devices only if the file has no school column."
        ),
    )
    create_missing = forms.BooleanField(
        label=_("Create device models and rooms the file names but Lernstatt does not know yet"),
        required=False,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("An Excel file (.xlsx) or a CSV file (.csv)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = import_kinds(actor)
        if not kinds:
            raise PermissionDenied(_("You are not allowed to do this."))
        self.fields["kind"].choices = kinds
        self.fields["kind"].initial = kinds[0][0]
        perm = Perm.ROSTER_IMPORT if has(actor, Perm.ROSTER_IMPORT) else Perm.DEVICE_IMPORT
        schools = selectors.school_list(actor=actor, perm=perm).only("number", "name")
        self.fields["school"].choices = [
            ("", _("– choose a school –")),
            *((school.number, f"{school.name} ({school.number})") for school in schools),
        ]

    def clean(self):
        data = super().clean()
        if data.get("kind") in ROSTER_KINDS and not data.get("school"):
            self.add_error("school", _("Choose the school whose list this is."))
        return data
