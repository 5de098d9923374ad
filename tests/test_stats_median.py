"""The histogram median (stats.selectors.median_by_histogram_sql) gives exactly PostgreSQL's
percentile_cont(0.5) for every cell and for the row, column and grand totals, whatever the width of
its coarse buckets and wherever the middle falls (negative values, one bucket, many)."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stats.indicators import INDICATORS
from stats.selectors import median_by_histogram_sql

pytestmark = pytest.mark.django_db

rows = st.lists(
    st.tuples(st.integers(1, 3), st.integers(2020, 2022), st.integers(-40, 400)), min_size=1, max_size=60
)
widths = st.sampled_from([1, 3, 32, 1000])
INDICATOR = INDICATORS["median_days_to_placement"]


def run(sql: str) -> dict[tuple, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {tuple(row[:-2]): tuple(row[-2:]) for row in cursor.fetchall()}


def ours(sql: str, dims: list[str]) -> str:
    """The histogram query's dimensions, count and median (its cell-key column left out)."""
    return f"SELECT {', '.join(dims)}, placements, median_days FROM ({sql}) o"


def values_sql(sample: list[tuple[int, int, int]]) -> str:
    values = ", ".join(f"({r}, {y}, {d})" for r, y, d in sample)
    return f"SELECT region, year, days, 1 AS rk FROM (VALUES {values}) v(region, year, days)"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows, widths)
def test_histogram_median_equals_percentile_cont(sample, bucket):
    inner = values_sql(sample)
    got = run(ours(median_by_histogram_sql(INDICATOR, ["region", "year"], inner, bucket=bucket), ["region", "year"]))
    reference = run(
        "SELECT region, year, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY days) "
        f"FROM ({inner}) t GROUP BY GROUPING SETS ((region, year), (region), (year), ())"
    )
    assert got == reference


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows, widths)
def test_one_breakdown_gives_cells_and_the_grand_total(sample, bucket):
    inner = values_sql(sample)
    got = run(ours(median_by_histogram_sql(INDICATOR, ["year"], inner, bucket=bucket), ["year"]))
    reference = run(
        "SELECT year, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY days) "
        f"FROM ({inner}) t GROUP BY GROUPING SETS ((year), ())"
    )
    assert got == reference


def test_no_rows_gives_no_rows():
    inner = "SELECT 1 AS region, 2020 AS year, 5 AS days, 1 AS rk WHERE false"
    assert run(median_by_histogram_sql(INDICATOR, ["region", "year"], inner)) == {}


def test_cells_carry_the_sum_of_their_record_keys():
    inner = "SELECT region, year, days, rk FROM (VALUES (1, 2020, 5, 7), (1, 2020, 9, 100), (2, 2020, 3, 40)) v(region, year, days, rk)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT region, year, placements__key FROM ({median_by_histogram_sql(INDICATOR, ['region', 'year'], inner)}) o")
        keys = {(r, y): k for r, y, k in cursor.fetchall()}
    assert keys[(1, 2020)] == 107
    assert keys[(2, 2020)] == 40
    assert keys[(None, 2020)] is None  # totals add the cells' keys up in Python
