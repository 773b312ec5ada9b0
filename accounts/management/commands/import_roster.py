"""manage.py import_roster --school NUMBER --kind students|teachers FILE [--dry-run]
[--date-order dmy|mdy] [--user USERNAME] [--language de|en]"""

from typing import Any

from django.core.management.base import CommandParser

from accounts.rosters.columns import KINDS
from imports.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a school's list of students or teachers (.xlsx or .csv, e.g. SchILD's "
        "export): every row is checked first, then everything is written or nothing. "
        "People missing from the list are tolerated, disabled or deleted in turn. Without "
        "--user the import runs as a system IT admin who reaches every school."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--school", required=True, help="The school's number")
        parser.add_argument("--kind", required=True, choices=KINDS, help="What the file lists")
        parser.add_argument(
            "--date-order",
            choices=("dmy", "mdy"),
            default="dmy",
            help="How to read birth dates with slashes like 08/01/2012 when their column "
            "does not tell: dmy = 8 January (default), mdy = 1 August",
        )

    def import_choices(self, options: dict) -> tuple[str, dict[str, Any]]:
        return options["kind"], {"school": options["school"], "date_order": options["date_order"]}
