"""A throwaway OpenLDAP server (slapd) for the demo (`make run`), the tests and benchmarks.

`Slapd` builds a private server in a temporary directory: its own slapd.conf (no system
configuration is read or changed), an mdb database loaded offline with `slapadd -q`, and a
slapd listening on a free loopback port. It is stopped with SIGINT, killed with SIGKILL
for fault tests, and started again on the same port with the same data::

    with Slapd() as server:
        server.ldif_add(f"dn: ou=people,{server.base_dn}\\nobjectClass: organizationalUnit\\n")
        assert server.search(search_filter="(ou=people)")

slapd runs in the foreground (`-d none`) as a child of this process rather than as a
forked daemon: the exit is then seen by `Popen.wait()`, which also reaps the process, so
a stop never waits on a zombie that only init could remove, and the startup errors
(a bad configuration, a port in use) come back on stderr for the error message.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ldap3
from ldap3.core.exceptions import LDAPException, LDAPNoSuchObjectResult

SLAPD = os.environ.get("LERNSTATT_SLAPD", "/usr/sbin/slapd")
SLAPADD = os.environ.get("LERNSTATT_SLAPADD", "/usr/sbin/slapadd")
LDAPADD = os.environ.get("LERNSTATT_LDAPADD", "/usr/bin/ldapadd")

START_TIMEOUT = 10.0  # seconds; slapd answers a bind ~0.05 s after start
STOP_TIMEOUT = 5.0  # seconds; after SIGINT it exits within ~0.1 s
START_ATTEMPTS = 3  # a free port can be taken by someone else between choosing and binding

# OpenLDAP 2.5 on Debian 12. @DIR@, @SUFFIX@, @ROOTPW@ are replaced; @DBNOSYNC@ is
# "dbnosync" for tests or empty for a durable server.
SLAPD_CONF_TEMPLATE = """\
include         /etc/ldap/schema/core.schema
include         /etc/ldap/schema/cosine.schema
include         /etc/ldap/schema/inetorgperson.schema
include         /etc/ldap/schema/nis.schema

pidfile         @DIR@/slapd.pid
argsfile        @DIR@/slapd.args

modulepath      /usr/lib/ldap
moduleload      back_mdb

database        mdb
maxsize         1073741824
suffix          "@SUFFIX@"
rootdn          "cn=admin,@SUFFIX@"
rootpw          @ROOTPW@
directory       @DIR@/db
# dbnosync skips fsync: fast, and safe against a killed slapd (the data is in the page
# cache), not against a crashed machine. A benchmark must say whether it used it.
@DBNOSYNC@
index           objectClass eq
index           uid,cn eq
index           uidNumber,gidNumber eq
index           memberUid eq
"""


class SlapdError(RuntimeError):
    """slapd or an OpenLDAP tool did not do what was asked; the message has its output."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on at the moment of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _load_prctl() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None


# Looked up here, not in the child: between fork and exec only the call itself is safe.
_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Runs in the child before exec: if the test process dies (even by SIGKILL), the
    # kernel kills slapd too, so an aborted test run leaves no server behind. ("Parent"
    # is the thread that started slapd; fixtures start it from the main thread.)
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Slapd:
    """One private slapd: temp directory, configuration, data, process.

    `url` has no trailing slash (ldap3 wants it that way). The server runs as the current
    user and accepts simple binds of `admin_dn` / `admin_password` (the rootdn).
    """

    def __init__(
        self,
        *,
        suffix: str = "dc=lernstatt,dc=test",
        ous: tuple[str, ...] = (),
        durable: bool = False,
        admin_password: str = "test-secret",
        port: int | None = None,
        parent_dir: str | Path | None = None,
    ) -> None:
        for tool in (SLAPD, SLAPADD):
            if not Path(tool).exists():
                raise SlapdError(f"{tool} is not installed (apt-get install slapd ldap-utils)")
        self.base_dn = suffix
        self.admin_dn = f"cn=admin,{suffix}"
        self.admin_password = admin_password
        self.durable = durable
        self.base_ous = ("schools", *(ou for ou in ous if ou != "schools"))
        self.port = port
        self.process: subprocess.Popen | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="lernstatt-slapd-", dir=parent_dir))
        self._port_fixed = port is not None
        self._subtree_numbers = itertools.count(1)
        try:
            self._write_config()
            self._load_base_entries()
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    # -- set-up -------------------------------------------------------------------------

    @property
    def conf_path(self) -> Path:
        return self.dir / "slapd.conf"

    @property
    def log_path(self) -> Path:
        return self.dir / "slapd.log"

    @property
    def pidfile(self) -> Path:
        return self.dir / "slapd.pid"

    @property
    def url(self) -> str:
        if self.port is None:
            raise SlapdError("slapd has not been started yet")
        return f"ldap://127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        (self.dir / "db").mkdir()
        text = (
            SLAPD_CONF_TEMPLATE.replace("@DIR@", str(self.dir))
            .replace("@SUFFIX@", self.base_dn)
            .replace("@ROOTPW@", self.admin_password)
            .replace("@DBNOSYNC@", "" if self.durable else "dbnosync")
        )
        self.conf_path.write_text(text)

    def base_ldif(self) -> str:
        """The entries loaded before the first start: the suffix and its OUs."""
        first_rdn = self.base_dn.split(",", 1)[0]
        attr, _, value = first_rdn.partition("=")
        if attr.strip().lower() != "dc":
            raise SlapdError(f"the suffix must start with dc=, not {first_rdn!r}")
        entries = [
            f"dn: {self.base_dn}\nobjectClass: dcObject\nobjectClass: organization\n"
            f"dc: {value.strip()}\no: {value.strip()}\n"
        ]
        entries += [
            f"dn: ou={ou},{self.base_dn}\nobjectClass: organizationalUnit\nou: {ou}\n"
            for ou in self.base_ous
        ]
        return "\n".join(entries)

    def _load_base_entries(self) -> None:
        _run([SLAPADD, "-q", "-f", str(self.conf_path)], stdin=self.base_ldif(), what="slapadd")

    # -- life cycle ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> Slapd:
        """Start slapd and return once an admin bind succeeds.

        The first start picks a free port; later starts (after stop() or kill()) use the
        same port and the same data. Raises SlapdError with slapd's output if it does not
        come up within START_TIMEOUT seconds.
        """
        if self.running:
            return self
        attempts = 1 if self._port_fixed else START_ATTEMPTS
        for attempt in range(attempts):
            if not self._port_fixed:
                self.port = free_port()
            try:
                self._start_once()
            except SlapdError:
                if attempt + 1 == attempts or "Address already in use" not in self.output():
                    raise
            else:
                self._port_fixed = True
                return self
        raise AssertionError("unreachable")

    def _start_once(self) -> None:
        self.pidfile.unlink(missing_ok=True)  # left behind by a kill()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [SLAPD, "-f", str(self.conf_path), "-h", f"{self.url}/", "-d", "none"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                self.process = None
                raise SlapdError(f"slapd exited while starting:\n{self.output()}")
            # slapd writes its pidfile once it listens and its database is open; asking
            # before that could reach whoever else holds the port when slapd cannot bind.
            if self.pidfile.exists() and self._can_bind(timeout=0.5):
                return
            if time.monotonic() > deadline:
                self._kill_process()
                raise SlapdError(
                    f"slapd did not answer a bind within {START_TIMEOUT:.0f} s:\n{self.output()}"
                )
            time.sleep(0.02)

    def _can_bind(self, *, timeout: float) -> bool:
        try:
            conn = self.connect(connect_timeout=timeout, receive_timeout=1)
        except LDAPException:
            return False
        conn.unbind()
        return True

    def stop(self, *, timeout: float = STOP_TIMEOUT) -> None:
        """Stop slapd cleanly (SIGINT), wait until the process is gone; SIGKILL after `timeout`."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill_process()
        self.process = None

    def kill(self) -> None:
        """SIGKILL at once, as a server that goes away half-way; start() brings it back."""
        if self.process is not None:
            self._kill_process()

    def _kill_process(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        self.process = None

    def cleanup(self) -> None:
        """Stop slapd if it runs and remove the temporary directory with all data."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Slapd:
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()

    def output(self) -> str:
        """What slapd printed (errors only; the end of it, if it is long)."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-10_000:]

    def subtree(self, name: str | None = None) -> LdapDirectory:
        """Create `ou=<name>` (default: the next unused `test-N`) below the suffix, with the
        base OUs below it, and return it as a directory of its own."""
        if name is None:
            name = f"test-{next(self._subtree_numbers)}"
        base = f"ou={name},{self.base_dn}"
        entries = [f"dn: {base}\nobjectClass: organizationalUnit\nou: {name}\n"]
        entries += [
            f"dn: ou={ou},{base}\nobjectClass: organizationalUnit\nou: {ou}\n"
            for ou in self.base_ous
        ]
        self.ldif_add("\n".join(entries))
        return LdapDirectory(server=self, base_dn=base)

    # -- data ---------------------------------------------------------------------------

    def connect(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        connect_timeout: float = 2.0,
        receive_timeout: int = 10,
    ) -> ldap3.Connection:
        """A bound ldap3 connection (the admin unless `user` is given). Raises on a failed bind.

        `receive_timeout` is whole seconds: ldap3 packs it into SO_RCVTIMEO as an integer.
        """
        server = ldap3.Server(self.url, connect_timeout=connect_timeout, get_info=ldap3.NONE)
        return ldap3.Connection(
            server,
            user=user or self.admin_dn,
            password=self.admin_password if password is None else password,
            auto_bind=ldap3.AUTO_BIND_NO_TLS,
            receive_timeout=receive_timeout,
            raise_exceptions=True,
        )

    def ldif_add(self, ldif_text: str) -> None:
        """Add the entries of an LDIF text with `ldapadd` as the admin (fast for many entries)."""
        _run(
            [LDAPADD, "-x", "-H", self.url, "-D", self.admin_dn, "-w", self.admin_password],
            stdin=ldif_text,
            what="ldapadd",
        )

    def search(
        self,
        *,
        base: str | None = None,
        search_filter: str = "(objectClass=*)",
        scope: str = ldap3.SUBTREE,
        attributes: list[str] | str = ldap3.ALL_ATTRIBUTES,
    ) -> dict[str, dict[str, list[Any]]]:
        """Entries below `base` (default: the suffix) as {dn: {attribute: [values]}}.

        A missing base gives an empty result, so a test can assert that something is gone.
        """
        conn = self.connect()
        try:
            entries = conn.extend.standard.paged_search(
                search_base=base or self.base_dn,
                search_filter=search_filter,
                search_scope=scope,
                attributes=attributes,
                paged_size=1000,
                generator=False,
            )
        except LDAPNoSuchObjectResult:
            return {}
        finally:
            conn.unbind()
        return {
            entry["dn"]: {name: list(values) for name, values in entry["attributes"].items()}
            for entry in entries
            if entry["type"] == "searchResEntry"
        }


@dataclass
class LdapDirectory:
    """One test's own part of a shared server: a fresh subtree `base_dn` with the base OUs.

    Tests that share a server each get another subtree, so nothing one test writes is
    seen by the next, and no cleanup between tests is needed.
    """

    server: Slapd
    base_dn: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def bind_dn(self) -> str:
        return self.server.admin_dn

    @property
    def bind_password(self) -> str:
        return self.server.admin_password

    def ldif_add(self, ldif_text: str) -> None:
        """Add LDIF entries; write their DNs with `{base}` for this directory's base DN."""
        self.server.ldif_add(ldif_text.replace("{base}", self.base_dn))

    def search(self, *, base: str | None = None, **kwargs: Any) -> dict[str, dict[str, list[Any]]]:
        """As Slapd.search, below this directory's base DN unless `base` is given."""
        return self.server.search(base=base or self.base_dn, **kwargs)


def _run(cmd: list[str], *, stdin: str, what: str) -> None:
    result = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise SlapdError(
            f"{what} failed with exit code {result.returncode}:\n{result.stderr}{result.stdout}"
        )
