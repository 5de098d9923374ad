"""Differential privacy for published count tables, through the OpenDP library.

Each count measure of a table gets discrete Laplace noise (OpenDP ``make_laplace`` over integers,
the "geometric mechanism") on every cell of the full table, zero cells included, so that which
cells exist tells nothing. Totals are sums of the noisy cells (post-processing keeps the
guarantee).

The unit of privacy is a child. A child can touch several cells of one count table: a stock broken
down by year counts a child in care on every year-end (one cell per date); a flow counts each of
the child's records (cases, placements). The sensitivity is therefore bounded explicitly
(stats.release.canonical_spec): flows count at most STATS_DP_RECORDS_PER_CHILD records per child
(and at most ``max_per_record`` per record, e.g. 3 moves), stocks scale the sensitivity by the number
of dates. The noise scale of each count is its l1 sensitivity / its share of epsilon.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import opendp.prelude as dp
from django.utils.translation import gettext_noop

dp.enable_features("contrib")

# Stored in English with each release; the exports translate it (gettext_noop marks it).
MECHANISM = gettext_noop("discrete Laplace (geometric) mechanism, OpenDP make_laplace over integers")


@dataclass(frozen=True)
class NoisePlan:
    epsilon: float
    # Count measure -> its l1 sensitivity (how much one child can change the whole count table).
    sensitivities: dict[str, int] = field(default_factory=dict)
    unit: str = "one child"

    @property
    def measures(self) -> int:
        return len(self.sensitivities)

    @property
    def epsilon_per_measure(self) -> float:
        # Sequential composition: the caller's epsilon is split evenly between the count tables.
        return self.epsilon / self.measures

    def scale(self, measure: str) -> float:
        return self.sensitivities[measure] / self.epsilon_per_measure

    def describe(self) -> dict[str, object]:
        return {
            "epsilon": self.epsilon,
            "epsilon_per_count_measure": round(self.epsilon_per_measure, 6),
            "count_measures": self.measures,
            "mechanism": MECHANISM,
            "sensitivity": dict(self.sensitivities),
            "noise_scale": {name: round(self.scale(name), 6) for name in self.sensitivities},
            "unit_of_privacy": self.unit,
            "library": f"opendp {dp.__version__}" if hasattr(dp, "__version__") else "opendp",
        }


def noisy_counts(values: list[int], *, epsilon: float, sensitivity: int = 1) -> list[int]:
    """The counts with discrete Laplace noise giving ``epsilon``-DP for l1 ``sensitivity``,
    clamped at zero (a negative count would only confuse readers; clamping is post-processing)."""
    if not values:
        return []
    scale = sensitivity / epsilon
    measurement = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale)
    # OpenDP states the privacy loss itself; refuse to release if it is not what we promise.
    if measurement.map(sensitivity) > epsilon * (1 + 1e-9):
        raise RuntimeError("OpenDP privacy map exceeds the stated epsilon")
    return [max(0, int(v)) for v in measurement([int(v) for v in values])]
