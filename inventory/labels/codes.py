"""The codes on a label as modules, for the renderers to draw: the QR code's matrix
(zxing-cpp's writer) and the Code 128 bar pattern (python-barcode's encoder). Nothing here
draws.

QR: zxing-cpp encodes in C++ and evaluates all eight mask patterns, picking the one with
the fewest misleading shapes, in about 0.2 ms a symbol (a pure-Python encoder takes 1.5 ms
with one fixed mask and 8 ms choosing). The renderers still keep what they make of the
last few thousand (QR_CACHE) for the process, so printing a sheet again (at another start
position, say) does not encode its codes again.

Code 128: only the printable ASCII characters (space to "~") are accepted. Umlauts and
other letters need the FNC4 shift that hand scanners rarely read back as they were
printed, and python-barcode takes "ñ", "ó", "ò" and "ô" for the function characters
FNC1–FNC4: a tag with them would print a code that scans as something else. Every
pattern is decoded again here before it is handed out (`_decode`), so a pattern that does
not read back as its text is refused instead of printed.

python-barcode 0.16 drops a leading "99" ("99-0001" scans as "-0001"): it starts every
symbol in code set C and then takes the digit pair 99 right after the start for the
switch to code set C, which it removes. `_Encoder` leaves a digit pair alone."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import zxingcpp
from barcode.charsets import code128 as charset
from barcode.codex import Code128

QR_ERROR = "M"
QR_CACHE = 4096
# zxing-cpp's image of a symbol: 0 a dark module, 255 a light one.
_DARK = bytes.maketrans(b"\x00\xff", b"\x01\x00")

# A Code 128 symbol: a start character, the data, a check character (11 modules each)
# and the stop pattern (13 modules).
SYMBOL_MODULES = 11
STOP_MODULES = 13
START_A, START_B, START_C = 103, 104, 105
CODE_C, CODE_B, CODE_A, FNC1 = 99, 100, 101, 102
SHIFT = 98


DARK_RUN = re.compile(rb"\x01+")
_BAR = re.compile("1+")


class CodeRefused(ValueError):
    """The text cannot be put into this code; `char` is the first character that cannot."""

    def __init__(self, text: str, char: str = ""):
        super().__init__(text)
        self.text = text
        self.char = char


@dataclass(frozen=True)
class QRCode:
    """A QR symbol of `size` × `size` modules (no quiet zone): `matrix`, a row of bytes
    per row of modules, 1 for a dark one."""

    size: int
    matrix: tuple[bytes, ...]
    version: int

    def runs(self) -> Iterator[tuple[int, int, int]]:
        """The dark modules as (row, first column, length), row by row."""
        for row, modules in enumerate(self.matrix):
            for run in DARK_RUN.finditer(modules):
                yield row, run.start(), run.end() - run.start()


@dataclass(frozen=True)
class Bars:
    """A Code 128 symbol of `modules` modules (no quiet zone); `bars`: each bar as (first
    module, width in modules)."""

    text: str
    modules: int
    bars: tuple[tuple[int, int], ...]


class _Encoder(Code128):
    """python-barcode's Code 128 encoder, without its mistake for a leading "99"."""

    def _try_to_optimize(self, encoded: list[int]) -> list[int]:
        # Right after the start in code set C, 99 is the digits "99", not a switch.
        if encoded[0] == START_C and len(encoded) > 1 and encoded[1] == CODE_C:
            return encoded
        return super()._try_to_optimize(encoded)


def qr_code(text: str) -> QRCode:
    """The QR code of `text` (an address): the smallest version that holds it at error
    correction level M."""
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=QR_ERROR)
    image = memoryview(symbol.to_image(scale=1, add_quiet_zones=False))
    size = image.shape[0]
    modules = image.tobytes().translate(_DARK)
    matrix = tuple(modules[row * size : (row + 1) * size] for row in range(size))
    return QRCode(size=size, matrix=matrix, version=(size - 17) // 4)


def code128_refusal(text: str) -> str | None:
    """The first character of `text` a Code 128 barcode cannot hold (see the module's
    docstring), "" for an empty text, or None when it can hold them all."""
    if not text:
        return ""
    for char in text:
        if not " " <= char <= "~":
            return char
    return None


def code128(text: str) -> Bars:
    """The Code 128 symbol of `text`; CodeRefused for a text it cannot hold or a pattern
    that would not read back as `text`."""
    refused = code128_refusal(text)
    if refused is not None:
        raise CodeRefused(text, refused)
    # A new encoder each time: python-barcode keeps the current code set in the instance.
    pattern = _Encoder(text).build()[0]
    if _decode(pattern) != text:
        raise CodeRefused(text)
    bars = tuple((bar.start(), bar.end() - bar.start()) for bar in _BAR.finditer(pattern))
    return Bars(text=text, modules=len(pattern), bars=bars)


_VALUES = {pattern: value for value, pattern in enumerate(charset.CODES)}
_STOP = charset.STOP + "11"


def _decode(pattern: str) -> str | None:
    """The text a Code 128 reader gets from `pattern`: start character, data in code sets
    A, B and C, check character, stop. None for anything else (a function character, a
    wrong check character, a pattern that is not Code 128)."""
    if not pattern.endswith(_STOP) or (len(pattern) - STOP_MODULES) % SYMBOL_MODULES:
        return None
    body = pattern[:-STOP_MODULES]
    values = []
    for index in range(0, len(body), SYMBOL_MODULES):
        value = _VALUES.get(body[index : index + SYMBOL_MODULES])
        if value is None:
            return None
        values.append(value)
    if len(values) < 2:
        return None
    *data, check = values
    weighted = data[0] + sum(position * value for position, value in enumerate(data) if position)
    if weighted % 103 != check:
        return None
    sets = {START_A: "A", START_B: "B", START_C: "C"}
    if data[0] not in sets:
        return None
    current = sets[data[0]]
    text = []
    for value in data[1:]:
        if current == "C":
            if value < 100:
                text.append(f"{value:02d}")
            elif value == CODE_B:
                current = "B"
            elif value == CODE_A:
                current = "A"
            else:
                return None
            continue
        if value == CODE_C:
            current = "C"
        elif value == CODE_B and current == "A":
            current = "B"
        elif value == CODE_A and current == "B":
            current = "A"
        elif value >= SHIFT:  # SHIFT, FNC1-4: never in what Lernstatt prints
            return None
        elif current == "B" or value < 64:
            text.append(chr(value + 32))
        else:
            text.append(chr(value - 64))
    return "".join(text)
