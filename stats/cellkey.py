"""The cell key method: consistent perturbation of published counts, so that counts hidden by
small-cell suppression cannot be recovered exactly by differencing published answers.

As in the Australian Bureau of Statistics' TableBuilder and the 2021 England and Wales census
(Fraser and Wooton 2005; ONS, "Protecting personal data in Census 2021 results"):

1. every child has a *record key*, a random whole number in [0, KEY_RANGE) drawn once
   (stats.models.RecordKey) and copied onto each of the child's snapshot rows;
2. a published count's *cell key* is the sum of the record keys of the records it counts, modulo
   KEY_RANGE, so the cell key depends only on which records are in the cell;
3. its perturbation is read from the published perturbation table (``PTABLE``) at the count and
   the cell key. The same set of records therefore gets the same answer in any query, whatever
   the filters, breakdown, language or day that led to it, and a total is perturbed on its own
   (its cell key is that of all its records), not as the sum of perturbed cells.

Two answers that differ by a small group (a region, a day, a filter's complement) differ by that
group's count plus the difference of two perturbations: the analyst learns an estimate, never the
count (see tests/test_stats_cellkey.py, and docs/statistics.md for the parameters).

Day totals (a sum, not a count) get a multiplicative perturbation from the same cell key, read at
a rotated position; medians are shown only where their count is, and rates are computed from the
perturbed numbers.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

KEY_RANGE = 256
MAX_PERTURBATION = 3

# The perturbation distribution for a count of at least MAX_PERTURBATION: symmetric, mean 0,
# variance 2.8 (standard deviation 1.7); how many of the KEY_RANGE cell keys give each value.
SLOTS: dict[int, int] = {-3: 20, -2: 31, -1: 51, 0: 52, 1: 51, 2: 31, 3: 20}
assert sum(SLOTS.values()) == KEY_RANGE

# The perturbation table: cell key -> perturbation, keys laid out in blocks. A cell key is uniform
# over the range (it is a sum of uniform keys modulo the range), so each value is drawn with
# probability SLOTS[value] / KEY_RANGE.
PTABLE: tuple[int, ...] = tuple(value for value, slots in sorted(SLOTS.items()) for _ in range(slots))

# Day totals: the published sum is the true one times (1 + SUM_PERTURBATION[rotated cell key]).
SUM_ROTATION = 128
SUM_PERTURBATION: dict[int, float] = {-3: -0.03, -2: -0.02, -1: -0.01, 0: 0.0, 1: 0.01, 2: 0.02, 3: 0.03}


def cell_key(key_sum: int) -> int:
    """The cell key of a cell whose records' keys add up to ``key_sum``."""
    return int(key_sum) % KEY_RANGE


def perturbation(count: int, key: int) -> int:
    """The perturbation of a count of ``count`` records with cell key ``key``: 0 for an empty cell,
    never below -count (a published count is never negative)."""
    if count <= 0:
        return 0
    return max(PTABLE[key % KEY_RANGE], -count)


def perturbed_count(count: int, key_sum: int) -> int:
    """The published value of a count whose records' keys add up to ``key_sum``."""
    return int(count) + perturbation(int(count), cell_key(key_sum))


def perturbed_sum(total: int, key_sum: int) -> int:
    """The published value of a sum (days in care) over records whose keys add up to ``key_sum``."""
    factor = 1 + SUM_PERTURBATION[PTABLE[(cell_key(key_sum) + SUM_ROTATION) % KEY_RANGE]]
    return round(int(total) * factor)


def describe() -> dict[str, object]:
    """The parameters, stated in every protected output; the descriptions in the active language
    (the reader's: the JSON answer and the CSV/XLSX notes)."""
    return {
        "method": _("cell key method (ABS TableBuilder; 2021 England and Wales census)"),
        "key_range": KEY_RANGE,
        "record_key": _("one random key per child, drawn once and never redrawn"),
        "cell_key": _("sum of the record keys of the cell's records, modulo the key range"),
        "max_perturbation": MAX_PERTURBATION,
        "perturbation_probabilities": {str(v): round(n / KEY_RANGE, 4) for v, n in sorted(SLOTS.items())},
        "perturbation_variance": round(sum(v * v * n for v, n in SLOTS.items()) / KEY_RANGE, 3),
        "zero_cells": _("not perturbed (no records)"),
        "totals": _("perturbed on their own, not summed from perturbed cells"),
        "day_sums": _("multiplied by 1 + p, with p from −3 to +3 per cent, read from the same cell key"),
    }
