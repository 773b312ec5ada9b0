"""manage.py import_roster --school NUMBER --kind students|teachers FILE [--dry-run]
[--date-order dmy|mdy] [--user USERNAME] [--language de|en]"""

from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.rosters import RosterReport, roster_apply, roster_preview
from accounts.rosters.apply import RosterHasErrors
from accounts.rosters.columns import KINDS
from accounts.rosters.kind import MISSING
from core.errors import LernstattError
from core.formats import count_text
from core.management.actors import command_actor
from core.management.base import LernstattCommand
from core.permissions import Perm
from imports.kinds import import_kind
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
            "--date-order",
            choices=("dmy", "mdy"),
            default="dmy",
            help="How to read birth dates with slashes like 08/01/2012 when their column "
            "does not tell: dmy = 8 January (default), mdy = 1 August",
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
                "date_order": options["date_order"],
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
                    "Nothing was imported: %(count)s row has errors. Correct it and try again.",
                    "Nothing was imported: %(count)s rows have errors. Correct them and try again.",
                    errors,
                )
                % {"count": count_text(errors)}
            )
        if options["dry_run"]:
            self.stdout.write(_("Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(_("The list was imported.")))

    def _summary(self, report: RosterReport) -> None:
        outcomes = (*import_kind(report.kind).outcomes, *MISSING)
        # The Status column's outcomes only when a file has them.
        labels = {
            each.key: each.counted
            for each in outcomes
            if each.key not in ("leave", "skip") or report.counts[each.key]
        }
        self.write_import_summary(report, labels)
        if report.new_classes:
            self.stdout.write(
                _("New classes: %(names)s") % {"names": ", ".join(report.new_classes)}
            )
        if report.class_names:
            self.stdout.write(_("Class names as Lernstatt writes them:"))
            self._lines(f"  {each['written']} → {each['name']}" for each in report.class_names)
        if report.class_teachers:
            self.stdout.write(_("Class teachers from the file"))
            self._lines(
                f"  {each['class_name']}: {', '.join(each['teachers']) or '–'}"
                + (f" – {each['message']}" if each.get("message") else "")
                for each in report.class_teachers
            )
        if report.loans:
            self.stdout.write(_("Leaving the school with a loan device"))
            self._lines(f"  {each['name']}: {each['message']}" for each in report.loans)
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
                ngettext("  … and %(count)s more.", "  … and %(count)s more.", more)
                % {"count": count_text(more)}
            )
