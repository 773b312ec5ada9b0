"""Devices to a spreadsheet: the columns and headers the import reads (DEVICE_COLUMNS),
so that export → edit in Excel → import changes exactly what was edited."""

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, NamedTuple

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.errors import ValidationFailed
from core.models import User
from core.sheets.write import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    SheetColumn,
    write_csv,
    write_xlsx,
)
from inventory.columns import DEVICE_COLUMNS, Column
from inventory.models import Category, Status
from inventory.selectors import DeviceFilters, device_list

ExportFormat = Literal["xlsx", "csv"]
EXPORT_FORMATS: tuple[str, ...] = ("xlsx", "csv")
CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE}

# Where each column's value comes from. values_list() instead of model instances: the
# export reads tens of thousands of rows and needs no model behaviour, only the values.
VALUE_PATHS: dict[str, str] = {
    "asset_tag": "asset_tag",
    "serial_number": "serial_number",
    "manufacturer": "model__manufacturer",
    "model": "model__name",
    "category": "model__category",
    "school": "school__number",
    "room": "room__name",
    "status": "status",
    "purchase_date": "purchase_date",
    "purchase_price": "purchase_price",
    "funding_programme": "funding_programme",
    "warranty_end": "warranty_end",
    "lendable": "lendable",
    "mac_addresses": "mac_addresses",
    "notes": "notes",
}
CHUNK_SIZE = 2000

_SHEET_KINDS = {"date": "date", "money": "money"}


class DeviceExport(NamedTuple):
    """A finished export. `path` is a temporary file that now belongs to the caller, who
    sends or moves it and deletes it when done."""

    filename: str
    content_type: str
    path: Path
    rows: int


def export_columns(columns: tuple[Column, ...] = DEVICE_COLUMNS) -> list[SheetColumn]:
    """The sheet columns with their headers in the active language."""
    return [
        SheetColumn(
            header=str(column.header),
            kind=_SHEET_KINDS.get(column.kind, "text"),
            width=column.width,
        )
        for column in columns
    ]


def _cell_makers(columns: tuple[Column, ...]) -> list[Callable[[Any], Any] | None]:
    """For each column, how a database value becomes a cell in the active language; None
    where the value is the cell already (text, dates, money)."""
    yes, no = pgettext("spreadsheet cell", "yes"), pgettext("spreadsheet cell", "no")
    status_labels = {code: str(label) for code, label in Status.choices}
    category_labels = {code: str(label) for code, label in Category.choices}
    makers: dict[str, Callable[[Any], Any]] = {
        "bool": lambda value: None if value is None else (yes if value else no),
        "status": lambda value: status_labels.get(value, value),
        "category": lambda value: category_labels.get(value, value),
        "macs": lambda value: ", ".join(value or ()),
    }
    return [makers.get(column.kind) for column in columns]


def device_rows(queryset: QuerySet, columns: tuple[Column, ...] = DEVICE_COLUMNS) -> Iterator[list]:
    """The cells of each device in `queryset`, in the order of `columns`, read in chunks."""
    makers = _cell_makers(columns)
    fields = [VALUE_PATHS[column.key] for column in columns]
    for values in queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE):
        yield [
            value if make is None else make(value)
            for value, make in zip(values, makers, strict=True)
        ]


def export_filename(fmt: str) -> str:
    # Translated ("geraete" in German), then kept to characters every file system accepts.
    stem = re.sub(r"[^a-z0-9_-]+", "-", pgettext("export file name", "devices").lower())
    return f"{stem.strip('-') or 'devices'}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def device_export(
    *, actor: User, filters: DeviceFilters | None = None, fmt: ExportFormat = "xlsx"
) -> DeviceExport:
    """Write the devices the actor may see (inventory.selectors.device_list: scope, filters
    and ordering decided there) to a temporary .xlsx or .csv file in the active language.

    Promises: the columns and headers are the ones the import reads, so the file re-imports
    unchanged; no cell is a formula; rows are streamed from the database in chunks, so
    memory does not grow with the number of devices. Raises PermissionDenied if the
    actor may not view devices, ValidationFailed for an unknown format."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed(
            _("Choose a file format: xlsx or csv."),
            errors=[{"field": "format", "message": _("Not a known file format.")}],
        )
    queryset = device_list(actor=actor, filters=filters)
    columns = export_columns()
    handle, name = tempfile.mkstemp(prefix="lernstatt-export-", suffix=f".{fmt}")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            if fmt == "xlsx":
                count = write_xlsx(
                    target, sheet_name=_("Devices"), columns=columns, rows=device_rows(queryset)
                )
            else:
                count = write_csv(target, columns=columns, rows=device_rows(queryset))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return DeviceExport(export_filename(fmt), CONTENT_TYPES[fmt], path, count)
