"""Server-rendered SVG bar charts: the template draws the rectangles computed here, so the pages
need no chart library and no script."""

import math
from dataclasses import dataclass


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float | None
    series: int
    label: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[dict]
    series: list[dict]
    max_value: float
    baseline: float
    gridlines: list[dict]
    # Whether a missing value is a suppressed cell (statistics) rather than no data at all.
    mark_suppressed: bool = True


# As many distinct colours as a chart may have series (web.views.statistics.MAX_SERIES: six age bands).
COLOURS = ("#0b6e6e", "#c62828", "#b26a00", "#5c6bc0", "#558b2f", "#8e24aa")


def axis_ticks(largest: float, *, whole: bool) -> tuple[float, list[float]]:
    """The value axis of a chart whose largest value is ``largest``: (the axis's top, the values
    written along it, from 0). ``whole``: the chart counts (children, placements), so every tick is
    a whole number and the top is raised to the next even one, e.g. 7 gives 0, 4, 8 and 16.4 gives
    0, 9, 18, never "0 3.5 7"; a step over 10 is rounded up to its first digit (82 → 90). Otherwise
    (rates, percentages) the top is the largest value, with a half-way tick where it reads well."""
    largest = max(largest, 0) or 1
    if not whole:
        fractions = (0, 0.5, 1) if largest >= 2 or largest != int(largest) else (0, 1)
        return largest, [round(largest * f, 1) for f in fractions]
    top = math.ceil(largest)
    if top == 1:
        return 1, [0, 1]
    step = math.ceil(top / 2)
    magnitude = 10 ** (len(str(step)) - 1)
    step = math.ceil(step / magnitude) * magnitude
    return 2 * step, [0, step, 2 * step]


def bar_chart(groups: list[tuple[str, list[float | None]]], series_names: list[str], *, width: int = 640, height: int = 220,
              mark_suppressed: bool = True, whole: bool = False) -> Chart:
    """Grouped bars: one group per label, one bar per series. A None value (a suppressed cell) has
    no bar; the table beside the chart marks it. ``whole``: the values are counts, so the axis is
    marked in whole numbers (axis_ticks)."""
    top, bottom, left = 10, 40, 36
    plot_h = height - top - bottom
    values = [v for _, vs in groups for v in vs if v is not None]
    max_value, ticks = axis_ticks(max(values, default=0), whole=whole)
    n_groups = max(len(groups), 1)
    group_w = (width - left) / n_groups
    bar_w = max(group_w * 0.8 / max(len(series_names), 1), 1)
    bars, labels = [], []
    for i, (label, vs) in enumerate(groups):
        gx = left + i * group_w + group_w * 0.1
        for s, value in enumerate(vs):
            h = 0 if value is None else plot_h * value / max_value
            bars.append(Bar(x=round(gx + s * bar_w, 1), y=round(top + plot_h - h, 1), width=round(bar_w - 1, 1),
                            height=round(h, 1), value=value, series=s, label=label))
        labels.append({"x": round(left + i * group_w + group_w / 2, 1), "text": label})
    gridlines = [{"y": round(top + plot_h - plot_h * t / max_value, 1), "value": t} for t in ticks]
    series = [{"name": name, "colour": COLOURS[i % len(COLOURS)]} for i, name in enumerate(series_names)]
    for bar in bars:
        bar.colour = series[bar.series]["colour"]  # type: ignore[attr-defined]
    return Chart(width=width, height=height, bars=bars, labels=labels, series=series, max_value=max_value,
                 baseline=top + plot_h, gridlines=gridlines, mark_suppressed=mark_suppressed)



def svg_bar_chart(chart: Chart, title: str) -> str:
    """``chart`` as web/partials/bar_chart.html draws it (the same markup, numbers and translations),
    written in Python for the supervisor's dashboard, whose figures are drawn on a cold request: the
    template's ~30 bars with five filters each were several ms there (web.figures_html). Returns
    safe HTML."""
    from django.template.defaultfilters import add, floatformat
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext as _

    parts = [format_html('\n<figure class="chart">\n<svg viewBox="0 0 {} {}" role="img" aria-label="{}">\n  ',
                         chart.width, chart.height, title)]
    for g in chart.gridlines:
        parts.append(format_html(
            '<line x1="36" x2="{}" y1="{}" y2="{}" stroke="#e3e8ee"/>\n  <text x="32" y="{}" font-size="10" '
            'text-anchor="end" dominant-baseline="middle" fill="#5b6775">{}</text>',
            chart.width, str(g["y"]), str(g["y"]), str(g["y"]), floatformat(g["value"], "-1")))
    parts.append(mark_safe("\n  "))
    suppressed = _("suppressed")
    for b in chart.bars:
        if b.value is None and chart.mark_suppressed:
            parts.append(format_html('<text x="{}" y="{}" font-size="11" fill="#5b6775"><title>{}: {}</title>✕</text>',
                                     str(b.x), str(add(chart.baseline, -3)), b.label, suppressed))
        value = (suppressed if chart.mark_suppressed else "—") if b.value is None else floatformat(b.value, "-1")
        parts.append(format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                                 str(b.x), str(b.y), str(b.width), str(b.height), b.colour, b.label, value))
    parts.append(mark_safe("\n  "))
    label_y = str(add(chart.baseline, 14))
    for label in chart.labels:
        parts.append(format_html('<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#5b6775">{}</text>',
                                 str(label["x"]), label_y, label["text"]))
    parts.append(mark_safe('\n</svg>\n<figcaption class="legend">'))
    for s in chart.series:
        parts.append(format_html('<span><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" '
                                 'height="10" rx="2" fill="{}"/></svg>{}</span>', s["colour"], s["name"]))
    parts.append(mark_safe("</figcaption>\n</figure>\n"))
    return mark_safe("".join(parts))  # every value escaped by format_html

# Horizontal bars and the shaded grid: the statistics page's charts, whose labels (20 regions,
# Russian and Kazakh names of 30 characters) do not fit under vertical bars.
LABEL_CHARS = 32  # longer labels are shortened with "…" (the full name in the tooltip and the table)
CHAR_WIDTH = 6.2  # about one character of the 10-unit font, in the SVG's units (at most; most are narrower)


def short_label(text: str, chars: int = LABEL_CHARS) -> str:
    """``text`` cut to ``chars`` characters with an ellipsis (the whole of it when it fits)."""
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def labels_fit_under_bars(labels: list[str], *, width: int = 640, left: int = 36) -> bool:
    """Whether every label fits under its group of vertical bars without touching the next one."""
    if not labels:
        return True
    group_w = (width - left) / len(labels)
    return max(len(label) for label in labels) * CHAR_WIDTH <= group_w * 0.9


@dataclass
class HorizontalChart:
    width: int
    height: int
    label_width: float
    rows: list[dict]
    series: list[dict]
    gridlines: list[dict]
    max_value: float
    mark_suppressed: bool = True


def horizontal_bar_chart(groups: list[tuple[str, list[float | None]]], series_names: list[str], *, width: int = 520,
                         mark_suppressed: bool = True, whole: bool = False) -> HorizontalChart:
    """Grouped horizontal bars: one row per group with its label on the left (shortened to
    LABEL_CHARS, the full label in the row's tooltip), one bar per series, the value written at the
    bar's end. A None value (a suppressed cell) has no bar but a ✕.

    Shape: rows[i] = {"y", "label", "short", "bars": [{"x", "y", "width", "height", "value",
    "colour", "series"}]}; lengths in the SVG's units (viewBox 0 0 width height). ``whole``: the
    values are counts, so the axis is marked in whole numbers (axis_ticks)."""
    n_series = max(len(series_names), 1)
    # Tall enough for the value written beside each bar (a 9-unit font) however many series there are.
    bar_h = 14 if n_series == 1 else max(11, 26 // n_series)
    row_h = n_series * bar_h + 8
    longest = max((len(short_label(label)) for label, _ in groups), default=0)
    label_w = min(longest, LABEL_CHARS) * CHAR_WIDTH + 8
    top, bottom, right = 4, 18, 44  # room for the axis numbers below and a value after the longest bar
    x0 = label_w + 4
    plot_w = width - x0 - right
    values = [v for _, vs in groups for v in vs if v is not None]
    max_value, ticks = axis_ticks(max(values, default=0), whole=whole)
    series = [{"name": name, "colour": COLOURS[i % len(COLOURS)]} for i, name in enumerate(series_names)]
    rows = []
    for i, (label, vs) in enumerate(groups):
        y = top + i * row_h
        bars = []
        for s, value in enumerate(vs):
            length = 0 if value is None else plot_w * value / max_value
            bars.append({"x": round(x0, 1), "y": round(y + 4 + s * bar_h, 1), "width": round(length, 1),
                         "height": bar_h - 1, "value": value, "colour": series[s]["colour"] if series else COLOURS[0],
                         "series": series[s]["name"] if series else "", "text_x": round(x0 + length + 3, 1),
                         "text_y": round(y + 4 + s * bar_h + (bar_h - 1) / 2, 1)})
        rows.append({"y": round(y + row_h / 2, 1), "label": label, "short": short_label(label), "bars": bars})
    height = top + len(groups) * row_h + bottom
    gridlines = [{"x": round(x0 + plot_w * t / max_value, 1), "value": t} for t in ticks]
    return HorizontalChart(width=width, height=height, label_width=round(label_w, 1), rows=rows, series=series,
                           gridlines=gridlines, max_value=max_value, mark_suppressed=mark_suppressed)


@dataclass
class GridChart:
    width: int
    height: int
    label_width: float
    label_x: float  # where the row labels end (text-anchor end)
    cell_width: int
    cell_height: int
    columns: list[dict]
    rows: list[dict]
    max_value: float


GRID_LOW, GRID_HIGH = (0xEE, 0xF4, 0xF4), (0x0B, 0x6E, 0x6E)  # the lightest and the darkest shade (the brand colour)


def _shade(fraction: float) -> tuple[str, bool]:
    """The fill for a value at ``fraction`` of the largest, and whether its number is written in white."""
    rgb = [round(lo + (hi - lo) * fraction) for lo, hi in zip(GRID_LOW, GRID_HIGH, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb), fraction > 0.55


def grid_chart(row_labels: list[str], column_labels: list[str], values: dict[tuple[str, str], float | None], *,
               cell_width: int = 50, cell_height: int = 22) -> GridChart:
    """A shaded grid for a table broken down two ways (region × year): a row per ``row_labels``, a
    column per ``column_labels``, each cell shaded by its value against the largest and the value
    written in it; a missing or None value (suppressed) is a grey cell with ✕. The SVG is drawn at
    its own size (width × height px) so that a wide grid scrolls rather than shrinks.

    Shape: rows[i] = {"y", "text_y", "label", "short", "cells": [{"x", "text_x", "value", "fill", "light_text",
    "column"}]},
    columns[j] = {"x", "label", "short"}."""
    longest = max((len(short_label(label)) for label in row_labels), default=0)
    label_w = min(longest, LABEL_CHARS) * CHAR_WIDTH + 8
    top = 18  # the column labels
    present = [v for v in values.values() if v is not None]
    max_value = max(present, default=0) or 1
    columns = [{"x": round(label_w + j * cell_width + cell_width / 2, 1), "label": label, "short": short_label(label, 7)}
               for j, label in enumerate(column_labels)]
    rows = []
    for i, label in enumerate(row_labels):
        cells = []
        for j, column in enumerate(column_labels):
            value = values.get((label, column))
            fill, light = ("#e3e8ee", False) if value is None else _shade(value / max_value)
            x = label_w + j * cell_width
            cells.append({"x": round(x, 1), "text_x": round(x + (cell_width - 1) / 2, 1), "value": value, "fill": fill,
                          "light_text": light, "column": column})
        y = top + i * cell_height
        rows.append({"y": y, "text_y": y + (cell_height - 1) / 2, "label": label, "short": short_label(label), "cells": cells})
    return GridChart(width=round(label_w + len(column_labels) * cell_width + 2), height=top + len(row_labels) * cell_height + 2,
                     label_width=round(label_w, 1), label_x=round(label_w - 6, 1), cell_width=cell_width,
                     cell_height=cell_height, columns=columns, rows=rows, max_value=max_value)
