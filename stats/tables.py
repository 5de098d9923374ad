"""Turning an indicator's GROUP BY rows into a published table: the full grid of cells (zeros
included), its totals, differential-privacy noise, small-cell and complementary suppression, rates.

Layout: the first breakdown gives the rows, the combination of the others the columns. With two
or more rows and columns the table publishes cells, row totals, column totals and the grand total
(a 2-D table); otherwise only the cells and the grand total (a 1-D table), since the other margin
would repeat the cells. Disclosure control covers exactly the totals published.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from stats import cellkey, disclosure
from stats.indicators import Indicator
from stats.privacy import NoisePlan, noisy_counts

PERIODS = ("year", "quarter")

Key = tuple  # dimension values; None in a position means "all" (a total)


@dataclass
class Table:
    indicator: Indicator
    dims: tuple[str, ...]
    levels: list[list]
    values: dict[Key, dict[str, float | int | None]] = field(default_factory=dict)
    hidden: dict[Key, set[str]] = field(default_factory=dict)
    # The counts before the cell key method perturbed them (suppression looks at both).
    true_values: dict[Key, dict[str, float | int | None]] = field(default_factory=dict)

    # -- layout ----------------------------------------------------------------------------------
    @property
    def row_levels(self) -> list[tuple]:
        return [(v,) for v in self.levels[0]] if self.dims else [()]

    @property
    def col_levels(self) -> list[tuple]:
        return list(itertools.product(*self.levels[1:])) if len(self.dims) > 1 else [()]

    @property
    def two_dimensional(self) -> bool:
        return len(self.dims) >= 2 and len(self.row_levels) >= 2 and len(self.col_levels) >= 2

    def cell_keys(self) -> list[Key]:
        return [r + c for r in self.row_levels for c in self.col_levels]

    def grand_key(self) -> Key:
        return (None,) * len(self.dims)

    def row_total_key(self, row: tuple) -> Key:
        return row + (None,) * (len(self.dims) - 1)

    def col_total_key(self, col: tuple) -> Key:
        return (None, *col)

    def total_keys(self) -> list[Key]:
        """The totals the table publishes. A stock (children on a date) has none that adds up
        across years or quarters: that would count a child once per date (child-years)."""
        if not self.two_dimensional:
            keys = [self.grand_key()] if self.dims else []
        else:
            keys = (
                [self.row_total_key(r) for r in self.row_levels]
                + [self.col_total_key(c) for c in self.col_levels]
                + [self.grand_key()]
            )
        return [key for key in keys if not self.sums_over_dates(key)]

    def _all_total_keys(self) -> list[Key]:
        if not self.two_dimensional:
            return [self.grand_key()] if self.dims else []
        return [self.row_total_key(r) for r in self.row_levels] + [self.col_total_key(c) for c in self.col_levels] + [self.grand_key()]

    def sums_over_dates(self, key: Key) -> bool:
        return self.indicator.stock and any(value is None and dim in PERIODS for dim, value in zip(self.dims, key, strict=True))

    @property
    def summed(self) -> list[str]:
        """What adds up from cells to totals: counts, day sums and the counts' cell-key sums."""
        counts = [m for m in self.indicator.measures if m.kind in ("count", "sum")]
        return [m.name for m in counts] + [m.key for m in counts if m.kind == "count"]

    def extended_grid(self) -> list[list[Key]]:
        """Keys of the extended 2-D table: cells, a row-total column, a column-total row."""
        grid = [[r + c for c in self.col_levels] + [self.row_total_key(r)] for r in self.row_levels]
        grid.append([self.col_total_key(c) for c in self.col_levels] + [self.grand_key()])
        return grid

    # -- building --------------------------------------------------------------------------------
    def fill_cells(self, rows: list[dict]) -> None:
        """Cells from the query rows (missing combinations, and sums over no rows, are zero);
        totals from medians' grouping sets."""
        summed = self.summed
        medians = [m.name for m in self.indicator.measures if m.kind == "median"]
        for key in self.cell_keys():
            self.values[key] = {name: 0 for name in summed} | {name: None for name in medians}
        for row in rows:
            key = tuple(row[d] for d in self.dims)
            if key in self.values or None in key:
                cell = self.values.setdefault(key, {})
                cell.update({name: row.get(name) or 0 for name in summed if row.get(name) is not None or name not in cell})
                cell.update({name: row[name] for name in medians})

    def add_totals(self) -> None:
        """Sums for counts and day totals; medians keep what the database computed per total."""
        summed = self.summed
        totals: dict[Key, dict[str, int]] = {}
        for key in self.cell_keys():
            cell = self.values[key]
            targets = [self.grand_key()]
            if self.two_dimensional:
                targets += [self.row_total_key(key[:1]), self.col_total_key(key[1:])]
            for target in targets:
                bucket = totals.setdefault(target, dict.fromkeys(summed, 0))
                for name in summed:
                    bucket[name] += cell[name] or 0
        for key in self._all_total_keys():
            existing = self.values.get(key, {})
            self.values[key] = {**{m.name: None for m in self.indicator.measures if m.kind == "median"}, **existing, **totals[key]}
        # Drop total rows the database returned for margins this layout does not publish (the
        # margins across dates of a stock are kept for suppression, which treats them as public).
        published = set(self.cell_keys()) | set(self._all_total_keys())
        self.values = {k: v for k, v in self.values.items() if k in published}

    # -- disclosure ------------------------------------------------------------------------------
    def add_noise(self, plan: NoisePlan) -> None:
        counts = [m.name for m in self.indicator.measures if m.kind == "count"]
        keys = self.cell_keys()
        for name in counts:
            noisy = noisy_counts(
                [int(self.values[k][name]) for k in keys], epsilon=plan.epsilon_per_measure, sensitivity=plan.sensitivities[name]
            )
            for key, value in zip(keys, noisy, strict=True):
                self.values[key][name] = value
        # Day sums and medians are not counts with sensitivity 1: withheld from a noisy release.
        for key in keys:
            for m in self.indicator.measures:
                if m.kind in ("sum", "median"):
                    self.values[key][m.name] = None

    def perturb(self) -> None:
        """The cell key method (stats.cellkey) on every published count and day sum, cells and totals
        alike: each from its own records' keys. The unperturbed counts stay in ``true_values``."""
        self.true_values = {key: dict(cell) for key, cell in self.values.items()}
        counts = {m.name: m for m in self.indicator.measures if m.kind == "count"}
        for cell in self.values.values():
            for m in self.indicator.measures:
                if m.kind == "count":
                    cell[m.name] = cellkey.perturbed_count(int(cell[m.name] or 0), int(cell[m.key] or 0))
                elif m.kind == "sum" and cell.get(m.name) is not None:
                    cell[m.name] = cellkey.perturbed_sum(int(cell[m.name]), int(cell[counts[m.base].key] or 0))

    def suppress(self, k: int) -> None:
        for measure in self.indicator.measures:
            if measure.kind != "count":
                continue
            for key in self.hidden_keys(measure.name, k):
                self.hidden.setdefault(key, set()).add(measure.name)
        for key in self.values:
            hidden = self.hidden.setdefault(key, set())
            for measure in self.indicator.measures:
                if measure.kind in ("sum", "median") and measure.base in hidden:
                    hidden.add(measure.name)

    def sensitive(self, key: Key, name: str, k: int) -> bool:
        """Primary suppression: the count is from 1 to k-1, before or after perturbation (so that a
        published count is 0 or at least k, and a hidden one may be anything up to k-1+3)."""
        values = [self.values[key][name]]
        if self.true_values:
            values.append(self.true_values[key][name])
        return any(disclosure.is_sensitive(int(v or 0), k) for v in values)

    def hidden_keys(self, name: str, k: int) -> list[Key]:
        if self.two_dimensional:
            grid = self.extended_grid()
            cells = [[int(self.values[key][name]) for key in row[:-1]] for row in grid[:-1]]
            primary = [[self.sensitive(key, name, k) for key in row] for row in grid]
            mask = disclosure.suppress_table(cells, k, primary=primary)
            return [grid[i][j] for i in range(len(grid)) for j in range(len(grid[0])) if mask[i][j]]
        keys = self.cell_keys()
        if not self.dims:
            return keys if self.sensitive(keys[0], name, k) else []
        hidden, total_hidden = disclosure.suppress_line(
            [int(self.values[key][name]) for key in keys], int(self.values[self.grand_key()][name]), k,
            primary=[self.sensitive(key, name, k) for key in keys], total_primary=self.sensitive(self.grand_key(), name, k),
        )
        return [key for key, h in zip(keys, hidden, strict=True) if h] + ([self.grand_key()] if total_hidden else [])

    # -- rates and output -------------------------------------------------------------------------
    def add_rates(self) -> None:
        for key, cell in self.values.items():
            hidden = self.hidden.setdefault(key, set())
            for m in self.indicator.measures:
                if m.kind != "rate":
                    continue
                num, den = cell.get(m.numerator), cell.get(m.denominator)
                if m.numerator in hidden or m.denominator in hidden:
                    hidden.add(m.name)
                    cell[m.name] = None
                elif num is None or den is None or den == 0:
                    cell[m.name] = None
                else:
                    cell[m.name] = round(num * m.per / den, 2)

    def published(self, key: Key) -> dict[str, object]:
        hidden = self.hidden.get(key, set())
        out: dict[str, object] = {}
        for m in self.indicator.measures:
            value = None if m.name in hidden else self.values[key].get(m.name)
            out[m.name] = round(value, 1) if isinstance(value, float) and m.kind == "median" else value
        out["suppressed"] = sorted(hidden)
        return out


def collapse(table: Table, dims: tuple[str, ...], levels: list[list]) -> Table:
    """The same counts over fewer dimensions (``dims``, a subset of the table's, with their
    ``levels``): each cell the sum of the table's cells it covers. Used to answer a request from
    the canonical table of a noisy release (post-processing)."""
    out = Table(indicator=table.indicator, dims=dims, levels=levels)
    positions = [table.dims.index(d) for d in dims]
    summed = out.summed
    for key in out.cell_keys():
        out.values[key] = dict.fromkeys(summed, 0) | {m.name: None for m in table.indicator.measures if m.kind == "median"}
    for key in table.cell_keys():
        target = tuple(key[p] for p in positions)
        if target in out.values:
            for name in summed:
                out.values[target][name] += table.values[key].get(name) or 0
    return out
