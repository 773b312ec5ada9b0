"""What the label endpoints take and give: the devices, the template and the options of a
print (inventory.labels.printing.label_options checks them), and the templates."""

from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

# inventory.labels.templates.ALL_FIELDS
LabelField = Literal["qr", "barcode", "tag", "school", "room", "owner"]


class CustomGridIn(Schema):
    model_config = ConfigDict(extra="forbid")

    page_width: float = Field(210.0, description="mm")
    page_height: float = Field(297.0, description="mm")
    label_width: float = Field(..., description="mm")
    label_height: float = Field(..., description="mm")
    columns: int = 1
    rows: int = 1
    margin_left: float = Field(0.0, description="mm from the page's left edge to the first label")
    margin_top: float = Field(0.0, description="mm from the page's top edge to the first label")
    pitch_x: float = Field(0.0, description="mm from a label's left edge to the next; 0: touch")
    pitch_y: float = Field(0.0, description="mm from a label's top edge to the next; 0: touch")


class LabelPrintIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    asset_tags: list[str] = Field(
        [], description="The devices by asset tag (any case), in this order", max_length=5000
    )
    room: int | None = Field(None, description="Room id: the devices of this room")
    school: str | None = Field(None, description="School number: the devices of this school")
    import_job: int | None = Field(
        None, description="Import id: the devices this applied device import created"
    )
    template: str = Field(
        "avery-l4736rev", description="A key of GET /labels/templates, or `custom` with `custom`"
    )
    custom: CustomGridIn | None = None
    fields: list[LabelField] | None = Field(
        None, description="What each label shows; default: the template's default fields"
    )
    start: int = Field(1, description="The first free label of the first sheet (1-based)")
    copies: int = Field(1, description="Labels of each device, 1 to 100")
    format: Literal["pdf", "zpl"] = "pdf"


class LabelTemplateOut(Schema):
    key: str
    name: str
    description: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int
    rows: int
    margin_left: float
    margin_top: float
    pitch_x: float
    pitch_y: float
    printer: bool
    fields: list[str]
    default_fields: list[str]
    one_code: bool
