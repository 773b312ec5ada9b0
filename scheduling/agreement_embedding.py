"""A TrueType font embedded in a PDF from a cut-down copy of it, without cutting it down
with fontTools for each document.

fpdf2 embeds each font cut down to the glyphs a document uses, with fontTools, which takes
about 10 ms for a font however few glyphs it keeps: more than laying out a page. A font
cut down by fontTools once (to the Latin script, say) and taken apart (`cut_apart`) gives
each document a font file with the outlines of its glyphs alone in a fraction of a
millisecond (`font_file`): the glyphs keep their ids in the copy, the others are left
empty, every other table is the copy's. `CutFontsOutput`, fpdf2's writer of the PDF
(`FPDF.output(output_producer_class=...)`), embeds that file for each font of the document
that has a `cut` and writes every other font as fpdf2 does; None when the installed fpdf2
lacks what it is built from. Safe across threads: a Cut is only read.
"""

import io
import logging
import struct
from collections.abc import Iterable
from typing import NamedTuple

from fontTools import ttLib
from fpdf.fonts import TTFFont

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


if OutputProducer is None:
    CutFontsOutput = None
else:

    class CutFontsOutput(OutputProducer):
        """fpdf2's writer of the PDF, that embeds a font with a `cut` (a Cut, else None)
        from it (font_file) instead of cutting it down with fontTools, and every other
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
            # the glyph of each character code, by its id in the cut-down copy
            cid_to_gid = bytearray(2 * 256 * 256)
            for glyph, code in font.subset.items():
                if glyph is not None:
                    struct.pack_into(
                        ">H", cid_to_gid, 2 * code, font.cut.glyph_ids[glyph.glyph_name]
                    )
            cid_to_gid_map = PDFContentStream(contents=bytes(cid_to_gid), compress=True)
            self._add_pdf_obj(cid_to_gid_map, "fonts")
            cid_font.c_i_d_to_g_i_d_map = cid_to_gid_map
            names = [glyph.glyph_name for glyph, _code in font.subset.items() if glyph]
            file_obj = PDFFontStream(contents=font_file(font.cut, names))
            self._add_pdf_obj(file_obj, "fonts")
            descriptor.font_file2 = file_obj
            font.subset.pick.cache_clear()
            font.subset.get_glyph.cache_clear()
            font.close()
            return composite
