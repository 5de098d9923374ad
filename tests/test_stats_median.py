"""The histogram median (stats.selectors.median_by_histogram_sql) gives exactly PostgreSQL's
percentile_cont(0.5) for every cell and for the row, column and grand totals."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stats.indicators import INDICATORS
from stats.selectors import median_by_histogram_sql

pytestmark = pytest.mark.django_db

rows = st.lists(
    st.tuples(st.integers(1, 3), st.integers(2020, 2022), st.integers(0, 60)), min_size=1, max_size=40
)


def run(sql: str) -> dict[tuple, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {(region, year): (count, median) for region, year, count, median in cursor.fetchall()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows)
def test_histogram_median_equals_percentile_cont(sample):
    values = ", ".join(f"({r}, {y}, {d})" for r, y, d in sample)
    inner = f"SELECT region, year, days FROM (VALUES {values}) v(region, year, days)"
    indicator = INDICATORS["median_days_to_placement"]
    ours = run(median_by_histogram_sql(indicator, ["region", "year"], inner))
    reference = run(
        "SELECT region, year, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY days) "
        f"FROM ({inner}) t GROUP BY GROUPING SETS ((region, year), (region), (year), ())"
    )
    assert ours == reference
