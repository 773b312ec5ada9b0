"""The protocol of a closed stock-taking, to print and sign (PDF) and to work with (.xlsx):
the school and scope, who started and closed it and when, who scanned how many, and the
lists — found, moved here, found elsewhere, unknown asset tags, missing (reported lost or
to be clarified), on loan — with the lines the school signs on.

The PDF embeds DejaVu Sans (the font files of scheduling/fonts/), so every name prints
and the page looks the same everywhere; the .xlsx is written by core.sheets (typed cells,
a frozen header, set up to print on A4) in the user's language."""

import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF, XPos, YPos

from core.errors import Conflict
from core.formats import count_text
from core.sheets.write import XLSX_CONTENT_TYPE, SheetColumn, XlsxSheet, write_xlsx_sheets
from stocktaking.models import Scan, Stocktaking
from stocktaking.selectors import MissingDevice, Protocol, stocktaking_protocol

FONT = "DejaVu"
MARGIN = 15  # mm
LINE = 5.2  # mm, a table row
PDF_CONTENT_TYPE = "application/pdf"


@dataclass(frozen=True)
class ProtocolFile:
    filename: str
    content_type: str
    content: bytes


def _fonts() -> Path:
    return Path(apps.get_app_config("scheduling").path) / "fonts"


def _when(value) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "–"


def _person(user) -> str:
    if user is None:
        return "–"
    return user.get_full_name() or user.username


def _scope(stocktaking: Stocktaking, protocol: Protocol) -> str:
    if stocktaking.whole_school:
        return _("the whole school")
    rooms = ", ".join(room.name for room in protocol.rooms)
    if stocktaking.building:
        return _("building %(building)s (rooms %(rooms)s)") % {
            "building": stocktaking.building,
            "rooms": rooms,
        }
    return _("rooms %(rooms)s") % {"rooms": rooms}


def _place(scan: Scan) -> str:
    """Where the device was recorded when it was scanned."""
    if scan.recorded_school is None:
        return "–"
    room = scan.recorded_room.name if scan.recorded_room else _("without a room")
    if scan.recorded_school_id != scan.stocktaking.school_id:
        return f"{scan.recorded_school.name}, {room}"
    return room


def _model(scan: Scan) -> str:
    return str(scan.device.model) if scan.device is not None else ""


def _room(scan: Scan) -> str:
    return scan.room.name if scan.room is not None else "–"


def _missing_result(device: MissingDevice) -> str:
    if device.result == "lost":
        return _("reported lost")
    return _("to be clarified")


def _filename(stocktaking: Stocktaking, extension: str) -> str:
    stem = re.sub(r"[^a-z0-9_-]+", "-", pgettext("export file name", "stock-taking").lower())
    day = timezone.localtime(stocktaking.closed_at or timezone.now())
    stem = stem.strip("-") or "stock-taking"
    return f"{stem}-{stocktaking.school.number}-{day:%Y-%m-%d}.{extension}"


def _check_closed(stocktaking: Stocktaking) -> None:
    if stocktaking.is_open:
        raise Conflict(
            _("The protocol is made when the stock-taking is closed."), code="stocktaking_open"
        )


# -- the lists, one definition for the PDF and the .xlsx --------------------------------------


@dataclass(frozen=True)
class _List:
    title: str
    sheet: str  # the .xlsx sheet's name: at most 31 characters
    headers: tuple[str, ...]
    widths: tuple[int, ...]  # mm in the PDF; characters in the sheet are about twice as many
    rows: list[tuple[str, ...]]


def _lists(protocol: Protocol) -> list[_List]:
    tag, model, room = _("Asset tag"), _("Model"), _("Room")
    return [
        _List(
            _("Found"),
            pgettext("sheet name", "Found"),
            (tag, model, _("Scanned in room")),
            (40, 85, 55),
            protocol.found,
        ),
        _List(
            _("Moved here"),
            pgettext("sheet name", "Moved here"),
            (tag, model, _("Was recorded at"), _("Now in room")),
            (35, 55, 50, 40),
            [(scan.asset_tag, _model(scan), _place(scan), _room(scan)) for scan in protocol.moved],
        ),
        _List(
            _("Found elsewhere"),
            pgettext("sheet name", "Found elsewhere"),
            (tag, model, _("Recorded at"), _("Scanned in room")),
            (35, 55, 50, 40),
            [
                (scan.asset_tag, _model(scan), _place(scan), _room(scan))
                for scan in protocol.elsewhere
            ],
        ),
        _List(
            _("Unknown asset tags (to be created)"),
            pgettext("sheet name", "Unknown"),
            (tag, _("First scanned in room"), _("Scans")),
            (60, 90, 30),
            [
                (row["asset_tag"], row["room"].name if row["room"] else "–", str(row["count"]))
                for row in protocol.unknown
            ],
        ),
        _List(
            _("Missing"),
            pgettext("sheet name", "Missing"),
            (tag, model, room, _("Decision")),
            (35, 60, 45, 40),
            [
                (device.asset_tag, device.model, device.room or "–", _missing_result(device))
                for device in protocol.missing
            ],
        ),
        _List(
            _("On loan (counted as seen)"),
            pgettext("sheet name", "On loan"),
            (tag, model, room),
            (40, 85, 55),
            [(device.asset_tag, device.model, device.room or "–") for device in protocol.on_loan],
        ),
    ]


def _summary(protocol: Protocol) -> list[tuple[str, str]]:
    stocktaking, counts = protocol.stocktaking, protocol.counts
    return [
        (_("School"), f"{stocktaking.school.name} ({stocktaking.school.number})"),
        (_("Stock-taking"), stocktaking.name),
        (_("Scope"), _scope(stocktaking, protocol)),
        (_("Started"), f"{_when(stocktaking.started_at)}, {_person(stocktaking.started_by)}"),
        (_("Closed"), f"{_when(stocktaking.closed_at)}, {_person(stocktaking.closed_by)}"),
        (_("Expected devices"), count_text(counts.expected)),
        (_("Seen"), count_text(counts.seen)),
        (_("of them on loan"), count_text(counts.on_loan)),
        (_("Found elsewhere"), count_text(counts.elsewhere)),
        (_("Moved here"), count_text(len(protocol.moved))),
        (_("Unknown asset tags"), count_text(counts.unknown)),
        (_("Missing"), count_text(counts.missing)),
        (_("of them reported lost"), count_text(counts.lost)),
    ]


# -- PDF ----------------------------------------------------------------------------------------


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(unit="mm", format="A4")
        self.title_text = title
        fonts = _fonts()
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 5)
        self.alias_nb_pages()
        self._fitted: dict[tuple, str] = {}

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FONT, "", 8)
        self.cell(
            0,
            5,
            _("%(title)s · page %(page)s of %(pages)s")
            % {"title": self.title_text, "page": self.page_no(), "pages": "{nb}"},
            align="C",
        )

    def fit(self, text: str, width: float) -> str:
        """`text` cut with an ellipsis to fit a cell `width` mm wide (the same texts come
        back in every row, so each is measured once)."""
        key = (text, width, self.font_style)
        fitted = self._fitted.get(key)
        if fitted is None:
            room, fitted = width - 2, text
            if self.get_string_width(fitted) > room:
                while fitted and self.get_string_width(fitted + "…") > room:
                    fitted = fitted[:-1]
                fitted += "…"
            self._fitted[key] = fitted
        return fitted

    def row(
        self,
        cells: tuple[str, ...],
        widths: tuple[int, ...],
        *,
        bold: bool = False,
        header: tuple[str, ...] | None = None,
    ) -> None:
        """One line of a table: each text at its column's left, a rule below. On a new
        page the `header` row comes first. Written with FPDF.text: a list of thousands of
        devices would take seconds through FPDF.cell."""
        if self.get_y() + LINE > self.page_break_trigger:
            self.add_page()
            if header is not None:
                self.row(header, widths, bold=True)
        style = "B" if bold else ""
        if self.font_style != style or self.font_size_pt != 9:
            self.set_font(FONT, style, 9)
        x, y = self.l_margin, self.get_y()
        for text, width in zip(cells, widths, strict=True):
            if text:
                self.text(x + 1, y + LINE - 1.5, self.fit(text, width))
            x += width
        self.line(self.l_margin, y + LINE, x, y + LINE)
        self.set_y(y + LINE)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - MARGIN - 30:
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _signatures(pdf: _Document) -> None:
    if pdf.get_y() > pdf.page_break_trigger - 35:
        pdf.add_page()
    pdf.ln(18)
    width = (pdf.w - 2 * MARGIN - 10) / 3
    for label in (
        _("Place, date"),
        _("Signature of the head teacher"),
        _("Signature of IT coordination"),
    ):
        x = pdf.get_x()
        pdf.line(x, pdf.get_y(), x + width, pdf.get_y())
        pdf.set_font(FONT, "", 8)
        pdf.cell(width, 5, label)
        pdf.set_x(x + width + 5)
    pdf.ln(8)


def protocol_pdf(*, stocktaking: Stocktaking) -> ProtocolFile:
    """The protocol as an A4 PDF. `stocktaking` comes from stocktaking_get with
    STOCKTAKE_MANAGE; an open one has no protocol yet (Conflict)."""
    _check_closed(stocktaking)
    protocol = stocktaking_protocol(stocktaking=stocktaking)
    title = _("Stock-taking protocol")
    pdf = _Document(title)
    pdf.set_title(f"{title}: {stocktaking.name}")
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for label, value in _summary(protocol):
        pdf.set_font(FONT, "B", 9.5)
        pdf.cell(50, LINE, label)
        pdf.set_font(FONT, "", 9.5)
        pdf.multi_cell(0, LINE, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.heading(_("Scans per person"))
    widths = (120, 60)
    pdf.row((_("Name"), _("Scans")), widths, bold=True)
    for name, count in protocol.scanners:
        pdf.row((name, count_text(count)), widths)
    if not protocol.scanners:
        pdf.row((_("Nobody scanned."), ""), widths)
    # The school signs the figures on the first page; the lists follow as its annex.
    _signatures(pdf)
    pdf.set_font(FONT, "", 9)
    pdf.cell(
        0, LINE, _("The lists that follow are part of this protocol."),
        new_x=XPos.LMARGIN, new_y=YPos.NEXT,
    )  # fmt: skip
    for listed in _lists(protocol):
        pdf.heading(f"{listed.title} ({count_text(len(listed.rows))})")
        if not listed.rows:
            pdf.set_font(FONT, "", 9)
            pdf.cell(0, LINE, _("none"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            continue
        pdf.row(listed.headers, listed.widths, bold=True)
        for cells in listed.rows:
            pdf.row(cells, listed.widths, header=listed.headers)
    return ProtocolFile(_filename(stocktaking, "pdf"), PDF_CONTENT_TYPE, bytes(pdf.output()))


# -- .xlsx ----------------------------------------------------------------------------------


def protocol_xlsx(*, stocktaking: Stocktaking) -> ProtocolFile:
    """The protocol as a workbook: an overview, then one sheet per list, each with a title
    line and a frozen, filtered header, set up to print. Conflict for an open one."""
    _check_closed(stocktaking)
    protocol = stocktaking_protocol(stocktaking=stocktaking)
    title = f"{_('Stock-taking protocol')}: {stocktaking.name}"
    sheets = [
        XlsxSheet(
            name=_("Overview"),
            columns=[SheetColumn(_("What"), width=30), SheetColumn(_("Value"), width=60)],
            rows=[*_summary(protocol), ("", ""), (_("Scans per person"), "")]
            + [(name, str(count)) for name, count in protocol.scanners],
            title_lines=[title],
            auto_filter=False,
        )
    ]
    for listed in _lists(protocol):
        sheets.append(
            XlsxSheet(
                name=listed.sheet,
                columns=[
                    SheetColumn(header, width=max(12, width // 2 + 4))
                    for header, width in zip(listed.headers, listed.widths, strict=True)
                ],
                rows=listed.rows,
                title_lines=[f"{listed.title}: {stocktaking.name}"],
            )
        )
    target = io.BytesIO()
    write_xlsx_sheets(target, sheets)
    return ProtocolFile(_filename(stocktaking, "xlsx"), XLSX_CONTENT_TYPE, target.getvalue())
