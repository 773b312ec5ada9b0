"""Asset labels: every code printed is read back from the rendered PDF (pdftoppm at 300
dpi, zxing-cpp) and must be the device's address or its asset tag; every label sits where
its template's measurements put it, read from the PDF's content stream within 0.2 mm."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from core.errors import NotFound, PermissionDenied, ValidationFailed
from inventory.labels import codes
from inventory.labels.layout import QR_MARGIN, fit_text, label_layout, printable, text_width
from inventory.labels.printing import (
    MAX_LABELS,
    LabelSelection,
    device_url,
    label_options,
    labels_print,
)
from inventory.labels.templates import TEMPLATES
from tests.factories import DeviceFactory, RoomFactory
from tests.inventory.label_reading import (
    cell_image,
    decode,
    drawn_codes,
    has_images,
    rasterise,
)

pytestmark = pytest.mark.django_db

TOLERANCE_MM = 0.2
# Asset tags as schools write them: slashes, a leading "99" (which python-barcode 0.16
# alone would print wrongly), spaces, lower case, punctuation.
TAGS = ("INV/2021/001", "GYM-0001", "99-0042", "A/B/C-7", "lab 12", "T#5", "x~1")
SHORT_TAGS = ("G-1", "99-4", "A/7", "R12")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def make_devices(school, count: int, tags=TAGS, room=None):
    return [
        DeviceFactory(
            asset_tag=f"{tags[n % len(tags)]}-{n}" if count > len(tags) else tags[n],
            school=school,
            room=room,
        )
        for n in range(count)
    ]


def print_labels(actor, devices, **options):
    fmt = options.pop("fmt", "pdf")
    return labels_print(
        actor=actor,
        selection=LabelSelection(asset_tags=tuple(device.asset_tag for device in devices)),
        options=label_options(fmt=fmt, **options),
    )


def expected_codes(device, fields) -> list[tuple[str, str]]:
    wanted = []
    if "qr" in fields:
        wanted.append(("qr", device_url(device.asset_tag)))
    if "barcode" in fields:
        wanted.append(("code128", device.asset_tag))
    return sorted(wanted)


# -- the codes decode ---------------------------------------------------------------------


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_every_code_of_a_full_sheet_decodes_to_the_device_address_and_its_asset_tag(
    key, coordinator, school_a
):
    template = TEMPLATES[key]
    tags = SHORT_TAGS if template.one_code else TAGS
    room = RoomFactory(school=school_a, name="Physikraum Süd")
    devices = make_devices(school_a, template.per_page, tags=tags, room=room)

    labels = print_labels(coordinator, devices, template=key)

    pages = rasterise(labels.content)
    assert len(pages) == 1
    for index, device in enumerate(devices):
        page, cell = divmod(index, template.per_page)
        found = decode(cell_image(pages[page], template, cell))
        assert found == expected_codes(device, template.default_fields), (key, cell)


def test_the_smallest_sheet_prints_barcodes_that_scan_back_as_the_asset_tag(coordinator, school_a):
    template = TEMPLATES["avery-l4731rev"]
    devices = make_devices(school_a, 2 * template.columns, tags=SHORT_TAGS)

    labels = print_labels(coordinator, devices, template=template.key, fields=["barcode", "tag"])

    page = rasterise(labels.content)[0]
    for cell, device in enumerate(devices):
        assert decode(cell_image(page, template, cell)) == [("code128", device.asset_tag)]


def test_both_codes_on_every_template_that_has_room_for_them_decode(coordinator, school_a):
    devices = make_devices(school_a, len(TAGS))
    for key, template in TEMPLATES.items():
        if template.one_code:
            continue
        labels = print_labels(coordinator, devices, template=key, fields=["qr", "barcode", "tag"])
        pages = rasterise(labels.content)
        for index, device in enumerate(devices):
            page, cell = divmod(index, template.per_page)
            found = decode(cell_image(pages[page], template, cell))
            assert found == expected_codes(device, ("qr", "barcode")), (key, device.asset_tag)


def test_the_labels_are_vector_drawings_without_images(coordinator, school_a):
    devices = make_devices(school_a, 3)

    labels = print_labels(coordinator, devices, template="avery-3474")

    assert labels.content.startswith(b"%PDF")
    assert not has_images(labels.content)
    drawn = drawn_codes(labels.content)[0]
    assert [code.kind for code in drawn] == ["qr", "bars"] * 3
    assert all(code.rectangles > 10 for code in drawn)


def test_the_address_is_the_device_link_escaped_as_django_reverses_it(settings):
    settings.LERNSTATT_BASE_URL = "https://lernstatt.example.org"
    for tag in ("INV/2021/001", "Gerät/7", "lab 12", "A>B^C~D", "x#1?y", "50%", "a+b&c=d", "//x"):
        path = reverse("inventory:device_link", kwargs={"asset_tag": tag})
        assert device_url(tag) == f"https://lernstatt.example.org{path}"


def test_texts_print_in_the_label_font_and_a_long_name_is_cut_to_fit():
    assert printable("  Raum\u00a0 „Süd“ – Ost  ") == "Raum „Süd“ – Ost"
    assert printable("Łódź") == "?ódz"  # no Ł in the font; ź without its accent
    layout = label_layout(TEMPLATES["avery-l4736rev"], ("qr", "tag", "school"))
    school = layout.texts[1]
    name = "Städtisches Gymnasium und Gesamtschule am Volksgarten"
    text, size = fit_text(name, school)
    assert text.endswith("…") and name.startswith(text[:-1])
    assert text_width(text, size, bold=False) <= school.box.w
    assert fit_text("GYM-0001", layout.texts[0], whole=True) == ("GYM-0001", layout.texts[0].size)
    assert fit_text("X" * 50, layout.texts[0], whole=True) is None


# -- where the labels go --------------------------------------------------------------------


def cell_origin(code, device, template, fields) -> tuple[float, float]:
    """The top left corner of the label a drawn code belongs to, worked back from the
    code's place in the layout."""
    layout = label_layout(template, fields)
    if code.kind == "qr":
        offset = QR_MARGIN * code.module
        return code.x - layout.qr.x - offset, code.y - layout.qr.y - offset
    width = codes.code128(device.asset_tag).modules * code.module
    left = layout.barcode.x + (layout.barcode.w - width) / 2
    return code.x - left, code.y - layout.barcode.y


def assert_near(got: tuple[float, float], expected: tuple[float, float], what) -> None:
    assert abs(got[0] - expected[0]) <= TOLERANCE_MM, (what, got, expected)
    assert abs(got[1] - expected[1]) <= TOLERANCE_MM, (what, got, expected)


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_each_label_is_drawn_where_the_template_measurements_put_it(key, coordinator, school_a):
    template = TEMPLATES[key]
    fields = ("qr", "tag") if template.one_code else ("qr", "barcode", "tag")
    count = template.per_page if template.per_page > 1 else 2
    devices = make_devices(school_a, count, tags=SHORT_TAGS)

    labels = print_labels(coordinator, devices, template=key, fields=list(fields))

    pages = drawn_codes(labels.content)
    per_label = 1 if template.one_code else 2
    assert sum(len(page) for page in pages) == per_label * count
    for index, device in enumerate(devices):
        page, cell = divmod(index, template.per_page)
        expected = template.origin(cell)
        drawn = pages[page][(cell) * per_label : (cell + 1) * per_label]
        for code in drawn:
            assert_near(cell_origin(code, device, template, fields), expected, (key, cell))
            # and inside the label
            assert expected[0] <= code.x <= expected[0] + template.label_width
            assert expected[1] <= code.y <= expected[1] + template.label_height


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_a_sheet_template_fits_its_page_with_the_manufacturers_margins(key):
    template = TEMPLATES[key]
    last = template.origin(template.per_page - 1)
    right = template.page_width - last[0] - template.label_width
    bottom = template.page_height - last[1] - template.label_height
    assert right >= -0.01 and bottom >= -0.01
    # Avery's sheets are centred on the page; a label printer's label is the page.
    assert abs(right - template.margin_left) <= 0.05
    assert abs(bottom - template.margin_top) <= 0.05


def test_the_avery_sheets_have_their_published_grids():
    sheet = TEMPLATES["avery-3474"]
    assert (sheet.label_width, sheet.label_height, sheet.columns, sheet.rows) == (70, 37, 3, 8)
    assert sheet.per_page == 24
    assert sheet.origin(0) == (0, 0.5)
    assert sheet.origin(23) == (140, 0.5 + 7 * 37)
    sheet = TEMPLATES["avery-l4736rev"]
    assert (sheet.label_width, sheet.label_height, sheet.per_page) == (45.7, 21.2, 48)
    assert sheet.origin(5) == pytest.approx((9.75 + 48.26, 21.3 + 21.2))
    sheet = TEMPLATES["avery-l4731rev"]
    assert (sheet.label_width, sheet.label_height, sheet.per_page) == (25.4, 10, 189)
    assert sheet.fields == ("qr", "barcode", "tag") and sheet.one_code


def test_a_start_position_skips_the_used_labels_and_the_copies_follow_each_other(
    coordinator, school_a
):
    template = TEMPLATES["avery-l4736rev"]
    devices = make_devices(school_a, 3)

    labels = print_labels(coordinator, devices, template=template.key, start=5, copies=2)

    assert labels.labels == 6 and labels.devices == 3
    page = rasterise(labels.content)[0]
    expected = {4: 0, 5: 0, 6: 1, 7: 1, 8: 2, 9: 2}
    for cell in range(template.per_page):
        found = decode(cell_image(page, template, cell))
        if cell in expected:
            assert found == expected_codes(devices[expected[cell]], template.default_fields)
        else:
            assert found == [], cell
    drawn = [code for code in drawn_codes(labels.content)[0] if code.kind == "qr"]
    fields = template.default_fields
    for code, cell in zip(drawn, sorted(expected), strict=True):
        device = devices[expected[cell]]
        assert_near(cell_origin(code, device, template, fields), template.origin(cell), cell)


def test_labels_past_the_last_free_position_go_on_a_new_sheet(coordinator, school_a):
    template = TEMPLATES["avery-l4736rev"]
    devices = make_devices(school_a, 4)

    labels = print_labels(coordinator, devices, template=template.key, start=47)

    pages = drawn_codes(labels.content)
    assert len(pages) == 2
    first = [code for code in pages[0] if code.kind == "qr"]
    second = [code for code in pages[1] if code.kind == "qr"]
    fields = template.default_fields
    for code, device, cell in zip(first + second, devices, (46, 47, 0, 1), strict=True):
        assert_near(cell_origin(code, device, template, fields), template.origin(cell), cell)


def test_a_label_printer_gets_one_page_per_label_at_its_size(coordinator, school_a):
    template = TEMPLATES["printer-62x29"]
    devices = make_devices(school_a, 2)

    labels = print_labels(coordinator, devices, template=template.key, copies=2)

    pages = rasterise(labels.content)
    assert len(pages) == 4
    width, height = pages[0].size
    assert abs(width - round(62 / 25.4 * 300)) <= 1 and abs(height - round(29 / 25.4 * 300)) <= 1
    for number, page in enumerate(pages):
        assert decode(page) == expected_codes(devices[number // 2], template.default_fields)


def test_a_custom_grid_prints_at_the_measurements_given(coordinator, school_a):
    custom = {
        "label_width": 60,
        "label_height": 30,
        "columns": 2,
        "rows": 3,
        "margin_left": 12.5,
        "margin_top": 20,
        "pitch_x": 70,
        "pitch_y": 40,
    }
    devices = make_devices(school_a, 6)
    options = label_options(template="custom", custom=custom, fields=["qr", "tag", "school"])
    labels = labels_print(
        actor=coordinator,
        selection=LabelSelection(asset_tags=tuple(d.asset_tag for d in devices)),
        options=options,
    )

    drawn = drawn_codes(labels.content)[0]
    expected = [(12.5, 20), (82.5, 20), (12.5, 60), (82.5, 60), (12.5, 100), (82.5, 100)]
    for code, device, origin in zip(drawn, devices, expected, strict=True):
        assert_near(cell_origin(code, device, options.template, options.fields), origin, origin)
    page = rasterise(labels.content)[0]
    for cell, device in enumerate(devices):
        found = decode(cell_image(page, options.template, cell))
        assert found == [("qr", device_url(device.asset_tag))]


# -- what is refused ---------------------------------------------------------------------


def test_an_asset_tag_with_an_umlaut_is_refused_for_the_barcode_by_name_and_nothing_printed(
    coordinator, school_a
):
    devices = [
        DeviceFactory(asset_tag="GYM-1", school=school_a),
        DeviceFactory(asset_tag="Gerät-7", school=school_a),
    ]

    with pytest.raises(ValidationFailed) as refused:
        print_labels(coordinator, devices, template="avery-3474")

    assert "Gerät-7" in refused.value.message and "“ä”" in refused.value.message
    assert [error["asset_tag"] for error in refused.value.errors] == ["Gerät-7"]
    assert refused.value.errors[0]["field"] == "fields"


def test_an_asset_tag_with_an_umlaut_prints_with_its_qr_code_holding_the_escaped_address(
    coordinator, school_a
):
    device = DeviceFactory(asset_tag="Gerät/7", school=school_a)

    labels = print_labels(coordinator, [device], template="avery-3474", fields=["qr", "tag"])

    found = decode(cell_image(rasterise(labels.content)[0], TEMPLATES["avery-3474"], 0))
    assert found == [("qr", "http://127.0.0.1:8000/d/Ger%C3%A4t/7")]


def test_a_barcode_too_wide_for_the_label_is_refused_by_name(coordinator, school_a):
    devices = [
        DeviceFactory(asset_tag="R12", school=school_a),
        DeviceFactory(asset_tag="INV/2021/000123", school=school_a),
    ]

    with pytest.raises(ValidationFailed) as refused:
        print_labels(coordinator, devices, template="avery-l4731rev", fields=["barcode", "tag"])

    assert [error["asset_tag"] for error in refused.value.errors] == ["INV/2021/000123"]
    assert "too wide" in refused.value.message


def test_python_barcodes_mistakes_never_reach_a_label():
    # python-barcode 0.16 alone drops a leading "99" and takes "ñ" for FNC1.
    from barcode.codex import Code128

    assert codes._decode(Code128("99-0001").build()[0]) != "99-0001"
    assert codes._decode(codes._Encoder("99-0001").build()[0]) == "99-0001"
    with pytest.raises(codes.CodeRefused) as refused:
        codes.code128("Señor")
    assert refused.value.char == "ñ"
    for tag in ("99", "9912", "0", "12345", "A-1~^>", " x "):
        assert codes._decode(codes._Encoder(tag).build()[0]) == tag


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"template": "avery-l4736rev", "start": 49}, "start", "from 1 to 48"),
        ({"template": "avery-l4736rev", "start": 0}, "start", "from 1 to 48"),
        ({"template": "printer-62x29", "start": 2}, "start", "label printer"),
        ({"template": "avery-3474", "copies": 0}, "copies", "from 1 to 100"),
        ({"template": "avery-3474", "copies": 1000}, "copies", "from 1 to 100"),
        ({"template": "avery-9999"}, "template", "choose a template"),
        ({"template": "avery-3474", "fmt": "zpl"}, "format", "label printer"),
        ({"template": "avery-3474", "fmt": "svg"}, "format", "PDF or ZPL"),
        ({"template": "avery-3474", "fields": []}, "fields", "at least one"),
        ({"template": "avery-3474", "fields": ["colour"]}, "fields", "Unknown"),
        (
            {"template": "avery-l4731rev", "fields": ["qr", "barcode", "tag"]},
            "fields",
            "one code",
        ),
        ({"template": "avery-l4731rev", "fields": ["qr", "school"]}, "fields", "one code"),
        (
            {"template": "custom", "custom": {"label_width": 70, "label_height": 37, "rows": 9}},
            "rows",
            "past the page",
        ),
        ({"template": "custom", "custom": {"label_height": 37}}, "label_width", "mm"),
        (
            {
                "template": "custom",
                "custom": {"label_width": 70, "label_height": 37, "pitch_x": 50},
            },
            "pitch_x",
            "at least the label",
        ),
    ],
)
def test_options_that_cannot_be_printed_are_refused_naming_the_field(options, field, words):
    with pytest.raises(ValidationFailed) as refused:
        label_options(**options)

    messages = {error["field"]: error["message"] for error in refused.value.errors}
    assert field in messages, messages
    assert words.lower() in messages[field].lower()


def test_more_labels_than_one_print_takes_are_refused(coordinator, school_a):
    devices = make_devices(school_a, MAX_LABELS // 100 + 1)

    with pytest.raises(ValidationFailed) as refused:
        print_labels(coordinator, devices, template="avery-l4736rev", copies=100)

    assert refused.value.errors[0]["field"] == "copies"


def test_devices_and_rooms_of_other_schools_are_not_found_and_other_roles_refused(
    coordinator, teacher, school_a, school_b
):
    theirs = DeviceFactory(asset_tag="GS-1", school=school_b)
    their_room = RoomFactory(school=school_b)
    mine = DeviceFactory(asset_tag="GYM-1", school=school_a)
    options = label_options(template="avery-3474")

    with pytest.raises(NotFound, match="GS-1"):
        labels_print(
            actor=coordinator,
            selection=LabelSelection(asset_tags=("GYM-1", "GS-1")),
            options=options,
        )
    for selection in (
        LabelSelection(room=their_room.pk),
        LabelSelection(school=school_b.number),
        LabelSelection(device_ids=(mine.pk, theirs.pk)),
    ):
        with pytest.raises(NotFound):
            labels_print(actor=coordinator, selection=selection, options=options)
    with pytest.raises(PermissionDenied):
        labels_print(
            actor=teacher, selection=LabelSelection(asset_tags=("GYM-1",)), options=options
        )


def test_a_room_without_devices_prints_nothing(coordinator, school_a):
    room = RoomFactory(school=school_a)

    with pytest.raises(ValidationFailed) as refused:
        labels_print(
            actor=coordinator,
            selection=LabelSelection(room=room.pk),
            options=label_options(template="avery-3474"),
        )

    assert refused.value.code == "no_devices"


# -- ZPL ------------------------------------------------------------------------------------


def test_zpl_has_one_format_per_device_with_its_qr_code_barcode_texts_and_copies(
    coordinator, school_a, settings
):
    settings.LERNSTATT_LABEL_OWNER = "Eigentum der Stadt Musterstadt"
    room = RoomFactory(school=school_a, name="Raum_1^2")
    devices = [
        DeviceFactory(asset_tag="GYM-0001", school=school_a, room=room),
        DeviceFactory(asset_tag="A>B^C~D/7", school=school_a),
    ]

    labels = print_labels(coordinator, devices, template="printer-62x29", copies=3, fmt="zpl")

    assert labels.content_type.startswith("text/plain") and labels.filename.endswith(".zpl")
    text = labels.content.decode()
    formats = re.findall(r"\^XA\n(.*?)\^XZ\n", text, flags=re.S)
    assert len(formats) == 2 and text.count("^XA") == text.count("^XZ") == 2
    for body, device in zip(formats, devices, strict=True):
        assert "^CI28" in body  # UTF-8 texts
        assert "^PW496\n" in body and "^LL232\n" in body  # 62 × 29 mm at 8 dots per mm
        assert body.strip().endswith("^PQ3")
        (qr,) = re.findall(r"\^BQN,2,(\d+)\^FDMA,(.*?)\^FS", body)
        # "~" would start a ZPL command: sent as "%7E", the same address.
        assert int(qr[0]) >= 2 and qr[1] == device_url(device.asset_tag).replace("~", "%7E")
        (barcode,) = re.findall(r"\^BY(\d+),3,(\d+)\^BCN,\2,N,N,N\^FD>:(.*?)\^FS", body)
        assert int(barcode[0]) >= 2
        for x, y in re.findall(r"\^FO(\d+),(\d+)", body):
            assert 0 <= int(x) < 496 and 0 <= int(y) < 232
    assert re.search(r"\^FD>:GYM-0001\^FS", formats[0])
    # ">" starts an invocation code in ^BC: ">0"; "^" and "~" are "><" and ">=".
    assert re.search(r"\^FD>:A>0B><C>=D/7\^FS", formats[1])
    texts = re.findall(r"\^FH_\^FD(.*?)\^FS", formats[0])
    assert texts == ["GYM-0001", school_a.name, "Raum_5F1_5E2", "Eigentum der Stadt Musterstadt"]


def test_zpl_refuses_a_barcode_a_203_dpi_printer_cannot_print_narrow_enough(coordinator, school_a):
    device = DeviceFactory(asset_tag="INV/2021/0000001", school=school_a)

    with pytest.raises(ValidationFailed) as refused:
        print_labels(coordinator, [device], template="printer-51x25", fmt="zpl")

    assert refused.value.errors[0]["asset_tag"] == "INV/2021/0000001"


# -- manage.py print_labels ----------------------------------------------------------------


def test_the_command_prints_a_room_and_named_devices(school_a, tmp_path):
    room = RoomFactory(school=school_a, name="Medienraum")
    in_room = make_devices(school_a, 3, room=room)
    output = tmp_path / "etiketten.pdf"

    call_command("print_labels", "--room", str(room.pk), "--output", str(output), "--start", "2")

    template = TEMPLATES["avery-l4736rev"]
    page = rasterise(output.read_bytes())[0]
    assert decode(cell_image(page, template, 0)) == []
    # The room's devices as the device list orders them: by asset tag.
    for cell, device in enumerate(sorted(in_room, key=lambda d: d.asset_tag), start=1):
        found = decode(cell_image(page, template, cell))
        assert found == expected_codes(device, template.default_fields)

    output = tmp_path / "zebra.zpl"
    call_command(
        "print_labels",
        "--asset-tag",
        in_room[1].asset_tag,
        "--asset-tag",
        in_room[0].asset_tag,
        "--template",
        "printer-62x29",
        "--fields",
        "barcode,tag",
        "--copies",
        "2",
        "--output",
        str(output),
    )
    text = output.read_text()
    assert text.count("^XA") == 2 and "^BQ" not in text and text.count("^PQ2") == 2
    assert text.index(in_room[1].asset_tag) < text.index(in_room[0].asset_tag)


def test_the_command_refuses_unknown_devices_and_bad_options(school_a, coordinator, tmp_path):
    DeviceFactory(asset_tag="GYM-1", school=school_a)
    DeviceFactory(asset_tag="GS-1")
    output = tmp_path / "x.pdf"

    english = ("--language", "en", "--output")
    with pytest.raises(CommandError, match="GS-1"):
        call_command("print_labels", "--asset-tag", "GS-1", "--user", "koord", *english, output)
    with pytest.raises(CommandError, match="1 to 48"):
        call_command("print_labels", "--asset-tag", "GYM-1", "--start", "60", *english, output)
    with pytest.raises(CommandError, match=r"\.pdf or \.zpl"):
        call_command("print_labels", "--asset-tag", "GYM-1", *english, tmp_path / "x.png")
    with pytest.raises(CommandError, match="one of them"):
        call_command("print_labels", *english, output)
    assert not output.exists()


def test_a_label_prints_the_schools_short_name_and_the_full_name_without_one(
    it_admin, school_a, school_b
):
    school_a.short_name = "KKG"
    school_a.save()
    devices = [
        DeviceFactory(asset_tag="KKG-0001", school=school_a),
        DeviceFactory(asset_tag="GYM-0002", school=school_b),
    ]

    labels = print_labels(it_admin, devices, template="printer-62x29", fmt="zpl")

    formats = re.findall(r"\^XA\n(.*?)\^XZ\n", labels.content.decode(), flags=re.S)
    texts = [re.findall(r"\^FH_\^FD(.*?)\^FS", body) for body in formats]
    assert texts[0][:2] == ["KKG-0001", "KKG"]
    assert texts[1][1] == school_b.name
