from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.formats import count_text
from core.models import Role
from demo.services import CITY, DemoLogin, demo_city_load, demo_logins_present


class Command(BaseCommand):
    help = (
        "Load the demo city: schools, rooms, devices, classes, teachers, loans and one login "
        "per role with a known password. For trying Lernstatt out; never in a database that "
        "real people use."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Do nothing if the database already has schools."),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help=_("The same seed builds the same city (default: 2026)."),
        )

    def handle(self, *args, if_empty: bool, seed: int, **options) -> None:
        try:
            counts = demo_city_load(seed=seed)
        except Conflict as exc:
            if not if_empty:
                raise CommandError(exc.message) from exc
            self.stdout.write(_("The database is not empty; the demo city was not loaded."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Demo city %(city)s loaded: %(schools)s schools and sites, %(rooms)s "
                        "rooms, %(devices)s devices of %(device_models)s models, %(classes)s "
                        "classes with %(students)s students, %(teachers)s teachers, %(loans)s "
                        "loans; the loan pool is %(loan_pool)s."
                    )
                    % {
                        "city": CITY,
                        **{
                            k: count_text(v) if isinstance(v, int) else v for k, v in counts.items()
                        },
                    }
                )
            )
        self.write_logins(demo_logins_present())

    def write_logins(self, logins: list[DemoLogin]) -> None:
        if not logins:
            return
        header = (_("Role"), _("Username"), _("Password"), _("Schools"))
        rows = [
            (
                str(Role(login.role).label),
                login.username,
                login.password,
                ", ".join(login.schools) or _("all"),
            )
            for login in logins
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        self.stdout.write("")
        self.stdout.write(_("Demo logins (demo data only, the passwords are public):"))
        for row in [header, *rows]:
            line = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(("  " + line).rstrip())
