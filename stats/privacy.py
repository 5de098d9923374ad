"""Differential privacy for published count tables, through the OpenDP library.

Each count measure of a table gets discrete Laplace noise (OpenDP ``make_laplace`` over integers,
the "geometric mechanism") on every cell of the full table, zero cells included, so that which
cells exist tells nothing. Totals are sums of the noisy cells (post-processing keeps the
guarantee). The unit of privacy is one counted record (a case or a placement): adding or removing
one changes one cell of one count by 1, so the l1 sensitivity per count table is 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import opendp.prelude as dp

dp.enable_features("contrib")

MECHANISM = "discrete Laplace (geometric) mechanism, OpenDP make_laplace over integers"


@dataclass(frozen=True)
class NoisePlan:
    epsilon: float
    measures: int

    @property
    def epsilon_per_measure(self) -> float:
        # Sequential composition: the caller's epsilon is split evenly between the count tables.
        return self.epsilon / self.measures

    @property
    def scale(self) -> float:
        return 1.0 / self.epsilon_per_measure

    def describe(self) -> dict[str, object]:
        return {
            "epsilon": self.epsilon,
            "epsilon_per_count_measure": round(self.epsilon_per_measure, 6),
            "count_measures": self.measures,
            "mechanism": MECHANISM,
            "noise_scale": round(self.scale, 6),
            "sensitivity": 1,
            "unit_of_privacy": "one counted record (a case or a placement)",
            "library": f"opendp {dp.__version__}" if hasattr(dp, "__version__") else "opendp",
        }


def noisy_counts(values: list[int], *, epsilon: float) -> list[int]:
    """The counts with discrete Laplace noise giving ``epsilon``-DP for l1 sensitivity 1, clamped
    at zero (a negative count would only confuse readers; clamping is post-processing)."""
    if not values:
        return []
    measurement = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=1.0 / epsilon)
    # OpenDP states the privacy loss itself; refuse to release if it is not what we promise.
    if measurement.map(1) > epsilon * (1 + 1e-9):
        raise RuntimeError("OpenDP privacy map exceeds the stated epsilon")
    return [max(0, int(v)) for v in measurement([int(v) for v in values])]
