"""Server-rendered SVG bar charts: the templates (or, for horizontal bars and the dashboard, the
svg_* functions here) draw the rectangles computed here, so the pages need no chart library and no
script. Each bar chart carries a second drawing for a phone (phone_bars), which the CSS shows below
640 px instead of the wide one."""

import math
from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class NotApplicable:
    """A value that does not exist, as opposed to one hidden: a rate of zero cases (its denominator
    published as 0), which the statistics table writes "—". A chart draws "—" for it, never the
    hidden cell's ✕ (a None value)."""

    def __repr__(self) -> str:
        return "NA"


NA = NotApplicable()
ChartValue = float | None | NotApplicable


def _number(value: ChartValue) -> float | None:
    """``value`` as a number, or None where no bar is drawn (hidden or not applicable)."""
    return None if value is None or value is NA else value  # type: ignore[return-value]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float | None
    series: int
    label: str
    # A missing value hidden (suppressed), not a not applicable one (NA): ✕ rather than "—".
    hidden: bool = False


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
    # What follows every number drawn (the axis, the tooltips): "%" for a percentage.
    unit: str = ""
    # The same bars drawn for a phone (phone_bars), shown instead of this drawing on a narrow screen.
    phone: "HorizontalChart | None" = None


# As many distinct colours as a chart may have series (web.views.statistics.MAX_SERIES: six age bands).
COLOURS = ("#0b6e6e", "#c62828", "#b26a00", "#5c6bc0", "#558b2f", "#8e24aa")


def axis_ticks(largest: float, *, whole: bool) -> tuple[float, list[float]]:
    """The value axis of a chart whose largest value is ``largest``: (the axis's top, the values
    written along it, from 0). ``whole``: the chart counts (children, placements), so every tick is
    a whole number and the top is raised to the next even one, e.g. 7 gives 0, 4, 8 and 16.4 gives
    0, 9, 18, never "0 3.5 7"; a step over 10 is rounded up to its first digit (82 → 90). Otherwise
    (rates, percentages) the top is the largest value to one decimal, rounded up (the top tick is
    written with one decimal: 0.86 rounded to 0.9 put that tick above the drawing), with a half-way
    tick where it reads well."""
    largest = max(largest, 0) or 1
    if not whole:
        top = round(largest, 1)
        if top < largest:
            top = round(top + 0.1, 1)
        fractions = (0, 0.5, 1) if top >= 2 or top != int(top) else (0, 1)
        return top, list(dict.fromkeys(round(top * f, 1) for f in fractions))  # 0.1's half-way tick is 0.1 too
    top = math.ceil(largest)
    if top == 1:
        return 1, [0, 1]
    step = math.ceil(top / 2)
    magnitude = 10 ** (len(str(step)) - 1)
    step = math.ceil(step / magnitude) * magnitude
    return 2 * step, [0, step, 2 * step]


def bar_chart(groups: list[tuple[str, list[ChartValue]]], series_names: list[str], *, width: int = 640, height: int = 220,
              mark_suppressed: bool = True, whole: bool = False, unit: str = "") -> Chart:
    """Grouped bars: one group per label, one bar per series. A None value (a suppressed cell) has
    no bar; the table beside the chart marks it. ``whole``: the values are counts, so the axis is
    marked in whole numbers (axis_ticks). ``unit``: written after every number ("%" for a
    percentage). The chart carries its phone drawing (``phone``: phone_bars)."""
    top, bottom, left = 10, 40, 36
    plot_h = height - top - bottom
    values = [v for _, vs in groups for v in map(_number, vs) if v is not None]
    max_value, ticks = axis_ticks(max(values, default=0), whole=whole)
    n_groups = max(len(groups), 1)
    group_w = (width - left) / n_groups
    bar_w = max(group_w * 0.8 / max(len(series_names), 1), 1)
    bars, labels = [], []
    for i, (label, vs) in enumerate(groups):
        gx = left + i * group_w + group_w * 0.1
        for s, given in enumerate(vs):
            value = _number(given)
            h = 0 if value is None else plot_h * value / max_value
            bars.append(Bar(x=round(gx + s * bar_w, 1), y=round(top + plot_h - h, 1), width=round(bar_w - 1, 1),
                            height=round(h, 1), value=value, series=s, label=label, hidden=given is None))
        labels.append({"x": round(left + i * group_w + group_w / 2, 1), "text": label})
    gridlines = [{"y": round(top + plot_h - plot_h * t / max_value, 1), "value": t} for t in ticks]
    series = [{"name": name, "colour": COLOURS[i % len(COLOURS)]} for i, name in enumerate(series_names)]
    for bar in bars:
        bar.colour = series[bar.series]["colour"]  # type: ignore[attr-defined]
    return Chart(width=width, height=height, bars=bars, labels=labels, series=series, max_value=max_value,
                 baseline=top + plot_h, gridlines=gridlines, mark_suppressed=mark_suppressed, unit=unit,
                 phone=phone_bars(groups, series_names, mark_suppressed=mark_suppressed, whole=whole, unit=unit))


def number(value: float, unit: str = "") -> str:
    """A value as the charts write it (up to one decimal, in the reader's format) with its unit."""
    return f"{floatformat(value, '-1')}{unit}"



def missing(hidden: bool, mark_suppressed: bool) -> str:
    """What a tooltip says of a bar without a value: hidden (✕ drawn) or not applicable ("—")."""
    from django.utils.translation import gettext as _

    if not hidden:
        return _("not applicable")
    return _("suppressed") if mark_suppressed else "—"


def svg_bar_chart(chart: Chart, title: str) -> SafeString:
    """``chart`` as web/partials/bar_chart.html draws it (the same markup, numbers and translations),
    written in Python for the supervisor's dashboard, whose figures are drawn on a cold request: the
    template's ~30 bars with five filters each were several ms there (web.figures_html). Returns
    safe HTML."""
    from django.template.defaultfilters import add
    from django.utils.translation import gettext as _

    parts = [format_html('\n<figure class="chart">\n<svg class="wide" viewBox="0 0 {} {}" role="img" aria-label="{}">\n  ',
                         chart.width, chart.height, title)]
    for g in chart.gridlines:
        parts.append(format_html(
            '<line x1="36" x2="{}" y1="{}" y2="{}" stroke="#e3e8ee"/>\n  <text class="axis" x="32" y="{}" font-size="10" '
            'text-anchor="end" dominant-baseline="middle" fill="#5b6775">{}</text>',
            chart.width, str(g["y"]), str(g["y"]), str(g["y"]), number(g["value"], chart.unit)))
    parts.append(mark_safe("\n  "))
    suppressed = _("suppressed")
    not_applicable = _("not applicable")
    for b in chart.bars:
        if b.value is None and (chart.mark_suppressed or not b.hidden):
            sign, why = ("✕", suppressed) if b.hidden else ("—", not_applicable)
            parts.append(format_html('<text x="{}" y="{}" font-size="11" fill="#5b6775"><title>{}: {}</title>{}</text>',
                                     str(b.x), str(add(chart.baseline, -3)), b.label, why, sign))
        value = missing(b.hidden, chart.mark_suppressed) if b.value is None else number(b.value, chart.unit)
        parts.append(format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                                 str(b.x), str(b.y), str(b.width), str(b.height), b.colour, b.label, value))
    parts.append(mark_safe("\n  "))
    label_y = str(add(chart.baseline, 14))
    for label in chart.labels:
        parts.append(format_html('<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#5b6775">{}</text>',
                                 str(label["x"]), label_y, label["text"]))
    parts.append(mark_safe("\n</svg>\n"))
    if chart.phone is not None:
        parts.append(svg_horizontal_chart(chart.phone, title))
    parts.append(mark_safe('<figcaption class="legend">'))
    for s in chart.series:
        parts.append(format_html('<span><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" '
                                 'height="10" rx="2" fill="{}"/></svg>{}</span>', s["colour"], s["name"]))
    parts.append(mark_safe("</figcaption>\n</figure>\n"))
    return mark_safe("".join(parts))  # every value escaped by format_html


# Horizontal bars and the shaded grid: the statistics page's charts, whose labels (20 regions,
# Russian and Kazakh names of 30 characters) do not fit under vertical bars.
LABEL_CHARS = 32  # longer labels are shortened with "…" (the full name in the tooltip and the table)
CHAR_WIDTH = 6.2  # about one character of the 10-unit font, in the SVG's units (at most; most are narrower)

# A phone's drawing (phone_bars). An SVG scaled to its box scales its text with it: the 640-unit
# bars shown 331 px wide on a 375 px phone wrote their labels at 5 px. So a phone gets its own
# drawing, made for the width it is shown at (PHONE_WIDTH units drawn at one unit a pixel; the CSS
# caps it there): horizontal bars, each group's label on its own line above its bars (as wide as
# the screen: a region's name whole, no column of labels beside the bars), in 12- and 11-px type.
# The page shows it instead of the wide drawing below 640 px (app.css); both are in the page, so
# no script decides which.
PHONE_WIDTH = 330
PHONE_FONT, PHONE_SMALL_FONT = 12, 11


def short_label(text: str, chars: int = LABEL_CHARS) -> str:
    """``text`` cut to ``chars`` characters with an ellipsis (the whole of it when it fits)."""
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def labels_fit_under_bars(labels: list[str], *, width: int = 640, left: int = 36) -> bool:
    """Whether every label fits under its group of vertical bars without touching the next one."""
    if not labels:
        return True
    group_w = (width - left) / len(labels)
    return max(len(label) for label in labels) * CHAR_WIDTH <= group_w * 0.9


HBAR_LABEL_FONT = 10.5  # the wide drawing's row labels


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
    unit: str = ""  # written after every number ("%" for a percentage)
    # Where the row labels are written: right-aligned at label_x left of the bars, or (a phone's
    # drawing) left-aligned above each row's bars.
    label_x: float = 0
    label_anchor: str = "end"
    label_font: float = HBAR_LABEL_FONT
    value_font: float = 10  # the number at a bar's end (9 when a row has several bars)
    axis_font: float = 10
    phone: "HorizontalChart | None" = None  # the phone's drawing (phone_bars)
    css_class: str = "wide"


def horizontal_bar_chart(groups: list[tuple[str, list[ChartValue]]], series_names: list[str], *, width: int = 520,
                         mark_suppressed: bool = True, whole: bool = False, unit: str = "") -> HorizontalChart:
    """Grouped horizontal bars: one row per group with its label on the left (shortened to
    LABEL_CHARS, the full label in the row's tooltip), one bar per series, the value written at the
    bar's end. A None value (a suppressed cell) has no bar but a ✕, an NA one (not applicable) a "—". ``unit``: written after every
    number ("%"). The chart carries its phone drawing (``phone``: phone_bars).

    Shape: rows[i] = {"y", "label_y", "label", "short", "bars": [{"x", "y", "width", "height", "value",
    "colour", "series"}]}; lengths in the SVG's units (viewBox 0 0 width height). ``whole``: the
    values are counts, so the axis is marked in whole numbers (axis_ticks)."""
    n_series = max(len(series_names), 1)
    # Tall enough for the value written beside each bar (a 9-unit font) however many series there are.
    bar_h = 14 if n_series == 1 else max(11, 26 // n_series)
    longest = max((len(short_label(label)) for label, _ in groups), default=0)
    # In the labels' own 10.5-unit type: at 10 units, a Kazakh name of 32 letters ran past the drawing's left edge.
    label_w = min(longest, LABEL_CHARS) * CHAR_WIDTH * HBAR_LABEL_FONT / 10 + 8
    chart = _horizontal_bars(groups, series_names, width=width, label_w=label_w, bar_h=bar_h, label_h=0,
                             label_chars=LABEL_CHARS, right=44, mark_suppressed=mark_suppressed, whole=whole, unit=unit)
    chart.label_x, chart.label_anchor = round(label_w, 1), "end"
    chart.value_font = 10 if n_series == 1 else 9
    chart.phone = phone_bars(groups, series_names, mark_suppressed=mark_suppressed, whole=whole, unit=unit)
    return chart


def phone_bars(groups: list[tuple[str, list[ChartValue]]], series_names: list[str], *, mark_suppressed: bool = True,
               whole: bool = False, unit: str = "") -> HorizontalChart:
    """The phone's drawing of grouped bars (see PHONE_WIDTH): horizontal bars PHONE_WIDTH units
    wide, each group's label above its bars (shortened to what a line holds, the full label in the
    row's tooltip), the values and the axis in PHONE_SMALL_FONT."""
    label_chars = int(PHONE_WIDTH / (CHAR_WIDTH * PHONE_FONT / 10))
    # Room after the longest bar for its number, as long as the longest number written.
    longest_value = max((len(number(v, unit)) for _, vs in groups for v in map(_number, vs) if v is not None), default=1)
    chart = _horizontal_bars(groups, series_names, width=PHONE_WIDTH, label_w=0, bar_h=PHONE_SMALL_FONT + 4,
                             label_h=PHONE_FONT + 5, label_chars=label_chars,
                             right=round((longest_value + 1) * CHAR_WIDTH * PHONE_SMALL_FONT / 10 + 3),
                             mark_suppressed=mark_suppressed, whole=whole, unit=unit)
    chart.label_x, chart.label_anchor, chart.css_class = 0, "start", "phone"
    chart.label_font, chart.value_font, chart.axis_font = PHONE_FONT, PHONE_SMALL_FONT, PHONE_SMALL_FONT
    return chart


def _horizontal_bars(groups: list[tuple[str, list[ChartValue]]], series_names: list[str], *, width: int,
                     label_w: float, bar_h: int, label_h: int, label_chars: int, right: int, mark_suppressed: bool,
                     whole: bool, unit: str) -> HorizontalChart:
    """The bars' geometry: a row per group (a line ``label_h`` high for its label above the bars,
    or none: the label beside them in ``label_w``), a bar ``bar_h`` high per series, ``right`` left
    for the value after the longest bar and an axis line below."""
    n_series = max(len(series_names), 1)
    row_h = label_h + n_series * bar_h + 8
    top, bottom = 4, 18  # room for the axis numbers below
    x0 = label_w + 4 if label_w else 0
    plot_w = width - x0 - right
    values = [v for _, vs in groups for v in map(_number, vs) if v is not None]
    max_value, ticks = axis_ticks(max(values, default=0), whole=whole)
    series = [{"name": name, "colour": COLOURS[i % len(COLOURS)]} for i, name in enumerate(series_names)]
    rows = []
    for i, (label, vs) in enumerate(groups):
        y = top + i * row_h
        bars_top = y + 4 + label_h
        bars = []
        for s, given in enumerate(vs):
            value = _number(given)
            length = 0 if value is None else plot_w * value / max_value
            bars.append({"x": round(x0, 1), "y": round(bars_top + s * bar_h, 1), "width": round(length, 1),
                         "height": bar_h - 1, "value": value, "hidden": given is None,
                         "colour": series[s]["colour"] if series else COLOURS[0],
                         "series": series[s]["name"] if series else "", "text_x": round(x0 + length + 3, 1),
                         "text_y": round(bars_top + s * bar_h + (bar_h - 1) / 2, 1)})
        label_y = y + 4 + label_h / 2 if label_h else y + row_h / 2
        rows.append({"y": round(y + row_h / 2, 1), "label_y": round(label_y, 1), "label": label,
                     "short": short_label(label, label_chars), "bars": bars})
    height = top + len(groups) * row_h + bottom
    gridlines = [{"x": round(x0 + plot_w * t / max_value, 1), "value": t} for t in ticks]
    return HorizontalChart(width=width, height=height, label_width=round(label_w, 1), rows=rows, series=series,
                           gridlines=gridlines, max_value=max_value, mark_suppressed=mark_suppressed, unit=unit)


def svg_horizontal_chart(chart: HorizontalChart, title: str) -> SafeString:
    """The SVG of horizontal bars (web/partials/hbar_chart.html and the phone's drawing of
    web/partials/bar_chart.html: the hbars_svg tag), drawn at its own size (width × height px)."""

    parts = [format_html('<svg class="{}" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">\n  ',
                         chart.css_class, chart.width, chart.height, chart.width, chart.height, title)]
    last = len(chart.gridlines) - 1
    for i, g in enumerate(chart.gridlines):
        # The first number starts at its line and the last ends at it: neither runs out of the drawing.
        anchor = "start" if i == 0 and not chart.label_width else "end" if i == last and i else "middle"
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="0" y2="{}" stroke="#e3e8ee"/>\n  <text class="axis" x="{}" y="{}" font-size="{}" '
            'text-anchor="{}" fill="#5b6775">{}</text>',
            str(g["x"]), str(g["x"]), chart.height - 16, str(g["x"]), chart.height - 4, str(chart.axis_font), anchor,
            number(g["value"], chart.unit)))
    several = len(chart.series) > 1
    for row in chart.rows:
        tooltip = [row["label"]]
        for b in row["bars"]:
            value = missing(b["hidden"], chart.mark_suppressed) if b["value"] is None else number(b["value"], chart.unit)
            tooltip.append(f"\n{b['series']}: {value}" if several else f": {value}")
        parts.append(format_html(
            '\n  <g><title>{}</title>\n    <text x="{}" y="{}" font-size="{}" text-anchor="{}" dominant-baseline="middle" '
            'fill="#1f2933">{}</text>', "".join(tooltip), str(chart.label_x), str(row["label_y"]), str(chart.label_font),
            chart.label_anchor, row["short"]))
        for b in row["bars"]:
            if b["value"] is not None:
                text = number(b["value"], chart.unit)
            else:  # hidden: ✕ (where hidden cells are marked); not applicable: "—", never ✕
                text = ("✕" if chart.mark_suppressed else "") if b["hidden"] else "—"
            parts.append(format_html(
                '\n    <rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>\n    <text x="{}" y="{}" font-size="{}" '
                'dominant-baseline="middle" fill="#5b6775">{}</text>',
                str(b["x"]), str(b["y"]), str(b["width"]), str(b["height"]), b["colour"], str(b["text_x"]),
                str(b["text_y"]), str(chart.value_font), text))
        parts.append(mark_safe("\n  </g>"))
    parts.append(mark_safe("\n</svg>\n"))
    return mark_safe("".join(parts))  # every value escaped by format_html


# The grid is drawn at one unit a pixel (it scrolls when wider than its card), so its type is the
# size it is read at, on a phone too.
GRID_FONT = 11
SLANT_CHARS = 20


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
    unit: str = ""  # written after every value ("%" for a percentage)
    font: float = GRID_FONT
    slanted: bool = False  # the column labels written slanting up (names longer than a column is wide)


GRID_LOW, GRID_HIGH = (0xEE, 0xF4, 0xF4), (0x0B, 0x6E, 0x6E)  # the lightest and the darkest shade (the brand colour)


def _shade(fraction: float) -> tuple[str, bool]:
    """The fill for a value at ``fraction`` of the largest, and whether its number is written in white."""
    rgb = [round(lo + (hi - lo) * fraction) for lo, hi in zip(GRID_LOW, GRID_HIGH, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb), fraction > 0.55


def grid_chart(row_labels: list[str], column_labels: list[str], values: dict[tuple[str, str], ChartValue], *,
               cell_width: int = 54, cell_height: int = 22, unit: str = "") -> GridChart:
    """A shaded grid for a table broken down two ways (region × year): a row per ``row_labels``, a
    column per ``column_labels``, each cell shaded by its value against the largest and the value
    written in it; a missing or None value (suppressed) is a grey cell with ✕, an NA one (not
    applicable) a grey cell with "—". The SVG is drawn at
    its own size (width × height px) so that a wide grid scrolls rather than shrinks. ``unit``:
    written after every value ("%").

    Shape: rows[i] = {"y", "text_y", "label", "short", "cells": [{"x", "text_x", "value", "fill", "light_text",
    "column"}]},
    columns[j] = {"x", "y", "label", "short"}."""
    longest = max((len(short_label(label)) for label in row_labels), default=0)
    char_w = CHAR_WIDTH * GRID_FONT / 10
    label_w = min(longest, LABEL_CHARS) * char_w + 8
    # Years and quarters (up to 7 characters) fit across their column; longer names (regions in the
    # columns, when the rows have longer ones still) ran into each other there: they are written
    # slanting up at 45°, shortened to SLANT_CHARS, above their column.
    slanted = max((len(label) for label in column_labels), default=0) > 7
    reach = min(max((len(label) for label in column_labels), default=0), SLANT_CHARS) * char_w * 0.71  # a slanted label's rise and run
    top = round(reach + 10) if slanted else 18  # the column labels
    present = [v for v in map(_number, values.values()) if v is not None]
    max_value = max(present, default=0) or 1
    columns = [{"x": round(label_w + j * cell_width + cell_width / 2, 1), "y": top - 5 if slanted else 12, "label": label,
                "short": short_label(label, SLANT_CHARS if slanted else 7)}
               for j, label in enumerate(column_labels)]
    rows = []
    for i, label in enumerate(row_labels):
        cells = []
        for j, column in enumerate(column_labels):
            given = values.get((label, column))
            value = _number(given)
            fill, light = ("#e3e8ee", False) if value is None else _shade(value / max_value)
            x = label_w + j * cell_width
            cells.append({"x": round(x, 1), "text_x": round(x + (cell_width - 1) / 2, 1), "value": value, "fill": fill,
                          "light_text": light, "column": column,
                          "hidden": given is None})
        y = top + i * cell_height
        rows.append({"y": y, "text_y": y + (cell_height - 1) / 2, "label": label, "short": short_label(label), "cells": cells})
    overhang = max(reach - cell_width / 2, 0) if slanted else 0  # the last column's label, past the grid's right edge
    return GridChart(width=round(label_w + len(column_labels) * cell_width + 2 + overhang),
                     height=top + len(row_labels) * cell_height + 2, label_width=round(label_w, 1),
                     label_x=round(label_w - 6, 1), cell_width=cell_width, cell_height=cell_height, columns=columns, rows=rows,
                     max_value=max_value, unit=unit, slanted=slanted)
