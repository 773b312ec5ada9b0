from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class SchoolType(models.TextChoices):
    GRUNDSCHULE = "grundschule", _("Primary school (Grundschule)")
    HAUPTSCHULE = "hauptschule", _("Hauptschule")
    REALSCHULE = "realschule", _("Realschule")
    SEKUNDARSCHULE = "sekundarschule", _("Sekundarschule")
    GESAMTSCHULE = "gesamtschule", _("Comprehensive school (Gesamtschule)")
    GYMNASIUM = "gymnasium", _("Gymnasium")
    FOERDERSCHULE = "foerderschule", _("Special needs school (Förderschule)")
    BERUFSKOLLEG = "berufskolleg", _("Vocational college (Berufskolleg)")
    OTHER = "other", _("Other")


class School(models.Model):
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(
        _("short name"),
        max_length=40,
        blank=True,
        help_text=_("Printed on asset labels, e.g. “KKG” or “GS Lindenstraße”; empty: the name."),
    )
    number = models.CharField(
        _("school number"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", _("A school number has exactly 6 digits."))],
        help_text=_("The official 6-digit school number."),
    )
    school_type = models.CharField(
        _("school type"), max_length=20, choices=SchoolType.choices, default=SchoolType.OTHER
    )
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    loan_pool = models.BooleanField(
        _("city loan pool"),
        default=False,
        help_text=_(
            "The lendable devices of this site (e.g. the media centre) are lent to students "
            "of every school when their own school has none free."
        ),
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @property
    def label_name(self) -> str:
        """The name a label prints: the short name, else the name."""
        return self.short_name or self.name


class Room(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("school")
    )
    name = models.CharField(_("room"), max_length=100, help_text=_("Name or number"))
    building = models.CharField(_("building"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["school__name", "name"]
        constraints = [
            models.UniqueConstraint("school", Lower("name"), name="room_name_unique_per_school")
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    LAPTOP = "laptop", _("Laptop")
    TABLET = "tablet", _("Tablet")
    DESKTOP = "desktop", _("Desktop PC")
    DISPLAY = "display", _("Display/projector")
    PRINTER = "printer", _("Printer")
    NETWORK = "network", _("Network")
    OTHER = "other", _("Other")


class DeviceModel(models.Model):
    manufacturer = models.CharField(_("manufacturer"), max_length=100)
    name = models.CharField(_("model"), max_length=150)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)

    class Meta:
        verbose_name = _("device model")
        verbose_name_plural = _("device models")
        ordering = ["manufacturer", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("manufacturer"), Lower("name"), name="device_model_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label(self.manufacturer, self.name)

    @staticmethod
    def label(manufacturer: str, name: str) -> str:
        """How a model is named in lists: "Lenovo ThinkPad E14"."""
        return f"{manufacturer} {name}"


class Status(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    IN_USE = "in_use", _("In use")
    ON_LOAN = "on_loan", _("On loan")
    IN_REPAIR = "in_repair", _("In repair")
    LOST = "lost", _("Lost")
    RETIRED = "retired", _("Retired")


class Device(models.Model):
    asset_tag = models.CharField(_("asset tag"), max_length=50)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    # Copied from the model so the database itself can keep serial numbers unique per
    # manufacturer; only inventory.services writes it.
    manufacturer = models.CharField(_("manufacturer"), max_length=100, editable=False)
    mac_addresses = models.JSONField(_("MAC addresses"), default=list, blank=True)
    model = models.ForeignKey(
        DeviceModel, on_delete=models.PROTECT, related_name="devices", verbose_name=_("model")
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name=_("school"),
        db_index=False,  # the (school, status) index serves lookups by school
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("room"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_STOCK
    )
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    purchase_price = models.DecimalField(
        _("purchase price (EUR)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    funding_programme = models.CharField(_("funding programme"), max_length=100, blank=True)
    warranty_end = models.DateField(_("warranty until"), null=True, blank=True)
    lendable = models.BooleanField(_("lendable"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["asset_tag"]
        constraints = [
            models.UniqueConstraint(Lower("asset_tag"), name="device_asset_tag_unique"),
            models.UniqueConstraint(
                Lower("manufacturer"),
                Lower("serial_number"),
                condition=~models.Q(serial_number=""),
                name="device_serial_unique_per_manufacturer",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["warranty_end"]),
        ]

    def __str__(self) -> str:
        return self.asset_tag


class DeviceHistory(models.Model):
    """One change to one device: who, when, which field, old → new. Creation and deletion
    are rows too (field empty); the asset tag is kept so a deleted device's past stays."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")

    # An append-only log, written in bulk by imports: its references are kept by Django
    # (SET_NULL on delete) rather than checked by the database for every row written.
    device = models.ForeignKey(
        Device,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="history",
        db_constraint=False,
        db_index=False,  # see the (device, at) index
    )
    asset_tag = models.CharField(_("asset tag"), max_length=50)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("by"),
        db_constraint=False,
    )
    at = models.DateTimeField(_("when"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    field = models.CharField(_("field"), max_length=50, blank=True)
    old = models.TextField(_("old value"), blank=True)
    new = models.TextField(_("new value"), blank=True)

    class Meta:
        verbose_name = _("device history entry")
        verbose_name_plural = _("device history")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["device", "at"]),
            models.Index(fields=["asset_tag"]),  # a deleted device's history
        ]

    def __str__(self) -> str:
        return f"{self.asset_tag} {self.action} {self.field}"
