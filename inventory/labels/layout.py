"""Where each part of a label goes, in millimetres from the label's top left corner: worked
out once per print from the label's size and the fields chosen, and shared by the PDF and
the ZPL renderer. Also the text rules: what a text prints as in the label font and how it
is fitted into its place.

A label with both codes has the barcode across its whole width at the bottom and the QR
code at the top left, the texts beside it; with one code, the QR code stands at the left
(the texts beside it) or the barcode at the bottom (the texts above it). The texts are
the asset tag (bold, a little larger), the school, the room and the owner line, in this
order, as large as the space allows up to 8 pt (the asset tag 10 pt).

The label font is Helvetica, one of the fonts every PDF reader and printer has, so nothing
is embedded and nothing is parsed per document: its widths come with fpdf2. It prints the
characters of Windows-1252 (German and the other Western European languages, „“ – …); any
other character prints as its letter without accents where it has one ("ł" has none and
prints as "?")."""

import unicodedata
from dataclasses import dataclass

from fpdf.fonts import CORE_FONTS_CHARWIDTHS

from inventory.labels.codes import Bars
from inventory.labels.templates import LabelTemplate

PT_MM = 25.4 / 72
LINE_HEIGHT = 1.18  # a line's height for its font size
TEXT_WEIGHTS = {"tag": 1.25, "school": 1.0, "room": 1.0, "owner": 0.85}
TEXTS = tuple(TEXT_WEIGHTS)
BASE_PT = 8.0  # the largest size of the texts but the asset tag
MIN_PT = 3.5  # smaller is not legible
MIN_TEXT_WIDTH_MM = 8.0
SHRINK = 0.75  # a school or room name shrinks this far before it is cut off ("…")
# Code 128: the narrowest module that laser printers and hand scanners handle (7.5 mil),
# the widest worth printing, and the quiet zone on either side (ISO/IEC 15417: 10 modules).
MIN_MODULE_MM = 0.19
MAX_MODULE_MM = 0.5
QUIET_MODULES = 10
BAR_SHARE = 0.28  # of the label's height, beside a QR code
MIN_BAR_MM = 3.0
MAX_BAR_MM = 12.0
TEXT_SHARE = 0.35  # of the label's height, above a barcode without a QR code
QR_MARGIN = 1  # module of white inside the QR code's box; the label's padding adds more

ENCODING = "windows-1252"
FONT = "helvetica"
_WIDTHS = {False: CORE_FONTS_CHARWIDTHS[FONT], True: CORE_FONTS_CHARWIDTHS[FONT + "B"]}


class LayoutError(ValueError):
    """The fields chosen do not fit on a label of this size."""


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class TextSlot:
    """A line of text: its field, its box, its largest size (pt) and its weight."""

    field: str
    box: Box
    size: float
    bold: bool


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    qr: Box | None
    barcode: Box | None
    texts: tuple[TextSlot, ...]


@dataclass(frozen=True)
class PrintedText:
    """A text as it prints: its place in the layout's `texts`, the text and its size."""

    slot: int
    text: str
    size: float


@dataclass(frozen=True)
class LabelContent:
    """What one device's label prints, fitted to the layout already: the address of its QR
    code, its barcode and the module width of the barcode (mm), its texts."""

    tag: str
    url: str | None
    bars: Bars | None
    module: float | None
    texts: tuple[PrintedText, ...]


def label_layout(template: LabelTemplate, fields: tuple[str, ...]) -> Layout:
    """The places of `fields` on a label of `template`; LayoutError when they do not fit
    (the texts would be smaller than MIN_PT, or narrower than MIN_TEXT_WIDTH_MM)."""
    width, height = template.label_width, template.label_height
    pad = min(max(min(width, height) * 0.06, 0.5), 2.5)
    gap = max(pad * 0.5, 0.3)
    inner = Box(pad, pad, width - 2 * pad, height - 2 * pad)
    texts = [name for name in TEXTS if name in fields]
    qr_box = bar_box = text_box = None
    if "qr" in fields and "barcode" in fields:
        bar_h = min(max(inner.h * BAR_SHARE, MIN_BAR_MM), MAX_BAR_MM)
        top = inner.h - bar_h - gap
        bar_box = Box(inner.x, inner.y + inner.h - bar_h, inner.w, bar_h)
        side = min(top, inner.w * 0.5) if texts else top
        left = inner.x if texts else inner.x + (inner.w - side) / 2
        qr_box = Box(left, inner.y, side, side)
        text_box = Box(inner.x + side + pad, inner.y, inner.w - side - pad, top)
    elif "qr" in fields:
        side = min(inner.h, inner.w * 0.5) if texts else min(inner.h, inner.w)
        left = inner.x if texts else inner.x + (inner.w - side) / 2
        qr_box = Box(left, inner.y + (inner.h - side) / 2, side, side)
        text_box = Box(inner.x + side + pad, inner.y, inner.w - side - pad, inner.h)
    elif "barcode" in fields:
        if texts:
            wanted = _lines_height(texts, BASE_PT)
            text_h = min(wanted, max(inner.h * TEXT_SHARE, inner.h - MAX_BAR_MM - gap))
            bar_h = min(inner.h - text_h - gap, MAX_BAR_MM)
            text_box = Box(inner.x, inner.y, inner.w, inner.h - bar_h - gap)
        else:
            bar_h = min(inner.h, MAX_BAR_MM)
        if bar_h < MIN_BAR_MM:
            raise LayoutError("barcode")
        bar_box = Box(inner.x, inner.y + inner.h - bar_h, inner.w, bar_h)
    else:
        text_box = inner
    slots: list[TextSlot] = []
    if texts:
        if text_box is None or text_box.w < MIN_TEXT_WIDTH_MM:
            raise LayoutError("texts")
        base = min(BASE_PT, text_box.h / _lines_height(texts, 1.0))
        if base * min(TEXT_WEIGHTS[name] for name in texts) < MIN_PT:
            raise LayoutError("texts")
        y = text_box.y + (text_box.h - _lines_height(texts, base)) / 2
        for name in texts:
            size = base * TEXT_WEIGHTS[name]
            line = size * PT_MM * LINE_HEIGHT
            slots.append(TextSlot(name, Box(text_box.x, y, text_box.w, line), size, name == "tag"))
            y += line
    return Layout(width, height, qr_box, bar_box, tuple(slots))


def _lines_height(texts: list[str], base: float) -> float:
    return sum(base * TEXT_WEIGHTS[name] * PT_MM * LINE_HEIGHT for name in texts)


# -- texts ----------------------------------------------------------------------------------


def printable(text: str) -> str:
    """`text` in the characters the label font has (see the module's docstring)."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    try:
        text.encode(ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    chars = []
    for char in text:
        try:
            char.encode(ENCODING)
            chars.append(char)
        except UnicodeEncodeError:
            base = "".join(
                part
                for part in unicodedata.normalize("NFKD", char)
                if not unicodedata.combining(part)
            )
            try:
                base.encode(ENCODING)
                chars.append(base or "?")
            except UnicodeEncodeError:
                chars.append("?")
    return "".join(chars)


def text_width(text: str, size: float, *, bold: bool) -> float:
    """The width in mm of `text` (printable already) at `size` pt."""
    widths = _WIDTHS[bold]
    units = sum(widths[char] for char in text.encode(ENCODING).decode("latin-1"))
    return units * size / 1000 * PT_MM


def fit_text(text: str, slot: TextSlot, *, whole: bool = False) -> tuple[str, float] | None:
    """`text` (printable) as it fits into `slot`: at the slot's size, or smaller; then, for
    a text that may be cut (`whole` false), cut off with "…". None when a `whole` text does
    not fit even at MIN_PT."""
    room = slot.box.w
    size = slot.size
    full = text_width(text, size, bold=slot.bold)
    if full <= room:
        return text, size
    fitting = size * room / full * 0.999
    smallest = MIN_PT if whole else max(MIN_PT, size * SHRINK)
    if fitting >= smallest:
        return text, fitting
    if whole:
        return None
    while text and text_width(text.rstrip() + "…", smallest, bold=slot.bold) > room:
        text = text[:-1]
    return (text.rstrip() + "…", smallest) if text.strip() else None


def barcode_module(modules: int, layout: Layout) -> float | None:
    """The module width (mm) of a Code 128 symbol of `modules` modules on the label: as
    wide as the barcode's place and the quiet zones allow, at most MAX_MODULE_MM; None when
    that is narrower than MIN_MODULE_MM."""
    assert layout.barcode is not None
    module = min(
        MAX_MODULE_MM,
        layout.width / (modules + 2 * QUIET_MODULES),
        layout.barcode.w / modules,
    )
    return module if module >= MIN_MODULE_MM else None
