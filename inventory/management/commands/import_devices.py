"""manage.py import_devices FILE [--dry-run] [--school NUMBER] [--create-missing]
[--only-valid] [--date-order dmy|mdy] [--user USERNAME] [--language de|en]"""

from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import LernstattError
from core.formats import count_text
from core.management.actors import command_actor
from core.management.base import LernstattCommand
from imports.kinds import import_kind
from inventory.importing import ImportReport, device_import_apply, device_import_preview
from inventory.importing.kind import DEVICES

# More errors than this are counted, not listed.
MAX_LISTED_ERRORS = 200


class Command(LernstattCommand):
    help = (
        "Import devices from an .xlsx or .csv file: every row is checked first, then all "
        "rows are written or none. Without --user the import runs as a system IT admin "
        "who reaches every school (its history entries name no user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", help="The .xlsx or .csv file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only check the file and show what would happen; write nothing",
        )
        parser.add_argument("--school", help="All rows are for this school (6-digit school number)")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="Create device models and rooms the inventory does not know yet",
        )
        parser.add_argument(
            "--only-valid",
            action="store_true",
            help="Import the rows without errors even if other rows have errors",
        )
        parser.add_argument(
            "--date-order",
            choices=("dmy", "mdy"),
            default="dmy",
            help="How to read dates with slashes like 08/01/2021 when their column does not "
            "tell: dmy = 8 January (default), mdy = 1 August",
        )
        parser.add_argument(
            "--user", help="Import as this user, with their schools (default: system IT admin)"
        )

    def run(self, options: dict) -> None:
        path = Path(options["file"])
        data = self.read_import_file(path)
        arguments = {
            "actor": command_actor(options["user"]),
            "data": data,
            "filename": path.name,
            "school": options["school"],
            "create_missing": options["create_missing"],
            "progress": self.progress,
            "date_order": options["date_order"],
        }
        try:
            if options["dry_run"]:
                report = device_import_preview(**arguments)
            else:
                report = device_import_apply(**arguments, only_valid=options["only_valid"])
        except LernstattError as exc:
            self.stderr.write("")
            raise CommandError(exc.message) from exc
        self.stderr.write("")
        self._summary(report)
        errors = report.counts["error"]
        if options["dry_run"]:
            self.stdout.write(_("Dry run: nothing was written."))
            if errors:
                raise CommandError(
                    ngettext(
                        "%(count)s row has errors; the file would not be imported.",
                        "%(count)s rows have errors; the file would not be imported.",
                        errors,
                    )
                    % {"count": count_text(errors)}
                )
        elif not report.applied:
            raise CommandError(
                ngettext(
                    "Nothing was imported: %(count)s row has errors. Correct it, or use "
                    "--only-valid to import the other rows.",
                    "Nothing was imported: %(count)s rows have errors. Correct them, or use "
                    "--only-valid to import the other rows.",
                    errors,
                )
                % {"count": count_text(errors)}
            )
        else:
            self.stdout.write(self.style.SUCCESS(_("The file was imported.")))

    def _summary(self, report: ImportReport) -> None:
        outcomes = import_kind(DEVICES).outcomes
        self.write_import_summary(report, {each.key: each.counted for each in outcomes})
        models = [f"{m['manufacturer']} {m['name']}" for m in report.to_create["models"]]
        rooms = [f"{r['name']} ({r['school']})" for r in report.to_create["rooms"]]
        if models:
            self.stdout.write(_("New models: %(names)s") % {"names": ", ".join(models)})
        if rooms:
            self.stdout.write(_("New rooms: %(names)s") % {"names": ", ".join(rooms)})
        errors = report.errors
        for error in errors[:MAX_LISTED_ERRORS]:
            where = _("Row %(row)s") % {"row": error["row"]}
            if error["column"]:
                where += f", {error['column']}"
            self.stdout.write(f"  {where}: {error['message']}")
        if len(errors) > MAX_LISTED_ERRORS:
            more = len(errors) - MAX_LISTED_ERRORS
            self.stdout.write(
                ngettext("… and %(count)s more error.", "… and %(count)s more errors.", more)
                % {"count": count_text(more)}
            )
