"""Loans of devices to students: one row from the teacher's request to the device's return.

A loan's period is whole days in Europe/Berlin, `starts_on` to `ends_on` inclusive;
`ends_on` empty means open-ended. While a loan is reserved or on loan it holds its device
for its period, and no two such loans of one device may overlap: on PostgreSQL an
exclusion constraint says so (migration 0001), on SQLite the booking's check runs inside
a serialised write transaction (device_hold).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Person
from inventory.models import Category, Device, School


class LoanReason(models.TextChoices):
    DISTANCE_LEARNING = "distance_learning", _("Distance learning")
    NO_DEVICE_AT_HOME = "no_device_at_home", _("No device at home")
    QUARANTINE = "quarantine", _("Quarantine")
    OTHER = "other", _("Other")


class LoanStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    # Approved, but no device was free: waits in the queue, first come first served.
    WAITING = "waiting", _("Waiting for a device")
    RESERVED = "reserved", _("Reserved")
    ON_LOAN = "on_loan", _("On loan")
    RETURNED = "returned", _("Returned")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    LOST = "lost", _("Lost")


class Accessory(models.TextChoices):
    """What may go out with a device and come back with it (Loan.accessories_out/_in)."""

    CHARGER = "charger", _("Charger")
    CASE = "case", _("Case")
    PEN = "pen", _("Pen")
    KEYBOARD = "keyboard", _("Keyboard")
    MOUSE = "mouse", _("Mouse")
    HEADSET = "headset", _("Headset")
    OTHER = "other", _("Other")


# The loans that hold their device for their period.
HOLDING = (LoanStatus.RESERVED, LoanStatus.ON_LOAN)
# The loans still in the flow (not yet returned, rejected, cancelled or lost).
OPEN = (LoanStatus.REQUESTED, LoanStatus.WAITING, *HOLDING)

# What may be done with a loan in each status: the one table that the services check when
# they act (scheduling's `locked`) and that the pages' buttons follow (loan_actions).
# "approve" with a device picked by hand; "allocate" is approving and letting the queue
# pick, which a waiting request needs no second time.
LOAN_ACTIONS: dict[str, frozenset[str]] = {
    LoanStatus.REQUESTED: frozenset({"approve", "allocate", "reject", "cancel"}),
    LoanStatus.WAITING: frozenset({"approve", "reject", "cancel"}),
    LoanStatus.RESERVED: frozenset({"handout", "extend", "cancel", "agreement"}),
    LoanStatus.ON_LOAN: frozenset({"return", "extend", "lost", "agreement"}),
    LoanStatus.RETURNED: frozenset({"agreement"}),
    LoanStatus.LOST: frozenset({"agreement"}),
}
# Of those, what the one who requested a loan may do without managing loans.
REQUESTER_ACTIONS = frozenset({"cancel"})


def statuses_allowing(action: str) -> tuple[str, ...]:
    """The statuses in which a loan allows `action` (LOAN_ACTIONS)."""
    return tuple(status for status, actions in LOAN_ACTIONS.items() if action in actions)


class Loan(models.Model):
    student = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="loans", verbose_name=_("student")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="loans", verbose_name=_("school")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=LoanReason.choices)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.REQUESTED
    )
    device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
        verbose_name=_("device"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    # The handout to the student's guardian.
    handed_out_at = models.DateTimeField(_("handed out"), null=True, blank=True)
    handed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed out by"),
    )
    guardian_name = models.CharField(_("guardian"), max_length=200, blank=True)
    accessories_out = models.JSONField(_("accessories handed out"), default=list, blank=True)
    condition_out = models.TextField(_("condition at handout"), blank=True)
    agreement_signed = models.BooleanField(_("loan agreement signed"), default=False)
    # The return.
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken back by"),
    )
    accessories_in = models.JSONField(_("accessories returned"), default=list, blank=True)
    condition_in = models.TextField(_("condition at return"), blank=True)
    # Set by a roster import that found the student leaving the school (missing from the
    # file, or with a leaver's status) while the loan holds its device: take it back.
    student_left_on = models.DateField(_("student left the school on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="loan_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=HOLDING) | Q(device__isnull=False),
                name="loan_holding_has_device",
            ),
        ]
        indexes = [
            models.Index(fields=["device", "status"]),
            models.Index(fields=["school", "status"]),
            models.Index(fields=["status", "requested_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.starts_on:%d.%m.%Y}"

    @property
    def student_label(self) -> str:
        """The student as the loan's pages and history name them: "Lena Vogel (5a)"."""
        student = self.student
        name = f"{student.first_name} {student.last_name}"
        return f"{name} ({student.school_class.name})" if student.school_class_id else name

    @property
    def title(self) -> str:
        """The loan as its pages name it: "Notebook für Lena Vogel (5a)"."""
        return gettext("%(category)s for %(student)s") % {
            "category": self.get_category_display(),
            "student": self.student_label,
        }

    @property
    def is_overdue(self) -> bool:
        """On loan after its last day (Europe/Berlin)."""
        return (
            self.status == LoanStatus.ON_LOAN
            and self.ends_on is not None
            and self.ends_on < timezone.localdate()
        )


class ReminderKind(models.TextChoices):
    BEFORE_DUE = "before_due", _("Before the due date")
    OVERDUE = "overdue", _("Overdue")
    # At once when a roster shows that the student has left the school with the device.
    STUDENT_LEFT = "student_left", _("Student left the school")


class LoanReminder(models.Model):
    """One reminder e-mail about a loan, written before it is sent (loan_reminders_send):
    the row is the proof that it went out, and its unique constraints keep a second run on
    the same day, or two runs at once, from sending it again."""

    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("loan")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    # The loan's last day the reminder was about (the day it was sent, for a loan without
    # one): an extension starts the reminders afresh.
    due_on = models.DateField(_("due on"))
    sent_on = models.DateField(_("sent on"))
    recipients = models.JSONField(_("recipients"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan reminder")
        verbose_name_plural = _("loan reminders")
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "kind", "sent_on"], name="loan_reminder_once_a_day"
            ),
            models.UniqueConstraint(
                fields=["loan", "due_on"],
                condition=Q(kind="before_due"),
                name="loan_reminder_before_due_once",
            ),
            models.UniqueConstraint(
                fields=["loan"],
                condition=Q(kind="student_left"),
                name="loan_reminder_student_left_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sent_on:%d.%m.%Y}"
