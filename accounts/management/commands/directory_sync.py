"""manage.py directory_sync [--school NUMBER] [--dry-run] [--user USERNAME] [--language de|en]"""

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.directory.apply import directory_apply
from accounts.directory.changes import DirectoryPlan
from accounts.models import DirectorySyncRun, DirectorySyncRunStatus
from accounts.selectors import directory_plan_for, directory_sync_school
from core.errors import LernstattError
from core.formats import count_text
from core.management.actors import command_actor
from core.management.base import LernstattCommand


class Command(LernstattCommand):
    help = (
        "Make the LDAP directory match Lernstatt's people, classes and schools. Without "
        "--user it runs as the scheduler does, for every school (or the one named)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--school", help="Only this school (6-digit school number)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only list the changes a sync would make; change nothing",
        )
        parser.add_argument(
            "--user", help="Sync as this user, with their schools (default: all schools)"
        )

    def run(self, options: dict) -> None:
        user = options["user"]
        actor = command_actor(user)
        try:
            if options["dry_run"]:
                self._plan(directory_plan_for(actor=actor, school_number=options["school"]))
                return
            school = directory_sync_school(actor=actor, school_number=options["school"])
            # Without --user the run is the scheduler's: it names no user.
            run = directory_apply(
                actor=actor if user else None, school=school, progress=self.progress
            )
        except LernstattError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write("")
        self._run(run)

    def _plan(self, plan: DirectoryPlan) -> None:
        for change in plan:
            self.stdout.write(change.describe())
        self._counts(plan.counts())
        self.stdout.write(_("Dry run: nothing was changed."))

    def _counts(self, counts: dict[str, int]) -> None:
        if not counts:
            self.stdout.write(_("The directory is up to date."))
            return
        self.stdout.write(_("Changes:"))
        width = max(len(kind) for kind in counts)
        for kind, count in sorted(counts.items()):
            self.stdout.write(f"  {kind:<{width}}  {count_text(count):>8}")

    def _run(self, run: DirectorySyncRun) -> None:
        self._counts(run.counts)
        self.stdout.write(
            _("Done: %(done)s of %(total)s changes.")
            % {"done": count_text(run.done), "total": count_text(run.total)}
        )
        created = len(getattr(run, "new_passwords", {}))
        if created:
            # The passwords themselves are never printed: output ends up in logs.
            self.stdout.write(
                ngettext(
                    "%(count)s account was created. Class lists with the initial passwords: "
                    "manage.py class_lists --school NUMBER --output FILE.xlsx",
                    "%(count)s accounts were created. Class lists with the initial passwords: "
                    "manage.py class_lists --school NUMBER --output FILE.xlsx",
                    created,
                )
                % {"count": count_text(created)}
            )
        for error in run.errors:
            where = error["dn"] or error["change"]
            self.stdout.write(
                f"  {where}: {error['message']}" if where else f"  {error['message']}"
            )
        if run.status != DirectorySyncRunStatus.SUCCEEDED:
            raise CommandError(
                ngettext(
                    "The sync failed with %(count)s error.",
                    "The sync failed with %(count)s errors.",
                    len(run.errors),
                )
                % {"count": count_text(len(run.errors))}
            )
        self.stdout.write(self.style.SUCCESS(_("The directory is in sync.")))
