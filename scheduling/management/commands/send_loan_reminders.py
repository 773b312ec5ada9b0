"""manage.py send_loan_reminders [--dry-run] [--language de|en]"""

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

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
            "sent": summary.sent,
            "before": summary.before_due,
            "overdue": summary.overdue,
        }
        if summary.dry_run:
            self.stdout.write(
                _(
                    "Dry run, nothing was sent. Reminders due: %(sent)d (before the due date: "
                    "%(before)d, overdue: %(overdue)d)."
                )
                % counts
            )
        else:
            self.stdout.write(
                _(
                    "Reminders sent: %(sent)d (before the due date: %(before)d, "
                    "overdue: %(overdue)d)."
                )
                % counts
            )
        if summary.student_left:
            self.stdout.write(
                _("Of them because the student has left the school: %(count)d.")
                % {"count": summary.student_left}
            )
        if summary.skipped_no_address:
            self.stdout.write(
                _("Skipped, no e-mail address: %(count)d.") % {"count": summary.skipped_no_address}
            )
        if summary.failed:
            # A non-zero exit, so that whoever runs this from cron or by hand notices.
            raise CommandError(
                _("Could not be sent, tried again on the next run: %(count)d.")
                % {"count": summary.failed}
            )
