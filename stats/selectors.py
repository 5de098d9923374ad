"""Reads: the SQL of an indicator, and the published table for a caller."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connections, transaction

from core.replica import on_replica
from regions.models import Region
from stats.dimensions import NO_FAMILY_PLACEMENT, OVER_AGE_BAND, category_values, dimension_sql, format_quarter
from stats.indicators import DEFAULT_YEARS, INDICATORS, Indicator, QuerySpec
from stats.tables import Table

BIRTH = "c.birth_date"


def region_filters(spec: QuerySpec, params: dict[str, object]) -> list[str]:
    """The regions asked for and the caller's own scope (a supervisor's region), as conditions on
    the snapshot's c.region_id; their values go into ``params``."""
    where = []
    if spec.regions:
        where.append("c.region_id = ANY(%(regions)s)")
        params["regions"] = list(spec.regions)
    if spec.scope_regions is not None:
        where.append("c.region_id = ANY(%(scope_regions)s)")
        params["scope_regions"] = list(spec.scope_regions)
    return where


def build_sql(indicator: Indicator, spec: QuerySpec) -> tuple[str, dict[str, object]]:
    """One SELECT ... GROUP BY for the indicator, the breakdowns and filters of ``spec``.

    Dimension and measure SQL come from the registry (never from the query string); the caller's
    values travel as parameters."""
    source = indicator.source(spec)
    params: dict[str, object] = {"as_of": spec.as_of, **source.params}

    def dim(name: str) -> str:
        return dimension_sql(name, event=source.event, birth=BIRTH, extra=source.dimensions)

    where = [*source.where, *region_filters(spec, params)]
    if spec.year_from is not None:
        where.append(f"{source.event} >= %(date_from)s")
        params["date_from"] = dt.date(spec.year_from, 1, 1)
    if spec.year_to is not None:
        where.append(f"{source.event} <= %(date_to)s")
        params["date_to"] = dt.date(spec.year_to, 12, 31)
    for name, values in sorted(spec.categories.items()):
        where.append(f"{dim(name)} = ANY(%(filter_{name})s)")
        params[f"filter_{name}"] = list(values)

    inner_columns = [f"{dim(d)} AS {d}" for d in spec.breakdown]
    inner_columns += [f"{expr} AS {name}" for name, expr in source.values.items()]
    inner_columns.append("c.record_key AS rk")
    inner = f"SELECT {', '.join(inner_columns)} FROM {source.from_sql} WHERE {' AND '.join(where)}"
    if spec.records_per_child is not None:
        # Differential privacy: at most this many of one child's records count (earliest first),
        # which bounds the sensitivity of each count (stats.privacy).
        ranked = f"SELECT {', '.join(inner_columns)}, row_number() OVER (PARTITION BY c.child_id ORDER BY {source.event}) AS child_rank"
        inner = f"SELECT * FROM ({ranked} FROM {source.from_sql} WHERE {' AND '.join(where)}) r WHERE child_rank <= %(records_per_child)s"
        params["records_per_child"] = spec.records_per_child
    measures = ", ".join(measure_columns(indicator, dp=spec.records_per_child is not None))
    dims = list(spec.breakdown)
    if dims and indicator.has_median:
        return median_by_histogram_sql(indicator, dims, inner), params
    sql = f"SELECT {', '.join([*dims, measures])} FROM ({inner}) t"
    if dims:
        sql += f" GROUP BY {', '.join(dims)}"
    return sql, params


def measure_columns(indicator: Indicator, *, dp: bool = False) -> list[str]:
    """Each measure's aggregate and, for a count, its cell key sum (``<name>__key``)."""
    columns = []
    for m in indicator.measures:
        if not m.sql:
            continue
        columns.append(f"{m.dp_sql if dp and m.dp_sql else m.sql} AS {m.name}")
        if m.kind == "count":
            columns.append(f"{m.key_expression} AS {m.key}")
    return columns


# Width of the coarse histogram's buckets (in the median's unit, days), see median_by_histogram_sql.
MEDIAN_BUCKET_WIDTH = 32


def median_by_histogram_sql(indicator: Indicator, dims: list[str], inner: str, *, bucket: int = MEDIAN_BUCKET_WIDTH) -> str:
    """Counts and exact medians (percentile_cont(0.5)) per cell and for the row, column and grand
    totals, which cannot be added up from the cells.

    Sorting every row once per grouping set cost ~0.9 s at national scale. Instead the rows are
    counted once into a histogram (cell, value, how many), and each grouping finds its median in two
    steps: a coarse histogram of buckets ``bucket`` values wide tells which bucket holds the middle
    positions and how many come before it, and only the values in that bucket are put in order. The
    median is the mean of the values at 0-based positions floor((n-1)/2) and floor(n/2): at each, the
    smallest value whose running count passes it. Sorting the whole fine histogram instead (115k
    rows here) cost more than counting the 800k rows."""
    medians = [m for m in indicator.measures if m.kind == "median"]
    counts = [m for m in indicator.measures if m.kind == "count"]
    if len({m.median_of for m in medians}) != 1 or not medians[0].median_of or len(counts) + len(medians) != len(indicator.measures):
        raise ValueError(f"{indicator.name}: a median indicator has count(*) measures and medians of one value")
    value = medians[0].median_of
    # Cells, row totals, column totals and the grand total; with one breakdown the cells are the rows.
    groupings = [tuple(dims), (dims[0],), tuple(dims[1:]), ()]
    groupings = list(dict.fromkeys(groupings))
    ctes = [
        f"f AS MATERIALIZED (SELECT {', '.join(dims)}, {value}, count(*) AS n, sum(rk) AS ks FROM ({inner}) t"
        f" GROUP BY {', '.join(dims)}, {value})",
        # The cells' cell-key sums (totals add them up in Python, stats.tables).
        f"kc AS (SELECT {', '.join(dims)}, sum(ks) AS ks FROM f GROUP BY {', '.join(dims)})",
    ]
    selects = []
    for i, grouping in enumerate(groupings):
        cols = "".join(f"{d}, " for d in grouping)
        partition = f"PARTITION BY {', '.join(grouping)}" if grouping else ""
        if grouping == tuple(dims):
            hist = "f"
        else:
            # The grand total re-groups the row totals' histogram, a fraction of the cells'.
            source = "h1" if not grouping and len(groupings) > 2 else "f"
            hist = f"h{i}"
            ctes.append(f"h{i} AS MATERIALIZED (SELECT {cols}{value}, sum(n) AS n FROM {source} GROUP BY {cols}{value})")
        on = " AND ".join([*(f"t.{d} = h.{d}" for d in grouping), f"t.b = h.{value} / {bucket}"])
        ctes.append(
            # The buckets holding either middle position, with the rows before each.
            f"t{i} AS (SELECT {cols}b, cum - n AS before, total FROM ("
            f"SELECT {cols}b, n, sum(n) OVER ({partition} ORDER BY b) AS cum, sum(n) OVER ({partition}) AS total"
            f" FROM (SELECT {cols}{value} / {bucket} AS b, sum(n) AS n FROM {hist} GROUP BY {cols}b) coarse) w"
            f" WHERE cum > (total - 1) / 2 AND cum - n <= total / 2)"
        )
        ctes.append(
            # Running counts within those buckets only.
            f"m{i} AS (SELECT {''.join(f'h.{d}, ' for d in grouping)}h.{value}, t.total,"
            f" t.before + sum(h.n) OVER (PARTITION BY {''.join(f'h.{d}, ' for d in grouping)}t.b ORDER BY h.{value}) AS cum"
            f" FROM {hist} h JOIN t{i} t ON {on})"
        )
        columns = [d if d in grouping else f"NULL AS {d}" for d in dims]
        columns += [f"max(total)::bigint AS {m.name}" for m in counts]
        cell_key = " AND ".join(f"kc.{d} = m{i}.{d}" for d in dims)
        columns += [
            f"(SELECT kc.ks FROM kc WHERE {cell_key})::bigint AS {m.key}" if grouping == tuple(dims) else f"NULL::bigint AS {m.key}"
            for m in counts
        ]
        columns += [
            f"((min({value}) FILTER (WHERE cum > (total - 1) / 2) + min({value}) FILTER (WHERE cum > total / 2)) / 2.0)::float8"
            f" AS {m.name}"
            for m in medians
        ]
        tail = f" GROUP BY {', '.join(grouping)}" if grouping else " HAVING count(*) > 0"
        selects.append(f"SELECT {', '.join(columns)} FROM m{i}{tail}")
    return f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}"


def stock_by_period_sql(spec: QuerySpec) -> tuple[str, dict[str, object]] | None:
    """Children in care at several snapshot dates, when no breakdown or filter changes with the date
    (age band, form of care): one row per group and pair of (snapshot buckets of opening, of closing),
    expanded to the snapshots in Python. Cross-joining every case with every snapshot costs ~4x more."""
    if spec.indicator != "children_in_care" or spec.uses("age_band") or spec.uses("form_of_care"):
        return None
    dims = [d for d in spec.breakdown if d not in ("year", "quarter")]
    params: dict[str, object] = {"snapshots": spec.snapshot_dates()}
    where = ["TRUE", *region_filters(spec, params)]
    for name, values in sorted(spec.categories.items()):
        where.append(f"{dimension_sql(name, event='NULL', birth=BIRTH, extra={})} = ANY(%(filter_{name})s)")
        params[f"filter_{name}"] = list(values)
    columns = [f"{dimension_sql(d, event='NULL', birth=BIRTH, extra={})} AS {d}" for d in dims]
    # width_bucket(x, sorted dates) = how many snapshot dates are <= x: the case is in care on
    # snapshot i (1-based) exactly when opened_bucket < i <= closed_bucket.
    columns += [
        "width_bucket(c.opened_on - 1, %(snapshots)s::date[]) AS opened_bucket",
        "CASE WHEN c.closed_on IS NULL THEN cardinality(%(snapshots)s::date[])"
        " ELSE width_bucket(c.closed_on - 1, %(snapshots)s::date[]) END AS closed_bucket",
        "count(*) AS children",
        "sum(c.record_key) AS children__key",
    ]
    group = ", ".join([*dims, "opened_bucket", "closed_bucket"])
    return f"SELECT {', '.join(columns)} FROM stats_casefact c WHERE {' AND '.join(where)} GROUP BY {group}", params


def expand_stock(spec: QuerySpec, rows: list[dict]) -> list[dict]:
    dates = spec.snapshot_dates()
    out: dict[tuple, list[int]] = {}
    dims = list(spec.breakdown)
    for row in rows:
        for index in range(row["opened_bucket"] + 1, row["closed_bucket"] + 1):
            date = dates[index - 1]
            period = {"year": date.year, "quarter": date.year * 10 + (date.month - 1) // 3 + 1}
            key = tuple(period[d] if d in period else row[d] for d in dims)
            sums = out.setdefault(key, [0, 0])
            sums[0] += row["children"]
            sums[1] += row["children__key"]
    return [dict(zip(dims, key, strict=True)) | {"children": n, "children__key": k} for key, (n, k) in out.items()]


def fetch_rows(indicator: Indicator, spec: QuerySpec) -> list[dict]:
    if indicator.stock and not spec.snapshot_dates():
        return []  # a year after the as_of date: nothing to count (zeros)
    stock = stock_by_period_sql(spec)
    sql, params = stock or build_sql(indicator, spec)
    has_median_join = indicator.has_median and spec.breakdown and not stock

    def read(alias: str) -> list[dict]:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            # For this query only: hash aggregates and sorts over a million rows stay in memory instead
            # of spilling to disk, and JIT compilation (tens of ms) does not pay off for one scan.
            cursor.execute(
                "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
                [getattr(settings, "STATS_WORK_MEM", "128MB")],
            )
            if has_median_join:
                # The planner cannot know that only a few buckets of the histogram hold a median, and
                # sorts the whole histogram for a merge join (~140 ms at national scale by region and
                # quarter); a hash join probes it once.
                cursor.execute("SELECT set_config('enable_mergejoin', 'off', true)")
            cursor.execute(sql, params)
            names = [col.name for col in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # The snapshot tables are read on the replica when one is configured (docs/replica.md).
    rows = on_replica(read)
    return expand_stock(spec, rows) if stock else rows


def region_names() -> dict[int, tuple[str, str]]:
    """Region id -> (code, name in the active language), ordered by code."""
    return {r.pk: (r.code, r.name) for r in Region.objects.order_by("code")}


def levels_for(name: str, spec: QuerySpec, rows: list[dict], regions: dict[int, tuple[str, str]]) -> list:
    """Every value a breakdown shows, zero rows included, so the table's shape does not depend on
    which cells happen to be empty."""
    observed = {row[name] for row in rows if row.get(name) is not None}
    if name == "region":
        allowed = spec.regions or spec.scope_regions or tuple(regions)
        values = [r for r in regions if r in set(allowed)]
    elif name in ("year", "quarter"):
        if spec.indicator == "children_in_care":
            dates = spec.snapshot_dates()
            values = sorted({d.year if name == "year" else d.year * 10 + (d.month - 1) // 3 + 1 for d in dates})
        else:
            values = _period_range(name, spec, observed)
    else:
        values = list(spec.categories.get(name) or category_values(name))
        if name == "form_of_care" and spec.indicator == "children_in_care" and name not in spec.categories:
            values.append(NO_FAMILY_PLACEMENT)
        if name == "age_band" and name not in spec.categories:
            values.append(OVER_AGE_BAND)  # always: the shape must not tell whether anyone is 18 or older
    return values + sorted(observed - set(values), key=str)


def _period_range(name: str, spec: QuerySpec, observed: set) -> list[int]:
    """Every year (quarter) from year_from to year_to or the as_of date: fixed by the request, never
    by the years that happen to hold data."""
    first = spec.year_from if spec.year_from is not None else spec.as_of.year - DEFAULT_YEARS + 1
    last = min(spec.year_to if spec.year_to is not None else spec.as_of.year, spec.as_of.year)
    if name == "year":
        return list(range(first, last + 1))
    return [
        y * 10 + q for y in range(first, last + 1) for q in range(1, 5)
        if (y, q) <= (spec.as_of.year, (spec.as_of.month - 1) // 3 + 1)
    ]


def label_quarter(value: int) -> str:
    return format_quarter(value)


def compute_table(spec: QuerySpec) -> tuple[Table, dict[int, tuple[str, str]]]:
    """The unprotected table with its totals: what supervisors and administrators see."""
    indicator = INDICATORS[spec.indicator]
    rows = fetch_rows(indicator, spec)
    regions = region_names()
    levels = [levels_for(d, spec, rows, regions) for d in spec.breakdown]
    table = Table(indicator=indicator, dims=spec.breakdown, levels=levels)
    table.fill_cells(rows)
    return table, regions
