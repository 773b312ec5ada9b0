"""Labels as a vector PDF (fpdf2): every code is drawn as filled rectangles, never an image,
so it prints sharp at any printer's resolution.

Each code is one path of rectangles in its own coordinate system of modules (`cm`: one
unit is one module, the origin its top left corner), filled once: a QR code is one
rectangle per run of dark modules in a row (and in the rows below that have the same
run), a barcode one per bar. Filling a code as one path leaves no hairline between
touching modules, and writing its few hundred rectangles as one string is what keeps a
stack of sheets fast: FPDF.rect costs about 20 µs a rectangle, 8 s for the 430,000 of
2,000 labels (bench/labels.py). The texts (Helvetica, inventory.labels.layout) are text
operators as FPDF.text writes them, in the same string (FPDF.text costs 60 µs a line).
The string is written with FPDF._out, and each page gets both weights of the font with
FPDF._set_font_for_page, as fpdf2's own drawing does: fpdf2 is pinned in pyproject.toml."""

import functools
from collections.abc import Iterable

from fpdf import FPDF

from inventory.labels import codes
from inventory.labels.layout import (
    BASE_PT,
    ENCODING,
    FONT,
    PT_MM,
    QR_MARGIN,
    LabelContent,
    Layout,
)
from inventory.labels.templates import LabelTemplate

# Helvetica's cap height and descender, in ems: a line is centred on them.
ASCENT = 0.718
DESCENT = 0.207
CREATOR = "Lernstatt"


@functools.lru_cache(maxsize=codes.QR_CACHE)
def _qr_path(url: str) -> tuple[int, str]:
    """The QR code of `url` as the rectangles of its path, in modules: a run of dark
    modules in a row, and the same run in the rows below it, is one rectangle."""
    symbol = codes.qr_code(url)
    parts = []
    above: dict[tuple[int, int], int] = {}  # (first, end) of a run -> its top row
    for row, modules in enumerate(symbol.matrix):
        here = {}
        for run in codes.DARK_RUN.finditer(modules):
            span = run.span()
            here[span] = above.pop(span, row)
        for (first, end), top in above.items():
            parts.append(f"{first} {top} {end - first} {row - top} re")
        above = here
    for (first, end), top in above.items():
        parts.append(f"{first} {top} {end - first} {symbol.size - top} re")
    return symbol.size, " ".join(parts)


def _bar_path(bars: codes.Bars) -> str:
    return " ".join(f"{start} 0 {width} 1 re" for start, width in bars.bars)


class LabelSheet(FPDF):
    """One document of labels of one template; `place` puts a label into a position."""

    def __init__(self, template: LabelTemplate, layout: Layout, *, title: str) -> None:
        super().__init__(unit="mm", format=(template.page_width, template.page_height))
        self.template = template
        self.layout = layout
        self.core_fonts_encoding = ENCODING
        self.set_margins(0, 0, 0)
        self.set_auto_page_break(False)
        self.c_margin = 0
        self.set_title(title)
        self.set_creator(CREATOR)
        self.set_lang("de-DE")
        self.set_text_color(0)
        self.pages_used = 0
        self.page_fonts: dict = {}

    def place(self, label: LabelContent, position: int) -> None:
        """Print `label` at `position` (0-based, counted across pages)."""
        page, cell = divmod(position, self.template.per_page)
        while self.pages_used <= page:
            self.start_page()
        x, y = self.template.origin(cell)
        layout, k, height = self.layout, self.k, self.h
        ops = []
        if label.url is not None and layout.qr is not None:
            size, path = _qr_path(label.url)
            box = layout.qr
            module = box.w / (size + 2 * QR_MARGIN)
            left = x + box.x + QR_MARGIN * module
            top = y + box.y + QR_MARGIN * module
            scale = module * k
            ops.append(
                f"q 0 g {scale:.5f} 0 0 {-scale:.5f} {left * k:.4f} {(height - top) * k:.4f} cm "
                f"{path} f Q"
            )
        if label.bars is not None and layout.barcode is not None and label.module:
            box = layout.barcode
            width = label.bars.modules * label.module
            left = x + box.x + (box.w - width) / 2
            top = y + box.y
            ops.append(
                f"q 0 g {label.module * k:.5f} 0 0 {-box.h * k:.5f} {left * k:.4f} "
                f"{(height - top) * k:.4f} cm {_bar_path(label.bars)} f Q"
            )
        for printed in label.texts:
            slot = layout.texts[printed.slot]
            font = self.page_fonts[slot.bold]
            size_mm = printed.size * PT_MM
            baseline = (
                y + slot.box.y + (slot.box.h - (ASCENT + DESCENT) * size_mm) / 2 + ASCENT * size_mm
            )
            text = font.encode_text(printed.text.encode(ENCODING).decode("latin-1"))
            ops.append(
                f"BT 0 g /F{font.i} {printed.size:.2f} Tf {(x + slot.box.x) * k:.2f} "
                f"{(height - baseline) * k:.2f} Td {text} ET"
            )
        if ops:
            self._out("\n".join(ops))

    def start_page(self) -> None:
        """A new page, with both weights of the label font on it: the texts are written
        as text operators of their own (as FPDF.text writes them), one string a label."""
        self.add_page()
        self.pages_used += 1
        self.page_fonts = {}
        for bold in (False, True):
            self.set_font(FONT, "B" if bold else "", BASE_PT)
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
            self.page_fonts[bold] = self.current_font


def labels_pdf(
    labels: Iterable[LabelContent],
    *,
    template: LabelTemplate,
    layout: Layout,
    start: int = 1,
    copies: int = 1,
    title: str = "",
) -> LabelSheet:
    """The document with each label `copies` times in a row, from the position `start`
    (1-based) of the first sheet on; `.output()` gives its bytes."""
    sheet = LabelSheet(template, layout, title=title)
    position = start - 1
    for label in labels:
        for _copy in range(copies):
            sheet.place(label, position)
            position += 1
    if not sheet.pages_used:
        sheet.start_page()
    return sheet
