"""What a caller receives for one indicator: the table, protected as their role requires, with
the indicator's definition and a statement of the protection applied."""

from __future__ import annotations

import hashlib
import json
import logging

from django.utils import translation
from django.utils.translation import gettext as _

from stats.dimensions import DIMENSIONS, format_quarter, value_label
from stats.indicators import INDICATORS, QuerySpec
from stats.models import FactsRefresh
from stats.privacy import NoisePlan
from stats.selectors import compute_table
from stats.services import refresh_statistics, release_private_table
from stats.tables import Key, Table

logger = logging.getLogger(__name__)

LABELLED = ("region", "sex", "form_of_care", "end_reason", "outcome")


def current_snapshot() -> FactsRefresh:
    """The latest refresh of the snapshot tables; a new installation gets its first one here."""
    latest = FactsRefresh.objects.first()
    if latest is None:
        logger.warning("No statistics snapshot yet: refreshing now (run `manage.py refresh_statistics` to avoid this).")
        latest = refresh_statistics()
    return latest


def published_statistics(*, spec: QuerySpec, suppress: bool, k: int, epsilon: float | None) -> dict:
    snapshot = current_snapshot()
    if epsilon is None:
        return _build(spec=spec, suppress=suppress, k=k, epsilon=None, snapshot=snapshot)
    request = {
        "snapshot": snapshot.pk,
        "spec": {
            "indicator": spec.indicator, "breakdown": spec.breakdown, "as_of": spec.as_of.isoformat(),
            "regions": spec.regions, "year_from": spec.year_from, "year_to": spec.year_to,
            "categories": {name: list(v) for name, v in sorted(spec.categories.items())}, "scope": spec.scope_regions,
        },
        "suppress": suppress, "k": k, "epsilon": epsilon, "language": translation.get_language(),
    }
    key = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    return release_private_table(
        key=key, indicator=spec.indicator, epsilon=epsilon, request=request,
        build=lambda: _build(spec=spec, suppress=suppress, k=k, epsilon=epsilon, snapshot=snapshot),
    )


def _build(*, spec: QuerySpec, suppress: bool, k: int, epsilon: float | None, snapshot: FactsRefresh) -> dict:
    indicator = INDICATORS[spec.indicator]
    table, regions = compute_table(spec)
    plan = None
    if epsilon is not None:
        plan = NoisePlan(epsilon=epsilon, measures=sum(1 for m in indicator.measures if m.kind == "count"))
        table.add_noise(plan)
    table.add_totals()
    if plan is not None:
        for values in table.values.values():
            values.update({m.name: None for m in indicator.measures if m.kind in ("sum", "median")})
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

    return {
        "indicator": indicator.name,
        "title": str(indicator.title),
        "definition": str(indicator.definition),
        "as_of": spec.as_of.isoformat(),
        # The records as they stood at the last refresh of the snapshot tables.
        "data_as_of": snapshot.finished_at.isoformat(timespec="seconds"),
        "breakdown": list(spec.breakdown),
        "dimensions": {d: str(DIMENSIONS[d].label) for d in spec.breakdown},
        "measures": [{"name": m.name, "label": str(m.label), "kind": m.kind} for m in indicator.measures],
        "disclosure_control": _disclosure_statement(table, suppress, k),
        "differential_privacy": plan.describe() if plan else None,
        "rows": [describe(key) for key in table.cell_keys()],
        "totals": [describe(key) for key in table.total_keys()],
    }


def _disclosure_statement(table: Table, suppress: bool, k: int) -> dict[str, object]:
    if not suppress:
        return {"applied": False}
    return {
        "applied": True,
        "k": k,
        "method": _(
            "Counts from 1 to %(last)s are suppressed (shown as null), with complementary suppression so that no "
            "suppressed count can be recovered from the published row and column totals; rates are suppressed "
            "when their numerator or denominator is; day sums and medians when their count is."
        ) % {"last": k - 1},
        "table_layout": "2-D (cells, row totals, column totals, grand total)" if table.two_dimensional
        else "1-D (cells and grand total)",
    }
