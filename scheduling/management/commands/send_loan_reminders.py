"""manage.py send_loan_reminders [--dry-run] [--language de|en]"""

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from core.formats import count_text
from core.management.base import LernstattCommand
from scheduling.reminders import loan_reminders_send


class Command(LernstattCommand):
    help = (
        "Send the loan reminders due today: before the last day of a loan and, while the "
        "device is overdue, every few days. Each reminder is sent once, however often this "
        "runs (celery beat runs it every morning)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the reminders that are due; send and record nothing",
        )

    def run(self, options: dict) -> None:
        summary = loan_reminders_send(dry_run=options["dry_run"])
        counts = {
            "sent": count_text(summary.sent),
            "before": count_text(summary.before_due),
            "overdue": count_text(summary.overdue),
        }
        if summary.dry_run:
            self.stdout.write(
                _(
                    "Dry run, nothing was sent. Reminders due: %(sent)s (before the due date: "
                    "%(before)s, overdue: %(overdue)s)."
                )
                % counts
            )
        else:
            self.stdout.write(
                _(
                    "Reminders sent: %(sent)s (before the due date: %(before)s, "
                    "overdue: %(overdue)s)."
                )
                % counts
            )
        if summary.student_left:
            self.stdout.write(
                _("Of them because the student has left the school: %(count)s.")
                % {"count": count_text(summary.student_left)}
            )
        if summary.skipped_no_address:
            self.stdout.write(
                _("Skipped, no e-mail address: %(count)s.")
                % {"count": count_text(summary.skipped_no_address)}
            )
        if summary.failed:
            # A non-zero exit, so that whoever runs this from cron or by hand notices.
            raise CommandError(
                _("Could not be sent, tried again on the next run: %(count)s.")
                % {"count": count_text(summary.failed)}
            )
