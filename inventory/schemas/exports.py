"""What the device export endpoint takes: the device list's filters plus a file format."""

from typing import Literal

from ninja import Field

from inventory.schemas.catalog import DeviceFilterIn


class DeviceExportIn(DeviceFilterIn):
    format: Literal["xlsx", "csv"] = Field("xlsx", description="File format: xlsx or csv")

    def filter_values(self) -> dict:
        """The values for inventory.selectors.DeviceFilters (everything but the format)."""
        return self.dict(exclude={"format"})
