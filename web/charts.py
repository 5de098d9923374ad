"""Server-rendered SVG bar charts: the template draws the rectangles computed here, so the pages
need no chart library and no script."""

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


COLOURS = ("#0b6e6e", "#c62828", "#b26a00", "#5c6bc0")


def bar_chart(groups: list[tuple[str, list[float | None]]], series_names: list[str], *, width: int = 640, height: int = 220,
              mark_suppressed: bool = True) -> Chart:
    """Grouped bars: one group per label, one bar per series. A None value (a suppressed cell) has
    no bar; the table beside the chart marks it."""
    top, bottom, left = 10, 40, 36
    plot_h = height - top - bottom
    values = [v for _, vs in groups for v in vs if v is not None]
    max_value = max(values, default=0) or 1
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
    # A half-way line only where it falls on a readable number.
    fractions = (0, 0.5, 1) if max_value >= 2 or max_value != int(max_value) else (0, 1)
    gridlines = [{"y": round(top + plot_h - plot_h * f, 1), "value": round(max_value * f, 1)} for f in fractions]
    series = [{"name": name, "colour": COLOURS[i % len(COLOURS)]} for i, name in enumerate(series_names)]
    for bar in bars:
        bar.colour = series[bar.series]["colour"]  # type: ignore[attr-defined]
    return Chart(width=width, height=height, bars=bars, labels=labels, series=series, max_value=max_value,
                 baseline=top + plot_h, gridlines=gridlines, mark_suppressed=mark_suppressed)
