"""Where Lernstatt keeps its entries in the directory, and what they look like.

Below the configured base (LDAP_BASE_DN)::

    ou=schools,<base>
      ou=<school number>                      one organizationalUnit per school
        ou=students                           uid=<login> of every student
        ou=teachers                           uid=<login> of every teacher
        ou=staff                              uid=<login> of other staff
        ou=groups                             posixGroup entries:
          cn=<school number>-students           the school role groups (memberUid = logins)
          cn=<school number>-teachers
          cn=<school number>-staff
          cn=<school number>-<class>            one per class, e.g. cn=190001-5a

A person's entry has the objectClasses inetOrgPerson and posixAccount with cn, sn,
givenName, uid (the login), uidNumber, gidNumber (that of the school's role group),
homeDirectory (/home/<school number>/<login>), loginShell (LDAP_LOGIN_SHELL, default
/usr/sbin/nologin), employeeNumber (the ID of the school administration software),
employeeType (the role: student, teacher, staff) and departmentNumber (the class).

Lernstatt manages exactly MANAGED_PERSON_ATTRIBUTES on its people and memberUid on its
groups; every other attribute (description, mail, an admin's own additions) is never
read into a plan or written. An entry counts as Lernstatt's only if it lies directly in
a role OU of a school, is an inetOrgPerson + posixAccount with a uid, and carries an
employeeType Lernstatt writes: an admin's own entries elsewhere are never touched.

Disabling an account: the userPassword hash gets a "!" right after its scheme,
"{SSHA}abc..." becomes "{SSHA}!abc...". slapd then cannot decode the hash and every bind
fails; no overlay or schema is needed, and enabling removes the "!" and restores the
old password exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from ldap3.utils.conv import escape_filter_chars

from accounts.models import PersonRole

SCHOOLS_OU = "schools"
GROUPS_OU = "groups"
ROLE_OUS: dict[str, str] = {
    PersonRole.STUDENT: "students",
    PersonRole.TEACHER: "teachers",
    PersonRole.STAFF: "staff",
}
PERSON_OBJECT_CLASSES = ("top", "inetOrgPerson", "posixAccount")
GROUP_OBJECT_CLASSES = ("top", "posixGroup")
OU_OBJECT_CLASSES = ("top", "organizationalUnit")

MANAGED_PERSON_ATTRIBUTES = (
    "cn",
    "sn",
    "givenName",
    "uid",
    "uidNumber",
    "gidNumber",
    "homeDirectory",
    "loginShell",
    "employeeNumber",
    "employeeType",
    "departmentNumber",
)
# What one search reads: the managed attributes, what recognises an entry, and the
# password only to see whether the account is disabled.
SEARCH_ATTRIBUTES = (
    *MANAGED_PERSON_ATTRIBUTES,
    "objectClass",
    "ou",
    "memberUid",
    "userPassword",
)

DISABLED_MARK = "!"
DEFAULT_LOGIN_SHELL = "/usr/sbin/nologin"


def rdn(attribute: str, value: str) -> str:
    """One escaped RDN (RFC 4514): `Smith, John` becomes `Smith\\, John`. Written here,
    not with ldap3's escape_rdn: that one leaves a `#` inside a value unescaped (which
    ldap3's own DN parser then refuses) and garbles a value of one space."""
    escaped = "".join(_RDN_ESCAPES.get(char, char) for char in value)
    if escaped[:1] == " ":
        escaped = "\\" + escaped
    if len(value) > 1 and escaped[-1:] == " ":
        escaped = escaped[:-1] + "\\ "
    return f"{attribute}={escaped}"


_RDN_ESCAPES = {char: "\\" + char for char in '\\,+"<>;=#'} | {"\x00": "\\00"}


def eq_filter(attribute: str, value: str) -> str:
    """An equality filter whose value is escaped: `*)(uid=*` matches only itself."""
    return f"({attribute}={escape_filter_chars(value)})"


DnKey = tuple[tuple[str, str], ...]
# Characters that need the full DN parser; Lernstatt's own DNs rarely contain them.
_SPECIAL = frozenset('\\"+;<>#')


def dn_key(dn: str) -> DnKey:
    """A DN in a form that compares as the directory compares: attribute names and values
    case-insensitive, escaping spelled either way (`\\,` or `\\2C`)."""
    if _SPECIAL.isdisjoint(dn):
        # A plain DN splits simply, several times faster than parse_dn: a plan of a
        # whole city keys a hundred thousand entries.
        parts = [part.partition("=") for part in dn.split(",")]
        if all(sep and attribute.strip() for attribute, sep, _value in parts):
            return tuple(
                (attribute.strip().lower(), value.strip().lower())
                for attribute, _sep, value in parts
            )
    return tuple(
        (attribute.strip().lower(), _unescape(value).strip().lower())
        for attribute, _sep, value in (part.partition("=") for part in _split_dn(dn))
    )


def _split_dn(dn: str) -> list[str]:
    """The attribute=value parts of a DN (those of a multi-valued RDN one by one), split at
    every `,` `;` or `+` that is not escaped. Lenient where ldap3's parse_dn is strict:
    slapd hands DNs back with a `#` inside a value unescaped."""
    parts, current, i = [], [], 0
    while i < len(dn):
        char = dn[i]
        if char == "\\":
            current.append(dn[i : i + 2])
            i += 2
            continue
        if char in ",;+":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def _unescape(value: str) -> str:
    raw = bytearray()
    i = 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            pair = value[i + 1 : i + 3]
            if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
                raw.append(int(pair, 16))
                i += 3
                continue
            raw.extend(value[i + 1].encode())
            i += 2
            continue
        raw.extend(char.encode())
        i += 1
    return raw.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Layout:
    """The DNs of one directory, built from its base DN."""

    base_dn: str
    login_shell: str = DEFAULT_LOGIN_SHELL

    @classmethod
    def from_settings(cls) -> Layout:
        return cls(
            base_dn=settings.LDAP_BASE_DN,
            login_shell=getattr(settings, "LDAP_LOGIN_SHELL", "") or DEFAULT_LOGIN_SHELL,
        )

    @property
    def schools_dn(self) -> str:
        return f"{rdn('ou', SCHOOLS_OU)},{self.base_dn}"

    @cached_property
    def schools_key(self) -> DnKey:
        return dn_key(self.schools_dn)

    def school_dn(self, school_number: str) -> str:
        return f"{rdn('ou', school_number)},{self.schools_dn}"

    def role_ou_dn(self, school_number: str, role: str) -> str:
        return f"{rdn('ou', ROLE_OUS[role])},{self.school_dn(school_number)}"

    def groups_dn(self, school_number: str) -> str:
        return f"{rdn('ou', GROUPS_OU)},{self.school_dn(school_number)}"

    def person_dn(self, school_number: str, role: str, login: str) -> str:
        return f"{rdn('uid', login)},{self.role_ou_dn(school_number, role)}"

    def group_dn(self, group_cn: str, school_number: str) -> str:
        return f"{rdn('cn', group_cn)},{self.groups_dn(school_number)}"

    def school_ou_dns(self, school_number: str) -> list[str]:
        """The OUs of one school, parents first."""
        return [
            self.school_dn(school_number),
            *(self.role_ou_dn(school_number, role) for role in ROLE_OUS),
            self.groups_dn(school_number),
        ]

    def home_directory(self, school_number: str, login: str) -> str:
        return f"/home/{school_number}/{login}"

    def place_of(self, dn: str | DnKey) -> tuple[str, str] | None:
        """(school number, role) if `dn` lies directly in a role OU of a school, else None."""
        key = dn_key(dn) if isinstance(dn, str) else dn
        base = self.schools_key
        if len(key) != len(base) + 3 or key[3:] != base:
            return None
        (attr, _value), (ou_attr, ou), (school_attr, school) = key[:3]
        if attr != "uid" or ou_attr != "ou" or school_attr != "ou":
            return None
        roles = {name: role for role, name in ROLE_OUS.items()}
        if ou not in roles:
            return None
        return school, roles[ou]

    def group_school_of(self, dn: str | DnKey) -> str | None:
        """The school number if `dn` is a cn= entry directly in a school's ou=groups."""
        key = dn_key(dn) if isinstance(dn, str) else dn
        base = self.schools_key
        if len(key) != len(base) + 3 or key[3:] != base:
            return None
        if key[0][0] != "cn" or key[1] != ("ou", GROUPS_OU) or key[2][0] != "ou":
            return None
        return key[2][1]


def role_group_cn(school_number: str, role: str) -> str:
    return f"{school_number}-{ROLE_OUS[role]}"


def class_group_cn(school_number: str, class_name: str) -> str:
    return f"{school_number}-{class_name}"


def password_disabled(value: str) -> str:
    """The userPassword value that no password matches, for a hash `{SCHEME}hash`."""
    if is_password_disabled(value):
        return value
    scheme, sep, rest = value.partition("}")
    if value.startswith("{") and sep:
        return f"{scheme}}}{DISABLED_MARK}{rest}"
    # A value without a scheme is compared as plain text by slapd; a scheme that does not
    # exist makes every bind fail.
    return "{DISABLED}" + DISABLED_MARK + value


def password_enabled(value: str) -> str:
    """The userPassword value before password_disabled: the same hash, the same password."""
    if not is_password_disabled(value):
        return value
    if value.startswith("{DISABLED}" + DISABLED_MARK):
        return value[len("{DISABLED}" + DISABLED_MARK) :]
    scheme, _sep, rest = value.partition("}")
    return f"{scheme}}}{rest[len(DISABLED_MARK) :]}"


def is_password_disabled(value: str) -> bool:
    _scheme, sep, rest = value.partition("}")
    return value.startswith("{") and bool(sep) and rest.startswith(DISABLED_MARK)
