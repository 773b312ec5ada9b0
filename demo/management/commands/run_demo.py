"""manage.py run_demo [ADDRESS:PORT] — what `make run` serves: the demo city with a
directory of its own, so that password resets and initial passwords work as they would at
the city.

With OpenLDAP's slapd installed, it starts a private slapd in a new folder under var/ on a
free loopback port, syncs the demo city into it (manage.py directory_sync, every school)
and serves Lernstatt pointed at it; the directory goes when the server stops. Without
slapd it serves the demo without a directory and says so: the pages then show the reset
button disabled, with the reason."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from core.management.base import LernstattCommand
from demo.slapd import SLAPD, Slapd, SlapdError

SUFFIX = "dc=musterstadt,dc=de"


class Command(LernstattCommand):
    help = "Serve the demo city with a directory of its own (what `make run` does)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def run(self, options: dict) -> None:
        # Stopped with SIGTERM as with Ctrl-C: the server and the directory go with it.
        signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
        env = {**os.environ, "LERNSTATT_DEMO": "1"}
        server = self._directory(env)
        try:
            subprocess.run(
                [sys.executable, "manage.py", "runserver", "--noreload", options["addrport"]],
                cwd=settings.BASE_DIR,
                env=env,
                check=False,
            )
        except KeyboardInterrupt:
            pass
        finally:
            if server is not None:
                server.cleanup()

    def _directory(self, env: dict[str, str]) -> Slapd | None:
        """Start the demo's directory and sync the city into it; None without slapd."""
        if not Path(SLAPD).exists():
            self.stdout.write(
                _(
                    "Without a directory: OpenLDAP's slapd is not installed (sudo apt-get "
                    "install slapd ldap-utils, or run make run as root). Password resets and "
                    "initial passwords are shown disabled."
                )
            )
            return None
        try:
            server = Slapd(suffix=SUFFIX, parent_dir=settings.VAR_DIR, admin_password="demo-ldap")
            server.start()
        except SlapdError as exc:
            self.stdout.write(
                _("Without a directory: slapd did not start (%(error)s).")
                % {"error": str(exc).splitlines()[0]}
            )
            return None
        env.update(
            LDAP_URL=server.url,
            LDAP_BASE_DN=server.base_dn,
            LDAP_BIND_DN=server.admin_dn,
            LDAP_BIND_PASSWORD=server.admin_password,
            LDAP_START_TLS="0",
        )
        synced = subprocess.run(
            [sys.executable, "manage.py", "directory_sync"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if synced.returncode != 0:
            server.cleanup()
            self.stdout.write(
                _("Without a directory: the demo city could not be synced into it: %(error)s")
                % {"error": ((synced.stderr or synced.stdout).strip().splitlines() or [""])[-1]}
            )
            for name in ("LDAP_URL", "LDAP_BASE_DN", "LDAP_BIND_DN", "LDAP_BIND_PASSWORD"):
                env.pop(name)
            return None
        self.stdout.write(
            _(
                "Directory of the demo: %(url)s, base %(base)s, read it with: ldapsearch -x -H "
                "%(url)s -D %(admin)s -w %(password)s -b %(base)s"
            )
            % {
                "url": server.url,
                "base": server.base_dn,
                "admin": server.admin_dn,
                "password": server.admin_password,
            }
        )
        return server
