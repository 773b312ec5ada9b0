"""manage.py import_devices FILE [--dry-run] [--school NUMBER] [--create-missing]
[--only-valid] [--date-order dmy|mdy] [--user USERNAME] [--language de|en]"""

from typing import Any

from django.core.management.base import CommandParser

from imports.command import ImportCommand
from inventory.importing.kind import DEVICES


class Command(ImportCommand):
    help = (
        "Import devices from an .xlsx or .csv file: every row is checked first, then all "
        "rows are written or none. Without --user the import runs as a system IT admin "
        "who reaches every school (its history entries name no user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
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

    def import_choices(self, options: dict) -> tuple[str, dict[str, Any]]:
        return DEVICES, {
            "school": options["school"],
            "create_missing": options["create_missing"],
            "date_order": options["date_order"],
        }
