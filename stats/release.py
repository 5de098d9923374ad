"""What a caller receives for one indicator: the table, protected as their role requires, with
the indicator's definition and a statement of the protection applied."""

from __future__ import annotations

import hashlib
import json
import logging

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from regions.models import Region
from stats import cellkey
from stats.dimensions import DIMENSIONS, format_quarter, value_label
from stats.indicators import INDICATORS, QuerySpec
from stats.models import FactsRefresh
from stats.params import allowed_values
from stats.privacy import NoisePlan
from stats.selectors import compute_table, region_names
from stats.services import refresh_statistics, release_private_table
from stats.tables import Key, Table, collapse

logger = logging.getLogger(__name__)

LABELLED = ("region", "sex", "form_of_care", "carer_relationship", "end_reason", "outcome")


def current_snapshot() -> FactsRefresh:
    """The latest refresh of the snapshot tables; a new installation gets its first one here."""
    latest = FactsRefresh.objects.first()
    if latest is None:
        logger.warning("No statistics snapshot yet: refreshing now (run `manage.py refresh_statistics` to avoid this).")
        latest = refresh_statistics()
    return latest


def published_statistics(
    *, spec: QuerySpec, suppress: bool, k: int, epsilon: float | None, user: User | None = None
) -> dict:
    """The published table for ``spec``: exact, or with the cell key method and suppression
    (``suppress``), or a differentially private release at ``epsilon``. A private release is
    drawn once per canonical request (stats.release.canonical_spec) and epsilon; every equivalent
    request, whoever asks, in any language and after any refresh, is answered from the same noisy
    cells. A new release is paid for from ``user``'s privacy budget (DomainError on the epsilon field
    when it is used up)."""
    snapshot = current_snapshot()
    if epsilon is None:
        return _build(spec=spec, suppress=suppress, k=k, epsilon=None, snapshot=snapshot)
    canonical = canonical_spec(spec)
    # The noise depends on the canonical cells and epsilon only: every answer drawn from them (a
    # breakdown collapsed, a year range summed, suppressed or not) is post-processing of one release.
    request = {
        "spec": {
            "indicator": canonical.indicator, "breakdown": canonical.breakdown, "as_of": canonical.as_of.isoformat(),
            "regions": canonical.regions, "year_from": canonical.year_from, "year_to": canonical.year_to,
            "categories": {name: list(v) for name, v in sorted(canonical.categories.items())},
            "scope": canonical.scope_regions, "records_per_child": canonical.records_per_child,
        },
        "epsilon": epsilon,
    }
    key = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    noisy = release_private_table(
        key=key, indicator=spec.indicator, epsilon=epsilon, request=request, user=user,
        build=lambda: _noisy_release(canonical, epsilon, snapshot),
    )
    return _build(spec=spec, suppress=suppress, k=k, epsilon=epsilon, snapshot=snapshot, canonical=canonical, noisy=noisy)


def canonical_spec(spec: QuerySpec) -> QuerySpec:
    """The one form of every request that asks for the same cells, so that equivalent requests
    share one noisy release: filters that keep every value are dropped (sex=M,F is no filter), values
    sorted, the breakdown in a fixed order, and a year range always computed by year (a range and its
    years are the same cells, and the range's answer is the sum of the noisy years). Flows count at
    most STATS_DP_RECORDS_PER_CHILD records of a child; stocks count each child once per date."""
    indicator = INDICATORS[spec.indicator]
    categories = {}
    for name, values in spec.categories.items():
        allowed = allowed_values(indicator, name)
        if set(values) != set(allowed):
            categories[name] = tuple(sorted(values))
    regions = tuple(sorted(spec.regions))
    if regions and set(regions) == set(Region.objects.values_list("pk", flat=True)):
        regions = ()
    breakdown = [d for d in indicator.breakdowns if d in spec.breakdown]
    year_from, year_to = spec.year_from, spec.year_to
    if not spec.by_period and (year_from is not None or year_to is not None):
        if indicator.stock:
            year_from = year_to = year_to if year_to is not None else year_from
        year_from = year_from if year_from is not None else DP_FIRST_YEAR
        year_to = year_to if year_to is not None else spec.as_of.year
        breakdown.insert(0, "year")
    return QuerySpec(
        indicator=spec.indicator, breakdown=tuple(breakdown), as_of=spec.as_of, regions=regions, year_from=year_from,
        year_to=year_to, categories=categories, scope_regions=spec.scope_regions,
        records_per_child=None if indicator.stock else settings.STATS_DP_RECORDS_PER_CHILD,
    )


# The first year a noisy release with year_to alone starts from (a fixed shape, not the data's).
DP_FIRST_YEAR = 2000


# A release stores its unit of privacy in English (it is drawn once for every language); the exports
# translate it back from these texts (stats.renderers.unit_of_privacy).
STOCK_UNIT = gettext_noop("one child (counted once on each of the table's dates)")
FLOW_UNIT = gettext_noop("one child (at most %(n)s records of a child counted)")


def noise_plan(indicator, spec: QuerySpec, epsilon: float) -> NoisePlan:
    """Each count's l1 sensitivity under the canonical spec: one child changes a stock table by at
    most one per date, and a flow table by at most records_per_child × max_per_record."""
    counts = [m for m in indicator.measures if m.kind == "count"]
    if indicator.stock:
        per_child = max(1, len(spec.snapshot_dates()))
        unit = STOCK_UNIT
    else:
        per_child = spec.records_per_child or 1
        unit = FLOW_UNIT % {"n": per_child}
    return NoisePlan(epsilon=epsilon, sensitivities={m.name: per_child * m.max_per_record for m in counts}, unit=unit)


def _noisy_release(canonical: QuerySpec, epsilon: float, snapshot: FactsRefresh) -> dict:
    """The canonical table's counts with fresh noise, as stored in a PrivateRelease: its dimensions,
    levels and each cell's noisy counts (nothing exact, not even the cells' record-key sums), the
    noise plan and the snapshot it was drawn from."""
    indicator = INDICATORS[canonical.indicator]
    full, _regions = compute_table(canonical)
    plan = noise_plan(indicator, canonical, epsilon)
    full.add_noise(plan)
    counts = [m.name for m in indicator.measures if m.kind == "count"]
    return {
        "dims": list(full.dims),
        "levels": full.levels,
        "cells": [[list(key), {name: full.values[key][name] for name in counts}] for key in full.cell_keys()],
        "differential_privacy": plan.describe(),
        "data_as_of": snapshot.finished_at.isoformat(timespec="seconds"),
    }


def _noisy_table(spec: QuerySpec, noisy: dict) -> Table:
    """The table ``spec`` asks for, summed from a stored release's noisy cells (post-processing:
    no new noise, no exact number); day sums and medians withheld."""
    indicator = INDICATORS[spec.indicator]
    dims = tuple(noisy["dims"])
    levels = [list(level) for level in noisy["levels"]]
    full = Table(indicator=indicator, dims=dims, levels=levels)
    blank = dict.fromkeys(full.summed, 0) | {m.name: None for m in indicator.measures if m.kind == "median"}
    for key, counts in noisy["cells"]:
        full.values[tuple(key)] = blank | counts
    if dims == spec.breakdown:
        return full
    return collapse(full, spec.breakdown, [levels[dims.index(d)] for d in spec.breakdown])


def _build(
    *, spec: QuerySpec, suppress: bool, k: int, epsilon: float | None, snapshot: FactsRefresh,
    canonical: QuerySpec | None = None, noisy: dict | None = None,
) -> dict:
    indicator = INDICATORS[spec.indicator]
    plan = None
    data_as_of = snapshot.finished_at.isoformat(timespec="seconds")
    if noisy is not None:
        table, regions = _noisy_table(spec, noisy), region_names()
        plan, data_as_of = noisy["differential_privacy"], noisy["data_as_of"]
    else:
        table, regions = compute_table(spec)
    table.add_totals()
    if plan is not None:
        for values in table.values.values():
            values.update({m.name: None for m in indicator.measures if m.kind in ("sum", "median")})
    perturbed = suppress and plan is None
    if perturbed:
        table.perturb()
    if suppress:
        table.suppress(k)
    table.add_rates()

    def describe(key: Key) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, value in zip(spec.breakdown, key, strict=True):
            if value is None:
                out[name] = None
            elif name == "region":
                out[name] = regions[value][0]
            elif name == "quarter":
                out[name] = format_quarter(int(value))
            else:
                out[name] = value
            if name in LABELLED:
                out[f"{name}_label"] = _("Total") if value is None else value_label(name, value, regions)
        return out | table.published(key)

    shown = canonical or spec
    return {
        "indicator": indicator.name,
        "title": str(indicator.title),
        "definition": str(indicator.definition),
        "as_of": spec.as_of.isoformat(),
        "year_from": shown.year_from,
        "year_to": shown.year_to,
        # The records as they stood at the last refresh of the snapshot tables.
        "data_as_of": data_as_of,
        "breakdown": list(spec.breakdown),
        "dimensions": {d: str(DIMENSIONS[d].label) for d in spec.breakdown},
        "measures": [{"name": m.name, "label": str(m.label), "kind": m.kind} for m in indicator.measures],
        "disclosure_control": _disclosure_statement(table, suppress, k, perturbed=perturbed),
        "differential_privacy": plan,
        "rows": [describe(key) for key in table.cell_keys()],
        "totals": [describe(key) for key in table.total_keys()],
    }


def _method(k: int, *, perturbed: bool) -> str:
    text = _(
        "Counts from 1 to %(last)s are suppressed, with complementary suppression so that no "
        "suppressed count can be recovered from the published row and column totals; rates are suppressed "
        "when their numerator or denominator is; day sums and medians when their count is."
    ) % {"last": k - 1}
    if perturbed:
        text += " " + _(
            "Every count and total is perturbed by the cell key method (by at most ±%(max)s; a cell of the same records "
            "always gets the same value), so published numbers need not add up and differences between them are "
            "estimates, not counts; a count shown is 0 or at least %(k)s."
        ) % {"max": cellkey.MAX_PERTURBATION, "k": k}
    return text


def _layout(table: Table) -> str:
    if table.two_dimensional:
        published = set(table.total_keys())
        if len(published) == len(table._all_total_keys()):
            return "2-D (cells, row totals, column totals, grand total)"
        return "2-D (cells and the totals on each date; a stock has no total across dates)"
    if table.total_keys():
        return "1-D (cells and grand total)"
    return "1-D (cells; a stock has no total across dates)"


def _disclosure_statement(table: Table, suppress: bool, k: int, *, perturbed: bool) -> dict[str, object]:
    if not suppress:
        return {"applied": False}
    statement: dict[str, object] = {
        "applied": True,
        "k": k,
        "method": _method(k, perturbed=perturbed),
        "table_layout": _layout(table),
    }
    if perturbed:
        statement["cell_key"] = cellkey.describe()
    return statement
