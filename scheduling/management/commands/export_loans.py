"""manage.py export_loans [--format xlsx|csv] [--output FILE] [--status S] [--school N]
[--category C] [--user USERNAME] [--language de|en]"""

import shutil
from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import AccessVia
from core.errors import LernstattError
from core.formats import count_text
from core.management.actors import command_actor
from core.management.base import LernstattCommand
from core.sheets.values import parse_choice
from inventory.columns import CATEGORY_SPELLINGS
from scheduling.exporting import EXPORT_FORMATS, loan_export, loan_status_spellings
from scheduling.selectors import LoanFilters


class Command(LernstattCommand):
    help = (
        "Write the loans to an .xlsx or .csv file, with the filters of the loan list. "
        "Without --user, every school's loans are exported. Every student in the file gets "
        "an entry in the access log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--format",
            choices=EXPORT_FORMATS,
            help="xlsx or csv (default: from the --output file's ending, else xlsx)",
        )
        parser.add_argument(
            "--output", help="File to write (default: e.g. Ausleihen-2026-12-01.xlsx here)"
        )
        parser.add_argument("--status", help="Only this status, e.g. on_loan or 'Ausgeliehen'")
        parser.add_argument("--school", help="Only this school (6-digit school number)")
        parser.add_argument("--category", help="Only this category, e.g. laptop or Tablet")
        parser.add_argument(
            "--user", help="Export what this user may see (default: everything, as an IT admin)"
        )

    def run(self, options: dict) -> None:
        fmt = self._format(options)
        try:
            filters = LoanFilters(
                status=parse_choice(options["status"], loan_status_spellings()),
                school=options["school"],
                category=parse_choice(options["category"], CATEGORY_SPELLINGS),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        actor = command_actor(options["user"])
        try:
            export = loan_export(actor=actor, filters=filters, fmt=fmt, via=AccessVia.COMMAND)
        except LernstattError as exc:
            raise CommandError(exc.message) from exc
        output = Path(options["output"] or export.filename)
        try:
            shutil.move(export.path, output)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s")
                % {"path": output, "reason": exc.strerror or exc}
            ) from exc
        finally:
            export.path.unlink(missing_ok=True)
        self.stdout.write(
            ngettext(
                "%(count)s loan written to %(path)s.",
                "%(count)s loans written to %(path)s.",
                export.rows,
            )
            % {"count": count_text(export.rows), "path": output}
        )

    def _format(self, options: dict) -> str:
        """--format, or the output file's ending; both given, they must agree."""
        suffix = Path(options["output"] or "").suffix.lower().lstrip(".")
        fmt = options["format"] or (suffix if suffix in EXPORT_FORMATS else "xlsx")
        if suffix and suffix != fmt:
            raise CommandError(
                _("The output file must end in .%(format)s for the format %(format)s.")
                % {"format": fmt}
            )
        return fmt
