"""The summary of an import's report as lines of text, for every kind alike: the rows per
outcome, what the reader left out or assumed, the kind's own lines and the errors by row
and column. The management commands print it."""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formats import count_text
from imports.kinds import import_kind

# More entries than this (errors, people, …) are counted, not listed.
MAX_LISTED = 200


def import_summary(kind: str, report: dict[str, Any]) -> list[str]:
    """The lines summing up a report (the dict an import's preview or write returns) of
    an import of `kind`."""
    services = import_kind(kind)
    counts = report.get("counts") or {}
    labels = {
        each.key: str(each.counted)
        for each in (*services.outcomes, *services.counted)
        if not each.occasional or counts.get(each.key)
    }
    width = max(len(label) for label in labels.values())
    lines = [_("Rows:")]
    lines += [
        f"  {label:<{width}}  {count_text(counts.get(key, 0)):>8}" for key, label in labels.items()
    ]
    lines += _reader_notes(report)
    if services.summary is not None:
        lines += services.summary(report)
    errors = [error for row in report.get("rows") or [] for error in row.get("errors") or []]
    if errors:
        lines.append(_("Errors:"))
        lines += listed(
            "  "
            + _("Row %(row)s") % {"row": error["row"]}
            + (f", {error['column']}" if error.get("column") else "")
            + f": {error['message']}"
            for error in errors
        )
    return lines


def listed(lines: Iterable[str]) -> list[str]:
    """The first MAX_LISTED lines, and how many more there are."""
    lines = list(lines)
    if len(lines) <= MAX_LISTED:
        return lines
    more = len(lines) - MAX_LISTED
    return [
        *lines[:MAX_LISTED],
        ngettext("  … and %(count)s more.", "  … and %(count)s more.", more)
        % {"count": count_text(more)},
    ]


def _reader_notes(report: dict[str, Any]) -> list[str]:
    """The columns ignored, the rows hidden in the file, the rows left out (a totals row)
    and the order of day and month assumed for dates with slashes."""
    lines = []
    if report.get("unknown_columns"):
        lines.append(
            _("Columns ignored: %(columns)s") % {"columns": ", ".join(report["unknown_columns"])}
        )
    hidden = report.get("hidden_rows") or 0
    if hidden:
        lines.append(
            ngettext(
                "%(n)s row is hidden in the file (by hand or by a filter); it is imported "
                "like the others.",
                "%(n)s rows are hidden in the file (by hand or by a filter); they are "
                "imported like the others.",
                hidden,
            )
            % {"n": count_text(hidden)}
        )
    for item in report.get("skipped") or []:
        lines.append(
            _("Not imported: row %(row)s: %(message)s")
            % {"row": item["row"], "message": item["message"]}
        )
    for dates in report.get("date_orders") or []:
        if dates.get("assumed"):
            lines.append(_date_order_note(dates))
    return lines


def _date_order_note(dates: dict[str, Any]) -> str:
    if dates["order"] == "mdy":
        note = _(
            "Column %(column)s: every date could be day or month first; they were read month "
            "first (08/01/2021 = 1 August). Use --date-order dmy for day first."
        )
    else:
        note = _(
            "Column %(column)s: every date could be day or month first; they were read day "
            "first (08/01/2021 = 8 January). Use --date-order mdy for month first."
        )
    return note % {"column": dates["column"]}
