"""Reading printed labels back, as a scanner and a ruler would: the PDF rasterised by
Poppler's pdftoppm (Debian's poppler-utils, `make system-deps`) and decoded by zxing-cpp,
and the place of every code read from the page's content stream."""

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from inventory.labels.templates import LabelTemplate
from tests.conftest import service_missing

DPI = 300
MM_PER_PT = 25.4 / 72
# A code as inventory.labels.pdf draws it: its own coordinates (`cm`: one unit a module,
# y downwards from its top left corner), then its rectangles, filled once.
_NUMBER = rb"[-\d.]+"
_CODE = re.compile(
    rb"q 0 g (?P<a>%s) 0 0 (?P<d>%s) (?P<e>%s) (?P<f>%s) cm (?P<path>[^Q]*?) f Q" % ((_NUMBER,) * 4)
)


def rasterise(pdf: bytes, dpi: int = DPI) -> list[Image.Image]:
    """Every page of `pdf` as a greyscale image, as `pdftoppm -r 300 -png` makes it."""
    if shutil.which("pdftoppm") is None:
        service_missing("pdftoppm is not installed (apt-get install poppler-utils)")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "labels.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(source), str(Path(folder) / "page")],
            check=True,
            timeout=120,
        )
        pages = sorted(Path(folder).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        return [Image.open(page).convert("L") for page in pages]


def decode(image: Image.Image) -> list[tuple[str, str]]:
    """The codes zxing-cpp finds in `image`: ("qr" or "code128", text), sorted."""
    found = []
    for result in zxingcpp.read_barcodes(image):
        if result.format == zxingcpp.BarcodeFormat.Code128:
            found.append(("code128", result.text))
        elif "QR" in str(result.format):
            found.append(("qr", result.text))
        else:
            found.append((str(result.format), result.text))
    return sorted(found)


def cell_image(page: Image.Image, template: LabelTemplate, cell: int, dpi: int = DPI):
    """The part of a rasterised page that is the label in position `cell`."""
    x, y = template.origin(cell)
    scale = dpi / 25.4
    box = (x, y, x + template.label_width, y + template.label_height)
    return page.crop(tuple(round(value * scale) for value in box))


@dataclass(frozen=True)
class DrawnCode:
    """A code as drawn on a page: "qr" or "bars", its top left corner and its module (mm)."""

    kind: str
    x: float
    y: float
    module: float
    rectangles: int


def drawn_codes(pdf: bytes) -> list[list[DrawnCode]]:
    """The codes of each page, read from its content stream, in the order drawn."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = []
    for page in reader.pages:
        height = float(page.mediabox.height)
        content = page.get_contents().get_data()
        codes = []
        for match in _CODE.finditer(content):
            a, d = float(match["a"]), float(match["d"])
            kind = "qr" if abs(a + d) < 1e-4 else "bars"
            codes.append(
                DrawnCode(
                    kind=kind,
                    x=float(match["e"]) * MM_PER_PT,
                    y=(height - float(match["f"])) * MM_PER_PT,
                    module=a * MM_PER_PT,
                    rectangles=match["path"].count(b" re"),
                )
            )
        pages.append(codes)
    return pages


def has_images(pdf: bytes) -> bool:
    """Whether any page of `pdf` draws an image (an XObject of subtype Image)."""
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        objects = page.get("/Resources", {}).get("/XObject", {})
        if any(objects[name].get_object().get("/Subtype") == "/Image" for name in objects):
            return True
    return False
