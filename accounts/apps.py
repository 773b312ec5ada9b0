from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts.logins import login_reserves_username
        from accounts.rosters.jobs import ROSTER_IMPORT
        from core.models import ImportJob
        from core.usernames import username_reserved_register
        from inventory.importing.jobs import import_kind_register

        username_reserved_register(login_reserves_username)
        import_kind_register(ImportJob.Kind.STUDENTS, ROSTER_IMPORT)
        import_kind_register(ImportJob.Kind.TEACHERS, ROSTER_IMPORT)
