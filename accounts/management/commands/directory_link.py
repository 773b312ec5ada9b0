"""manage.py directory_link USERNAME DN | manage.py directory_link USERNAME --unlink"""

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.directory.links import directory_link, directory_unlink
from core.errors import LernstattError
from core.management.actors import command_actor
from core.management.base import LernstattCommand
from core.models import User


class Command(LernstattCommand):
    help = (
        "Link a Lernstatt user to a directory entry, so that the entry's password logs "
        "them in (e.g. an IT admin whose entry is uid=jane.doe,ou=admins,<base>), or "
        "remove the link with --unlink. Nobody logs in with a directory password unless "
        "such a link exists; teachers and staff get theirs at their first login."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("username", help="The Lernstatt user")
        parser.add_argument("dn", nargs="?", help="The DN of the directory entry")
        parser.add_argument("--unlink", action="store_true", help="Remove the user's link")

    def run(self, options: dict) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("There is no user %(name)s.") % {"name": options["username"]})
        if options["unlink"] == bool(options["dn"]):
            raise CommandError(_("Give either the DN of an entry or --unlink."))
        actor = command_actor(None)
        try:
            if options["unlink"]:
                directory_unlink(actor=actor, user=user)
                self.stdout.write(
                    _("%(name)s now logs in with a local password only.") % {"name": user.username}
                )
                return
            directory_link(actor=actor, user=user, dn=options["dn"])
        except LernstattError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("%(name)s now logs in with the password of %(dn)s.")
            % {"name": user.username, "dn": user.directory_dn}
        )
