"""Stock-taking (Inventur): which devices a school expected at the start, what was scanned
where, and when each device was last seen.

The expected devices are frozen when a stock-taking starts (ExpectedDevice, one row per
device), so a device moved or added later does not change what was expected. A scan is
stored once per client id (the id the phone or the page made up for it), and the first
sighting of a device in a stock-taking once per device: both are unique constraints, so
two scanners sending at the same moment cannot count a device twice."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.models import Device, Room, School


class StocktakingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Stocktaking(models.Model):
    """One stock-taking of a school: the whole school, one building or some rooms."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="stocktakings", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=200)
    # The scope: the whole school (its rooms as they are now), or the rooms chosen at the
    # start, which are a building's rooms as they were then when `building` is set.
    whole_school = models.BooleanField(_("whole school"), default=False)
    building = models.CharField(_("building"), max_length=100, blank=True)
    rooms = models.ManyToManyField(
        Room, blank=True, related_name="stocktakings", verbose_name=_("rooms")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=StocktakingStatus.choices,
        default=StocktakingStatus.OPEN,
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock-taking")
        verbose_name_plural = _("stock-takings")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == StocktakingStatus.OPEN


class ExpectedResult(models.TextChoices):
    """What became of an expected device, decided when the stock-taking closes."""

    SEEN = "seen", _("Seen")
    ON_LOAN = "on_loan", _("On loan")
    LOST = "lost", _("Reported lost")
    MISSING = "missing", _("To be clarified")


class ExpectedDevice(models.Model):
    """A device the stock-taking expected to find, as it was recorded at the start."""

    stocktaking = models.ForeignKey(Stocktaking, on_delete=models.CASCADE, related_name="expected")
    # Kept when the device is deleted later: the asset tag and the room name stay.
    device = models.ForeignKey(
        Device, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    asset_tag = models.CharField(_("asset tag"), max_length=50)
    room = models.ForeignKey(
        Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    room_name = models.CharField(_("room"), max_length=100, blank=True)
    # Set by the scan that first sees the device, in that scan's transaction: the counts
    # every scan answers with read it instead of looking for the scan.
    seen = models.BooleanField(_("seen by a scan"), default=False)
    result = models.CharField(
        _("result"), max_length=10, choices=ExpectedResult.choices, blank=True
    )

    class Meta:
        verbose_name = _("expected device")
        verbose_name_plural = _("expected devices")
        ordering = ["asset_tag"]
        constraints = [
            models.UniqueConstraint(
                "stocktaking", "device", name="stocktaking_expected_device_once"
            )
        ]
        indexes = [models.Index(fields=["stocktaking", "room"])]

    def __str__(self) -> str:
        return self.asset_tag


class Outcome(models.TextChoices):
    FOUND = "found", _("Found")
    ELSEWHERE = "elsewhere", _("Found elsewhere")
    UNKNOWN = "unknown", _("Unknown asset tag")
    ALREADY = "already", _("Already scanned")


# The outcomes of a device's first sighting in a stock-taking: one per device.
SIGHTINGS = (Outcome.FOUND, Outcome.ELSEWHERE)


class Scan(models.Model):
    """One scan: what was read, where, by whom, and what it meant."""

    stocktaking = models.ForeignKey(Stocktaking, on_delete=models.CASCADE, related_name="scans")
    # Made by the client (a UUID); the same id sent again is the same scan.
    client_id = models.CharField(_("client id"), max_length=64)
    code = models.CharField(_("scanned code"), max_length=500)
    asset_tag = models.CharField(_("asset tag"), max_length=200)
    device = models.ForeignKey(
        Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    room = models.ForeignKey(
        Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    # Where the device was recorded when it was scanned (for "found elsewhere").
    recorded_room = models.ForeignKey(
        Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_school = models.ForeignKey(
        School, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # When the phone says it scanned (perhaps offline, perhaps wrong): shown, never trusted.
    scanned_at = models.DateTimeField(_("scanned (as the device says)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"))
    moved_at = models.DateTimeField(_("moved here"), null=True, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "stocktaking", "client_id", name="stocktaking_scan_client_once"
            ),
            models.UniqueConstraint(
                "stocktaking",
                "device",
                condition=Q(outcome__in=SIGHTINGS),
                name="stocktaking_scan_device_sighted_once",
            ),
        ]
        indexes = [
            models.Index(fields=["stocktaking", "scanned_by", "received_at"]),
            models.Index(fields=["stocktaking", "outcome"]),
        ]

    def __str__(self) -> str:
        return f"{self.asset_tag} {self.outcome}"


class DeviceSeen(models.Model):
    """When a device was last seen by a stock-taking, and by which."""

    device = models.OneToOneField(
        Device, on_delete=models.CASCADE, primary_key=True, related_name="last_seen"
    )
    stocktaking = models.ForeignKey(
        Stocktaking, on_delete=models.CASCADE, related_name="+", verbose_name=_("stock-taking")
    )
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("device last seen")
        verbose_name_plural = _("devices last seen")
        indexes = [models.Index(fields=["seen_at"])]

    def __str__(self) -> str:
        return f"{self.device_id} {self.seen_at:%Y-%m-%d}"
