from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts.logins import login_reserves_username
        from core.usernames import username_reserved_register

        username_reserved_register(login_reserves_username)
