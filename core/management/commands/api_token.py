"""Personal API tokens from the command line, for setting up scripts:

manage.py api_token create USERNAME --name NAME   (prints the key once, on stdout)
manage.py api_token list USERNAME
manage.py api_token revoke USERNAME TOKEN_ID
"""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import tokens
from core.errors import LernstattError
from core.models import ApiToken, User


class Command(BaseCommand):
    help = "Create, list and revoke a user's personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token; its key is printed once.")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="What the token is for.")
        listing = actions.add_parser("list", help="List a user's tokens (never their keys).")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="Revoke a token; it stops working at once.")
        revoke.add_argument("username")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args, action: str, username: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user %(username)s.") % {"username": username})
        try:
            if action == "create":
                self._create(user, options["name"])
            elif action == "list":
                self._list(user)
            else:
                self._revoke(user, options["token_id"])
        except LernstattError as exc:
            raise CommandError(exc.message) from exc

    def _create(self, user: User, name: str) -> None:
        token, key = tokens.api_token_create(user=user, name=name)
        # The note goes to stderr so that `KEY=$(manage.py api_token create …)` gets the key alone.
        self.stderr.write(
            _(
                "Token %(id)s “%(name)s” created for %(username)s. Copy the key now; "
                "it is not stored and cannot be shown again:"
            )
            % {"id": token.id, "name": token.name, "username": user.username}
        )
        self.stdout.write(key)

    def _list(self, user: User) -> None:
        for token in user.api_tokens.all():
            self.stdout.write(
                "\t".join(
                    [
                        str(token.id),
                        token.name,
                        f"{token.hint}…",
                        _("created %(at)s") % {"at": _when(token.created_at)},
                        _("last used %(at)s") % {"at": _when(token.last_used_at)}
                        if token.last_used_at
                        else _("never used"),
                        _("revoked %(at)s") % {"at": _when(token.revoked_at)}
                        if token.revoked_at
                        else _("active"),
                    ]
                )
            )

    def _revoke(self, user: User, token_id: int) -> None:
        token = tokens.api_token_revoke(user=user, token_id=token_id)
        self.stdout.write(_("Token %(token)s is revoked.") % {"token": _label(token)})


def _when(value: datetime | None) -> str:
    """A date and time as the active language writes it: 04.12.2026 18:22 in German."""
    if value is None:
        return "-"
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT", use_l10n=True)


def _label(token: ApiToken) -> str:
    return _("%(id)s “%(name)s”") % {"id": token.id, "name": token.name}
