"""Asset labels over the API: the templates, and a print (POST, the options in the JSON
body) answered with the PDF or the ZPL. Mounted at /labels. Who may print is whoever may
see the devices, for their schools (inventory.labels.printing.labels_print)."""

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Router

from core.errors import ValidationFailed
from core.permissions import Perm, require
from inventory.importing.results import import_created_devices
from inventory.labels.printing import (
    CONTENT_TYPES,
    LabelSelection,
    label_options,
    labels_print,
)
from inventory.labels.templates import TEMPLATES
from inventory.schemas.labels import LabelPrintIn, LabelTemplateOut

router = Router(tags=["inventory"])

_FILE = {"schema": {"type": "string", "format": "binary"}}


@router.get("/templates", response=list[LabelTemplateOut])
def label_templates(request: HttpRequest):
    """The label sheets and label printers to print on (`custom` takes a grid of its own)."""
    require(request.user, Perm.DEVICE_VIEW)
    return [
        {**template.__dict__, "name": str(template.name), "description": template.description()}
        for template in TEMPLATES.values()
    ]


@router.post(
    "",
    summary="Print asset labels as a PDF or ZPL",
    openapi_extra={
        "responses": {
            200: {
                "description": "The labels: a vector PDF of the sheets, or ZPL for a Zebra "
                "label printer (203 dpi).",
                "content": {content_type: _FILE for content_type in CONTENT_TYPES.values()},
            }
        }
    },
)
def label_print(request: HttpRequest, payload: LabelPrintIn) -> HttpResponse:
    """The devices are named by `asset_tags`, or are those of a `room` or a `school`, or
    those an applied device import created (`import_job`): exactly one of them. A device
    whose label cannot be printed correctly (an asset tag a Code 128 barcode cannot hold,
    or one too long for the label) is refused by name (422), and nothing is printed."""
    named = [
        bool(payload.asset_tags),
        payload.room is not None,
        bool(payload.school),
        payload.import_job is not None,
    ]
    if sum(named) != 1:
        message = _(
            "Name the devices: by asset_tags, a room, a school or an import_job (one of them)."
        )
        raise ValidationFailed(message, errors=[{"field": "asset_tags", "message": message}])
    options = label_options(
        template=payload.template,
        fields=payload.fields,
        start=payload.start,
        copies=payload.copies,
        fmt=payload.format,
        custom=payload.custom.dict() if payload.custom else None,
    )
    if payload.import_job is not None:
        created = import_created_devices(actor=request.user, job_id=payload.import_job)
        selection = LabelSelection(device_ids=tuple(device.pk for device in created))
    else:
        selection = LabelSelection(
            asset_tags=tuple(payload.asset_tags), room=payload.room, school=payload.school
        )
    labels = labels_print(actor=request.user, selection=selection, options=options)
    response = HttpResponse(labels.content, content_type=labels.content_type)
    response["Content-Disposition"] = content_disposition_header(True, labels.filename)
    return response
