"""Labels as ZPL II for Zebra label printers at 203 dpi (8 dots a millimetre): one format
(`^XA` … `^XZ`) per device, printed `^PQ` times, with the same layout as the PDF. The
printer draws the codes itself: `^BQ` the QR code (model 2, error correction M),
`^BC` the Code 128 barcode, in code set B; the texts are `^A0` (the printer's scalable
font) in UTF-8 (`^CI28`).

Escaping: in a `^BC` field ">" starts an invocation code, so ">" is sent as ">0", and "^"
and "~", which would start a ZPL command, as "><" and ">=" (their values in code set B).
Texts go through `^FH` (hexadecimal escapes with "_"). The address in a QR code has no
"^" (Django's reverse() escapes it) and its "~" is sent as "%7E", the same address."""

import functools
from collections.abc import Iterable

from inventory.labels import codes
from inventory.labels.layout import (
    MAX_MODULE_MM,
    PT_MM,
    QR_MARGIN,
    QUIET_MODULES,
    LabelContent,
    Layout,
)
from inventory.labels.templates import LabelTemplate

DPI = 203
DOTS_PER_MM = 8
MIN_MODULE_DOTS = 2  # 0.25 mm: one dot (0.125 mm) is too narrow for hand scanners
MAX_MAGNIFICATION = 10
CONTENT_TYPE = "text/plain; charset=utf-8"

_BC_ESCAPES = str.maketrans({">": ">0", "^": "><", "~": ">="})
_FH_ESCAPES = str.maketrans({"_": "_5F", "^": "_5E", "~": "_7E"})


@functools.lru_cache(maxsize=256)
def _qr_size(length: int) -> int:
    """The modules of a side of the largest QR code the printer makes of an address of
    `length` characters: the version Lernstatt's own QR code takes for them at level M. The
    printer's automatic mode may take a smaller one, never a larger; encoding each address
    only to measure it would take 2 ms a label."""
    return codes.qr_code("x" * length).size


def dots(mm: float) -> int:
    return round(mm * DOTS_PER_MM)


def code128_modules(text: str) -> int:
    """The modules of `text` as `^BC` prints it in code set B: start, one character each,
    check character (11 modules each) and the stop pattern (13)."""
    return codes.SYMBOL_MODULES * (len(text) + 2) + codes.STOP_MODULES


def zpl_module(text: str, layout: Layout) -> int | None:
    """The module width (dots, `^BY`) of the barcode of `text` on the label, at most
    MAX_MODULE_MM; None when it would be narrower than MIN_MODULE_DOTS."""
    assert layout.barcode is not None
    modules = code128_modules(text)
    module = min(
        int(MAX_MODULE_MM * DOTS_PER_MM),
        dots(layout.width) // (modules + 2 * QUIET_MODULES),
        dots(layout.barcode.w) // modules,
    )
    return module if module >= MIN_MODULE_DOTS else None


def labels_zpl(
    labels: Iterable[LabelContent], *, template: LabelTemplate, layout: Layout, copies: int = 1
) -> str:
    """The ZPL of the labels, each printed `copies` times."""
    formats = [_format(label, template=template, layout=layout, copies=copies) for label in labels]
    return "".join(formats)


def _format(label: LabelContent, *, template: LabelTemplate, layout: Layout, copies: int) -> str:
    lines = [
        "^XA",
        "^CI28",
        f"^PW{dots(template.label_width)}",
        f"^LL{dots(template.label_height)}",
        "^LH0,0",
    ]
    if label.url is not None and layout.qr is not None:
        box = layout.qr
        data = label.url.replace("~", "%7E")
        size = _qr_size(len(data.encode()))
        magnification = max(1, min(MAX_MAGNIFICATION, dots(box.w) // (size + 2 * QR_MARGIN)))
        margin = QR_MARGIN * magnification
        lines.append(
            f"^FO{dots(box.x) + margin},{dots(box.y) + margin}^BQN,2,{magnification}^FDMA,{data}^FS"
        )
    if label.bars is not None and layout.barcode is not None:
        box = layout.barcode
        module = zpl_module(label.tag, layout) or MIN_MODULE_DOTS
        width = code128_modules(label.tag) * module
        left = dots(box.x) + (dots(box.w) - width) // 2
        height = dots(box.h)
        lines.append(
            f"^FO{left},{dots(box.y)}^BY{module},3,{height}"
            f"^BCN,{height},N,N,N^FD>:{label.tag.translate(_BC_ESCAPES)}^FS"
        )
    for printed in label.texts:
        slot = layout.texts[printed.slot]
        height = max(10, round(printed.size * PT_MM * DOTS_PER_MM))
        top = dots(slot.box.y) + (dots(slot.box.h) - height) // 2
        lines.append(
            f"^FO{dots(slot.box.x)},{top}^A0N,{height},{height}"
            f"^FB{dots(slot.box.w)},1,0,L,0^FH_^FD{printed.text.translate(_FH_ESCAPES)}^FS"
        )
    lines.append(f"^PQ{copies}")
    lines.append("^XZ")
    return "\n".join(lines) + "\n"
