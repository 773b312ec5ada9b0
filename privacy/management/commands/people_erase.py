"""manage.py people_erase [--dry-run]"""

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from core.formats import count_text
from core.management.base import LernstattCommand
from privacy.retention import privacy_retention_run


class Command(LernstattCommand):
    help = (
        "Erase the personal data of people deleted more than LERNSTATT_PERSON_ERASE_DAYS "
        "days ago (loans and device history stay, anonymised), and purge old access log "
        "entries and released logins: what the nightly task does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be erased and purged"
        )

    def run(self, options: dict) -> None:
        dry_run = options["dry_run"]
        counts = privacy_retention_run(dry_run=dry_run)
        labels = {
            "people_erased": _("People erased"),
            "loans_anonymised": _("Loans anonymised"),
            "reminders_cleared": _("Reminders cleared"),
            "initial_passwords_deleted": _("Initial passwords deleted"),
            "sync_runs_scrubbed": _("Sync runs with errors removed"),
            "released_logins_deleted": _("Released logins deleted"),
            "access_log_deleted": _("Access log entries deleted"),
        }
        if dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
        for key, label in labels.items():
            self.stdout.write(f"{label}: {count_text(counts[key])}")
