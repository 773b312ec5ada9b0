"""Printing asset labels: the options of a print (`label_options`: template, fields, start
position, copies, format; every rule for them is here) and the print itself
(`labels_print`: read the devices through the actor's scope, check every label, render
the PDF or the ZPL). The web page, the API and `manage.py print_labels` call these two."""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.errors import ValidationFailed
from core.formats import count_text
from core.models import User
from inventory import selectors
from inventory.labels import codes
from inventory.labels.layout import (
    LabelContent,
    Layout,
    LayoutError,
    PrintedText,
    barcode_module,
    fit_text,
    label_layout,
    printable,
)
from inventory.labels.pdf import labels_pdf
from inventory.labels.templates import (
    ALL_FIELDS,
    CODES,
    CUSTOM,
    FIELDS,
    TEMPLATES,
    LabelTemplate,
    custom_template,
)
from inventory.labels.zpl import CONTENT_TYPE as ZPL_CONTENT_TYPE
from inventory.labels.zpl import labels_zpl, zpl_module
from inventory.models import Device
from inventory.selectors import DeviceFilters

FORMATS = ("pdf", "zpl")
CONTENT_TYPES = {"pdf": "application/pdf", "zpl": ZPL_CONTENT_TYPE}
MAX_COPIES = 100
# A print is one request: about 10 s of work for this many labels with QR codes.
MAX_LABELS = 5000
# Refusals listed one by one; more are counted.
MAX_LISTED = 10


@dataclass(frozen=True)
class LabelSelection:
    """Which devices: ticked in the list (ids), named by asset tag, the devices of a room
    or of a school (by number), or the device list with filters; the first given decides
    (selectors.device_selection)."""

    device_ids: tuple[int, ...] = ()
    asset_tags: tuple[str, ...] = ()
    room: int | None = None
    school: str | None = None
    filters: DeviceFilters | None = None


@dataclass(frozen=True)
class LabelOptions:
    template: LabelTemplate
    fields: tuple[str, ...]
    start: int = 1
    copies: int = 1
    fmt: str = "pdf"


@dataclass(frozen=True)
class LabelFile:
    filename: str
    content_type: str
    content: bytes
    labels: int
    devices: int


def label_options(
    *,
    template: str,
    fields: Iterable[str] | None = None,
    start: int = 1,
    copies: int = 1,
    fmt: str = "pdf",
    custom: dict | None = None,
) -> LabelOptions:
    """The options of a print, checked: a template of TEMPLATES or the custom grid
    (`custom`: its measurements, templates.custom_template); `fields` of ALL_FIELDS that
    fit that template (None: the template's defaults); `start`, the first free position
    of the first sheet (1 to the labels on a sheet); 1 to MAX_COPIES `copies` of each
    label; `fmt` pdf, or zpl for a label printer's template. ValidationFailed naming each
    field that is wrong, in the user's words."""
    errors: list[dict] = []
    chosen: LabelTemplate | None = TEMPLATES.get(template)
    if template == CUSTOM:
        try:
            chosen = custom_template(custom or {})
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    elif chosen is None:
        message = _("Please choose a template from the list.")
        errors.append({"field": "template", "message": message})
    if fmt not in FORMATS:
        errors.append({"field": "format", "message": _("Please choose PDF or ZPL.")})
    picked = tuple(fields) if fields is not None else None
    if picked is not None:
        unknown = [name for name in picked if name not in ALL_FIELDS]
        if unknown:
            errors.append(
                {
                    "field": "fields",
                    "message": _("Unknown fields: %(fields)s. Choose from: %(known)s.")
                    % {"fields": ", ".join(unknown), "known": ", ".join(ALL_FIELDS)},
                }
            )
        elif not picked:
            errors.append(
                {"field": "fields", "message": _("Please choose at least one thing to print.")}
            )
    if not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        errors.append(
            {
                "field": "copies",
                "message": _("Please print from 1 to %(max)d copies of each label.")
                % {"max": MAX_COPIES},
            }
        )
    if chosen is not None:
        picked = _template_fields(chosen, picked, errors)
        if not isinstance(start, int) or not 1 <= start <= chosen.per_page:
            if chosen.per_page == 1:
                message = _("A label printer starts at the first label: the start position is 1.")
            else:
                message = _("The start position is a label of the sheet: from 1 to %(count)d.") % {
                    "count": chosen.per_page
                }
            errors.append({"field": "start", "message": message})
        if fmt == "zpl" and chosen.per_page != 1:
            errors.append(
                {
                    "field": "format",
                    "message": _(
                        "ZPL is for label printers: choose a label printer's template (one "
                        "label per page) or the PDF."
                    ),
                }
            )
    if errors:
        raise ValidationFailed(_("The labels cannot be printed like this."), errors=errors)
    assert chosen is not None and picked is not None
    return LabelOptions(template=chosen, fields=picked, start=start, copies=copies, fmt=fmt)


def _template_fields(
    template: LabelTemplate, picked: tuple[str, ...] | None, errors: list[dict]
) -> tuple[str, ...]:
    """The fields in the order of ALL_FIELDS, checked against what fits on the template
    (an error in `errors` otherwise)."""
    if picked is None:
        return template.default_fields
    ordered = tuple(name for name in ALL_FIELDS if name in picked)
    if not ordered:
        return ordered
    extra = [name for name in ordered if name not in template.fields]
    if template.one_code and (extra or all(code in ordered for code in CODES)):
        message = _(
            "A label of %(template)s has room for one code (the QR code or the barcode) and "
            "the asset tag only."
        ) % {"template": template.name}
        errors.append({"field": "fields", "message": message})
        return ordered
    if extra:
        message = _("A label of %(template)s has room for these only: %(fields)s.") % {
            "template": template.name,
            "fields": ", ".join(str(FIELDS[name]) for name in template.fields),
        }
        errors.append({"field": "fields", "message": message})
        return ordered
    try:
        label_layout(template, ordered)
    except LayoutError:
        errors.append(
            {
                "field": "fields",
                "message": _(
                    "These fields do not fit legibly on a label of %(size)s: leave some out or "
                    "choose a larger label."
                )
                % {"size": template.size()},
            }
        )
    return ordered


def device_url(asset_tag: str) -> str:
    """The address on a device's label: LERNSTATT_BASE_URL and /d/<asset tag>, which
    sends whoever opens it to the device's page. The tag is escaped as reverse() escapes
    it (tests/inventory/test_labels.py compares the two), without resolving the route
    for each of thousands of labels."""
    return f"{_link_prefix()}{quote(asset_tag, safe=RFC3986_SUBDELIMS + '/~:@')}"


def _link_prefix() -> str:
    """LERNSTATT_BASE_URL and the route's path before the tag ("…/d/"), without the
    prefix of the request's script, which the base address has already."""
    path = reverse("inventory:device_link", kwargs={"asset_tag": "-"})[: -len("-")]
    return f"{settings.LERNSTATT_BASE_URL}/{path[len(get_script_prefix()) :]}"


def labels_filename(fmt: str) -> str:
    stem = pgettext("label file name", "labels")
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def labels_print(*, actor: User, selection: LabelSelection, options: LabelOptions) -> LabelFile:
    """The labels of the selected devices (selectors.device_selection, with the actor's
    scope: NotFound for a device or room outside it) as a PDF, or ZPL: each device
    `options.copies` times in a row, from position `options.start` of the first sheet on.

    Promises: every QR code holds the device's address (device_url) and every barcode its
    asset tag exactly; a device whose label cannot be printed so (a tag a Code 128 barcode
    cannot hold or that is too long for the label, a tag too long to print in full) is
    refused, naming it, and nothing is printed (ValidationFailed). So is a selection
    without devices, or of more than MAX_LABELS labels."""
    devices = selectors.device_selection(
        actor=actor,
        device_ids=selection.device_ids,
        asset_tags=selection.asset_tags,
        room_id=selection.room,
        school=selection.school,
        filters=selection.filters,
    )
    if not devices:
        raise ValidationFailed(
            _("There are no devices to print labels for."),
            code="no_devices",
            errors=[{"field": "devices", "message": _("No device is selected.")}],
        )
    count = len(devices) * options.copies
    if count > MAX_LABELS:
        message = _(
            "These are %(count)s labels; at most %(max)s are printed at once. Please print "
            "fewer devices (one school or one room) or fewer copies."
        ) % {"count": count_text(count), "max": count_text(MAX_LABELS)}
        raise ValidationFailed(message, errors=[{"field": "copies", "message": message}])
    layout = label_layout(options.template, options.fields)
    contents = label_contents(devices, options=options, layout=layout)
    template = options.template
    if options.fmt == "zpl":
        content = labels_zpl(
            contents, template=template, layout=layout, copies=options.copies
        ).encode()
    else:
        title = _("Asset labels") + f" ({template.name})"
        sheet = labels_pdf(
            contents,
            template=template,
            layout=layout,
            start=options.start,
            copies=options.copies,
            title=title,
        )
        content = bytes(sheet.output())
    return LabelFile(
        filename=labels_filename(options.fmt),
        content_type=CONTENT_TYPES[options.fmt],
        content=content,
        labels=count,
        devices=len(devices),
    )


def label_contents(
    devices: Iterable[Device], *, options: LabelOptions, layout: Layout
) -> list[LabelContent]:
    """What each device's label prints, fitted to the layout; ValidationFailed naming the
    devices whose labels cannot be printed correctly."""
    owner = printable(settings.LERNSTATT_LABEL_OWNER)
    template = options.template
    prefix = _link_prefix()
    refused: list[dict] = []
    contents = []
    # Schools, rooms and the owner line repeat from label to label: each fitted once.
    fitted_texts: dict[tuple[int, str], tuple[str, float] | None] = {}
    for device in devices:
        tag = device.asset_tag
        url = None
        if "qr" in options.fields:
            url = f"{prefix}{quote(tag, safe=RFC3986_SUBDELIMS + '/~:@')}"
        bars = module = None
        if "barcode" in options.fields:
            bars, module, problem = _barcode(tag, options, layout)
            if problem:
                refused.append({"field": "fields", "asset_tag": tag, "message": problem})
                continue
        texts = []
        for index, slot in enumerate(layout.texts):
            if slot.field == "tag":
                text = printable(tag)
            elif slot.field == "school":
                text = printable(device.school.label_name)
            elif slot.field == "room":
                text = printable(device.room.name) if device.room_id else ""
            else:
                text = owner
            if not text:
                continue
            if slot.field == "tag":
                fitted = fit_text(text, slot, whole=True)
            else:
                key = (index, text)
                if key not in fitted_texts:
                    fitted_texts[key] = fit_text(text, slot)
                fitted = fitted_texts[key]
            if fitted is None:
                refused.append(
                    {
                        "field": "fields",
                        "asset_tag": tag,
                        "message": _(
                            "Device %(tag)s: its asset tag is too long to print in full on a "
                            "label of %(size)s. Please choose a larger label."
                        )
                        % {"tag": tag, "size": template.size()},
                    }
                )
                break
            texts.append(PrintedText(index, *fitted))
        else:
            contents.append(LabelContent(tag, url, bars, module, tuple(texts)))
    if refused:
        shown = [error["message"] for error in refused[:MAX_LISTED]]
        if len(refused) > MAX_LISTED:
            more = count_text(len(refused) - MAX_LISTED)
            shown.append(_("… and %(count)s more devices.") % {"count": more})
        raise ValidationFailed(
            _("No labels were printed: %(problems)s") % {"problems": " ".join(shown)},
            code="labels_refused",
            errors=refused,
        )
    return contents


def _barcode(
    tag: str, options: LabelOptions, layout: Layout
) -> tuple[codes.Bars | None, float | None, str | None]:
    """The barcode of `tag`, its module width, or why it cannot be printed."""
    try:
        bars = codes.code128(tag)
    except codes.CodeRefused as exc:
        if exc.char:
            message = _(
                "Device %(tag)s: a Code 128 barcode cannot hold “%(char)s” of its asset tag "
                "(only the letters A–Z and a–z, digits, spaces and punctuation, no umlauts "
                "or accents). Print its labels without the barcode, or change its asset tag."
            ) % {"tag": tag, "char": exc.char}
        else:
            message = _(
                "Device %(tag)s: its asset tag cannot be printed as a Code 128 barcode. "
                "Print its labels without the barcode."
            ) % {"tag": tag}
        return None, None, message
    if options.fmt == "zpl":  # the printer sizes the bars itself (zpl.zpl_module)
        module, fits = None, zpl_module(tag, layout) is not None
    else:
        module = barcode_module(bars.modules, layout)
        fits = module is not None
    if fits:
        return bars, module, None
    message = _(
        "Device %(tag)s: the barcode of its asset tag is too wide for a label of %(size)s. "
        "Print it on a larger label or without the barcode."
    ) % {"tag": tag, "size": options.template.size()}
    return bars, None, message
