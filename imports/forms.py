"""The upload form of the import pages. It parses what a user chose; the import services
and the kind's own decide the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import PermissionDenied
from core.models import User
from core.permissions import has
from imports.kinds import ImportKind, import_kind, import_kinds


def startable_kinds(actor: User) -> dict[str, ImportKind]:
    """The kinds of import the actor's role may start (the permissions decide)."""
    return {key: kind for key, kind in import_kinds().items() if has(actor, kind.perm)}


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
        kinds = startable_kinds(actor)
        if not kinds:
            raise PermissionDenied(_("You are not allowed to do this."))
        self.fields["kind"].choices = [(key, kind.label) for key, kind in kinds.items()]
        self.fields["kind"].initial = next(iter(kinds))
        # Every school one of the kinds offers, once.
        schools = dict.fromkeys(
            choice for kind in dict.fromkeys(kinds.values()) for choice in kind.schools(actor)
        )
        self.fields["school"].choices = [("", _("– choose a school –")), *schools]
        self.offers = {option for kind in kinds.values() for option in kind.options}
        if "create_missing" not in self.offers:
            del self.fields["create_missing"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and import_kind(kind).needs_school and not data.get("school"):
            self.add_error("school", _("Choose the school whose list this is."))
        return data
