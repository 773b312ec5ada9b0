"""A device's history as a person reads it. The history stores its values language-neutral
(`2026-10-21`, `483.90`, `true`, a loan's event); this turns them into the page's words
and numbers (`21.10.2026`, `483,90 €`, `ja`).

Rows of a field the inventory does not know (the loans' rows, written by the app above)
are read by the reader that app registers in its AppConfig.ready."""

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.formats import money_text
from core.models import User
from inventory.models import Device, DeviceHistory, Status


class HistoryText(NamedTuple):
    """A history value in words, with the page it leads to (None: none)."""

    text: str
    url: str | None = None


# Reads every value of one field on the page at once (one query for all), for one actor:
# {stored value: text}; a value it leaves out is shown as stored.
HistoryReader = Callable[[User, list[str]], dict[str, HistoryText]]


class _Field(NamedTuple):
    label: Callable[[], str]
    read: HistoryReader


_READERS: dict[str, _Field] = {}


def history_reader_register(field: str, label: Callable[[], str], read: HistoryReader) -> None:
    """Let `read` turn the history values of `field` into words, under the heading `label()`."""
    _READERS[field] = _Field(label, read)


def period_text(starts_on: datetime.date, ends_on: datetime.date | None) -> str:
    """A loan's days as a person writes them: `21. Oktober – 18. November 2026`,
    `21. Dezember 2026 – 8. Januar 2027`, `ab 21. Oktober 2026`."""
    if ends_on is None:
        return _("from %(date)s") % {"date": date_format(starts_on, "DATE_FORMAT")}
    first = "MONTH_DAY_FORMAT" if starts_on.year == ends_on.year else "DATE_FORMAT"
    return f"{date_format(starts_on, first)} – {date_format(ends_on, 'DATE_FORMAT')}"


def _device_value(field: str, value: str) -> str:
    """A stored value of one of the device's own fields, in words."""
    if not value:
        return ""
    try:
        model_field = Device._meta.get_field(field)
    except FieldDoesNotExist:
        return value
    if field == "status" and value in Status.values:
        return str(Status(value).label)
    if isinstance(model_field, models.BooleanField) and value in ("true", "false"):
        return _("yes") if value == "true" else _("no")
    if isinstance(model_field, models.DateField):
        try:
            return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    if isinstance(model_field, models.DecimalField):
        try:
            return money_text(Decimal(value))
        except InvalidOperation:
            return value
    return value


def _field_label(field: str) -> str:
    if field in _READERS:
        return _READERS[field].label()
    try:
        return capfirst(Device._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:  # a field that no longer exists keeps its history
        return field


def history_entries(actor: User, rows: Iterable[DeviceHistory]) -> list[dict]:
    """The rows of a device's history as the device page shows them."""
    rows = list(rows)
    read: dict[str, dict[str, HistoryText]] = {}
    for field, reader in _READERS.items():
        values = {value for row in rows if row.field == field for value in (row.old, row.new)}
        values.discard("")
        read[field] = reader.read(actor, sorted(values)) if values else {}
    entries = []
    for row in rows:
        words = read.get(row.field)
        old, new = (
            (words.get(v, HistoryText(v)) for v in (row.old, row.new))
            if words is not None
            else (HistoryText(_device_value(row.field, v)) for v in (row.old, row.new))
        )
        entries.append(
            {
                "at": row.at,
                "actor": row.actor,
                "action": row.get_action_display(),
                "is_update": row.action == DeviceHistory.Action.UPDATE,
                "field": _field_label(row.field) if row.field else "",
                "old": old,
                "new": new,
                "values": (old, new),
            }
        )
    return entries
