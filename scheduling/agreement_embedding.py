"""A TrueType font embedded in a PDF from a copy of it taken apart once, without cutting it
down with fontTools for each document.

fpdf2 embeds each font cut down to the glyphs a document uses, with fontTools, which takes
about 10 ms for a font however few glyphs it keeps (0.1 to 0.2 s for a CJK font of 4 MB):
more than laying out a page. A font cut down by fontTools once (to the Latin script, say)
and taken apart (`cut_apart`) gives each document a font file with the outlines of its
glyphs alone in a fraction of a millisecond (`font_file`): the glyphs keep their ids in
the copy, the others are left empty, every other table is the copy's. A font too large to
be cut down to a script of its own (the Chinese, Japanese and Korean fallback fonts: the
ids of 50,000 glyphs, their widths, in every document) is taken apart glyph by glyph
(`Whole`): each document's font file has the glyphs it uses alone, numbered anew as
fontTools numbers them, read from the whole file as they are needed. `CutFontsOutput`,
fpdf2's writer of the PDF (`FPDF.output(output_producer_class=...)`), embeds the file for
each font of the document that has a `cut` (a Cut or a Whole) and writes every other font
as fpdf2 does; None when the installed fpdf2 lacks what it is built from. Safe across
threads: a Cut and a Whole are only read.
"""

import io
import logging
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from fontTools import ttLib
from fpdf.fonts import TTFFont

if TYPE_CHECKING:
    from fpdf.fonts import Glyph

try:  # what fpdf2 writes a font with (fpdf.output.OutputProducer._add_fonts)
    from fpdf.output import (
        CIDSystemInfo,
        OutputProducer,
        PDFFont,
        PDFFontStream,
        _build_cmap_blocks,
        _tt_font_widths,
    )
    from fpdf.syntax import Name, PDFArray, PDFContentStream
except ImportError:  # an fpdf2 with other internals: it cuts every font down itself
    OutputProducer = None

logger = logging.getLogger(__name__)


class Cut(NamedTuple):
    """A TrueType font cut down by fontTools once (scheduling.agreement._cut: DejaVu to
    the Latin script) and taken apart (cut_apart) to embed a document's glyphs from
    (font_file)."""

    glyph_ids: dict[str, int]  # by glyph name
    outlines: tuple[bytes, ...]  # each glyph's data in `glyf`, by glyph id
    closures: tuple[frozenset[int], ...]  # the glyphs each one is drawn from, itself too
    tables: dict[str, bytes]  # the other tables, `post` without the glyph names
    checksums: dict[str, int]  # of `tables`
    long_loca: bool  # the format of `loca`: 32-bit offsets, else 16-bit halves

    def embed(self, glyphs: Iterable["Glyph"]) -> tuple[bytes, Mapping[str, int]]:
        """The font file with the outlines of `glyphs` (fpdf2's, of a document:
        font_file) and the id of each glyph in it, by name: its id in the copy."""
        return font_file(self, [glyph.glyph_name for glyph in glyphs]), self.glyph_ids


def cut_apart(data: bytes) -> Cut:
    """The font file `data` (TrueType outlines) taken apart into its glyphs and the other
    tables, with the glyphs each glyph is drawn from (an accented letter from the letter
    and the accent)."""
    font = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False)
    order = font.getGlyphOrder()
    glyph_ids = {name: glyph_id for glyph_id, name in enumerate(order)}
    long_loca = font["head"].indexToLocFormat == 1
    raw = {tag: font.reader[tag] for tag in list(font.reader.keys())}
    count = len(order)
    loca = struct.unpack_from(f">{count + 1}{'I' if long_loca else 'H'}", raw["loca"])
    offsets = loca if long_loca else [offset * 2 for offset in loca]
    outlines = tuple(raw["glyf"][offsets[i] : offsets[i + 1]] for i in range(count))
    glyf = font["glyf"]
    parts = [
        [glyph_ids[part] for part in glyf[name].getComponentNames(glyf)]
        if glyf[name].isComposite()
        else []
        for name in order
    ]
    closures = []
    for glyph_id in range(count):
        closure, todo = {glyph_id}, [glyph_id]
        while todo:
            for part in parts[todo.pop()]:
                if part not in closure:
                    closure.add(part)
                    todo.append(part)
        closures.append(frozenset(closure))
    font.close()
    tables = {tag: table for tag, table in raw.items() if tag not in ("glyf", "loca", "DSIG")}
    # format 3: no glyph names, as in the fonts fpdf2 embeds
    tables["post"] = struct.pack(">I", 0x00030000) + raw["post"][4:32]
    tables["head"] = raw["head"][:8] + bytes(4) + raw["head"][12:]  # checkSumAdjustment
    checksums = {tag: _checksum(table) for tag, table in tables.items()}
    return Cut(glyph_ids, outlines, tuple(closures), tables, checksums, long_loca)


def _checksum(data: bytes) -> int:
    """The checksum of a table of a TrueType file: its 32-bit words summed."""
    data += bytes(-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def font_file(cut: Cut, glyph_names: Iterable[str]) -> bytes:
    """The font file of the cut-down font `cut` with the outlines of the glyphs named and
    of the first four (.notdef and the blanks, as fontTools keeps them) and no outline
    for the others, under their ids in `cut`: the CIDToGIDMap names them. Every table but
    `glyf` and `loca` is that of `cut`, whose box and maxima hold the glyphs kept (a PDF
    viewer reads the metrics from the font descriptor and the widths fpdf2 writes); the
    outlines and their hinting are those of `cut` (an accented letter names its parts by
    their ids in it). A few kilobytes more than a font with only these glyphs (the ids of
    the others in `loca`, their widths in `hmtx`), in a fraction of a millisecond instead
    of the 10 ms fontTools takes to cut one."""
    keep = set(range(min(4, len(cut.outlines))))
    for name in glyph_names:
        keep |= cut.closures[cut.glyph_ids[name]]
    glyf = bytearray()
    offsets = [0]
    for glyph_id, outline in enumerate(cut.outlines):
        if glyph_id in keep:
            glyf += outline
        offsets.append(len(glyf))
    if cut.long_loca:
        loca = struct.pack(f">{len(offsets)}I", *offsets)
    else:
        loca = struct.pack(f">{len(offsets)}H", *(offset // 2 for offset in offsets))
    glyf = bytes(glyf)
    tables = {**cut.tables, "glyf": glyf, "loca": loca}
    checksums = {**cut.checksums, "glyf": _checksum(glyf), "loca": _checksum(loca)}
    return _sfnt(tables, checksums)


def _sfnt(tables: dict[str, bytes], checksums: dict[str, int]) -> bytes:
    """A TrueType file of `tables` (the head's checkSumAdjustment zero) with their
    checksums: the table directory, the tables in its order, each padded to 4 bytes,
    and the head's checkSumAdjustment set."""
    tags = sorted(tables)
    count = len(tags)
    selector = count.bit_length() - 1
    search = 16 << selector
    directory = [struct.pack(">IHHHH", 0x00010000, count, search, selector, count * 16 - search)]
    offset = 12 + 16 * count
    body = []
    head_at = 0
    for tag in tags:
        table = tables[tag]
        if tag == "head":
            head_at = offset
        directory.append(
            struct.pack(">4sIII", tag.encode("latin-1"), checksums[tag], offset, len(table))
        )
        body.append(table + bytes(-len(table) % 4))
        offset += len(body[-1])
    header = b"".join(directory)
    total = _checksum(header) + sum(checksums[tag] for tag in tags)
    file = bytearray(header + b"".join(body))
    struct.pack_into(">I", file, head_at + 8, (0xB1B0AFBA - total) & 0xFFFFFFFF)
    return bytes(file)


# The tables of a whole font that a document's font file has as they are (those of a font
# fpdf2 cuts down with fontTools, but the ones PDF viewers never read: kern, the layout,
# bitmaps, sources of hinting); `cmap`, `glyf`, `loca`, `hmtx` and `vmtx` are its own.
WHOLE_TABLES = ("OS/2", "cvt ", "fpgm", "gasp", "head", "hhea", "maxp", "name", "post", "prep")
COMPOSITE_ARGS_ARE_WORDS, COMPOSITE_SCALE, COMPOSITE_MORE = 0x0001, 0x0008, 0x0020
COMPOSITE_XY_SCALE, COMPOSITE_TWO_BY_TWO = 0x0040, 0x0080


class Whole:
    """A whole TrueType font file (a CJK font: 20,000 to 50,000 glyphs in 4 MB) taken apart
    glyph by glyph as documents use them: `embed` gives a document a font file with the
    glyphs it uses alone, numbered anew. Reading a glyph is reading its offsets in `loca`
    and, for a glyph drawn from others (the radicals of a Chinese character), the ids of
    its parts: a few microseconds, so none is kept. What is read once: the table
    directory, the glyph ids by name and the tables every document's file has as they are.
    The file's bytes are read, never copied: it holds them (scheduling.agreement._File)."""

    __slots__ = ("_glyf", "_loca", "_long_loca", "_metrics", "checksums", "glyph_ids", "tables")

    def __init__(self, data: bytes, glyph_names: Sequence[str]) -> None:
        """`data`: a TrueType file; `glyph_names`: its glyph names in order, those fpdf2
        names its glyphs by."""
        view = memoryview(data)
        raw: dict[str, memoryview] = {}
        for index in range(struct.unpack_from(">H", data, 4)[0]):
            tag, _sum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
            raw[tag.decode("latin-1")] = view[offset : offset + length]
        count = struct.unpack_from(">H", raw["maxp"], 4)[0]
        if count != len(glyph_names):
            raise ValueError(f"{len(glyph_names)} glyph names for {count} glyphs")
        self.glyph_ids = {name: glyph_id for glyph_id, name in enumerate(glyph_names)}
        self._glyf, self._loca = raw["glyf"], raw["loca"]
        head = bytes(raw["head"])
        self._long_loca = struct.unpack_from(">h", head, 50)[0] == 1
        # hmtx, and vmtx when the font has vertical metrics: the table and the number of
        # its long metrics (in its header)
        self._metrics = {
            metrics: (raw[metrics], struct.unpack_from(">H", raw[header], 34)[0])
            for header, metrics in (("hhea", "hmtx"), ("vhea", "vmtx"))
            if header in raw and metrics in raw
        }
        tables = {tag: bytes(raw[tag]) for tag in WHOLE_TABLES if tag in raw}
        if "vmtx" in self._metrics:
            tables["vhea"] = bytes(raw["vhea"])
        # format 3: no glyph names, as in the fonts fpdf2 embeds
        tables["post"] = struct.pack(">I", 0x00030000) + tables["post"][4:32]
        # checkSumAdjustment set by _sfnt; `loca` of 32-bit offsets
        tables["head"] = head[:8] + bytes(4) + head[12:50] + struct.pack(">h", 1) + head[52:]
        self.tables = tables
        self.checksums = {tag: _checksum(table) for tag, table in tables.items()}

    def glyph(self, glyph_id: int) -> tuple[memoryview, tuple[tuple[int, int], ...]]:
        """The data of a glyph in `glyf` and, for a composite glyph, its parts: where in
        the data each names the glyph it is drawn from, and that glyph's id."""
        if self._long_loca:
            start, end = struct.unpack_from(">II", self._loca, 4 * glyph_id)
        else:
            start, end = (2 * half for half in struct.unpack_from(">HH", self._loca, 2 * glyph_id))
        outline = self._glyf[start:end]
        parts = []
        if len(outline) >= 10 and struct.unpack_from(">h", outline)[0] < 0:
            at = 10  # after the number of contours (negative) and the box
            while True:
                flags, part = struct.unpack_from(">HH", outline, at)
                parts.append((at + 2, part))
                at += 8 if flags & COMPOSITE_ARGS_ARE_WORDS else 6
                if flags & COMPOSITE_SCALE:
                    at += 2
                elif flags & COMPOSITE_XY_SCALE:
                    at += 4
                elif flags & COMPOSITE_TWO_BY_TWO:
                    at += 8
                if not flags & COMPOSITE_MORE:
                    break
        return outline, tuple(parts)

    def embed(self, glyphs: Iterable["Glyph"]) -> tuple[bytes, Mapping[str, int]]:
        """The font file with `glyphs` (fpdf2's, of a document), the glyphs they are drawn
        from and the first four (.notdef and the blanks), as fontTools cuts the font
        down for fpdf2: the glyphs in the order of the whole font, numbered anew from 0
        (the parts of a composite glyph too), their outlines, hinting and metrics
        unchanged, a character map of `glyphs`; and the id of each glyph in it, by name.
        Every other table is the whole font's, whose box and maxima hold the glyphs kept
        (a PDF viewer reads the metrics from the font descriptor and the widths fpdf2
        writes)."""
        glyphs = list(glyphs)
        wanted = {self.glyph_ids[glyph.glyph_name] for glyph in glyphs}
        wanted |= set(range(min(4, len(self.glyph_ids))))
        taken: dict[int, tuple[memoryview, tuple[tuple[int, int], ...]]] = {}
        todo = list(wanted)
        while todo:
            glyph_id = todo.pop()
            if glyph_id not in taken:
                taken[glyph_id] = self.glyph(glyph_id)
                todo.extend(part for _at, part in taken[glyph_id][1])
        order = sorted(taken)
        new_ids = {glyph_id: new_id for new_id, glyph_id in enumerate(order)}
        glyf = bytearray()
        offsets = [0]
        for glyph_id in order:
            outline, parts = taken[glyph_id]
            start = len(glyf)
            glyf += outline
            for at, part in parts:
                struct.pack_into(">H", glyf, start + at, new_ids[part])
            glyf += bytes(-len(glyf) % 4)
            offsets.append(len(glyf))
        count = len(order)
        tables = {
            **self.tables,
            "glyf": bytes(glyf),
            "loca": struct.pack(f">{count + 1}I", *offsets),
            "maxp": _with_count(self.tables["maxp"], 4, count),
            "hhea": _with_count(self.tables["hhea"], 34, count),
        }
        for tag, (table, long_metrics) in self._metrics.items():
            tables[tag] = b"".join(_metric(table, long_metrics, glyph_id) for glyph_id in order)
        if "vhea" in tables:
            tables["vhea"] = _with_count(tables["vhea"], 34, count)
        ids = {glyph.glyph_name: new_ids[self.glyph_ids[glyph.glyph_name]] for glyph in glyphs}
        characters = {
            glyph.unicode[0]: ids[glyph.glyph_name]
            for glyph in glyphs
            if isinstance(glyph.unicode, tuple) and len(glyph.unicode) == 1
        }
        tables["cmap"] = _cmap(characters)
        checksums = {**self.checksums}
        for tag in ("glyf", "loca", "maxp", "hhea", "hmtx", "vmtx", "vhea", "cmap"):
            if tag in tables:
                checksums[tag] = _checksum(tables[tag])
        return _sfnt(tables, checksums), ids


def _with_count(table: bytes, at: int, count: int) -> bytes:
    """`table` with the 16-bit number at `at` (a number of glyphs, of metrics) `count`."""
    return table[:at] + struct.pack(">H", count) + table[at + 2 :]


def _metric(table: memoryview, long_metrics: int, glyph_id: int) -> bytes:
    """The advance and side bearing of a glyph in `hmtx` (or `vmtx`) with `long_metrics`
    of both, as a long metric: the glyphs after them have the last one's advance."""
    if glyph_id < long_metrics:
        return bytes(table[4 * glyph_id : 4 * glyph_id + 4])
    last = 4 * (long_metrics - 1)
    bearing = 4 * long_metrics + 2 * (glyph_id - long_metrics)
    return bytes(table[last : last + 2]) + bytes(table[bearing : bearing + 2])


def _cmap(characters: Mapping[int, int]) -> bytes:
    """A `cmap` table mapping the `characters` to their glyph ids (PDF viewers print by the
    CIDToGIDMap; a few read the fonts' own): a Windows Unicode subtable of format 4 for
    those of the Basic Multilingual Plane, and one of format 12 for all of them when
    there are others, one segment each."""
    basic = sorted((char, glyph_id) for char, glyph_id in characters.items() if char < 0xFFFF)
    count = len(basic) + 1  # the last segment ends at 0xFFFF
    search = 2 << (count.bit_length() - 1)
    header = (4, 16 + 8 * count, 0, 2 * count, search, search.bit_length() - 2, 2 * count - search)
    chars = [char for char, _glyph_id in basic] + [0xFFFF]
    deltas = [(glyph_id - char) & 0xFFFF for char, glyph_id in basic] + [1]
    subtables = [
        (
            (3, 1),
            struct.pack(
                f">7H{count}HH{count}H{count}H{count}H",
                *header,
                *chars,
                0,
                *chars,
                *deltas,
                *[0] * count,
            ),
        )
    ]
    if any(char > 0xFFFF for char in characters):
        groups = sorted(characters.items())
        subtables.append(
            (
                (3, 10),
                struct.pack(
                    f">HHIII{3 * len(groups)}I",
                    12,
                    0,
                    16 + 12 * len(groups),
                    0,
                    len(groups),
                    *[value for char, glyph_id in groups for value in (char, char, glyph_id)],
                ),
            )
        )
    directory = struct.pack(">HH", 0, len(subtables))
    offset = 4 + 8 * len(subtables)
    body = b""
    for (platform, encoding), subtable in subtables:
        directory += struct.pack(">HHI", platform, encoding, offset + len(body))
        body += subtable
    return directory + body


if OutputProducer is None:
    CutFontsOutput = None
else:

    class CutFontsOutput(OutputProducer):
        """fpdf2's writer of the PDF, that embeds a font with a `cut` (a Cut or a Whole,
        else None) from it (`embed`) instead of cutting it down with fontTools, and every other
        font as fpdf2 does, in the order of the fonts. The objects of a font with a cut
        are those fpdf2 writes for a TrueType font (OutputProducer._add_fonts, fpdf2
        2.8): the same widths, character codes, ToUnicode map and descriptor; only the
        font file and the glyph ids in the CIDToGIDMap are the cut's."""

        def _add_fonts(self, *args, **kwargs) -> dict:
            registry = self.fpdf.fonts  # the document's: fpdf2 reads the fonts from it
            fonts = dict(registry)
            objects: dict = {}
            try:
                for key, font in sorted(fonts.items(), key=lambda item: item[1].i):
                    if getattr(font, "cut", None) and not font.color_font:
                        objects[font.i] = self._add_cut_font(font)
                    else:  # fpdf2 itself, for this font alone
                        registry.clear()
                        registry[key] = font
                        objects.update(super()._add_fonts(*args, **kwargs))
            finally:
                registry.clear()
                registry.update(fonts)
            return objects

        def _add_cut_font(self, font: "TTFFont") -> "PDFFont":
            # as fpdf2 writes a TrueType font (not CFF, not PDF/A-1: no CIDSet)
            fontname = f"MPDFAA+{font.name}"
            if font.missing_glyphs:
                missing = ", ".join(
                    f"'{chr(x)}' ({chr(x).encode('unicode-escape').decode()})"
                    for x in font.missing_glyphs[:10]
                )
                if len(font.missing_glyphs) > 10:
                    missing += f", ... (and {len(font.missing_glyphs) - 10} others)"
                logger.warning("Font %s is missing the following glyphs: %s", fontname, missing)
            composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
            self._add_pdf_obj(composite, "fonts")
            cid_font = PDFFont(
                subtype="CIDFontType2",
                base_font=fontname,
                d_w=font.desc.missing_width,
                w=_tt_font_widths(font),
            )
            self._add_pdf_obj(cid_font, "fonts")
            composite.descendant_fonts = PDFArray([cid_font])

            def hex_code(unicode: int) -> str:
                if unicode > 0xFFFF:  # a surrogate pair
                    high, low = 0xD800 | (unicode - 0x10000) >> 10, 0xDC00 | (unicode & 0x3FF)
                    return f"{high:04X}{low:04X}"
                return f"{unicode:04X}"

            bf_char = [
                f"<{code:04X}> <{''.join(hex_code(char) for char in glyph.unicode)}>\n"
                for glyph, code in font.subset.items()
                if glyph is not None and isinstance(glyph.unicode, tuple) and glyph.unicode
            ]
            to_unicode = PDFContentStream(
                (
                    "/CIDInit /ProcSet findresource begin\n"
                    "12 dict begin\n"
                    "begincmap\n"
                    "/CIDSystemInfo\n"
                    "<</Registry (Adobe)\n"
                    "/Ordering (UCS)\n"
                    "/Supplement 0\n"
                    ">> def\n"
                    "/CMapName /Adobe-Identity-UCS def\n"
                    "/CMapType 2 def\n"
                    "1 begincodespacerange\n"
                    "<0000> <FFFF>\n"
                    "endcodespacerange\n"
                    f"{_build_cmap_blocks(bf_char, 'bfchar')}"
                    "endcmap\n"
                    "CMapName currentdict /CMap defineresource pop\n"
                    "end\n"
                    "end"
                ).encode("latin-1")
            )
            self._add_pdf_obj(to_unicode, "fonts")
            composite.to_unicode = to_unicode
            system_info = CIDSystemInfo()
            self._add_pdf_obj(system_info, "fonts")
            cid_font.c_i_d_system_info = system_info
            descriptor = font.desc
            descriptor.font_name = Name(fontname)
            self._add_pdf_obj(descriptor, "fonts")
            cid_font.font_descriptor = descriptor
            # the glyph of each character code, by its id in the font file
            file, glyph_ids = font.cut.embed(glyph for glyph, _code in font.subset.items() if glyph)
            cid_to_gid = bytearray(2 * 256 * 256)
            for glyph, code in font.subset.items():
                if glyph is not None:
                    struct.pack_into(">H", cid_to_gid, 2 * code, glyph_ids[glyph.glyph_name])
            cid_to_gid_map = PDFContentStream(contents=bytes(cid_to_gid), compress=True)
            self._add_pdf_obj(cid_to_gid_map, "fonts")
            cid_font.c_i_d_to_g_i_d_map = cid_to_gid_map
            file_obj = PDFFontStream(contents=file)
            self._add_pdf_obj(file_obj, "fonts")
            descriptor.font_file2 = file_obj
            font.subset.pick.cache_clear()
            font.subset.get_glyph.cache_clear()
            font.close()
            return composite
