from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from inventory.models import School

LOGIN_MAX_LENGTH = 20

login_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9._-]*\Z",
    _(
        "A login consists of lowercase letters a-z, digits and the characters . - _ "
        "and starts with a letter or digit."
    ),
)


class SchoolClass(models.Model):
    """A class ("5a") or course group ("Q1") of one school in one school year.

    The school year is stored as the year it starts in (2026 for 2026/27): it sorts and
    compares as a number, the next year of a rollover is simply +1, and there is no
    spelling ("2026/27", "2026/2027", "26/27") to parse or keep consistent."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school")
    )
    name = models.CharField(_("class"), max_length=30, help_text=_('For example "5a", "Q1", "EF".'))
    school_year = models.PositiveSmallIntegerField(
        _("school year"),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The year the school year starts in: 2026 for 2026/27."),
    )
    # The classroom: its class teachers confirm the devices in it in a stock-taking
    # (Selbstinventur). A room of the class's school (people.services.class_room_set).
    room = models.ForeignKey(
        "inventory.Room",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="classes",
        verbose_name=_("classroom"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school__name", "-school_year", "name"]
        constraints = [
            models.UniqueConstraint(
                "school", "school_year", Lower("name"), name="school_class_unique_per_year"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="school_class_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year_label})"

    @property
    def school_year_label(self) -> str:
        """The school year as schools write it: "2026/27"."""
        return f"{self.school_year}/{(self.school_year + 1) % 100:02d}"


class PersonRole(models.TextChoices):
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")
    STAFF = "staff", _("Staff")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    # Missing from the latest roster, but the account still works for a grace period.
    TOLERATED = "tolerated", _("Tolerated")
    DISABLED = "disabled", _("Disabled")
    DELETED = "deleted", _("Deleted")


# The statuses whose accounts the directory lets log in.
WORKING_STATUSES = (PersonStatus.ACTIVE, PersonStatus.TOLERATED)


class Person(models.Model):
    """A student, teacher or staff member of one school, and their directory account."""

    role = models.CharField(_("role"), max_length=10, choices=PersonRole.choices)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    external_id = models.CharField(
        _("ID in the school administration software"),
        max_length=64,
        blank=True,
        help_text=_(
            'The stable ID of the school office\'s software (SchILD: "Interne ID-Nummer").'
        ),
    )
    short_code = models.CharField(
        _("short code"), max_length=10, blank=True, help_text=_("A teacher's Kürzel.")
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("school"),
        db_index=False,  # the (school, role, status) index serves lookups by school
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="students",
        verbose_name=_("class"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    tolerated_at = models.DateField(_("tolerated since"), null=True, blank=True)
    disabled_at = models.DateField(_("disabled since"), null=True, blank=True)
    # Disabled by an IT admin before the school office's list says so: a list that still
    # names the person leaves the account disabled (until the admin enables it again).
    disabled_by_hand = models.BooleanField(_("disabled by hand"), default=False)
    deleted_at = models.DateField(_("deleted on"), null=True, blank=True)
    # Set when the personal data of a deleted person was erased (people_erase).
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    login = models.CharField(
        _("login"), max_length=LOGIN_MAX_LENGTH, unique=True, validators=[login_validator]
    )
    # The directory state, written by the directory sync only.
    dn = models.CharField(_("directory DN"), max_length=500, blank=True)
    uid_number = models.PositiveIntegerField(_("uidNumber"), unique=True, null=True, blank=True)
    # The Lernstatt user of a teacher or staff member: made at their first directory login
    # or linked by an IT admin. Locked out when the person is disabled or deleted.
    user = models.OneToOneField(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("Lernstatt user"),
    )
    last_synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "login"]
        constraints = [
            models.UniqueConstraint(
                "school",
                "external_id",
                condition=~Q(external_id=""),
                name="person_external_id_unique_per_school",
            ),
            models.UniqueConstraint(
                "school",
                Lower("short_code"),
                condition=~Q(short_code=""),
                name="person_short_code_unique_per_school",
            ),
            models.CheckConstraint(condition=~Q(login=""), name="person_login_not_empty"),
            models.CheckConstraint(
                condition=Q(role=PersonRole.STUDENT) | Q(school_class__isnull=True),
                name="person_class_only_for_students",
            ),
            models.CheckConstraint(
                condition=Q(role=PersonRole.STAFF)
                | Q(birth_date__isnull=False)
                | Q(erased_at__isnull=False),
                name="person_birth_date_unless_staff",
            ),
        ]
        indexes = [models.Index(fields=["school", "role", "status"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.login})"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.school_class_id is not None:
            class_school_id = (
                SchoolClass.objects.filter(pk=self.school_class_id)
                .values_list("school_id", flat=True)
                .first()
            )
            if self.role != PersonRole.STUDENT:
                errors["school_class"] = _("Only students belong to a class.")
            elif class_school_id is not None and class_school_id != self.school_id:
                errors["school_class"] = _("The class belongs to another school.")
        if (
            self.birth_date is None
            and self.erased_at is None
            and self.role in (PersonRole.STUDENT, PersonRole.TEACHER)
        ):
            errors["birth_date"] = _("Students and teachers need a date of birth.")
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self) -> str:
        """First and last name, as on a letter: "Anna Müller"."""
        return self.name_on_letter(self.first_name, self.last_name)

    @staticmethod
    def name_on_letter(first_name: str, last_name: str) -> str:
        return f"{first_name} {last_name}".strip()

    @property
    def sort_name(self) -> str:
        """Last name first, as in a class list: "Müller, Anna"."""
        return f"{self.last_name}, {self.first_name}" if self.first_name else self.last_name

    @property
    def is_student(self) -> bool:
        return self.role == PersonRole.STUDENT

    @property
    def has_working_account(self) -> bool:
        """Whether the directory should let this person log in: active or tolerated."""
        return self.status in WORKING_STATUSES


class ClassTeacher(models.Model):
    """A teacher who teaches a class: its class teacher (Klassenleitung, from the roster
    where the school office's export names one) or a subject teacher (set by the
    coordinator). A teacher sees the people of their classes and no one else."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="teachings", verbose_name=_("class")
    )
    teacher = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="teachings",
        verbose_name=_("teacher"),
        limit_choices_to={"role": PersonRole.TEACHER},
    )
    is_class_teacher = models.BooleanField(_("class teacher"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("teacher of a class")
        verbose_name_plural = _("teachers of classes")
        ordering = ["-is_class_teacher", "teacher__last_name", "teacher__first_name"]
        constraints = [
            models.UniqueConstraint("school_class", "teacher", name="class_teacher_once"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher.full_name} – {self.school_class}"


class ReleasedLogin(models.Model):
    """A login whose person is gone. It is not given to anyone else until the reuse period
    (LERNSTATT_LOGIN_REUSE_DAYS, 365 days by default) has passed, so mail and files meant
    for the old owner never reach a new one."""

    login = models.CharField(
        _("login"), max_length=LOGIN_MAX_LENGTH, unique=True, validators=[login_validator]
    )
    released_at = models.DateTimeField(_("released"))

    class Meta:
        verbose_name = _("released login")
        verbose_name_plural = _("released logins")
        ordering = ["-released_at"]

    def __str__(self) -> str:
        return self.login


class DirectorySyncRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class DirectorySyncRun(models.Model):
    """One apply of the directory sync: who started it, for which school, what it found to
    do and how far it got. A run that stays "running" was cut off (the process died); the
    next run finishes its work.

    The initial passwords of the accounts a run creates are kept encrypted until a class
    list hands them out (initial_passwords_take); directory_apply also hands them back on the
    returned instance, as `new_passwords` (login → password)."""

    started_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
        help_text=_("Empty for a run of the scheduler."),
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    # Written while the run works; a running run whose heartbeat stopped was cut off.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
        help_text=_("Empty for a run over all schools."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DirectorySyncRunStatus.choices,
        default=DirectorySyncRunStatus.RUNNING,
    )
    counts = models.JSONField(_("changes per kind"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("changes planned"), default=0)
    done = models.PositiveIntegerField(_("changes carried out"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    duration = models.DurationField(_("duration"), null=True, blank=True)

    class Meta:
        verbose_name = _("directory sync run")
        verbose_name_plural = _("directory sync runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class InitialPassword(models.Model):
    """The initial password of a new account, encrypted (initial_passwords_keep), until it is
    handed out on a class list or its keeping period ends. Never in plain text."""

    person = models.OneToOneField(
        Person,
        on_delete=models.CASCADE,
        related_name="initial_password",
        verbose_name=_("person"),
    )
    secret = models.TextField(_("encrypted password"), editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("initial password")
        verbose_name_plural = _("initial passwords")

    def __str__(self) -> str:
        return str(self.person_id)


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    CHANGE = "change", _("Changed")
    EXPORT = "export", _("Exported (Art. 15)")
    PASSWORD_RESET = "password_reset", _("Password reset")
    CLASS_LIST = "class_list", _("On a class list")
    CREATE = "create", _("Created")
    # The PDF names the child, their birth date and class, and the guardian.
    LOAN_AGREEMENT = "loan_agreement", _("Loan agreement printed")
    # One entry per person with a loan in the file, like a class list.
    LOAN_EXPORT = "loan_export", _("In a loan export")


class AccessVia(models.TextChoices):
    API = "api", _("API")
    WEB = "web", _("Web page")
    COMMAND = "command", _("Command")


class AccessLogEntry(models.Model):
    """Who looked at or changed one person's data, when and how: written by
    accounts.access_log.access_log_record only, kept LERNSTATT_ACCESS_LOG_DAYS."""

    actor = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        db_constraint=False,
        help_text=_("Empty for a command run without a user."),
    )
    # The username as it was, so the entry still says who after the user is deleted.
    actor_name = models.CharField(_("username"), max_length=150, blank=True)
    at = models.DateTimeField(_("when"))
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="access_log",
        verbose_name=_("person"),
        db_index=False,  # see the (person, at) index
    )
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    via = models.CharField(_("via"), max_length=10, choices=AccessVia.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["person", "at"]),
            models.Index(fields=["actor_name", "at"]),
            models.Index(fields=["at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.person_id}"
