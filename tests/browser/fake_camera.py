"""A fake camera for the browser tests: a video in the YUV4MPEG2 format (.y4m), which
Chromium plays as its camera when started with
`--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<file>`
(and loops when it ends).

The codes are drawn from the modules Lernstatt prints on its labels
(inventory.labels.codes: the QR code of the device's link, the Code 128 barcode of its
asset tag), each large and centred on white for a while, with white frames between, so a
reader sees each code once per loop. Plain Python and Pillow: every pixel is black or
white, so the picture needs only its luma plane; both chroma planes are neutral grey."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from inventory.labels.codes import code128, qr_code
from inventory.labels.printing import device_url

WIDTH, HEIGHT = 640, 480
FPS = 10
WHITE, BLACK = 255, 0
NEUTRAL_CHROMA = 128
QR_QUIET_MODULES = 4  # what ISO/IEC 18004 asks for
BARS_QUIET_MODULES = 10  # what ISO/IEC 15417 asks for


@dataclass(frozen=True)
class Code:
    """One code in the video: "qr" or "code128", and its text."""

    kind: str
    text: str


def device_qr(asset_tag: str) -> Code:
    """The QR code on the label of the device with this tag: its link (…/d/<tag>)."""
    return Code("qr", device_url(asset_tag))


def tag_code128(asset_tag: str) -> Code:
    """The Code 128 barcode on the label: the asset tag itself."""
    return Code("code128", asset_tag)


def code_image(code: Code) -> Image.Image:
    """A frame (greyscale, WIDTH × HEIGHT) with `code` as large as fits, centred on white."""
    frame = Image.new("L", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(frame)
    if code.kind == "qr":
        symbol = qr_code(code.text)
        module = int(HEIGHT * 0.8) // (symbol.size + 2 * QR_QUIET_MODULES)
        left = (WIDTH - symbol.size * module) // 2
        top = (HEIGHT - symbol.size * module) // 2
        for row, column, length in symbol.runs():
            x, y = left + column * module, top + row * module
            draw.rectangle((x, y, x + length * module - 1, y + module - 1), fill=BLACK)
    elif code.kind == "code128":
        bars = code128(code.text)
        module = int(WIDTH * 0.95) // (bars.modules + 2 * BARS_QUIET_MODULES)
        if module < 2:
            raise ValueError(f"{code.text!r} is too long for a {WIDTH} pixel wide frame")
        left = (WIDTH - bars.modules * module) // 2
        top, bottom = HEIGHT // 4, HEIGHT * 3 // 4
        for start, width in bars.bars:
            x = left + start * module
            draw.rectangle((x, top, x + width * module - 1, bottom), fill=BLACK)
    else:
        raise ValueError(f"unknown kind of code: {code.kind}")
    return frame


def write_video(
    path: Path, codes: Sequence[Code], *, seconds: float = 1.5, gap: float = 1.0
) -> Path:
    """Writes the video of `codes` to `path`: a white gap, then each code for `seconds`
    followed by a white gap of `gap` seconds. Returns `path`."""
    chroma = bytes([NEUTRAL_CHROMA]) * ((WIDTH // 2) * (HEIGHT // 2))
    white = Image.new("L", (WIDTH, HEIGHT), WHITE).tobytes()
    shown = round(seconds * FPS)
    blank = max(1, round(gap * FPS))
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode("ascii"))

        def frames(luma: bytes, count: int) -> None:
            for _ in range(count):
                video.write(b"FRAME\n")
                video.write(luma)
                video.write(chroma)
                video.write(chroma)

        frames(white, blank)
        for code in codes:
            frames(code_image(code).tobytes(), shown)
            frames(white, blank)
    return path
