"""The statistics page's charts (web.charts): horizontal bars whose labels never overlap, and the
shaded grid for a table broken down two ways."""

import itertools

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
