"""Device list downloads. Mounted before the catalog router: its
`/devices/{path:asset_tag}` would otherwise take `/devices/export` for an asset tag."""

from django.http import FileResponse, HttpRequest
from ninja import Query, Router

from core.downloads import file_download
from inventory.exporting import CONTENT_TYPES, device_export
from inventory.schemas.exports import DeviceExportIn
from inventory.selectors import DeviceFilters

router = Router(tags=["inventory"])

_FILE = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/devices/export",
    summary="Download the device list as .xlsx or .csv",
    openapi_extra={
        "responses": {
            200: {
                "description": "The devices the user may see, with the list's filters, "
                "in the columns the import reads.",
                "content": {content_type: _FILE for content_type in CONTENT_TYPES.values()},
            }
        }
    },
)
def device_export_download(request: HttpRequest, params: Query[DeviceExportIn]) -> FileResponse:
    export = device_export(
        actor=request.user, filters=DeviceFilters(**params.filter_values()), fmt=params.format
    )
    return file_download(export)
