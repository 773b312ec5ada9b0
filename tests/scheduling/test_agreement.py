"""The loan agreement PDF: what a person checks on the printout, and who may download it."""

import datetime
import io
import re
import shutil
import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from fontTools import ttLib
from fpdf import XPos, YPos
from fpdf.fonts import Glyph
from pypdf import PdfReader

from accounts.models import PersonRole
from core.errors import Conflict
from core.models import Role
from scheduling import agreement as agreement_module
from scheduling import handling, services
from scheduling.agreement import (
    CJK_FONT_PATHS,
    HANGUL_FONT_PATH,
    TERMS,
    loan_agreement_filename,
    loan_agreement_print,
    loan_agreement_render,
)
from scheduling.agreement_embedding import Whole
from scheduling.selectors import loan_get
from tests.accounts.factories import PersonFactory
from tests.conftest import service_missing
from tests.factories import UserFactory
from tests.scheduling.conftest import days


def pdf_text(content: bytes) -> str:
    """The text of every page, whitespace folded: lines wrap wherever the layout wants."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def text_runs(content: bytes) -> list[list[tuple]]:
    """Per page, every piece of text with where and how it is printed: the text, its
    matrices (position), its font and size, as a reader sees them."""
    pages = []
    for page in PdfReader(io.BytesIO(content)).pages:
        runs = []

        def visit(text, cm, tm, font, size, runs=runs):
            if text.strip():
                font_name = str(font["/BaseFont"]) if font else None
                runs.append((text, tuple(cm), tuple(tm), font_name, size))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def page_contents(content: bytes) -> list[bytes]:
    """What each page draws, as written: its content stream (the text in runs, the
    character codes, the positions and the fonts by their names on the page)."""
    return [page.get_contents().get_data() for page in PdfReader(io.BytesIO(content)).pages]


def font_file_checksum(data: bytes) -> int:
    """The checksum of a whole TrueType file: 0xB1B0AFBA when its head says the right one."""
    data += bytes(-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def drawn_fonts(content: bytes) -> dict[str, dict]:
    """Each font of the PDF by its PostScript name, as a reader draws text with it: its
    widths, character map (ToUnicode), descriptor and, for each character code printed,
    the glyph drawn (its outline with the parts of an accented letter put together, its
    hinting, advance width and side bearing, as fontTools reads them from the embedded
    file through the CIDToGIDMap). The embedded file itself is under "file"."""
    fonts = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            name = str(font["/BaseFont"])
            if name in fonts:
                continue
            cid_font = font["/DescendantFonts"][0].get_object()
            descriptor = cid_font["/FontDescriptor"].get_object()
            data = descriptor["/FontFile2"].get_object().get_data()
            ttfont = ttLib.TTFont(io.BytesIO(data))
            gid_map = cid_font["/CIDToGIDMap"].get_object().get_data()
            to_unicode = font["/ToUnicode"].get_object().get_data()
            order, glyf, hmtx = ttfont.getGlyphOrder(), ttfont["glyf"], ttfont["hmtx"]
            glyphs = {}
            for code in re.findall(rb"<([0-9A-F]{4})> <", to_unicode):
                code = int(code, 16)
                glyph_name = order[int.from_bytes(gid_map[2 * code : 2 * code + 2], "big")]
                glyph = glyf[glyph_name]
                coordinates, ends, flags = glyph.getCoordinates(glyf)
                program = glyph.program.getBytecode() if hasattr(glyph, "program") else b""
                glyphs[code] = (list(coordinates), list(ends), list(flags), program)
                glyphs[code] += (hmtx[glyph_name],)
            fonts[name] = {
                "widths": cid_font["/W"],
                "default width": cid_font.get("/DW"),
                "to unicode": to_unicode,
                "descriptor": {key: descriptor[key] for key in descriptor if key != "/FontFile2"},
                "system info": dict(cid_font["/CIDSystemInfo"].get_object()),
                "glyphs": glyphs,
                "file": data,
            }
    return fonts


def glyph_described(ttfont: ttLib.TTFont, glyph_id: int) -> tuple:
    """A glyph of a font file as a reader draws it, by its id: its outline (the parts of a
    composite glyph put together), the ids of its parts, its hinting and its metrics."""
    glyf = ttfont["glyf"]
    name = ttfont.getGlyphName(glyph_id)
    glyph = glyf[name]
    coordinates, ends, flags = glyph.getCoordinates(glyf)
    parts = [ttfont.getGlyphID(part) for part in glyph.getComponentNames(glyf)]
    program = glyph.program.getBytecode() if hasattr(glyph, "program") else b""
    vertical = ttfont["vmtx"][name] if "vmtx" in ttfont else None
    return (
        list(coordinates),
        list(ends),
        list(flags),
        parts,
        program,
        ttfont["hmtx"][name],
        vertical,
    )


def needs_fallback_fonts() -> None:
    if not (any(path.exists() for path in CJK_FONT_PATHS) and HANGUL_FONT_PATH.exists()):
        service_missing("fonts-droid-fallback or fonts-nanum missing (make system-deps)")


def as_fpdf2_alone(monkeypatch) -> None:
    """Print as fpdf2 alone prints, the reference: every font cut down by fpdf2 with
    fontTools from the whole file, every text read letter by letter for its fallback font
    (FPDF._parse_chars) and broken into lines by multi_cell, none kept from before."""
    monkeypatch.setattr(agreement_module, "EMBED_RANGES", ())
    monkeypatch.setattr(agreement_module, "TAKE_APART_FALLBACKS", False)
    monkeypatch.setattr(agreement_module._Agreement, "in_current_font", lambda self, text: False)
    monkeypatch.setattr(agreement_module, "_wrapped", {})


CJK_NAMES = [  # Chinese, Japanese (kana and kanji), Korean (Hangul): the font printing them
    ("小明", "王", "DroidSansFallback"),
    ("さくら", "山田", "DroidSansFallback"),
    ("지민", "김", "NanumGothic"),
]


def de(value: datetime.date) -> str:
    return value.strftime("%d.%m.%Y")


@pytest.fixture
def school(school_a):
    school_a.street = "Parkstraße 12"
    school_a.postal_code = "12345"
    school_a.city = "Musterstadt"
    school_a.save()
    return school_a


@pytest.fixture
def student(school, class_a):
    return PersonFactory(
        school=school,
        school_class=class_a,
        role=PersonRole.STUDENT,
        first_name="Thị Minh Anh",
        last_name="Nguyễn",
        birth_date=datetime.date(2013, 4, 9),
    )


@pytest.fixture
def device(school, lendable):
    return lendable(school, "LS-0042", serial_number="PF4X9K2B")


def request_loan(teacher, student):
    return services.loan_request(
        actor=teacher,
        student_ids=[student.pk],
        category="laptop",
        starts_on=days(2),
        ends_on=days(40),
        reason="no_device_at_home",
    )[0]


@pytest.fixture
def requested(teacher, student, lends_laptops):
    return request_loan(teacher, student)


@pytest.fixture
def reserved(coordinator, requested, device):
    services.loan_approve(actor=coordinator, loan=requested)
    # As the API loads it: with student, class, school and device model.
    return loan_get(actor=coordinator, loan_id=requested.pk)


@pytest.fixture
def handed_out(coordinator, reserved):
    handling.loan_handout(
        actor=coordinator,
        loan=reserved,
        asset_tag="LS-0042",
        guardian_name="Seán O'Brien",
        accessories=["charger", "case"],
        condition="wie neu",
        agreement_signed=True,
        start_today=True,
    )
    return loan_get(actor=coordinator, loan_id=reserved.pk)


def test_a_whole_font_taken_apart_gives_a_file_of_the_glyphs_asked_for_numbered_anew():
    # DejaVu taken apart whole: accented letters drawn from the letter and the accent, a
    # character outside the Basic Multilingual Plane (a character map of format 12)
    _parsed, file = agreement_module._fonts(agreement_module.FONT_FILES[""])
    font = ttLib.TTFont(io.BytesIO(file.data))
    cmap = font.getBestCmap()
    chars = [char for char in "Aễ€Ж" if ord(char) in cmap] + [max(map(chr, cmap))]
    assert ord(chars[-1]) > 0xFFFF
    assert font["glyf"][cmap[ord("ễ")]].isComposite()
    glyphs = [Glyph(font.getGlyphID(cmap[ord(c)]), (ord(c),), cmap[ord(c)], 0) for c in chars]
    data, ids = Whole(file.data, file.glyphs).embed(glyphs)
    ours = ttLib.TTFont(io.BytesIO(data), checkChecksums=2)
    for tag in sorted(ours.reader.keys()):
        ours[tag]  # every table reads, with the checksum in the directory
    assert font_file_checksum(data) == 0xB1B0AFBA
    # the first four, the glyphs asked for and their parts (and theirs), in the font's order
    glyf = font["glyf"]
    kept, todo = {0, 1, 2, 3}, [glyph.glyph_name for glyph in glyphs]
    while todo:
        name = todo.pop()
        kept.add(font.getGlyphID(name))
        todo += glyf[name].getComponentNames(glyf)
    assert len(kept) > 4 + len(glyphs)  # and parts
    assert ours["maxp"].numGlyphs == len(ours["hmtx"].metrics) == len(kept)
    new_ids = {glyph_id: new_id for new_id, glyph_id in enumerate(sorted(kept))}
    for glyph_id, new_id in new_ids.items():
        expected = list(glyph_described(font, glyph_id))
        expected[3] = [new_ids[part] for part in expected[3]]  # the parts by their new ids
        assert list(glyph_described(ours, new_id)) == expected
    ours_cmap = ours.getBestCmap()
    assert {chr(char): ours.getGlyphID(name) for char, name in ours_cmap.items()} == {
        char: ids[glyph.glyph_name] for char, glyph in zip(chars, glyphs, strict=True)
    }


@pytest.mark.django_db
class TestDocument:
    def test_is_a_pdf_of_a4_pages_numbered_page_x_of_y(self, reserved):
        content = loan_agreement_render(loan=reserved)
        assert content.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(content))
        assert len(reader.pages) == 3  # the annexes (Vorschäden, Art. 13 DSGVO) on page 3
        for page in reader.pages:
            # A4 is 595 × 842 points
            assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)
        text = pdf_text(content)
        assert "Seite 1 von 3" in text
        assert "Seite 3 von 3" in text

    def test_reserved_names_the_student_school_device_and_period(self, reserved):
        text = pdf_text(loan_agreement_render(loan=reserved))
        assert "Leihvertrag" in text
        assert "Thị Minh Anh Nguyễn" in text
        assert "7b (Schuljahr" in text
        assert "09.04.2013" in text
        assert "Gymnasium am Park" in text
        assert "Schulnummer 165432" in text
        assert "Parkstraße 12, 12345 Musterstadt" in text
        assert "Laptop" in text
        assert "Lenovo ThinkPad E14" in text
        assert "Inventarnummer LS-0042" in text
        assert "Seriennummer PF4X9K2B" in text
        assert f"Vom {de(days(2))}" in text
        assert f"Bis einschließlich {de(days(40))}" in text

    def test_before_the_handout_the_accessories_are_a_checklist_and_the_guardian_a_line(
        self, reserved
    ):
        text = pdf_text(loan_agreement_render(loan=reserved))
        assert "Zubehör (ankreuzen)" in text
        for label in ("Ladegerät", "Hülle", "Stift", "Tastatur", "Maus", "Headset", "Sonstiges"):
            assert label in text
        assert "Vorname, Name (in Druckschrift)" in text
        assert "Zweitschrift" not in text

    def test_has_the_terms_and_the_places_to_sign(self, reserved):
        text = pdf_text(loan_agreement_render(loan=reserved))
        for number, (title, _text) in enumerate(TERMS, start=1):
            assert f"{number}. {title}." in text
        assert "Eigentum der Stadt" in text
        assert "nicht an Dritte weitergegeben" in text
        assert "alle Daten auf dem Gerät werden dabei gelöscht" in text
        assert text.count("Ort, Datum") == 2
        assert "Unterschrift der/des Erziehungsberechtigten" in text
        assert "Unterschrift und Stempel der Schule" in text

    def test_reprint_after_handout_names_the_guardian_and_the_accessories_handed_out(
        self, coordinator, handed_out
    ):
        loan_agreement_print(actor=coordinator, loan=handed_out, via="api")  # the original
        text = pdf_text(loan_agreement_print(actor=coordinator, loan=handed_out, via="api"))
        assert "Zweitschrift" in text
        assert "Erziehungsberechtigte/r Seán O'Brien" in text
        assert "Zubehör Ladegerät, Hülle" in text
        assert "Zubehör (ankreuzen)" not in text
        assert "Zustand bei Ausgabe wie neu" in text
        # handed out before its first day: the loan starts today
        assert f"Vom {de(days(0))}" in text
        assert f"Ausgegeben am {de(days(0))}" in text

    def test_reprint_after_return_shows_what_came_back(self, coordinator, handed_out):
        handling.loan_return(
            actor=coordinator, loan=handed_out, accessories=["charger"], condition="Hülle fehlt"
        )
        loan = loan_get(actor=coordinator, loan_id=handed_out.pk)
        text = pdf_text(loan_agreement_render(loan=loan))
        assert f"Zurückgegeben am {de(days(0))}" in text
        assert "Zubehör zurück Ladegerät" in text
        assert "Zustand bei Rückgabe Hülle fehlt" in text

    def test_names_the_city_of_the_setting_as_the_schools_authority(self, reserved, settings):
        settings.LERNSTATT_CITY_NAME = "Stadt Musterhausen"
        text = pdf_text(loan_agreement_render(loan=reserved))
        assert "Zwischen der Stadt Musterhausen als Schulträger" in text
        assert "Eigentum der Stadt Musterhausen" in text

    def test_states_the_devices_value_in_german_format_or_that_it_is_unknown(
        self, coordinator, reserved
    ):
        reserved.device.purchase_price = Decimal("1234.50")
        reserved.device.save()
        loan = loan_get(actor=coordinator, loan_id=reserved.pk)
        assert "1.234,50 €" in pdf_text(loan_agreement_render(loan=loan))
        reserved.device.purchase_price = None
        reserved.device.save()
        loan = loan_get(actor=coordinator, loan_id=reserved.pk)
        assert "nicht erfasst" in pdf_text(loan_agreement_render(loan=loan))

    def test_the_annexes_list_the_known_damage_and_the_information_under_art_13(
        self, coordinator, handed_out
    ):
        text = pdf_text(loan_agreement_render(loan=handed_out))
        assert "Anlage Vorschäden" in text
        assert "wie neu" in text.split("Anlage Vorschäden", 1)[1]
        assert "Informationen nach Art. 13 DSGVO" in text
        for part in ("Art. 6 Abs. 1", "Art. 77", "Speicherdauer"):
            assert part in text

    def test_the_first_print_is_the_original_and_says_so_the_next_are_second_copies(
        self, coordinator, reserved
    ):
        first = pdf_text(loan_agreement_print(actor=coordinator, loan=reserved, via="web"))
        second = pdf_text(loan_agreement_print(actor=coordinator, loan=reserved, via="web"))
        third = pdf_text(loan_agreement_print(actor=coordinator, loan=reserved, via="web"))
        assert "Leihvertrag über ein digitales Endgerät für eine Schülerin oder einen " in first
        assert "Schüler Original" in first
        assert "Zweitschrift" not in first
        for later in (second, third):
            assert "Schüler Zweitschrift" in later
            assert "Original" not in later

    def test_prints_the_same_when_fpdf2_keeps_its_fonts_otherwise(self, reserved, monkeypatch):
        def changed_internals(*args, **kwargs):
            raise AttributeError("ttfont")

        monkeypatch.setattr(agreement_module, "_font_copy", changed_internals)
        text = pdf_text(loan_agreement_render(loan=reserved))
        assert "Thị Minh Anh Nguyễn" in text
        assert "Seite 3 von 3" in text

    @pytest.mark.parametrize(
        ("first", "last"), [("小明", "王"), ("지민", "김"), ("さくら", "山田")]
    )  # Chinese, Korean (Hangul), Japanese (kana and kanji)
    def test_a_cjk_name_prints_when_the_fallback_font_is_installed(
        self, coordinator, reserved, first, last
    ):
        if not any(path.exists() for path in CJK_FONT_PATHS):
            service_missing("fonts-droid-fallback is not installed (make system-deps)")
        student = reserved.student
        student.first_name, student.last_name = first, last
        student.save()
        loan = loan_get(actor=coordinator, loan_id=reserved.pk)
        assert f"{first} {last}" in pdf_text(loan_agreement_render(loan=loan))

    @pytest.mark.parametrize(
        ("first", "last", "fonts"),
        [
            ("Thị Minh Anh", "Nguyễn", set()),
            ("小明", "王", {"DroidSansFallback"}),
            ("지민", "김", {"NanumGothic"}),
        ],
    )
    def test_only_the_fallback_font_that_prints_a_name_is_embedded(
        self, coordinator, reserved, first, last, fonts
    ):
        if fonts and not (
            any(path.exists() for path in CJK_FONT_PATHS) and HANGUL_FONT_PATH.exists()
        ):
            service_missing("fonts-droid-fallback or fonts-nanum missing (make system-deps)")
        student = reserved.student
        student.first_name, student.last_name = first, last
        student.save()
        content = loan_agreement_render(loan=loan_get(actor=coordinator, loan_id=reserved.pk))
        assert f"{first} {last}" in pdf_text(content)
        # any font object in the file names its font, referenced by a page or not
        embedded = {
            name for name in ("DroidSansFallback", "NanumGothic") if name.encode() in content
        }
        assert embedded == fonts

    def test_the_lines_are_broken_and_placed_as_multi_cell_places_them(
        self, coordinator, handed_out, monkeypatch
    ):
        # Long texts: the school's name wraps in the letterhead and in the field, the
        # condition wraps over many lines, across the foot of page 1.
        school = handed_out.school
        school.name = "Städtisches Gymnasium am Park mit bilingualem Zweig und Ganztag " * 2
        school.save()
        handed_out.condition_out = "Kratzer am Deckel, eine Taste (Ä) klemmt; " * 40
        handed_out.save()
        loan = loan_get(actor=coordinator, loan_id=handed_out.pk)
        cached = loan_agreement_render(loan=loan, reprint=True)
        again = loan_agreement_render(loan=loan, reprint=True)  # the lines kept from before

        def multi_cell(self, text, height, *, markdown=False):
            self.multi_cell(
                0,
                height,
                text,
                align="L",
                markdown=markdown,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )

        monkeypatch.setattr(agreement_module._Agreement, "text_block", multi_cell)
        plain = loan_agreement_render(loan=loan, reprint=True)
        pages = text_runs(plain)
        assert len(pages) == 4
        # the condition runs on from page 1 onto page 2, before the terms on page 3
        assert any("Kratzer am Deckel" in run[0] for run in pages[1])
        assert text_runs(cached) == text_runs(plain)
        assert text_runs(again) == text_runs(plain)

    @pytest.mark.parametrize(
        ("first", "last", "cut"),
        [
            ("Zeynep", "Yıldırım", True),  # from the Latin copy
            ("Thị Minh Anh", "Nguyễn", True),  # from the Latin Extended one
            ("Αλέξανδρος", "Παπαδόπουλος", False),  # cut down by fpdf2 from the whole font
            ("Иван", "Петров", False),
        ],
    )
    def test_each_character_is_drawn_as_with_the_font_fpdf2_cuts_from_the_whole_font(
        self, coordinator, reserved, monkeypatch, first, last, cut
    ):
        student = reserved.student
        student.first_name, student.last_name = first, last
        student.save()
        loan = loan_get(actor=coordinator, loan_id=reserved.pk)
        content = loan_agreement_render(loan=loan)
        assert f"{first} {last}" in pdf_text(content)
        fonts = drawn_fonts(content)
        monkeypatch.setattr(agreement_module, "EMBED_RANGES", ())  # fpdf2 cuts every font
        whole = drawn_fonts(loan_agreement_render(loan=loan))
        assert set(fonts) == set(whole) == {"/MPDFAA+DejaVuSansBook", "/MPDFAA+DejaVuSansBold"}
        for name, font in fonts.items():
            reference = whole[name]
            assert len(font["glyphs"]) > 40
            for key in ("widths", "default width", "to unicode", "descriptor", "system info"):
                assert font[key] == reference[key], (name, key)
            for code, glyph in font["glyphs"].items():
                assert glyph == reference["glyphs"][code], (name, code)
            assert (font["file"] == reference["file"]) is not cut
            ttfont = ttLib.TTFont(io.BytesIO(font["file"]), checkChecksums=2)
            for tag in sorted(ttfont.reader.keys()):
                ttfont[tag]  # every table reads, with the checksum in the directory
            assert font_file_checksum(font["file"]) == 0xB1B0AFBA
            assert "kern" not in ttfont
            # outlines for the glyphs used alone (and .notdef), under the copy's glyph ids
            glyf, maxp, head = ttfont["glyf"], ttfont["maxp"], ttfont["head"]
            drawn = [glyph for glyph in ttfont.getGlyphOrder() if glyf[glyph].numberOfContours]
            assert len(drawn) < 150
            assert maxp.numGlyphs == len(ttfont["hmtx"].metrics) == len(glyf)
            # the header's box and maxima hold every glyph (they may be larger)
            for glyph_name in drawn:
                glyph = glyf[glyph_name]
                if glyph.numberOfContours > 0:
                    assert head.xMin <= glyph.xMin <= glyph.xMax <= head.xMax
                    assert head.yMin <= glyph.yMin <= glyph.yMax <= head.yMax
                    points, contours = glyph.getMaxpValues()
                    assert points <= maxp.maxPoints and contours <= maxp.maxContours

    def test_a_font_outside_the_copies_and_one_inside_them_in_one_document(
        self, coordinator, handed_out, monkeypatch
    ):
        # the condition prints in the regular font only: it is cut down by fpdf2, the
        # bold one is embedded from the Latin copy
        handed_out.condition_out = "Kratzer (Ω-förmig) am Deckel, Aufkleber „Школа“"
        handed_out.save()
        loan = loan_get(actor=coordinator, loan_id=handed_out.pk)
        content = loan_agreement_render(loan=loan, reprint=True)
        assert "Kratzer (Ω-förmig) am Deckel, Aufkleber „Школа“" in pdf_text(content)
        fonts = drawn_fonts(content)
        monkeypatch.setattr(agreement_module, "EMBED_RANGES", ())
        whole = drawn_fonts(loan_agreement_render(loan=loan, reprint=True))
        assert fonts["/MPDFAA+DejaVuSansBook"]["file"] == whole["/MPDFAA+DejaVuSansBook"]["file"]
        assert fonts["/MPDFAA+DejaVuSansBold"]["file"] != whole["/MPDFAA+DejaVuSansBold"]["file"]
        for name, font in fonts.items():
            assert {key: value for key, value in font.items() if key != "file"} == {
                key: value for key, value in whole[name].items() if key != "file"
            }

    @pytest.mark.parametrize(
        ("first", "last"),
        [
            ("Jonas", "Müller-Lüdenscheidt"),
            ("Thị Minh Anh", "Nguyễn"),
            *[(first, last) for first, last, _font in CJK_NAMES],
        ],
    )
    def test_the_pages_look_as_with_the_fonts_fpdf2_cuts_from_the_whole_font(
        self, coordinator, handed_out, monkeypatch, tmp_path, first, last
    ):
        if shutil.which("pdftoppm") is None:
            service_missing("pdftoppm is not installed (apt-get install poppler-utils)")
        if ord(first[0]) > 0x2E80:
            needs_fallback_fonts()
        student = handed_out.student
        student.first_name, student.last_name = first, last
        student.save()
        loan = loan_get(actor=coordinator, loan_id=handed_out.pk)

        def pixels(content: bytes) -> bytes:
            (tmp_path / "agreement.pdf").write_bytes(content)
            command = ["pdftoppm", "-r", "100", "-gray", str(tmp_path / "agreement.pdf")]
            return subprocess.run(command, capture_output=True, check=True).stdout

        ours = pixels(loan_agreement_render(loan=loan, reprint=True))
        as_fpdf2_alone(monkeypatch)
        assert ours == pixels(loan_agreement_render(loan=loan, reprint=True))

    @pytest.mark.parametrize(("first", "last", "family"), CJK_NAMES)
    def test_a_cjk_name_is_drawn_with_the_glyphs_fpdf2_cuts_from_the_whole_font(
        self, coordinator, reserved, monkeypatch, first, last, family
    ):
        needs_fallback_fonts()
        student = reserved.student
        student.first_name, student.last_name = first, last
        student.save()
        loan = loan_get(actor=coordinator, loan_id=reserved.pk)
        content = loan_agreement_render(loan=loan)
        assert f"{first} {last}" in pdf_text(content)
        fonts = drawn_fonts(content)
        as_fpdf2_alone(monkeypatch)
        reference = loan_agreement_render(loan=loan)
        whole = drawn_fonts(reference)
        assert page_contents(content) == page_contents(reference)
        name = f"/MPDFAA+{family}"
        dejavu = {"/MPDFAA+DejaVuSansBook", "/MPDFAA+DejaVuSansBold"}
        assert set(fonts) == set(whole) == {*dejavu, name}
        for key in ("widths", "default width", "to unicode", "descriptor", "system info"):
            assert fonts[name][key] == whole[name][key], key
        assert fonts[name]["glyphs"] == whole[name]["glyphs"]
        # and the codes fpdf2 keeps for .notdef and the blank (0 and 32)
        assert len(fonts[name]["glyphs"]) == len(set(first + last)) + 2
        ours = ttLib.TTFont(io.BytesIO(fonts[name]["file"]), checkChecksums=2)
        theirs = ttLib.TTFont(io.BytesIO(whole[name]["file"]))
        for tag in sorted(ours.reader.keys()):
            ours[tag]  # every table reads, with the checksum in the directory
        assert font_file_checksum(fonts[name]["file"]) == 0xB1B0AFBA
        # the glyphs fontTools keeps (those drawn, their parts, the first four) in its
        # order, the parts of a composite glyph by their ids in it
        count = theirs["maxp"].numGlyphs
        assert ours["maxp"].numGlyphs == len(ours["hmtx"].metrics) == len(ours["glyf"]) == count
        assert count < 12
        for glyph_id in range(count):
            assert glyph_described(ours, glyph_id) == glyph_described(theirs, glyph_id)
        if first == "小明":  # 明 is drawn from two parts
            assert any(ours["glyf"][glyph].isComposite() for glyph in ours.getGlyphOrder())
        assert ("vmtx" in ours) is ("vmtx" in theirs)
        # a character map of the name's characters
        ours_cmap, theirs_cmap = ours.getBestCmap(), theirs.getBestCmap()
        for char in first + last:
            glyph_id = ours.getGlyphID(ours_cmap[ord(char)])
            assert glyph_id == theirs.getGlyphID(theirs_cmap[ord(char)]) > 3
        # the font whole would add hundreds of kilobytes: the file is about fontTools' size
        assert len(fonts[name]["file"]) < len(whole[name]["file"]) + 3_000

    def test_texts_of_many_scripts_print_as_fpdf2_prints_them_with_fallback_fonts(
        self, coordinator, handed_out, monkeypatch
    ):
        # Latin, Greek, Cyrillic and CJK in one text, Latin ones that wrap, Latin and Greek
        # in one (two fragments to fpdf2), a CJK guardian
        needs_fallback_fonts()
        school = handed_out.school
        school.name = "Städtisches Gymnasium am Park mit bilingualem Zweig und Ganztag " * 2
        school.street = "Platz der Ελευθερία 1"
        school.save()
        student = handed_out.student
        student.first_name, student.last_name = "Zoë", "王"
        student.save()
        handed_out.guardian_name = "김 지민 (Mutter), Seán O'Brien"
        handed_out.condition_out = "Kratzer (Ω-förmig) am Deckel, Aufkleber „Школа“, 山田; " * 6
        handed_out.save()
        loan = loan_get(actor=coordinator, loan_id=handed_out.pk)
        content = loan_agreement_render(loan=loan, reprint=True)
        again = loan_agreement_render(loan=loan, reprint=True)  # the lines kept from before
        text = pdf_text(content)
        assert "Zoë 王" in text
        assert "김 지민 (Mutter), Seán O'Brien" in text
        assert "Aufkleber „Школа“, 山田;" in text
        assert "Platz der Ελευθερία 1, 12345 Musterstadt" in text
        as_fpdf2_alone(monkeypatch)
        reference = loan_agreement_render(loan=loan, reprint=True)
        assert text_runs(content) == text_runs(again) == text_runs(reference)
        assert page_contents(content) == page_contents(again) == page_contents(reference)
        fonts, whole = drawn_fonts(content), drawn_fonts(reference)
        assert set(fonts) == set(whole)
        assert len(fonts) == 4
        for name, font in fonts.items():
            assert font["glyphs"] == whole[name]["glyphs"], name

    def test_a_fallback_font_it_cannot_take_apart_is_cut_down_by_fpdf2(
        self, coordinator, reserved, monkeypatch, caplog
    ):
        needs_fallback_fonts()

        def unreadable(data, glyph_names):
            raise ValueError("not a TrueType file")

        monkeypatch.setattr(agreement_module, "Whole", unreadable)
        monkeypatch.setattr(agreement_module, "_wholes", {})
        student = reserved.student
        student.first_name, student.last_name = "小明", "王"
        student.save()
        loan = loan_get(actor=coordinator, loan_id=reserved.pk)
        content = loan_agreement_render(loan=loan)
        assert "小明 王" in pdf_text(content)
        assert "is embedded as fpdf2 embeds it" in caplog.text
        as_fpdf2_alone(monkeypatch)
        reference = loan_agreement_render(loan=loan)
        name = "/MPDFAA+DroidSansFallback"
        assert drawn_fonts(content)[name]["file"] == drawn_fonts(reference)[name]["file"]

    def test_documents_printed_at_once_by_many_threads_are_those_printed_one_by_one(
        self, coordinator, reserved, monkeypatch
    ):
        names = [
            ("Jonas", "Müller-Lüdenscheidt"),
            ("Thị Minh Anh", "Nguyễn"),
            ("Αλέξανδρος", "Παπαδόπουλος"),
            ("Zeynep", "Yıldırım"),
        ]
        if any(path.exists() for path in CJK_FONT_PATHS) and HANGUL_FONT_PATH.exists():
            names += [(first, last) for first, last, _font in CJK_NAMES]
        loans = []
        for first, last in names:
            loan = loan_get(actor=coordinator, loan_id=reserved.pk)
            loan.student.first_name, loan.student.last_name = first, last
            loans.append(loan)

        def printed(loan) -> tuple:
            content = loan_agreement_render(loan=loan, reprint=False)
            fonts = {name: font["file"] for name, font in drawn_fonts(content).items()}
            return text_runs(content), fonts

        expected = [printed(loan) for loan in loans]
        monkeypatch.setattr(agreement_module, "_cuts", {})  # the first threads cut them
        monkeypatch.setattr(agreement_module, "_wholes", {})  # and take the fonts apart
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(printed, loans * 2))
        assert results == expected * 2

    def test_prints_when_fpdf2_writes_its_fonts_otherwise(self, reserved, monkeypatch):
        monkeypatch.setattr(agreement_module, "CutFontsOutput", None)  # fpdf2 cuts every font
        content = loan_agreement_render(loan=reserved)
        assert "Thị Minh Anh Nguyễn" in pdf_text(content)
        assert "Seite 3 von 3" in pdf_text(content)

    def test_without_a_fallback_font_a_cjk_name_prints_without_those_characters(
        self, coordinator, reserved, monkeypatch, tmp_path, caplog
    ):
        monkeypatch.setattr(agreement_module, "CJK_FONT_PATHS", (tmp_path / "none.ttf",))
        monkeypatch.setattr(agreement_module, "HANGUL_FONT_PATH", tmp_path / "none.ttf")
        student = reserved.student
        student.first_name, student.last_name = "Jonas", "王"
        student.save()
        loan = loan_get(actor=coordinator, loan_id=reserved.pk)
        content = loan_agreement_render(loan=loan)
        text = pdf_text(content)
        assert "Jonas" in text
        assert "王" not in text
        assert "Seite 3 von 3" in text
        assert set(drawn_fonts(content)) == {"/MPDFAA+DejaVuSansBook", "/MPDFAA+DejaVuSansBold"}
        assert "Font MPDFAA+DejaVuSansBold is missing the following glyphs: '王'" in caplog.text

    def test_a_name_typed_with_combining_accents_prints_as_the_letters(self, coordinator, reserved):
        student = reserved.student
        student.last_name = "Nguye\u0302\u0303n"  # e + circumflex + tilde, as some systems send it
        student.first_name = "Zoë"
        student.save()
        loan = loan_get(actor=coordinator, loan_id=reserved.pk)
        assert "Zoë Nguyễn" in pdf_text(loan_agreement_render(loan=loan))

    def test_an_open_ended_loan_is_returned_on_request(self, coordinator, reserved):
        reserved.ends_on = None
        reserved.save()
        loan = loan_get(actor=coordinator, loan_id=reserved.pk)
        text = pdf_text(loan_agreement_render(loan=loan))
        assert "Bis auf Verlangen der Schule (ohne feste Leihfrist)" in text

    def test_a_request_without_a_device_has_no_agreement(self, coordinator, requested):
        loan = loan_get(actor=coordinator, loan_id=requested.pk)
        with pytest.raises(Conflict) as caught:
            loan_agreement_render(loan=loan)
        assert caught.value.code == "loan_status"
        assert "once a device is reserved" in caught.value.message

    def test_filename_carries_the_asset_tag_in_characters_every_system_accepts(self, reserved):
        assert loan_agreement_filename(loan=reserved) == "Leihvertrag-LS-0042.pdf"
        reserved.device.asset_tag = "A/7 ä:1"
        assert loan_agreement_filename(loan=reserved) == "Leihvertrag-A-7-1.pdf"


def download(client, loan):
    return client.get(f"/api/v1/loans/{loan.pk}/agreement.pdf")


@pytest.mark.django_db
class TestDownload:
    def test_an_it_admin_downloads_the_pdf_as_an_attachment(self, client_for, it_admin, reserved):
        response = download(client_for(it_admin), reserved)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="Leihvertrag-LS-0042.pdf"'
        assert "no-store" in response["Cache-Control"]
        assert "Thị Minh Anh Nguyễn" in pdf_text(response.content)

    def test_the_coordinator_of_the_school_downloads_it(self, client_for, coordinator, reserved):
        response = download(client_for(coordinator), reserved)
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF-")

    def test_a_teacher_may_not_even_for_their_own_request(self, client_for, teacher, reserved):
        response = download(client_for(teacher), reserved)
        assert response.status_code == 403
        assert set(response.json()) == {"message", "code", "errors"}

    def test_the_coordinator_of_another_school_does_not_find_it(
        self, client_for, school_b, reserved
    ):
        other = UserFactory(username="koord-b", role=Role.COORDINATOR, schools=[school_b])
        response = download(client_for(other), reserved)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_a_loan_only_requested_is_409_in_the_users_language(
        self, client_for, it_admin, requested
    ):
        response = download(client_for(it_admin, language="de"), requested)
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "loan_status"
        assert body["message"].startswith("Der Leihvertrag kann gedruckt werden, sobald")
        assert set(body) == {"message", "code", "errors"}
