"""The printed report's charts, drawn as SVG on the server.

The report is made by WeasyPrint, which runs no JavaScript, so the dashboard's Chart.js charts
cannot be printed; these draw the same monthly trend (dashboard.figures.monthly_trend) as plain
SVG, which WeasyPrint renders as vectors. A plotting library (matplotlib) would add some 40 MB and
a second drawing style for four simple charts.

Every value is a number the figures module computed; the only text is the district names and
the labels, escaped here.
"""

import math
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 680, 180
LEFT, RIGHT, TOP, BOTTOM = 58, 12, 10, 22
# The width of a character of the axis' numbers (10 px digits and separators, at most): a label
# wider than the room left of the plot widens the chart's view to the left instead of being cut.
DIGIT_WIDTH = 5.8
# Colour and dash together, so that a district's line is told apart on a black-and-white print.
SERIES_STYLES = [
    ("#0d6efd", ""),
    ("#d63384", "7 3"),
    ("#198754", "2 3"),
    ("#fd7e14", "9 3 2 3"),
    ("#6f42c1", "4 4"),
    ("#20c997", "12 4"),
    ("#6c757d", "1 2"),
    ("#dc3545", "6 2 1 2"),
]
FONT = "font-family=\"'WenQuanYi Zen Hei', 'Noto Sans CJK SC', sans-serif\""


def nice_axis(largest, ticks=5):
    """The axis' top and step: a round step (1, 2, 2.5 or 5 × 10ⁿ) of which at most `ticks` reach
    `largest`, and the first multiple of it at or above `largest`. Never below 1: every value
    charted is a count, an amount of RMB or a percentage, and 0.2 accidents is no tick."""
    if largest <= 0:
        return ticks, 1
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1, next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))
    return step * math.ceil(largest / step), step


def _number(value, separator):
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return text.replace(",", separator)


def _axes(months, top, step, separator, unit=""):
    """The grid, the y axis' values and the x axis' months (at most about twelve labels), and how
    far left of the chart the widest value reaches (0 when it fits: then the view starts there).

    The grid is one path and the labels share their attributes through a group: WeasyPrint
    parses, styles and draws each SVG element of the report as an element of its page, so a chart
    of fewer elements prints faster (issue #24), and looks the same."""
    plot_height = HEIGHT - TOP - BOTTOM
    grid, values = [], []
    for index in range(round(top / step) + 1):
        value = index * step
        y = TOP + plot_height - plot_height * value / top
        grid.append(f"M{LEFT} {y:.1f}H{WIDTH - RIGHT}")
        values.append(f'<text x="{LEFT - 6}" y="{y + 3.5:.1f}">{_number(value, separator)}{unit}</text>')
    every = max(1, math.ceil(len(months) / 12))
    labels = [
        f'<text x="{_x(index, len(months)):.1f}" y="{HEIGHT - BOTTOM + 15}">{escape(month)}</text>'
        for index, month in enumerate(months)
        if index % every == 0
    ]
    widest = max(len(f"{_number(index * step, separator)}{unit}") for index in range(round(top / step) + 1))
    beyond = max(0, math.ceil(widest * DIGIT_WIDTH + 8 - LEFT))
    return beyond, [
        f'<path d="{"".join(grid)}" fill="none" stroke="#dee2e6" stroke-width="0.8"/>',
        f'<g font-size="10" fill="#495057" {FONT}>',
        f'<g text-anchor="end">{"".join(values)}</g>',
        f'<g text-anchor="middle">{"".join(labels)}</g>',
        "</g>",
        f'<path d="M{LEFT} {HEIGHT - BOTTOM}H{WIDTH - RIGHT}" fill="none" stroke="#6c757d" stroke-width="1"/>',
    ]


def _x(index, count):
    """The centre of the index-th of `count` months across the plot."""
    return LEFT + (WIDTH - LEFT - RIGHT) * (index + 0.5) / count


def _y(value, top):
    plot_height = HEIGHT - TOP - BOTTOM
    return TOP + plot_height - plot_height * float(value) / top


def legend(names):
    """[(name, a small SVG sample of its line)] for the legend under a line chart, written in HTML
    so that it wraps however many districts there are."""
    samples = []
    for index, name in enumerate(names):
        colour, dash = SERIES_STYLES[index % len(SERIES_STYLES)]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        sample = (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 8" width="24" height="8">'
            f'<line x1="0" x2="24" y1="4" y2="4" stroke="{colour}" stroke-width="2.2"{dashes}/></svg>'
        )
        samples.append((name, mark_safe(sample)))
    return samples


def _svg(parts, title, beyond=0):
    """The chart, its view reaching `beyond` left of the plot's room for labels (a little smaller
    on the page then, never cut)."""
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{-beyond} 0 {WIDTH + beyond} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title)}">' + "".join(parts) + "</svg>"
    )


def line_chart(title, months, series, *, separator=",", percent=False):
    """A line per (name, values) of `series` over `months`; a None value is a gap in its line
    (no report that month is not zero). `percent`: the axis runs from 0 to 100 %."""
    values = [value for _name, line in series for value in line if value is not None]
    if percent:
        top, step = 100, 25
    else:
        top, step = nice_axis(max(values, default=0))
    beyond, parts = _axes(months, top, step, separator, "%" if percent else "")
    for index, (_name, line) in enumerate(series):
        colour, dash = SERIES_STYLES[index % len(SERIES_STYLES)]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        runs, run = [], []
        for month_index, value in enumerate(line):
            if value is None:
                runs, run = runs + [run] if run else runs, []
            else:
                run.append((_x(month_index, len(months)), _y(value, top)))
        runs += [run] if run else []
        for points in runs:
            if len(points) == 1:  # a month alone between gaps: a dot
                x, y = points[0]
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{colour}"/>')
            else:
                coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                parts.append(
                    f'<polyline points="{coordinates}" fill="none" stroke="{colour}" '
                    f'stroke-width="1.8"{dashes} stroke-linejoin="round"/>'
                )
    return _svg(parts, title, beyond)


def bar_chart(title, months, values, *, separator=","):
    """A bar per month of `values` (None or 0: no bar), the bars one path."""
    top, step = nice_axis(float(max((value or 0 for value in values), default=0)))
    beyond, parts = _axes(months, top, step, separator)
    width = (WIDTH - LEFT - RIGHT) / max(len(months), 1) * 0.7
    bars = []
    for index, value in enumerate(values):
        if value:
            y = _y(Decimal(str(value)), top)
            bars.append(
                f"M{_x(index, len(months)) - width / 2:.1f} {y:.1f}h{width:.1f}V{HEIGHT - BOTTOM}h{-width:.1f}Z"
            )
    if bars:
        parts.append(f'<path d="{"".join(bars)}" fill="{SERIES_STYLES[0][0]}"/>')
    return _svg(parts, title, beyond)
