"""manage.py person_export ID [--output FILE] [--user USERNAME]"""

import json
import os
from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from accounts.models import AccessVia
from core.errors import LernstattError
from core.management.actors import command_actor
from core.management.base import LernstattCommand
from privacy.export import person_export


class Command(LernstattCommand):
    help = (
        "Write everything Lernstatt holds about one person (DSGVO Art. 15) as one JSON "
        "file, or to standard output. The export is recorded in the access log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("person_id", type=int, help="The person's id")
        parser.add_argument("--output", type=Path, help="The .json file to write (default: stdout)")
        parser.add_argument(
            "--user", help="Export as this user (default: IT admin); they must be an IT admin"
        )

    def run(self, options: dict) -> None:
        actor = command_actor(options["user"])
        try:
            document = person_export(
                actor=actor, person_id=options["person_id"], via=AccessVia.COMMAND
            )
        except LernstattError as exc:
            raise CommandError(exc.message) from exc
        text = json.dumps(document, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder) + "\n"
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            # Only the owner may read it: it holds a child's personal data.
            handle = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as exc:
            raise CommandError(
                _("%(path)s cannot be written: %(error)s") % {"path": output, "error": exc.strerror}
            ) from exc
        with os.fdopen(handle, "w", encoding="utf-8") as target:
            target.write(text)
        self.stderr.write(_("Export written to %(path)s.") % {"path": output})
