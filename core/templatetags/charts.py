"""`{% bar_chart points title=... description=... %}`: a horizontal bar chart as inline
SVG, rendered on the server. No JavaScript, no external files; the chart carries its own
<title> and <desc> (role="img"), every bar is labelled in text with its value, so it
reads without colour and is announced by screen readers; the table beside it has the
same numbers."""

import itertools
from decimal import Decimal

from django import template
from django.utils.formats import number_format

from core.formats import count_text

register = template.Library()

_ids = itertools.count(1)

WIDTH = 800
LABEL_WIDTH = 300  # the labels' column, left of the bars
VALUE_WIDTH = 130  # room right of the longest bar for its value
BAR_HEIGHT = 22
GAP = 10
TOP = 8
MAX_LABEL = 30  # characters; a longer label is shortened, its full text in the bar's <title>


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _number(value: int | Decimal) -> str:
    if isinstance(value, Decimal):
        return number_format(
            value,
            decimal_pos=max(0, -value.as_tuple().exponent),
            use_l10n=True,
            force_grouping=True,
        )
    return count_text(value)


def _coordinate(number: float) -> str:
    return f"{number:.1f}"


@register.inclusion_tag("charts/bar_chart.html")
def bar_chart(points, *, title: str, description: str = "") -> dict:
    """`points`: (label, number) pairs, one bar each, in the order given."""
    largest = max((value for _, value in points), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, value) in enumerate(points):
        y = TOP + index * (BAR_HEIGHT + GAP)
        length = float(value) / float(largest) * span
        bars.append(
            {
                "label": label,
                "short_label": _shorten(label),
                "value": _number(value),
                # Coordinates as plain strings: the page's locale would write "19,0".
                "y": str(y),
                "text_y": _coordinate(y + BAR_HEIGHT / 2),
                "length": _coordinate(max(length, 1 if value else 0)),
                "value_x": _coordinate(LABEL_WIDTH + length + 6),
            }
        )
    chart_id = f"chart-{next(_ids)}"
    return {
        "id": chart_id,
        "title": title,
        "description": description,
        "bars": bars,
        "width": WIDTH,
        "height": TOP * 2 + len(bars) * (BAR_HEIGHT + GAP) - GAP,
        "label_x": LABEL_WIDTH - 8,
        "bar_x": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
    }
