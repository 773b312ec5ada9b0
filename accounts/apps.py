from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts.logins import login_reserves_username
        from accounts.rosters.columns import STUDENTS, TEACHERS
        from accounts.rosters.kind import STUDENT_IMPORT, TEACHER_IMPORT
        from core.usernames import username_reserved_register
        from imports.kinds import import_kind_register

        username_reserved_register(login_reserves_username)
        import_kind_register(STUDENTS, STUDENT_IMPORT)
        import_kind_register(TEACHERS, TEACHER_IMPORT)
