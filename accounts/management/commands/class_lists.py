"""manage.py class_lists --school NUMBER --output FILE [--class NAME ...] [--teachers]
[--user USERNAME] [--language de|en]"""

import os
from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.classlists import class_lists_download
from accounts.models import AccessVia
from core.errors import LernstattError
from core.management.actors import command_actor
from core.management.base import LernstattCommand


class Command(LernstattCommand):
    help = (
        "Write the class lists of a school (one sheet per class of the current school year, "
        "and the teachers) to an .xlsx file, with the initial passwords not handed out yet. "
        "Each initial password is on one list only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--school", required=True, help="The school (6-digit school number)")
        parser.add_argument("--output", required=True, type=Path, help="The .xlsx file to write")
        parser.add_argument(
            "--class",
            dest="classes",
            action="append",
            metavar="NAME",
            help="Only this class (repeat for several; default: all classes and the teachers)",
        )
        parser.add_argument(
            "--teachers",
            action="store_true",
            default=None,
            help="Add the teachers' sheet to the classes named with --class",
        )
        parser.add_argument(
            "--user", help="Write the lists as this user may see them (default: IT admin)"
        )

    def run(self, options: dict) -> None:
        output: Path = options["output"]
        actor = command_actor(options["user"])
        # Opened before the lists are made: the passwords they take are on no other list,
        # so a file that cannot be written must stop the command before that.
        try:
            handle = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as exc:
            raise CommandError(
                _("%(path)s cannot be written: %(error)s") % {"path": output, "error": exc.strerror}
            ) from exc
        with os.fdopen(handle, "wb") as target:
            try:
                download = class_lists_download(
                    actor=actor,
                    school_number=options["school"],
                    classes=options["classes"],
                    teachers=options["teachers"],
                    via=AccessVia.COMMAND,
                )
            except LernstattError as exc:
                output.unlink(missing_ok=True)
                raise CommandError(exc.message) from exc
            target.write(download.content)
        self.stdout.write(_("Class lists written to %(path)s.") % {"path": output})
