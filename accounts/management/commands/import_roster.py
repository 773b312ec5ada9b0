"""manage.py import_roster --school NUMBER --kind students|teachers FILE [--dry-run]
[--user USERNAME] [--language de|en]"""

from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.rosters import RosterReport, roster_apply, roster_preview
from accounts.rosters.apply import RosterHasErrors
from accounts.rosters.columns import KINDS
from core.errors import LernstattError
from core.management.actors import command_actor
from core.management.base import LernstattCommand
from core.permissions import Perm
from inventory.selectors import school_get

# More errors or people than this are counted, not listed.
MAX_LISTED = 200


class Command(LernstattCommand):
    help = (
        "Import a school's list of students or teachers (.xlsx or .csv, e.g. SchILD's "
        "export): every row is checked first, then everything is written or nothing. "
        "People missing from the list are tolerated, disabled or deleted in turn. Without "
        "--user the import runs as a system IT admin who reaches every school."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", help="The .xlsx or .csv file")
        parser.add_argument("--school", required=True, help="The school's number")
        parser.add_argument("--kind", required=True, choices=KINDS, help="What the file lists")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only check the file and show what would happen; write nothing",
        )
        parser.add_argument(
            "--user", help="Import as this user, with their schools (default: system IT admin)"
        )

    def run(self, options: dict) -> None:
        path = Path(options["file"])
        data = self.read_import_file(path)
        actor = command_actor(options["user"])
        self.progress(0, 1)
        try:
            school = school_get(actor=actor, number=options["school"], perm=Perm.ROSTER_IMPORT)
            arguments = {
                "actor": actor,
                "school": school,
                "kind": options["kind"],
                "data": data,
                "filename": path.name,
            }
            if options["dry_run"]:
                report = roster_preview(**arguments)
            else:
                report = roster_apply(**arguments)
        except RosterHasErrors as exc:
            report = exc.report
        except LernstattError as exc:
            self.stderr.write("")
            raise CommandError(exc.message) from exc
        self.progress(1, 1)
        self.stderr.write("")
        self._summary(report)
        errors = report.counts["error"]
        if errors:
            raise CommandError(
                ngettext(
                    "Nothing was imported: %(count)d row has errors. Correct it and try again.",
                    "Nothing was imported: %(count)d rows have errors. Correct them and try again.",
                    errors,
                )
                % {"count": errors}
            )
        if options["dry_run"]:
            self.stdout.write(_("Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(_("The list was imported.")))

    def _summary(self, report: RosterReport) -> None:
        labels = {
            "create": _("new"),
            "update": _("changed"),
            "move": _("moved to another class"),
            "reactivate": _("back again"),
            "unchanged": _("unchanged"),
            "error": _("with errors"),
            "tolerate": _("missing: tolerated"),
            "disable": _("missing: disabled"),
            "delete": _("missing: deleted"),
        }
        width = max(len(label) for label in labels.values())
        self.stdout.write(_("Rows:"))
        for key, label in labels.items():
            self.stdout.write(f"  {label:<{width}}  {report.counts[key]:>8,}")
        if report.unknown_columns:
            self.stdout.write(
                _("Columns ignored: %(columns)s") % {"columns": ", ".join(report.unknown_columns)}
            )
        if report.new_classes:
            self.stdout.write(
                _("New classes: %(names)s") % {"names": ", ".join(report.new_classes)}
            )
        for step, title in (
            ("tolerate", _("Missing from the list, tolerated for now:")),
            ("disable", _("Missing from the list, to be disabled:")),
            ("delete", _("Missing from the list, to be deleted:")),
        ):
            people = getattr(report, step)
            if people:
                self.stdout.write(title)
                self._lines(
                    f"  {p.name} ({p.login}{', ' + p.class_name if p.class_name else ''})"
                    for p in people
                )
        errors = report.errors
        if errors:
            self.stdout.write(_("Errors:"))
        self._lines(
            "  "
            + _("Row %(row)s") % {"row": error["row"]}
            + (f", {error['column']}" if error["column"] else "")
            + f": {error['message']}"
            for error in errors
        )

    def _lines(self, lines) -> None:
        lines = list(lines)
        for line in lines[:MAX_LISTED]:
            self.stdout.write(line)
        if len(lines) > MAX_LISTED:
            more = len(lines) - MAX_LISTED
            self.stdout.write(
                ngettext("  … and %(count)d more.", "  … and %(count)d more.", more)
                % {"count": more}
            )
