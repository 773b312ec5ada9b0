"""The filters of the loans export on the export page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import User
from core.permissions import Perm, has
from inventory import selectors
from scheduling.models import LoanStatus
from scheduling.selectors import LoanFilters

FORMAT_CHOICES = (("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV (.csv)")))


class LoanExportForm(forms.Form):
    """The filters of the loans export (GET)."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all")), *LoanStatus.choices]
    )
    school = forms.ChoiceField(label=_("School"), required=False)
    format = forms.ChoiceField(label=_("File format"), choices=FORMAT_CHOICES, required=False)

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        perm = Perm.LOAN_MANAGE if has(actor, Perm.LOAN_MANAGE) else Perm.LOAN_REQUEST
        schools = selectors.school_list(actor=actor, perm=perm).only("number", "name")
        self.fields["school"].choices = [("", _("all")), *((s.number, s.name) for s in schools)]

    def filters(self) -> LoanFilters:
        if not self.is_bound:
            return LoanFilters()
        self.is_valid()  # a value that is not valid is left out, like the device list's
        return LoanFilters(
            status=self.cleaned_data.get("status") or None,
            school=self.cleaned_data.get("school") or None,
        )
