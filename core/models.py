import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from core.usernames import validate_username_not_reserved


class Role(models.TextChoices):
    IT_ADMIN = "it_admin", _("IT admin")
    COORDINATOR = "coordinator", _("School IT coordinator")
    TEACHER = "teacher", _("Teacher")
    CITY_STAFF = "city_staff", _("City staff")


class User(AbstractUser):
    """A person who logs in to Lernstatt. What they may do follows from `role` and `schools`
    (see core.permissions); students are not users.

    A user logs in with a local password or, when linked to one, with the password of a
    directory entry (the directory login): the link is the entry's DN and entryUUID,
    set by an IT admin or when a teacher's user is made from their own entry, never
    found by matching names."""

    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text=_("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
        validators=[AbstractUser.username_validator, validate_username_not_reserved],
        error_messages={"unique": _("A user with that username already exists.")},
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.TEACHER)
    schools = models.ManyToManyField(
        "inventory.School",
        verbose_name=_("schools"),
        blank=True,
        related_name="staff",
        help_text=_("For coordinators and teachers: the schools they work for."),
    )
    directory_dn = models.CharField(
        _("directory entry (DN)"),
        max_length=500,
        blank=True,
        help_text=_(
            "The directory entry whose password this user may log in with, e.g. "
            "uid=jane.doe,ou=admins,dc=schulen,dc=example. Empty: local password only."
        ),
    )
    # The entry's entryUUID, read when the link is made: it stays when the entry is moved
    # or renamed, and a new entry at the same DN has another one.
    directory_uuid = models.CharField(
        _("directory entryUUID"), max_length=64, blank=True, editable=False
    )
    # Raised to end every session of the user at once (users_lock_out).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # A session is bound to the password hash (Django) and to the epoch: raising the
        # epoch ends every session, also of a user whose password stays as it was.
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "lernstatt.core.User.session_auth_hash",
            f"{self.password}\x00{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash of the secret is stored; the secret is
    shown once when the token is created."""

    PREFIX = "lst_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        # Tokens carry 256 random bits, so a fast hash is enough; no salt or stretching needed.
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
