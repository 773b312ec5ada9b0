"""manage.py export_devices OUTPUT.xlsx|OUTPUT.csv [--school N] [--status S] [--category C]
[--user USERNAME] [--language de|en]"""

import shutil
from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import LernstattError
from core.formats import count_text
from core.management.actors import command_actor
from core.management.base import LernstattCommand
from core.sheets.values import parse_choice
from inventory.columns import CATEGORY_SPELLINGS, STATUS_SPELLINGS
from inventory.exporting import EXPORT_FORMATS, device_export
from inventory.selectors import DeviceFilters


class Command(LernstattCommand):
    help = (
        "Write the device list to an .xlsx or .csv file in the columns the import reads. "
        "Without --user, all schools' devices are exported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("output", help="File to write; .xlsx or .csv decides the format")
        parser.add_argument("--school", help="Only this school (6-digit school number)")
        parser.add_argument("--status", help="Only this status, e.g. in_use or 'In Benutzung'")
        parser.add_argument("--category", help="Only this category, e.g. laptop or Tablet")
        parser.add_argument(
            "--user", help="Export what this user may see (default: everything, as an IT admin)"
        )

    def run(self, options: dict) -> None:
        output = Path(options["output"])
        fmt = output.suffix.lower().lstrip(".")
        if fmt not in EXPORT_FORMATS:
            raise CommandError(_("The output file must end in .xlsx or .csv."))
        try:
            filters = DeviceFilters(
                school=options["school"],
                status=parse_choice(options["status"], STATUS_SPELLINGS),
                category=parse_choice(options["category"], CATEGORY_SPELLINGS),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        actor = command_actor(options["user"])
        try:
            export = device_export(actor=actor, filters=filters, fmt=fmt)
        except LernstattError as exc:
            raise CommandError(exc.message) from exc
        try:
            shutil.move(export.path, output)
        finally:
            export.path.unlink(missing_ok=True)
        self.stdout.write(
            ngettext(
                "%(count)s device written to %(path)s.",
                "%(count)s devices written to %(path)s.",
                export.rows,
            )
            % {"count": count_text(export.rows), "path": output}
        )
