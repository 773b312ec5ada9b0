"""The reports as files: one .xlsx per report (its table and a native Excel bar chart),
and the open-data export of every report as JSON (with a metadata block) or CSV.

The .xlsx files are small (aggregates, a row per school at most per category), so they
are written with openpyxl, which can draw charts, rather than core.sheets.xlsx, which is
built for long lists. Text cells are forced to be text: no cell is ever a formula.

Open data (docs/web.md, "Reports"): UTF-8 without BOM, `,`-separated, decimal point,
dates as ISO 8601 — what open-data portals and scripts read; the German Excel exports
of lists are the .xlsx files. The CSV is in long form, one measure per line, so all
reports fit in one table.
"""

import csv
import datetime
import io
import json
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.models import User
from core.sheets.write import guard_formula, print_stamp
from reports.catalogue import (
    MONEY,
    MONTH,
    REPORTS,
    YEAR,
    Column,
    Report,
    chart_points,
    label_text,
)
from reports.selectors import Row

LICENCE = {
    "name": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "id": "dl-de/by-2-0",
    "url": "https://www.govdata.de/dl-de/by-2-0",
}
MONEY_FORMAT = '#,##0.00 "€"'
MONTH_FORMAT = "mm.yyyy"
DECIMAL_FORMAT = "0.0"
MAX_SHEET_NAME = 31


def _text_cell(cell, text: str) -> None:
    # openpyxl makes any text starting with "=" a formula; this one stays text.
    cell.value = text
    cell.data_type = "s"


def _write_value(cell, column: Column, value: object) -> None:
    if column.is_measure:
        if value is None:
            return
        cell.value = value
        if column.kind == MONEY:
            cell.number_format = MONEY_FORMAT
        elif isinstance(value, Decimal):
            cell.number_format = DECIMAL_FORMAT
    elif column.kind == YEAR and value is not None:
        cell.value = value
    elif column.kind == MONTH and isinstance(value, datetime.date):
        cell.value = value
        cell.number_format = MONTH_FORMAT
    else:
        _text_cell(cell, label_text(column, value))


def _print_setup(sheet, *, landscape: bool) -> None:
    """Printed as the other lists are (core.sheets.xlsx.Sheet): A4, one page wide, the
    header row on every page, the sheet's name and the day at the top, page numbers."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.oddHeader.left.text = "&A"
    sheet.oddHeader.left.font = "-,Bold"
    sheet.oddHeader.right.text = print_stamp().replace("&", "&&")
    sheet.oddFooter.right.text = "&P / &N"


def report_xlsx(report: Report, rows: list[Row]) -> bytes:
    """The report's table on its first sheet (bold, frozen, filtered header; numbers as
    numbers, money in euro format, months as dates) and a bar chart of its chart data
    on a second sheet, next to the data it draws."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(report.title)[:MAX_SHEET_NAME]
    for index, column in enumerate(report.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        _text_cell(cell, str(column.label))
        cell.font = Font(bold=True)
        width = max(len(str(column.label)), 10 if column.is_measure else 14) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 40)
    for row_index, row in enumerate(rows, start=2):
        for index, column in enumerate(report.columns, start=1):
            _write_value(sheet.cell(row=row_index, column=index), column, row[column.key])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(report.columns))}{max(len(rows), 1) + 1}"
    _print_setup(sheet, landscape=False)

    chart_sheet = workbook.create_sheet(_("Chart")[:MAX_SHEET_NAME])
    label_column = next(c for c in report.columns if c.key == report.chart.label)
    value_column = next(c for c in report.columns if c.key == report.chart.value)
    _text_cell(chart_sheet.cell(row=1, column=1), str(label_column.label))
    _text_cell(chart_sheet.cell(row=1, column=2), str(report.chart.title))
    chart_sheet.column_dimensions["A"].width = 36
    chart_sheet.column_dimensions["B"].width = 16
    points = chart_points(report, rows)
    for row_index, (label, value) in enumerate(points, start=2):
        _text_cell(chart_sheet.cell(row=row_index, column=1), label)
        _write_value(chart_sheet.cell(row=row_index, column=2), value_column, value)
    chart_sheet.freeze_panes = "A2"
    _print_setup(chart_sheet, landscape=True)

    chart = BarChart()
    chart.type = "bar"  # horizontal: long school names stay readable
    chart.style = 10
    chart.title = str(report.chart.title)
    chart.y_axis.title = str(value_column.label)
    chart.x_axis.title = str(label_column.label)
    chart.legend = None
    # The bars top to bottom in the order of the web page (a bar chart's categories run
    # bottom up otherwise), the value axis at the bottom, both axes with their labels.
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.crosses = "max"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    last = max(len(points), 1) + 1
    chart.add_data(
        Reference(chart_sheet, min_col=2, min_row=1, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(chart_sheet, min_col=1, min_row=2, max_row=last))
    chart.height = max(7.5, 0.6 * len(points) + 3)
    chart.width = 18
    chart_sheet.add_chart(chart, "D2")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _json_value(column: Column, value: object) -> object:
    if value is None:
        return None
    if isinstance(value, Decimal):
        # Two decimals at most: a float holds them exactly enough to print them back.
        return float(value)
    if column.kind == MONTH and isinstance(value, datetime.date):
        return value.strftime("%Y-%m")
    return value


def _metadata() -> dict:
    return {
        "title": _("Equipment of the city's schools"),
        "description": _(
            "Aggregated figures on the devices of the city's schools: devices per school, "
            "students per device, age, warranty, spending, loans, devices lost or in repair. "
            "Counts and sums only; no person appears in these data."
        ),
        "license": LICENCE,
        "date": timezone.localdate().isoformat(),
        "publisher": settings.LERNSTATT_OPEN_DATA_PUBLISHER,
        "language": get_language(),
    }


def open_data_reports(actor: User) -> list[tuple[Report, list[Row]]]:
    return [(report, report.rows_for(actor)) for report in REPORTS]


def open_data_json(actor: User) -> bytes:
    """Every report: metadata (title, description, licence, date, publisher), then per
    report its title, description, columns (key, label, type) and rows keyed by column."""
    document = {
        "metadata": _metadata(),
        "reports": [
            {
                "id": report.slug,
                "title": str(report.title),
                "description": str(report.description),
                "columns": [
                    {"key": c.key, "label": str(c.label), "type": c.kind} for c in report.columns
                ],
                "rows": [
                    {c.key: _json_value(c, row[c.key]) for c in report.columns} for row in rows
                ],
            }
            for report, rows in open_data_reports(actor)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


# The long form's dimension columns: every report's rows name some of them.
CSV_DIMENSIONS = ("school_number", "school", "category", "funding_programme", "year", "month")
CSV_HEADER = ("report", *CSV_DIMENSIONS, "measure", "value")


def _csv_value(column: Column, value: object) -> str:
    value = _json_value(column, value)
    if value is None:
        return ""
    if isinstance(value, str):
        return guard_formula(value)
    return str(value)


def open_data_csv(actor: User) -> bytes:
    """Every report in long form: report, the row's dimensions (empty where a report has
    none of them), measure, value — one line per measure of each row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=",", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for report, rows in open_data_reports(actor):
        dimensions = {c.key: c for c in report.columns if not c.is_measure}
        measures = [c for c in report.columns if c.is_measure]
        for row in rows:
            keys = [
                _csv_value(dimensions[key], row[key]) if key in dimensions else ""
                for key in CSV_DIMENSIONS
            ]
            for measure in measures:
                value = _csv_value(measure, row[measure.key])
                writer.writerow([report.slug, *keys, measure.key, value])
    return buffer.getvalue().encode("utf-8")
