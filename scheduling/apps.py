from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Loans")

    def ready(self) -> None:
        from accounts.holdings import loan_holders_register
        from core.pages import page_extra_register
        from inventory.history import history_reader_register
        from scheduling import receivers  # noqa: F401  (connects the receivers)
        from scheduling.history import LOAN_FIELD
        from scheduling.pages import device_loans, loan_history_read, person_loans
        from scheduling.selectors import loans_held_by_students

        page_extra_register("inventory.device", device_loans)
        page_extra_register("accounts.person", person_loans)
        history_reader_register(LOAN_FIELD, lambda: _("Loan"), loan_history_read)
        loan_holders_register(lambda school: loans_held_by_students(school=school))
