"""What the import commands (import_devices, import_roster) share: reading the file, the
run through the same services as an import job's, the summary and how they end."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import LernstattError
from core.formats import count_text
from core.management.actors import command_actor
from core.management.base import LernstattCommand
from imports.kinds import import_kind
from imports.services import import_file_run
from imports.summary import import_summary


class ImportCommand(LernstattCommand):
    """An import as a command. Subclasses add their own arguments and say which kind of
    import a run is and with which choices (`import_choices`)."""

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", help="The .xlsx or .csv file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only check the file and show what would happen; write nothing",
        )
        parser.add_argument(
            "--user", help="Import as this user, with their schools (default: system IT admin)"
        )

    def import_choices(self, options: dict) -> tuple[str, dict[str, Any]]:
        """The kind of import and the choices an upload would make (school, date_order, …)."""
        raise NotImplementedError

    def run(self, options: dict) -> None:
        path = Path(options["file"])
        data = self.read_import_file(path)
        kind, choices = self.import_choices(options)
        self.progress(0, 1)
        try:
            report = import_file_run(
                actor=command_actor(options["user"]),
                kind=kind,
                data=data,
                filename=path.name,
                dry_run=options["dry_run"],
                only_valid=options.get("only_valid", False),
                progress=self.progress,
                **choices,
            )
        except LernstattError as exc:
            self.stderr.write("")
            raise CommandError(exc.message) from exc
        self.stderr.write("")
        for line in import_summary(kind, report):
            self.stdout.write(line)
        self._end(kind, report, dry_run=options["dry_run"])

    def _end(self, kind: str, report: dict[str, Any], *, dry_run: bool) -> None:
        errors = report["counts"]["error"]
        if dry_run:
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
            return
        services = import_kind(kind)
        if not report.get("applied"):
            if services.allows_only_valid:
                message = ngettext(
                    "Nothing was imported: %(count)s row has errors. Correct it, or use "
                    "--only-valid to import the other rows.",
                    "Nothing was imported: %(count)s rows have errors. Correct them, or use "
                    "--only-valid to import the other rows.",
                    errors,
                )
            else:
                message = ngettext(
                    "Nothing was imported: %(count)s row has errors. Correct it and try again.",
                    "Nothing was imported: %(count)s rows have errors. Correct them and try again.",
                    errors,
                )
            raise CommandError(message % {"count": count_text(errors)})
        self.stdout.write(self.style.SUCCESS(str(services.imported or _("The file was imported."))))
