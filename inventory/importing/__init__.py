"""Importing devices from the spreadsheets school offices keep: read, plan, preview, apply.

`device_import_preview` shows every row's outcome and writes nothing; `device_import_apply`
writes all rows or none. Both take the file's bytes and the acting user.
"""

from inventory.importing.apply import device_import_apply, device_import_preview
from inventory.importing.report import ImportReport, RowOutcome

__all__ = ["ImportReport", "RowOutcome", "device_import_apply", "device_import_preview"]
