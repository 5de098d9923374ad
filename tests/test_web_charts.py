"""The statistics page's charts (web.charts): horizontal bars whose labels never overlap, and the
shaded grid for a table broken down two ways."""

import itertools
import re

import pytest

from web.charts import grid_chart, horizontal_bar_chart, labels_fit_under_bars, short_label


def test_a_long_label_is_shortened_with_an_ellipsis_and_a_short_one_kept():
    assert short_label("г. Астана") == "г. Астана"
    long = "Батыс Қазақстан облысы, " * 3
    assert len(short_label(long)) == 32 and short_label(long).endswith("…")


def test_labels_fit_under_ten_years_but_not_under_twenty_region_names():
    assert labels_fit_under_bars([str(y) for y in range(2017, 2027)])
    assert not labels_fit_under_bars(["Восточно-Казахстанская область"] * 20)


def test_horizontal_bars_one_row_per_label_and_a_suppressed_value_has_no_bar():
    chart = horizontal_bar_chart([("Абайская область", [10.0, None]), ("г. Астана", [5.0, 20.0])], ["male", "female"])
    first, second = chart.rows
    assert second["y"] - first["y"] >= 20  # two bars a row, rows apart
    assert first["bars"][1]["value"] is None and first["bars"][1]["width"] == 0
    assert second["bars"][1]["width"] > second["bars"][0]["width"] > 0  # lengths in proportion: 20 > 5
    assert abs(second["bars"][1]["width"] - 4 * second["bars"][0]["width"]) < 0.5
    assert all(b["x"] > chart.label_width for row in chart.rows for b in row["bars"])  # bars start right of the labels
    assert chart.height >= 2 * (second["y"] - first["y"])


def test_grid_shades_cells_by_value_and_greys_a_suppressed_one():
    chart = grid_chart(["Абай", "Астана"], ["2024", "2025"],
                       {("Абай", "2024"): 0.0, ("Абай", "2025"): 10.0, ("Астана", "2024"): None, ("Астана", "2025"): 5.0})
    cells = {(row["label"], c["column"]): c for row in chart.rows for c in row["cells"]}
    assert cells[("Абай", "2025")]["fill"] == "#0b6e6e" and cells[("Абай", "2025")]["light_text"]  # the largest, darkest
    assert cells[("Абай", "2024")]["fill"] == "#eef4f4" and not cells[("Абай", "2024")]["light_text"]
    assert cells[("Астана", "2024")]["value"] is None and cells[("Астана", "2024")]["fill"] == "#e3e8ee"
    assert chart.width >= chart.label_width + 2 * chart.cell_width  # drawn at its own size: a wide grid scrolls


def test_six_series_get_six_colours_and_bars_tall_enough_for_their_values():
    bands = ["0-2", "3-6", "7-10", "11-14", "15-17", "18+"]
    chart = horizontal_bar_chart([("adoption", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])], bands)
    assert len({s["colour"] for s in chart.series}) == 6  # no two age bands in one colour
    bars = chart.rows[0]["bars"]
    assert min(b["height"] for b in bars) >= 10  # a 9-unit value beside each bar does not run into the next
    assert all(b2["y"] - b1["y"] >= 10 for b1, b2 in itertools.pairwise(bars))


def test_a_count_axis_is_marked_in_whole_numbers_only():
    from web.charts import axis_ticks, bar_chart

    assert axis_ticks(7, whole=True) == (8, [0, 4, 8])  # was 0 3.5 7
    assert axis_ticks(16.4, whole=True) == (18, [0, 9, 18])  # was 0 8.2 16.4 (a noised count)
    assert axis_ticks(1, whole=True) == (1, [0, 1])
    assert axis_ticks(0, whole=True) == (1, [0, 1])
    assert axis_ticks(163, whole=True) == (180, [0, 90, 180])
    for largest in [*range(0, 60), 99.5, 101, 1234]:
        top, ticks = axis_ticks(largest, whole=True)
        assert all(float(t).is_integer() for t in ticks) and top == ticks[-1] >= largest

    months = bar_chart([("01.26", [7, 3]), ("02.26", [5, 1])], ["placements", "returns"], whole=True)
    assert [g["value"] for g in months.gridlines] == [0, 4, 8]
    bars = horizontal_bar_chart([("Абай", [16.4]), ("Астана", [3.0])], ["children"], whole=True)
    assert [g["value"] for g in bars.gridlines] == [0, 9, 18]
    # The bars are drawn against the axis's top: a value of 8 reaches the top line.
    full = bar_chart([("a", [8]), ("b", [7])], ["n"], whole=True)
    assert full.bars[0].y == months.gridlines[-1]["y"]


def test_a_rate_axis_keeps_its_largest_value_and_a_half_way_mark():
    from web.charts import axis_ticks

    assert axis_ticks(16.4, whole=False) == (16.4, [0, 8.2, 16.4])


def test_a_rate_axis_never_marks_a_value_above_its_top():
    """0.86 moves per 1,000 days had its top tick written as 0.9, drawn above the chart and cut off."""
    from web.charts import axis_ticks, bar_chart

    for largest in (0.86, 0.04, 0.14, 12.35, 38.46, 99.96):
        top, ticks = axis_ticks(largest, whole=False)
        assert top >= largest and ticks[-1] == top and len(set(ticks)) == len(ticks), (largest, top, ticks)
    chart = bar_chart([("2024", [0.86]), ("2025", [0.4])], ["moves"])
    assert all(g["y"] >= 10 for g in chart.gridlines)  # none above the plot's top edge (10 units)


def _texts(svg: str, attributes: str = "") -> list[str]:
    """The text of each <text> element of an SVG (without its tooltip), of those whose attributes
    start with ``attributes`` when given."""
    return [re.sub(r"<title>.*?</title>", "", t, flags=re.S)
            for t in re.findall(rf"<text {re.escape(attributes)}[^>]*>(.*?)</text>", svg, re.S)]


def _axis(svg: str) -> list[str]:
    return _texts(svg, 'class="axis"')


def test_a_percentage_is_written_with_its_sign_on_every_axis_and_value():
    from web.charts import bar_chart, grid_chart, svg_bar_chart, svg_horizontal_chart

    vertical = bar_chart([("2024", [16.4]), ("2025", [None])], ["re-entry within 12 months, %"], unit="%")
    html = svg_bar_chart(vertical, "Re-entry")
    wide = html.split('class="wide"')[1].split("</svg>")[0]
    assert _axis(wide) == ["0%", "8.2%", "16.4%"]
    assert "2024: 16.4%" in wide  # the bar's tooltip
    phone = svg_horizontal_chart(vertical.phone, "Re-entry")
    assert _axis(phone) == ["0%", "8.2%", "16.4%"] and _texts(phone).count("16.4%") == 2  # and after its bar
    regions = horizontal_bar_chart([("Абай", [12.5]), ("Астана", [3.0])], ["rate"], unit="%")
    drawn = svg_horizontal_chart(regions, "t")
    assert _axis(drawn) == ["0%", "6.2%", "12.5%"] and "3%" in _texts(drawn)
    grid = grid_chart(["Абай"], ["2024"], {("Абай", "2024"): 12.5}, unit="%")
    assert grid.unit == "%"
    # A count keeps its bare numbers.
    counts = bar_chart([("2024", [7])], ["children"], whole=True)
    assert [g["value"] for g in counts.gridlines] == [0, 4, 8] and counts.unit == counts.phone.unit == ""


def test_a_phones_drawing_is_drawn_for_its_width_with_labels_above_the_bars_in_readable_type():
    """The 640-unit chart shown 331 px wide on a 375 px phone wrote its labels at 5 px: a phone gets
    horizontal bars PHONE_WIDTH units wide (drawn one unit a pixel), in 11- and 12-unit type, each
    label on its own line above its bars, every number inside the drawing."""
    from web.charts import PHONE_WIDTH, bar_chart

    long = "Западно-Казахстанская область, " * 3
    chart = bar_chart([("2024", [20.6, 12.8]), (long, [None, 100.0])], ["male", "female"], unit="%")
    phone = chart.phone
    assert phone.width == PHONE_WIDTH and phone.label_anchor == "start" and phone.label_x == 0
    assert min(phone.label_font, phone.value_font, phone.axis_font) >= 11
    for row in phone.rows:
        assert row["label_y"] < min(b["y"] for b in row["bars"])  # the label above the bars
        assert len(row["short"]) * 6.2 * phone.label_font / 10 <= PHONE_WIDTH  # and it fits the line
        for b in row["bars"]:
            assert b["height"] >= phone.value_font  # the number fits beside its bar
            if b["value"] is not None:  # the number after the bar ends inside the drawing
                assert b["text_x"] + len(f"{b['value']:g}%") * 6.2 * phone.value_font / 10 <= PHONE_WIDTH
    assert phone.rows[1]["short"].endswith("…") and phone.rows[1]["label"] == long  # the full name in the tooltip
    assert horizontal_bar_chart([("Абай", [1.0])], ["n"]).phone.width == PHONE_WIDTH  # regions too


@pytest.mark.django_db
@pytest.mark.parametrize("indicator, unit", [
    ("return_rate", "%"), ("reentry_12m", "%"), ("permanency_12m", "%"), ("time_to_placement", "%"),
    ("placement_stability", ""), ("placements_started", ""),
])
def test_the_statistics_chart_of_a_rate_per_100_marks_its_axis_with_percent(client, analyst, indicator, unit):
    """The returns (re-entry) chart's axis read '0 8 16' for a rate: every chart of a rate per 100
    writes '%' on its axis in each language; moves per 1,000 days and counts do not."""
    for language in ("kk", "ru", "en"):
        client.force_login(analyst)
        response = client.get("/statistics/", {"indicator": indicator, "breakdown": "year"}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        chart = response.context["chart"]["chart"]
        assert chart.unit == chart.phone.unit == unit, (indicator, language)
        html = response.content.decode()
        for drawing in ('class="wide"', 'class="phone"'):
            svg = html.split(drawing)[1].split("</svg>")[0]
            axis = _axis(svg)
            assert axis and all(t.endswith("%") == bool(unit) for t in axis), (indicator, language, drawing, axis)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_supervisors_calibration_charts_mark_their_axes_with_percent(client, supervisor, language):
    """The dashboard's returns per 100 ended placements and the backtest's predicted and observed
    shares are percentages: their axes say so, in the wide drawing and the phone's; the months'
    counts do not."""
    import datetime as dt

    from risk.models import RiskBacktest

    client.force_login(supervisor)
    html = client.get("/unit/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    calibration = html.split('id="calibration"')[1].split("</figure>")[0]
    months = html.split('id="calibration"')[1].split("</figure>")[1]
    for svg in calibration.split("</svg>")[:2]:  # the wide drawing and the phone's
        axis = _axis(svg)
        assert axis and all(t.endswith("%") for t in axis), axis
    assert _axis(months) and all(not t.endswith("%") for t in _texts(months))

    RiskBacktest.objects.create(
        from_date=dt.date(2024, 1, 1), to_date=dt.date(2025, 12, 31), lead_days=60, placements=120, placements_flagged=37,
        returns=23, returns_flagged_early=11, seconds=1.0,
        calibration=[{"horizon": 60, "band": "low", "placement_days": 2457, "positive_days": 11, "observed": 0.0046,
                      "predicted": 0.01, "forced_days": 0},
                     {"horizon": 60, "band": "high", "placement_days": 957, "positive_days": 51, "observed": 0.0533,
                      "predicted": 0.06, "forced_days": 0}],
    )
    html = client.get("/risk/backtest/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    chart = html.split('id="calibration-60"')[1].split("</figure>")[0]
    for svg in chart.split("</svg>")[:2]:
        axis = _axis(svg)
        assert axis and all(t.endswith("%") for t in axis), axis
    assert "5.3%" in chart.replace(",", ".")  # the observed share written at its bar on a phone


def test_a_grid_is_written_in_readable_type_at_its_own_size():
    chart = grid_chart(["Западно-Казахстанская область"], ["2024-Q1"], {("Западно-Казахстанская область", "2024-Q1"): 1.0})
    assert chart.font >= 11
    assert len(chart.rows[0]["short"]) * 6.2 * chart.font / 10 <= chart.label_x  # the row's name fits left of the cells


def test_a_grids_column_names_longer_than_a_column_slant_and_years_stay_across():
    """Regions in the columns (the rows holding the longer reasons a placement ended) were cut to 7
    letters across 50-unit columns and still ran into each other at 11 px ("Алматы…Алматы…")."""
    years = grid_chart(["Абай"], ["2024", "2025-Q1"], {})
    assert not years.slanted and [c["short"] for c in years.columns] == ["2024", "2025-Q1"]
    regions = ["Восточно-Казахстанская область", "город Алматы"]
    chart = grid_chart(["возвращён в учреждение"], regions, {})
    assert chart.slanted and [c["short"] for c in chart.columns] == ["Восточно-Казахстанс…", "город Алматы"]
    reach = 20 * 6.2 * chart.font / 10 * 0.71  # a 20-letter label's rise and run at 45°
    assert chart.rows[0]["y"] >= reach  # the cells start below the slanted names
    assert chart.width >= chart.columns[-1]["x"] + reach - chart.cell_width / 2  # the last name inside the drawing


def _statistics_result(years: list[int]) -> dict:
    """A published result of a rate by year: 0/0 in 2024 (None, not hidden), hidden in 2025, 5.0 after."""
    rows = [{"year": 2024, "return_rate": None, "suppressed": []},
            {"year": 2025, "return_rate": None, "suppressed": ["return_rate"]}]
    rows += [{"year": y, "return_rate": 5.0, "suppressed": []} for y in years]
    return {"indicator": "return_rate", "breakdown": ["year"], "dimensions": {"year": "Year"},
            "measures": [{"name": "return_rate", "kind": "rate", "label": "Return rate"}], "rows": rows}


@pytest.mark.parametrize("language, not_applicable", [("en", "not applicable"), ("ru", "неприменимо"), ("kk", "қолданылмайды")])
@pytest.mark.parametrize("more_years", [[2026], list(range(2026, 2050))])  # vertical bars; horizontal (too many labels)
def test_a_rate_not_applicable_is_drawn_as_a_dash_and_a_hidden_one_as_a_cross(language, not_applicable, more_years):
    """The table wrote "—" for a rate of zero cases (0/0) and the chart "✕", the hidden cell's sign."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from web.charts import NA
    from web.views.statistics import _chart

    drawn = _chart(_statistics_result(more_years))
    template = "web/partials/bar_chart.html" if drawn["kind"] == "bars" else "web/partials/hbar_chart.html"
    if drawn["kind"] == "bars":
        first, second = drawn["chart"].bars[:2]
        assert (first.hidden, second.hidden) == (False, True)
    with translation.override(language):
        html = render_to_string(template, {"chart": drawn["chart"], "title": "t"})
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        if 'class="swatch"' in svg:
            continue
        assert svg.count("✕") == 1 and svg.count(">—<") == 1, svg  # one hidden year, one not applicable
    if not_applicable:
        assert not_applicable in html
    grid = grid_chart(["Абай"], ["2024", "2025", "2026"], {("Абай", "2024"): NA, ("Абай", "2025"): None,
                                                           ("Абай", "2026"): 5.0})
    with translation.override(language):
        html = render_to_string("web/partials/grid_chart.html", {"chart": grid, "title": "t"})
    svg = html.split("<svg")[1]
    assert svg.count(">✕<") == 1 and svg.count(">—<") == 1
