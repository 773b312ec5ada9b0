"""The loan agreement (Leihvertrag) as a printable A4 PDF, in German.

The guardian signs it at the handout, so it is printed for a reserved loan and reprinted
for one that is on loan, returned or lost. It is German whatever the user's language: the
city's contracts are. The fonts (DejaVu Sans, scheduling/fonts/) are embedded, so any
name prints, "Nguyễn" as "Müller-Lüdenscheidt", and the page looks the same on every
machine. The wording of the terms is in TERMS below and nowhere else.

Parsing a TrueType font takes fpdf2 longer than laying out the whole agreement, so each
font is parsed once per process (`_fonts`) and every document gets its own light copy
of it (`_font_for`): the widths and the character map are shared, the glyphs used are
counted per document. Each font is embedded cut down to the glyphs used. fontTools, which
fpdf2 cuts fonts with, takes 10 ms for each font, however few its glyphs, so each DejaVu
font is cut down by it once per process to the Latin script (`_cut`, `EMBED_RANGES`) and a
document that only uses glyphs of that copy embeds the copy with the outlines of its
glyphs alone (scheduling/agreement_embedding.py), in a fraction of a millisecond; a
fallback font (below) is taken apart glyph by glyph, once per process, on the first
document that needs it (`_whole`), and embedded with the glyphs of the document alone, as
fontTools would cut it down in 0.1 to 0.2 s; fpdf2 cuts any other font down from the whole
file (`_embed`). The fixed texts are broken into lines by fpdf2 once per process and
printed line by line (`text_block`).
Names in scripts DejaVu lacks (Chinese, Japanese, Korean) print with a fallback font
(`CJK_FONT_PATHS`, Droid Sans Fallback from the Debian package fonts-droid-fallback, and
for Hangul, which it lacks, Nanum Gothic from fonts-nanum; both installed by `make
system-deps`), each added only to a document that has a character it prints; without
the file the agreement still prints, those characters are missing and a warning is
logged. With a fallback font fpdf2 reads every text letter by letter for the font of
each: a text of DejaVu's Latin alone is read as without one (`_Agreement._parse_chars`).
The first print of a loan says "Original", every later one "Zweitschrift".
"""

import copy
import datetime
import functools
import io
import logging
import re
import struct
import threading
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fontTools import subset as ftsubset
from fontTools import ttLib
from fpdf import FPDF, FPDF_VERSION, XPos, YPos
from fpdf.enums import MethodReturnValue
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.unicode_script import UnicodeScript, get_unicode_script

from accounts.access_log import access_log_record
from accounts.models import AccessAction, AccessLogEntry, AccessVia
from core.errors import Conflict
from core.formats import money_text
from core.models import User
from core.permissions import Perm, require
from inventory.models import Category
from scheduling.agreement_embedding import Cut, CutFontsOutput, Whole, cut_apart
from scheduling.models import Accessory, Loan, LoanStatus, statuses_allowing

logger = logging.getLogger(__name__)
# fontTools logs every subset at INFO, glyph by glyph: the letters of the child's name.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
FONT_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}
# The fallback for Chinese, Japanese and Korean names: the first of these files found.
CJK_FONT = "CJK"
CJK_FONT_PATHS = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallback.ttf"),
)
# Droid Sans Fallback has no Hangul: Korean names print with Nanum Gothic (fonts-nanum).
HANGUL_FONT = "Hangul"
HANGUL_FONT_PATH = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")

INTRO = (
    "Zwischen der {city} als Schulträger, vertreten durch die unten genannte Schule "
    "(Verleiher), und der unten genannten Schülerin bzw. dem unten genannten Schüler, "
    "vertreten durch die Erziehungsberechtigten (Entleiher), wird folgender Leihvertrag "
    "nach den §§ 598 ff. BGB geschlossen."
)

# The terms of every loan: (heading, text), numbered in this order on the page.
TERMS: tuple[tuple[str, str], ...] = (
    (
        "Eigentum",
        "Das Gerät und das Zubehör bleiben Eigentum der {city}. Sie werden unentgeltlich und "
        "für schulische Zwecke überlassen. Inventaraufkleber und Kennzeichnungen dürfen "
        "nicht entfernt werden.",
    ),
    (
        "Sorgfalt",
        "Das Gerät ist pfleglich zu behandeln und vor Beschädigung, Verlust, Diebstahl, "
        "Nässe, Hitze und Kälte zu schützen. Es darf nicht geöffnet oder verändert werden; "
        "die vom Schulträger eingerichteten Programme und Sicherheitseinstellungen dürfen "
        "nicht umgangen oder entfernt werden. Die Nutzungsordnung der Schule gilt.",
    ),
    (
        "Keine Weitergabe",
        "Das Gerät darf nicht an Dritte weitergegeben, verliehen, vermietet, verpfändet oder "
        "verkauft werden. Es wird nur von der genannten Schülerin bzw. dem genannten Schüler "
        "genutzt.",
    ),
    (
        "Rückgabe",
        "Das Gerät ist mit dem gesamten Zubehör spätestens am Ende der Leihfrist in der "
        "Schule zurückzugeben, ohne Leihfrist auf Verlangen. Schule und Schulträger können "
        "das Gerät jederzeit vorzeitig zurückverlangen, insbesondere bei einem Verstoß gegen "
        "diese Bedingungen; beim Verlassen der Schule ist es in jedem Fall zurückzugeben.",
    ),
    (
        "Schäden und Verlust",
        "Schäden, Störungen, Verlust oder Diebstahl sind der Schule unverzüglich zu melden. "
        "Ein Diebstahl ist außerdem bei der Polizei anzuzeigen; die Bescheinigung über die "
        "Anzeige ist der Schule vorzulegen. Reparaturen veranlasst allein der Schulträger.",
    ),
    (
        "Haftung",
        "Für Beschädigung und Verlust wird nach den gesetzlichen Vorschriften gehaftet, "
        "insbesondere nach den §§ 598 ff. BGB. Abnutzung durch den vertragsgemäßen Gebrauch "
        "ist nicht zu vertreten (§ 602 BGB).",
    ),
    (
        "Daten auf dem Gerät",
        "Für eigene Daten auf dem Gerät sind die Entleiher selbst verantwortlich; sie sind "
        "vor der Rückgabe zu sichern. Bei der Rückgabe kann das Gerät auf den "
        "Auslieferungszustand zurückgesetzt werden; alle Daten auf dem Gerät werden dabei "
        "gelöscht.",
    ),
    (
        "Datenschutz",
        "Schule und Schulträger verarbeiten die Angaben dieses Vertrags nur zur Verwaltung "
        "der Leihgeräte. Die Informationen nach Art. 13 DSGVO stehen in der Anlage.",
    ),
)

# The damage known at the handout, in the annex; what the guardian will not be held to.
DAMAGE_INTRO = (
    "Diese Schäden und Mängel waren bei der Ausgabe bekannt; für sie haften die Entleiher nicht."
)
DAMAGE_NONE = "keine bekannt"
DAMAGE_BLANK = "Bei der Ausgabe festgestellte Schäden (von der Schule einzutragen)"

# The information of Art. 13 DSGVO: (heading, text), in the annex. "{city}" is the city.
PRIVACY: tuple[tuple[str, str], ...] = (
    (
        "Verantwortliche",
        "Die oben genannte Schule, vertreten durch die Schulleitung, und die {city} als "
        "Schulträger, der die Leihgeräte gehören und die sie verwaltet. Die Kontaktdaten "
        "der oder des Datenschutzbeauftragten nennt Ihnen die Schule.",
    ),
    (
        "Zweck",
        "Verwaltung der Leihgabe: Ausgabe, Rückgabe, Erinnerung an das Ende der Leihfrist "
        "sowie der Nachweis, wer das Gerät in welchem Zustand erhalten hat.",
    ),
    (
        "Daten",
        "Name, Klasse und Geburtsdatum der Schülerin bzw. des Schülers, Name der "
        "Erziehungsberechtigten, das Gerät, die Leihfrist, das Zubehör und der Zustand bei "
        "Ausgabe und Rückgabe.",
    ),
    (
        "Rechtsgrundlage",
        "Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit den Vorschriften des Schulgesetzes "
        "über die Verarbeitung personenbezogener Daten durch Schulen und Schulträger. Ohne "
        "diese Angaben kann kein Gerät verliehen werden.",
    ),
    (
        "Empfänger",
        "Die Schule und die für die Leihgeräte zuständige Stelle des Schulträgers.",
    ),
    (
        "Speicherdauer",
        "Die Daten werden gespeichert, solange das Gerät verliehen ist, und gelöscht, "
        "sobald sie für die Abwicklung der Leihgabe (etwa bei Schäden oder Verlust) nicht "
        "mehr erforderlich sind und keine gesetzliche Aufbewahrungspflicht entgegensteht.",
    ),
    (
        "Ihre Rechte",
        "Sie haben das Recht auf Auskunft (Art. 15 DSGVO), Berichtigung (Art. 16), "
        "Löschung (Art. 17) und Einschränkung der Verarbeitung (Art. 18) sowie das Recht, "
        "der Verarbeitung aus Gründen, die sich aus Ihrer besonderen Situation ergeben, zu "
        "widersprechen (Art. 21).",
    ),
    (
        "Beschwerderecht",
        "Sie können sich bei einer Datenschutz-Aufsichtsbehörde beschweren (Art. 77 DSGVO), "
        "insbesondere bei der oder dem Landesbeauftragten für den Datenschutz.",
    ),
)

CONFIRMATION = (
    "Mit ihrer Unterschrift bestätigen die Erziehungsberechtigten, das oben genannte Gerät "
    "mit dem angegebenen Zubehör erhalten zu haben, und erkennen die Leihbedingungen an."
)

# Layout, in millimetres.
MARGIN_LEFT = 22.0
MARGIN_RIGHT = 20.0
MARGIN_TOP = 16.0
MARGIN_BOTTOM = 20.0
LABEL_WIDTH = 46.0
LINE = 5.2
INK = (25, 25, 25)
MUTED = (105, 105, 105)
RULE = (150, 150, 150)


def loan_agreement_filename(*, loan: Loan) -> str:
    """`Leihvertrag-<asset tag>.pdf`, with only characters every file system accepts."""
    tag = re.sub(r"[^A-Za-z0-9._-]+", "-", loan.device.asset_tag if loan.device else "")
    return f"Leihvertrag-{tag.strip('-.') or loan.pk}.pdf"


def loan_agreement_render(*, loan: Loan, reprint: bool | None = None) -> bytes:
    """The loan agreement of a loan that has a device (reserved, on loan, returned or lost)
    as an A4 PDF in German; Conflict (`loan_status`) for any other loan. The first print
    of a loan is marked "Original", every later one "Zweitschrift": `reprint`, or,
    when None, whether the access log holds a print of it (loan_agreement_printed_before).
    Reads the loan's student, class, school and device model (select them with the loan)."""
    if loan.status not in statuses_allowing("agreement") or loan.device is None:
        raise Conflict(
            _(
                "The loan agreement can be printed once a device is reserved for this loan "
                "(status: %(status)s)."
            )
            % {"status": loan.get_status_display()},
            code="loan_status",
        )
    if reprint is None:
        reprint = loan_agreement_printed_before(loan=loan)
    with translation.override("de"):
        pdf = _Agreement(loan, reprint=reprint)
        pdf.build()
        return bytes(pdf.output())


def loan_agreement_printed_before(*, loan: Loan) -> bool:
    """Whether an agreement of this loan was handed out before: the access log records each
    print as `loan <id>` (`, reprint`) for the student (one indexed query)."""
    return AccessLogEntry.objects.filter(
        Q(detail=f"loan {loan.pk}") | Q(detail__startswith=f"loan {loan.pk},"),
        person_id=loan.student_id,
        action=AccessAction.LOAN_AGREEMENT,
    ).exists()


def loan_agreement_print(*, actor: User, loan: Loan, via: AccessVia | str) -> bytes:
    """The loan agreement PDF (loan_agreement_render) for one who manages loans
    (PermissionDenied otherwise; fetch the loan with LOAN_MANAGE, which scopes it to the
    actor's schools), recorded in the student's access log with `via`: it names the child,
    their birth date and the guardian, and leaves Lernstatt on paper. The first print is
    the original, the next ones are marked "Zweitschrift". A loan that cannot be printed
    (Conflict) leaves no entry; no PDF is handed out without one."""
    require(actor, Perm.LOAN_MANAGE)
    pdf = loan_agreement_render(loan=loan, reprint=loan_agreement_printed_before(loan=loan))
    # `, reprint`: printed once the device is out (the signed original is at the school).
    after_handout = loan.status != LoanStatus.RESERVED
    access_log_record(
        actor=actor,
        action=AccessAction.LOAN_AGREEMENT,
        via=via,
        people=[loan.student_id],
        detail=f"loan {loan.pk}" + (", reprint" if after_handout else ""),
    )
    return pdf


def _money(value: Decimal | None) -> str:
    """An amount in euros as Germans write it, "1.234,50 €"; "nicht erfasst" without one."""
    if value is None:
        return "nicht erfasst"
    return money_text(value)


def _date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.strftime("%d.%m.%Y")


def _text(value: object) -> str:
    # Composed form: a name typed as "e" + combining accents prints as one glyph.
    return unicodedata.normalize("NFC", str(value)).strip()


def _labels(accessories: Iterable[str]) -> str:
    """The accessories in German, in the order recorded."""
    return ", ".join(
        str(Accessory(value).label) for value in accessories if value in Accessory.values
    )


# -- fonts parsed once ----------------------------------------------------------------------


class _File(NamedTuple):
    """A font file to embed from: its bytes and its glyph names in order (fontTools makes
    them up from the character map for a font without them, 0.1 s for the 50,000 glyphs
    of Droid Sans Fallback, so they are kept with the file)."""

    data: bytes
    glyphs: tuple[str, ...]


_parsed: dict[Path, tuple[TTFFont, _File]] = {}
_parsed_lock = threading.Lock()
_cjk_missing_logged = False

# The cut-down copies of each DejaVu font that a document's font is embedded from (_cut),
# smallest first: the first that has every glyph the document uses.
# Western and Central European names need the first (Latin-1, Latin Extended-A: Turkish,
# Polish, Czech, ...), Vietnamese ones the second; a font of a document with a character
# outside both (Greek, Cyrillic) is cut down by fpdf2 from the whole font, much slower.
LATIN = ((0x0020, 0x017F), (0x2000, 0x206F), (0x20A0, 0x20CF))  # + punctuation, currency
EMBED_RANGES: tuple[tuple[tuple[int, int], ...], ...] = (
    LATIN,
    (*LATIN, (0x0180, 0x024F), (0x0300, 0x036F), (0x1E00, 0x1EFF)),  # Latin Extended
)
_cuts: dict[tuple[Path, int], Cut] = {}
# The fallback fonts taken apart glyph by glyph (_whole), None for one that cannot be;
# with TAKE_APART_FALLBACKS False fpdf2 cuts them down with fontTools for each document.
TAKE_APART_FALLBACKS = True
_wholes: dict[Path, Whole | None] = {}
_cuts_lock = threading.Lock()
# The lines of a text as fpdf2 breaks them (_Agreement.text_block), by the text, its fonts
# and the width: the fixed texts of the agreement, a few dozen, and the longer values.
_wrapped: dict[tuple, list[tuple[str, bool]]] = {}


def _fonts(path: Path) -> tuple[TTFFont, _File]:
    """The font at `path` as fpdf2 parses it (widths, character map) and the file,
    parsed once per process. The parsed font is never embedded itself: see _font_for."""
    with _parsed_lock:
        if path not in _parsed:
            data = _slim(path)
            font = TTFFont(FPDF(), io.BytesIO(data), "parsed", "")
            glyphs = tuple(font.ttfont.getGlyphOrder())
            missing = getattr(font.cw, "default_factory", None)
            if missing is not None:  # fpdf2's defaultdict: shared, it would store widths
                font.cw = _Widths(font.cw)
                font.cw.missing = missing()
            font.close()  # its file stays unread: each document reads the bytes below
            _parsed[path] = (font, _File(data, glyphs))
        return _parsed[path]


class _Widths(dict):
    """The widths of a font's characters as fpdf2 keeps them (TTFFont.cw), that gives the
    width of a character the font lacks without storing it (fpdf2's defaultdict stores
    it): only read, so every document shares it (a copy for each was a megabyte for a CJK
    font)."""

    __slots__ = ("missing",)

    def __missing__(self, char: int) -> float:
        return self.missing


def _slim(path: Path) -> bytes:
    """The font file without what fpdf2 drops from every embedded font anyway (the tables
    of OpenType layout), so that they are not read again for each document, and without
    the kerning pairs (`kern`), which only text shaping (not used here) would read and a
    PDF viewer never does: the PDF places every glyph itself. They were read and cut down
    for every document, and embedded in it."""
    font = ttLib.TTFont(str(path), recalcTimestamp=False)
    for table in ("GSUB", "GPOS", "GDEF", "MATH", "FFTM", "hdmx", "meta", "kern"):
        if table in font:
            del font[table]
    output = io.BytesIO()
    font.save(output)
    font.close()
    return output.getvalue()


def _cut(path: Path, tier: int) -> Cut:
    """The DejaVu font at `path` cut down by fontTools to the glyphs of
    EMBED_RANGES[tier], as fpdf2 cuts a font down to the glyphs used (outlines, hinting,
    widths unchanged), once per process, and taken apart (agreement_embedding.cut_apart)."""
    key = (path, tier)
    with _cuts_lock:
        if key not in _cuts:
            parsed, file = _fonts(path)
            names = {
                name
                for char, name in parsed.cmap.items()
                if any(low <= char <= high for low, high in EMBED_RANGES[tier])
            }
            # as fpdf2 cuts (fpdf.output), but keeping the glyph names it looks glyphs up by
            options = ftsubset.Options(
                notdef_outline=True, recommended_glyphs=True, glyph_names=True
            )
            subsetter = ftsubset.Subsetter(options)
            subsetter.populate(glyphs=sorted(names))
            font = ttLib.TTFont(io.BytesIO(file.data), recalcTimestamp=False)
            subsetter.subset(font)
            output = io.BytesIO()
            font.save(output)
            font.close()
            _cuts[key] = cut_apart(output.getvalue())
        return _cuts[key]


def _whole(path: Path) -> Whole | None:
    """The fallback font at `path` taken apart glyph by glyph (agreement_embedding.Whole),
    once per process, on the first document that embeds it: 10 to 20 ms, its glyph ids
    by name (1 to 3 MB) kept. None, and a warning, for a file it cannot
    read (fpdf2 then cuts the font down itself)."""
    with _cuts_lock:
        if path not in _wholes:
            _parsed_font, file = _fonts(path)
            try:
                _wholes[path] = Whole(file.data, file.glyphs)
            except (KeyError, ValueError, struct.error) as error:
                logger.warning("%s is embedded as fpdf2 embeds it: %r", path, error)
                _wholes[path] = None
        return _wholes[path]


def _embed(font: "_Font") -> None:
    """Choose how the document's font is embedded when the PDF is written: a DejaVu font
    that uses only glyphs of one of the cut-down copies (the smallest, _cut) with the
    outlines of those glyphs taken from it (agreement_embedding.font_file), a fallback
    font with the glyphs used taken from the whole file (_whole), both written by
    CutFontsOutput; any other font cut down by fpdf2 with fontTools from the whole file,
    with the glyph names kept with the file (_File), which takes tens of milliseconds (a
    CJK font: 0.1 to 0.3 s)."""
    font.cut = None
    if CutFontsOutput and not font.is_cff:
        if font.path in FONT_FILES.values():
            used = set(font.subset.get_all_glyph_names())
            for tier in range(len(EMBED_RANGES)):
                cut = _cut(font.path, tier)
                if cut.glyph_ids.keys() >= used:
                    font.cut = cut
                    return
        elif TAKE_APART_FALLBACKS:
            font.cut = _whole(font.path)
            if font.cut is not None:
                return
    font.ttfont.setGlyphOrder(list(font.file.glyphs))


class _Font(TTFFont):
    """A font of one document, copied from the one parsed once (_font_for), that measures
    a text from the width of the text one character shorter when it has measured that:
    fpdf2's line breaking measures each line again for every character added, which
    summed up every width each time and took most of the time of the agreement."""

    __slots__ = ("cut", "file", "path", "widths")  # cut: a Cut or a Whole, else None

    def get_text_width(
        self, text: str, font_size_pt: float, text_shaping_params: dict | None
    ) -> tuple[int, float]:
        if text_shaping_params or self.is_symbol or not text:
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        if font_size_pt > self.biggest_size_pt:
            self.biggest_size_pt = font_size_pt
        units = self.widths.get(text)
        if units is None:
            shorter = self.widths.get(text[:-1])
            if shorter is None:
                units = sum(map(self.cw.__getitem__, map(ord, text)))
            else:
                units = shorter + self.cw[ord(text[-1])]
            if len(self.widths) > 50_000:
                self.widths.clear()
            self.widths[text] = units
        return len(text), units * font_size_pt * 0.001


def _font_for(pdf: FPDF, family: str, style: str, path: Path) -> None:
    """Add the font at `path` to `pdf` as `family`/`style`, as FPDF.add_font would, from
    the font parsed once: what fpdf2 only reads (widths, character map, glyph ids) is
    shared; what a document changes (the glyphs it uses, the font descriptor, the font
    file that is cut down to them on output) is its own."""
    try:
        font = _font_copy(pdf, family, style, path)
    except (AttributeError, TypeError):
        # An fpdf2 with other font internals: let it parse the font itself.
        logger.warning(
            "fpdf2 %s: the loan agreement's fonts are parsed per document.", FPDF_VERSION
        )
        pdf.add_font(family, style, str(path))
        return
    pdf.fonts[font.fontkey] = font


def _font_copy(pdf: FPDF, family: str, style: str, path: Path) -> "_Font":
    parsed, file = _fonts(path)
    font = _Font.__new__(_Font)
    for name in TTFFont.__slots__:
        if hasattr(parsed, name):
            setattr(font, name, getattr(parsed, name))
    font.widths = {}
    font.cut = None
    font.path = path
    font.file = file
    font.i = len(pdf.fonts) + 1
    font.fontkey = f"{family.lower()}{style}"
    font.emphasis = parsed.emphasis.coerce(style)
    font.desc = copy.copy(parsed.desc)
    # fpdf2's defaultdict stores a width looked up: shared only as _Widths
    font.cw = parsed.cw if isinstance(parsed.cw, _Widths) else parsed.cw.copy()
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    font._hbfont = None
    # the file fpdf2 cuts the embedded font from, unless _embed finds a cut-down copy
    font.ttfont = ttLib.TTFont(io.BytesIO(file.data), recalcTimestamp=False, lazy=True)
    return font


@functools.cache
def _latin_script(path: Path) -> frozenset[str]:
    """The characters of the font at `path` of the Latin script (Latin-1, Latin Extended)
    and those of none (digits, punctuation, currency), as fpdf2 reads scripts
    (fpdf.unicode_script): a text of these alone is one fragment to it. 20 ms, once per
    process, for a document with a fallback font (_Agreement._parse_chars)."""
    cmap = _fonts(path)[0].cmap
    ranges = ((0x0020, 0x024F), (0x1E00, 0x1EFF), (0x2000, 0x20CF))
    scripts = (UnicodeScript.COMMON, UnicodeScript.LATIN)
    return frozenset(
        chr(code)
        for low, high in ranges
        for code in range(low, high + 1)
        if code in cmap and get_unicode_script(chr(code)) in scripts
    )


def _cjk_font_path() -> Path | None:
    global _cjk_missing_logged
    for path in CJK_FONT_PATHS:
        if path.is_file():
            return path
    if not _cjk_missing_logged:
        _cjk_missing_logged = True
        logger.warning(
            "No font for Chinese, Japanese or Korean names (%s): install the package "
            "fonts-droid-fallback (make system-deps); loan agreements print such names "
            "without those characters.",
            ", ".join(str(path) for path in CJK_FONT_PATHS),
        )
    return None


class _Agreement(FPDF):
    def __init__(self, loan: Loan, *, reprint: bool = False) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.loan = loan
        self.reprint = reprint
        self.city = _text(settings.LERNSTATT_CITY_NAME) or "Stadt"
        for style, path in FONT_FILES.items():
            _font_for(self, FONT, style, path)
        fallbacks = self.fallbacks()
        for family, path in fallbacks:
            _font_for(self, family, "", path)
        if fallbacks:
            # one style only: bold names print in its regular weight
            self.set_fallback_fonts([family for family, _path in fallbacks], exact_match=False)
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(auto=True, margin=MARGIN_BOTTOM)
        self.set_title(f"Leihvertrag {loan.device.asset_tag}")
        self.set_subject(f"Leihvertrag über ein Leihgerät für {_text(loan.student.full_name)}")
        self.set_author(_text(loan.school.name))
        self.set_creator("Lernstatt")
        self.set_lang("de-DE")
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)

    def fallbacks(self) -> list[tuple[str, Path]]:
        """The fallback fonts (family, file) for the characters of this loan's texts that
        DejaVu lacks (the fixed texts have none), in the order fpdf2 is to try them: only
        those that print one of them, as every font added is embedded, and cutting down the
        4 MB of a CJK font takes longer than the rest of the agreement."""
        loan = self.loan
        school, student, model = loan.school, loan.student, loan.device.model
        texts = [
            self.city,
            student.full_name,
            loan.guardian_name,
            loan.condition_out,
            loan.condition_in,
            school.name,
            school.street,
            school.city,
            model.manufacturer,
            model.name,
            loan.device.asset_tag,
            loan.device.serial_number,
            student.school_class.name if student.school_class else "",
        ]
        cmap = self.fonts[FONT.lower()].cmap
        missing = {ord(char) for text in texts for char in _text(text or "")} - cmap.keys()
        if not missing:
            return []
        candidates = [(CJK_FONT, _cjk_font_path())]
        if HANGUL_FONT_PATH.is_file():
            candidates.append((HANGUL_FONT, HANGUL_FONT_PATH))
        fallbacks = []
        for family, path in candidates:
            if path is None:
                continue
            covered = missing & _fonts(path)[0].cmap.keys()
            if covered:
                fallbacks.append((family, path))
                missing -= covered
        return fallbacks

    def output(self, *args, **kwargs) -> bytearray | None:
        """FPDF.output, with how each font is embedded chosen first (_embed)."""
        for font in self.fonts.values():
            if isinstance(font, _Font):
                _embed(font)
        if CutFontsOutput and any(getattr(font, "cut", None) for font in self.fonts.values()):
            kwargs.setdefault("output_producer_class", CutFontsOutput)
        return super().output(*args, **kwargs)

    # -- page furniture -------------------------------------------------------------------

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        student = _text(self.loan.student.full_name)
        self.cell(self.epw * 0.7, 4, f"Leihvertrag {self.loan.device.asset_tag} · {student}")
        # Left-aligned from where "Seite 9 von 9" would start: the total is filled in at
        # the end, into a gap as wide as its placeholder, so right-aligning would leave a hole.
        width = self.get_string_width("Seite 9 von 9") + 2 * self.c_margin
        self.set_x(self.w - self.r_margin - width)
        self.cell(width, 4, f"Seite {self.page_no()} von {{nb}}")
        self.set_text_color(*INK)

    # -- building blocks ------------------------------------------------------------------

    def keep_together(self, height: float) -> None:
        """Start a new page unless `height` mm still fit on this one."""
        if self.will_page_break(height):
            self.add_page()

    def heading(self, number: int | None, title: str) -> None:
        self.keep_together(20)  # never a heading alone at the foot of a page
        self.ln(3.5)
        self.set_font(FONT, "B", 10.5)
        text = title if number is None else f"{number}. {title}"
        self.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = self.get_y()
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(1.8)

    def field(self, label: str, value: str = "", *, bold: bool = False, blank: str = "") -> None:
        """A labelled row; without a value, a line to write on (and a hint below it)."""
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*MUTED)
        top = self.get_y()
        self.cell(LABEL_WIDTH, LINE, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_text_color(*INK)
        if value:
            self.set_font(FONT, "B" if bold else "", 10)
            self.text_block(value, LINE)
        else:
            # Room above the line for handwriting, a little more than a printed row.
            self.write_on(self.get_x(), top + LINE + 2.5, self.w - self.r_margin, blank)
            self.set_xy(self.l_margin, top + LINE + (6.5 if blank else 4))
        self.ln(0.8)

    def write_on(self, x1: float, y: float, x2: float, hint: str = "") -> None:
        """A line to write on by hand, with a small hint below."""
        self.set_draw_color(*RULE)
        self.line(x1, y, x2, y)
        if hint:
            self.set_font(FONT, "", 7)
            self.set_text_color(*MUTED)
            self.set_xy(x1, y + 0.4)
            self.cell(x2 - x1, 3.2, hint)
            self.set_text_color(*INK)

    def box(self, label: str, *, checked: bool = False, width: float | None = None) -> None:
        """A box to tick, and its label, at the current position."""
        self.set_font(FONT, "", 10)
        size = 3.4
        x, y = self.get_x(), self.get_y() + (LINE - size) / 2
        self.set_draw_color(*INK)
        self.rect(x, y, size, size)
        if checked:
            self.line(x + 0.7, y + 1.8, x + 1.5, y + 2.7)
            self.line(x + 1.5, y + 2.7, x + 2.8, y + 0.7)
        self.set_draw_color(*RULE)
        self.set_x(x + size + 1.5)
        label_width = self.get_string_width(label) + 2
        self.cell(label_width, LINE, label)
        if width is not None:
            self.set_x(x + width)

    def paragraph(self, text: str, *, size: float = 9.5, height: float = 4.6) -> None:
        self.set_font(FONT, "", size)
        self.text_block(text, height)

    def text_block(self, text: str, height: float, *, markdown: bool = False) -> None:
        """The text from here to the right margin in lines of `height`, as `multi_cell(0,
        height, text, align="L", markdown=markdown, new_x=XPos.LMARGIN, new_y=YPos.NEXT)`
        prints it, ragged right (justified text without hyphenation leaves holes in the
        lines). The lines fpdf2 breaks the text into are kept for the process
        (_wrapped): breaking them measured the text again for every letter and took most
        of the time of laying out the agreement, whose terms are the same every time."""
        width = self.w - self.r_margin - self.x
        font = (self.font_family, self.font_style, self.font_size_pt, *self._fallback_font_ids)
        key = (text, font, width, markdown)
        lines = _wrapped.get(key)
        if lines is None and self.fits(text, width, markdown=markdown):
            lines = [(text, False)]  # a name, a date: not worth keeping
        elif lines is None:
            broken = self.multi_cell(
                0,
                height,
                text,
                align="L",
                markdown=markdown,
                dry_run=True,
                output=MethodReturnValue.LINES,
            )
            # fpdf2 reads markdown letter by letter: only for the lines with markup in them
            lines = [(line, markdown and self.has_markup(line)) for line in broken]
            if len(_wrapped) >= 1_000:
                _wrapped.clear()
            _wrapped[key] = lines
        for index, (line, markup) in enumerate(lines):
            last = index == len(lines) - 1
            self.cell(
                width,
                height,
                line,
                align="L",
                markdown=markup,
                new_x=XPos.LMARGIN if last else XPos.LEFT,
                new_y=YPos.NEXT,
            )

    def fits(self, text: str, width: float, *, markdown: bool) -> bool:
        """Whether multi_cell would print `text` in one line of `width`: it is short of
        the width less the cell margins by more than rounding, in the document's fonts
        alone (in_current_font: a fallback font has other widths)."""
        if markdown or "\n" in text or "\r" in text:
            return False
        if self._fallback_font_ids and not self.in_current_font(text):
            return False
        return self.get_string_width(text) < width - 2 * self.c_margin - 0.01

    def in_current_font(self, text: str) -> bool:
        """Whether fpdf2 prints `text` in the current font alone, in one fragment, with
        the fallback fonts as without them: every character is in it (DejaVu) and of the
        Latin script or of none (_latin_script)."""
        path = getattr(self.current_font, "path", None)  # None: a font fpdf2 parsed
        return path is not None and _latin_script(path).issuperset(text)

    def _parse_chars(self, text: str, markdown: bool, **kwargs) -> Iterable:
        """FPDF._parse_chars, the fragments of a text as fpdf2 prints them: with fallback
        fonts it reads each text letter by letter for the font and the script of each
        (a third of the time of a document with a CJK name), without them it takes a
        text without markup as one fragment. A text that fpdf2 would print in the
        current font alone, in one fragment (in_current_font), is read as without them."""
        if not self._fallback_font_ids or markdown or not self.in_current_font(text):
            return super()._parse_chars(text, markdown, **kwargs)
        fallbacks, self._fallback_font_ids = self._fallback_font_ids, []
        try:
            return list(super()._parse_chars(text, markdown, **kwargs))
        finally:
            self._fallback_font_ids = fallbacks

    def has_markup(self, line: str) -> bool:
        """Whether fpdf2 might read markdown in `line`: a marker, an escape, a link."""
        markers = (*self.MARKDOWN_MARKERS, self.MARKDOWN_ESCAPE_CHARACTER, "](")
        return any(marker in line for marker in markers)

    # -- the document ---------------------------------------------------------------------

    def build(self) -> None:
        self.alias_nb_pages()
        self.add_page()
        self.letterhead()
        self.title_block()
        self.paragraph(INTRO.format(city=self.city))
        self.parties()
        self.device_section()
        self.period_section()
        self.terms_section()
        self.signatures()
        self.return_section()
        self.damage_annex()
        self.privacy_annex()

    def letterhead(self) -> None:
        school = self.loan.school
        top = self.get_y()
        right = 62.0
        self.set_font(FONT, "B", 11)
        self.multi_cell(
            self.epw - right - 4, 5.2, _text(school.name), align="L", new_x=XPos.LMARGIN
        )
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*MUTED)
        address = [_text(school.street), _text(f"{school.postal_code} {school.city}")]
        lines = [line for line in address if line] + [f"Schulnummer {school.number}"]
        for line in lines:
            self.cell(self.epw - right - 4, 4.2, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        bottom = self.get_y()
        self.set_xy(self.w - self.r_margin - right, top + 0.6)
        facts = [("Vorgang", f"Nr. {self.loan.pk}"), ("Erstellt am", _date(timezone.now()))]
        if self.loan.handed_out_at:
            facts.append(("Ausgegeben am", _date(self.loan.handed_out_at)))
        if self.loan.returned_at:
            facts.append(("Zurückgegeben am", _date(self.loan.returned_at)))
        for label, value in facts:
            self.set_x(self.w - self.r_margin - right)
            self.set_text_color(*MUTED)
            self.cell(30, 4.2, label)
            self.set_text_color(*INK)
            self.cell(right - 30, 4.2, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_y(max(bottom, self.get_y()) + 3)
        self.set_draw_color(*INK)
        self.set_line_width(0.5)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_line_width(0.3)
        self.set_draw_color(*RULE)

    def title_block(self) -> None:
        self.ln(7)
        self.set_font(FONT, "B", 17)
        self.cell(0, 8, "Leihvertrag", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10.5)
        self.set_text_color(*MUTED)
        self.cell(
            0,
            6,
            "über ein digitales Endgerät für eine Schülerin oder einen Schüler",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        # Which print this is: the first is the original, any later one a second copy.
        self.set_font(FONT, "B", 8.5)
        mark = "Zweitschrift" if self.reprint else "Original"
        self.cell(0, 5, mark, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(3)

    def parties(self) -> None:
        loan, school = self.loan, self.loan.school
        student = loan.student
        self.heading(1, "Vertragsparteien")
        place = ", ".join(
            part
            for part in (_text(school.street), _text(f"{school.postal_code} {school.city}"))
            if part
        )
        self.field("Schule", _text(school.name), bold=True)
        self.field("", f"Schulnummer {school.number}" + (f" · {place}" if place else ""))
        self.field("Schülerin / Schüler", _text(student.full_name), bold=True)
        if student.school_class:
            klass = student.school_class
            self.field("Klasse", f"{_text(klass.name)} (Schuljahr {klass.school_year_label})")
        else:
            self.field("Klasse")
        self.field("Geburtsdatum", _date(student.birth_date))
        self.field(
            "Erziehungsberechtigte/r",
            _text(loan.guardian_name),
            bold=True,
            blank="Vorname, Name (in Druckschrift)",
        )
        self.field("Anschrift, Telefon", blank="Straße, PLZ Ort, Telefon oder E-Mail")

    def device_section(self) -> None:
        loan, device = self.loan, self.loan.device
        model = device.model
        self.heading(2, "Leihgegenstand")
        self.field("Gerät", str(Category(model.category).label))
        self.field("Hersteller und Modell", _text(f"{model.manufacturer} {model.name}"))
        self.field("Inventarnummer", _text(device.asset_tag), bold=True)
        self.field("Seriennummer", _text(device.serial_number), blank="vom Gerät abschreiben")
        self.field("Wert (Anschaffungspreis)", _money(device.purchase_price))
        if loan.handed_out_at:
            self.field("Zubehör", _labels(loan.accessories_out) or "ohne Zubehör")
            self.field("Zustand bei Ausgabe", _text(loan.condition_out) or "ohne Befund")
        else:
            self.accessory_checklist()
            self.field("Zustand bei Ausgabe", blank="z. B. neuwertig, Kratzer am Deckel")

    def accessory_checklist(self) -> None:
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*MUTED)
        self.cell(LABEL_WIDTH, LINE, "Zubehör (ankreuzen)")
        self.set_text_color(*INK)
        start = self.get_x()
        column = 36.0
        items = [choice for choice in Accessory if choice != Accessory.OTHER]
        for index, choice in enumerate(items):
            if index and index % 3 == 0:
                self.set_xy(start, self.get_y() + LINE + 1)
            self.box(str(choice.label), width=column)
        self.set_xy(start, self.get_y() + LINE + 1)
        self.box(str(Accessory.OTHER.label) + ":")
        self.write_on(self.get_x() + 1, self.get_y() + LINE - 0.6, self.w - self.r_margin)
        self.set_xy(self.l_margin, self.get_y() + LINE + 1.8)

    def period_section(self) -> None:
        loan = self.loan
        self.heading(3, "Leihfrist")
        self.field("Vom", _date(loan.starts_on), bold=True)
        if loan.ends_on:
            self.field("Bis einschließlich", _date(loan.ends_on), bold=True)
        else:
            self.field("Bis", "auf Verlangen der Schule (ohne feste Leihfrist)", bold=True)

    def terms_section(self) -> None:
        # The terms start a page of their own, and the signatures follow them on it: the
        # guardian signs below what they agree to, and page 1 keeps the loan's facts whole.
        self.add_page()
        self.heading(4, "Leihbedingungen")
        for number, (title, text) in enumerate(TERMS, start=1):
            if self.will_page_break(12):
                self.add_page()
            self.set_font(FONT, "B", 9)
            self.cell(7, 4.6, f"{number}.")
            self.set_font(FONT, "", 9)
            self.text_block(f"**{title}.** {text.format(city=self.city)}", 4.6, markdown=True)
            self.ln(1.1)

    def signatures(self) -> None:
        self.keep_together(64)  # the confirmation and all four lines on one page
        self.heading(5, "Unterschriften")
        self.paragraph(CONFIRMATION, size=9)
        left, right, width = self.columns()
        y = self.get_y() + 13
        for x in (left, right):
            self.write_on(x, y, x + width, "Ort, Datum")
        y += 17
        self.write_on(left, y, left + width, "Unterschrift der/des Erziehungsberechtigten")
        self.write_on(right, y, right + width, "Unterschrift und Stempel der Schule")
        self.set_xy(self.l_margin, y + 5)

    def return_section(self) -> None:
        loan = self.loan
        self.keep_together(42)
        self.heading(6, "Rückgabe (wird von der Schule ausgefüllt)")
        if loan.returned_at:
            self.field("Zurückgegeben am", _date(loan.returned_at), bold=True)
            self.field("Zubehör zurück", _labels(loan.accessories_in) or "ohne Zubehör")
            self.field("Zustand bei Rückgabe", _text(loan.condition_in) or "ohne Befund")
            return
        left, right, width = self.columns()
        y = self.get_y() + 9
        self.write_on(left, y, left + width, "Zurückgegeben am")
        self.write_on(right, y, right + width, "Zubehör vollständig / fehlt")
        y += 12
        self.write_on(left, y, left + width, "Zustand, Schäden")
        self.write_on(right, y, right + width, "Unterschrift der Schule")
        self.set_xy(self.l_margin, y + 5)

    def damage_annex(self) -> None:
        """The damage known at the handout: what the school recorded then, or, before the
        handout, lines for it; "keine bekannt" when it recorded none."""
        loan = self.loan
        self.keep_together(34)
        self.heading(None, "Anlage Vorschäden")
        self.paragraph(DAMAGE_INTRO, size=9)
        if loan.handed_out_at:
            self.field("Bei Ausgabe bekannt", _text(loan.condition_out) or DAMAGE_NONE)
            return
        y = self.get_y() + 8
        self.write_on(self.l_margin, y, self.w - self.r_margin, DAMAGE_BLANK)
        self.set_xy(self.l_margin, y + 5)

    def privacy_annex(self) -> None:
        """The information of Art. 13 DSGVO for the student and the guardian."""
        self.keep_together(40)
        self.heading(None, "Anlage Datenschutz: Informationen nach Art. 13 DSGVO")
        for title, text in PRIVACY:
            if self.will_page_break(10):
                self.add_page()
            self.set_font(FONT, "", 8.5)
            self.text_block(f"**{title}:** {text.format(city=self.city)}", 4.1, markdown=True)
            self.ln(0.6)

    def columns(self, gap: float = 12.0) -> tuple[float, float, float]:
        """Two columns side by side: their left edges and their width."""
        width = (self.epw - gap) / 2
        return self.l_margin, self.l_margin + width + gap, width
