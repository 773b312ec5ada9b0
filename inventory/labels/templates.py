"""The label sheets and label printers Lernstatt prints on, as data: page size, margins,
columns, rows and pitch, in millimetres. A sheet is filled row by row, left to right, from
the top left label; a label printer takes one label per page at its own size.

The measurements of the Avery Zweckform sheets are the manufacturer's: the labels of 3474
fill the width of the page (no side margin) and leave half a millimetre at the top and
the bottom; L4736REV and L4731REV have gaps between the columns (the pitch is the label's
width plus the gap). A new sheet is one more entry in TEMPLATES; a sheet nobody needs
often is printed with the custom grid (`custom_template`)."""

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ValidationFailed

# What a label can carry, in the order the form offers them and a label prints its texts.
FIELDS: dict[str, object] = {
    "qr": gettext_lazy("QR code (link to the device page)"),
    "barcode": gettext_lazy("Barcode (Code 128) for hand scanners"),
    "tag": gettext_lazy("Asset tag"),
    "school": gettext_lazy("School"),
    "room": gettext_lazy("Room"),
    "owner": gettext_lazy("Owner line"),
}
ALL_FIELDS: tuple[str, ...] = tuple(FIELDS)
CODES = ("qr", "barcode")

A4 = (210.0, 297.0)
# A custom grid must leave a label room for something legible.
MIN_LABEL_MM = (15.0, 8.0)
MAX_PAGE_MM = 1000.0
MAX_GRID = 50
# Rounding of measurements given in tenths of a millimetre: a grid that ends this close
# past the page's edge still fits.
TOLERANCE_MM = 0.05


@dataclass(frozen=True)
class LabelTemplate:
    """A sheet of labels (or a label printer's label: one per page, `printer`).

    `margin_left`/`margin_top`: from the page's top left corner to the first label;
    `pitch_x`/`pitch_y`: from one label's left (top) edge to the next one's, the label's
    size when the labels touch. `fields`: what fits on the label; `one_code`: room for the
    QR code or the barcode, not both."""

    key: str
    name: str  # a product's name, or the size of a label printer's labels
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int = 1
    rows: int = 1
    margin_left: float = 0.0
    margin_top: float = 0.0
    pitch_x: float = 0.0
    pitch_y: float = 0.0
    printer: bool = False
    fields: tuple[str, ...] = ALL_FIELDS
    default_fields: tuple[str, ...] = ALL_FIELDS
    one_code: bool = False

    def __post_init__(self) -> None:
        # A pitch of 0: the labels touch, one label's size apart.
        if not self.pitch_x:
            object.__setattr__(self, "pitch_x", self.label_width)
        if not self.pitch_y:
            object.__setattr__(self, "pitch_y", self.label_height)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, cell: int) -> tuple[float, float]:
        """The top left corner (x, y in mm from the page's top left) of the label in
        position `cell` (0-based, row by row) of a page."""
        row, column = divmod(cell, self.columns)
        return (self.margin_left + column * self.pitch_x, self.margin_top + row * self.pitch_y)

    def size(self) -> str:
        """The label's size, "45,7 × 21,2 mm" in German."""
        return _("%(width)s × %(height)s mm") % {
            "width": _mm(self.label_width),
            "height": _mm(self.label_height),
        }

    def description(self) -> str:
        """ "70 × 37 mm, 24 per sheet (3 × 8)" in the active language."""
        size = self.size()
        if self.printer:
            return _("%(size)s, label printer: one label per page") % {"size": size}
        return _("%(size)s, %(count)d per sheet (%(columns)d × %(rows)d)") % {
            "size": size,
            "count": self.per_page,
            "columns": self.columns,
            "rows": self.rows,
        }


def _mm(value: float) -> str:
    """A measurement as the language writes it, without trailing zeros: "45,7", "10"."""
    value = round(value, 2)
    return number_format(int(value) if value == int(value) else value)


TEMPLATES: dict[str, LabelTemplate] = {
    template.key: template
    for template in (
        LabelTemplate(
            key="avery-3474",
            name="Avery Zweckform 3474",
            page_width=A4[0],
            page_height=A4[1],
            label_width=70.0,
            label_height=37.0,
            columns=3,
            rows=8,
            margin_left=0.0,
            margin_top=0.5,
        ),
        LabelTemplate(
            key="avery-l4736rev",
            name="Avery Zweckform L4736REV",
            page_width=A4[0],
            page_height=A4[1],
            label_width=45.7,
            label_height=21.2,
            columns=4,
            rows=12,
            margin_left=9.75,
            margin_top=21.3,
            pitch_x=48.26,
        ),
        LabelTemplate(
            key="avery-l4731rev",
            name="Avery Zweckform L4731REV",
            page_width=A4[0],
            page_height=A4[1],
            label_width=25.4,
            label_height=10.0,
            columns=7,
            rows=27,
            margin_left=8.48,
            margin_top=13.5,
            pitch_x=27.94,
            # 25.4 × 10 mm: a code and the asset tag, nothing more.
            fields=("qr", "barcode", "tag"),
            default_fields=("qr", "tag"),
            one_code=True,
        ),
        LabelTemplate(
            key="printer-62x29",
            name=gettext_lazy("Label printer 62 × 29 mm"),
            page_width=62.0,
            page_height=29.0,
            label_width=62.0,
            label_height=29.0,
            printer=True,
        ),
        LabelTemplate(
            key="printer-51x25",
            name=gettext_lazy("Label printer 51 × 25 mm (2 × 1 inch)"),
            page_width=50.8,
            page_height=25.4,
            label_width=50.8,
            label_height=25.4,
            printer=True,
        ),
    )
}
CUSTOM = "custom"
DEFAULT_TEMPLATE = "avery-l4736rev"

# The measurements of a custom grid: name -> (default, smallest, largest); None: required.
CUSTOM_FIELDS: dict[str, tuple[float | None, float, float]] = {
    "page_width": (A4[0], 10.0, MAX_PAGE_MM),
    "page_height": (A4[1], 10.0, MAX_PAGE_MM),
    "label_width": (None, MIN_LABEL_MM[0], MAX_PAGE_MM),
    "label_height": (None, MIN_LABEL_MM[1], MAX_PAGE_MM),
    "columns": (1, 1, MAX_GRID),
    "rows": (1, 1, MAX_GRID),
    "margin_left": (0.0, 0.0, MAX_PAGE_MM),
    "margin_top": (0.0, 0.0, MAX_PAGE_MM),
    "pitch_x": (0.0, 0.0, MAX_PAGE_MM),
    "pitch_y": (0.0, 0.0, MAX_PAGE_MM),
}


def custom_template(values: dict[str, float | int | None]) -> LabelTemplate:
    """A grid given in millimetres (CUSTOM_FIELDS; a pitch left at 0 or out: the labels
    touch). ValidationFailed, naming each field, when a value is missing or out of range,
    a pitch is smaller than the label, or the grid does not fit on the page. A grid of one
    label exactly the page's size is a label printer's."""
    errors: list[dict] = []
    given: dict[str, float] = {}
    for name, (default, low, high) in CUSTOM_FIELDS.items():
        value = values.get(name)
        if value is None:
            value = default
        if value is None:
            errors.append({"field": name, "message": _("Please enter this measurement in mm.")})
            continue
        if name in ("columns", "rows") and int(value) != value:
            errors.append({"field": name, "message": _("Please enter a whole number.")})
            continue
        if not low <= value <= high:
            errors.append(
                {
                    "field": name,
                    "message": _("Please enter a value from %(low)s to %(high)s.")
                    % {"low": _mm(low), "high": _mm(high)},
                }
            )
            continue
        given[name] = value
    if errors:
        raise ValidationFailed(_("The custom grid is not complete."), errors=errors)
    columns, rows = int(given["columns"]), int(given["rows"])
    pitch_x = given["pitch_x"] or given["label_width"]
    pitch_y = given["pitch_y"] or given["label_height"]
    if pitch_x < given["label_width"]:
        errors.append(
            {"field": "pitch_x", "message": _("The pitch must be at least the label's width.")}
        )
    if pitch_y < given["label_height"]:
        errors.append(
            {"field": "pitch_y", "message": _("The pitch must be at least the label's height.")}
        )
    right = given["margin_left"] + (columns - 1) * pitch_x + given["label_width"]
    bottom = given["margin_top"] + (rows - 1) * pitch_y + given["label_height"]
    if not errors and right > given["page_width"] + TOLERANCE_MM:
        errors.append(
            {
                "field": "columns",
                "message": _(
                    "The labels end %(end)s mm from the left edge, past the page's width of "
                    "%(width)s mm."
                )
                % {"end": _mm(right), "width": _mm(given["page_width"])},
            }
        )
    if not errors and bottom > given["page_height"] + TOLERANCE_MM:
        errors.append(
            {
                "field": "rows",
                "message": _(
                    "The labels end %(end)s mm from the top edge, past the page's height of "
                    "%(height)s mm."
                )
                % {"end": _mm(bottom), "height": _mm(given["page_height"])},
            }
        )
    if errors:
        raise ValidationFailed(_("The custom grid does not fit on the page."), errors=errors)
    printer = (
        columns == rows == 1
        and abs(given["page_width"] - given["label_width"]) <= TOLERANCE_MM
        and abs(given["page_height"] - given["label_height"]) <= TOLERANCE_MM
    )
    return LabelTemplate(
        key=CUSTOM,
        name=_("Custom grid"),
        page_width=given["page_width"],
        page_height=given["page_height"],
        label_width=given["label_width"],
        label_height=given["label_height"],
        columns=columns,
        rows=rows,
        margin_left=given["margin_left"],
        margin_top=given["margin_top"],
        pitch_x=pitch_x,
        pitch_y=pitch_y,
        printer=printer,
    )
