"""Statistical disclosure control for published count tables.

A table is a grid of non-negative counts with its totals: one row (1-D: the cells and their
total) or several rows (2-D: cells, row totals, column totals and the grand total). The totals
are published too, so every row and every column of the *extended* table (cells plus margins)
is a linear equation an analyst can use.

1. Primary suppression: a count from 1 to k-1 is hidden (0 and k or more are shown).
2. Complementary suppression: further cells are hidden until no hidden cell can be computed
   from the published numbers. For a 2-D table with margins, the hidden cells are the edges of a
   bipartite graph between row equations and column equations; a hidden cell is determined by
   the published numbers exactly when its edge is a bridge (it lies on no cycle). We therefore
   hide cells until every hidden cell lies on a cycle. For a 1-D table the only equation is the
   total, so at least two of its terms must be hidden.

The functions here know nothing about Django: they take and return plain lists.
"""

from __future__ import annotations

from collections.abc import Sequence

Grid = list[list[int]]
Mask = list[list[bool]]


def is_sensitive(value: int, k: int) -> bool:
    """A count the rule hides on its own: from 1 to k-1."""
    return 0 < value < k


def suppress_line(
    values: Sequence[int], total: int, k: int, *, primary: Sequence[bool] | None = None, total_primary: bool | None = None
) -> tuple[list[bool], bool]:
    """1-D table: the cells and their published total. Returns (hidden cells, hidden total).
    ``primary``/``total_primary``: the cells hidden on their own, when not simply 1..k-1."""
    hidden = list(primary) if primary is not None else [is_sensitive(v, k) for v in values]
    total_hidden = total_primary if total_primary is not None else is_sensitive(total, k)
    while sum(hidden) + total_hidden == 1:
        # Exactly one unknown in "cells = total": hide the smallest other term as its complement.
        candidates = [(v == 0, v, i) for i, v in enumerate(values) if not hidden[i]]
        if candidates:
            hidden[min(candidates)[2]] = True
        else:
            total_hidden = True
    return hidden, total_hidden


def extend(cells: Grid) -> Grid:
    """The cells with a column of row totals and a row of column totals (grand total last)."""
    rows = [[*row, sum(row)] for row in cells]
    columns = [sum(row[j] for row in rows) for j in range(len(rows[0]))] if rows else [0]
    return [*rows, columns]


def suppress_table(cells: Grid, k: int, *, primary: Mask | None = None) -> Mask:
    """2-D table with margins. Returns the hidden mask of the extended table (see ``extend``):
    ``mask[i][j]`` for cells, ``mask[i][-1]`` row totals, ``mask[-1][j]`` column totals,
    ``mask[-1][-1]`` the grand total. ``primary``: the extended table's cells hidden on their own,
    when not simply 1..k-1."""
    table = extend(cells)
    mask = [list(row) for row in primary] if primary is not None else [[is_sensitive(v, k) for v in row] for row in table]
    while True:
        changed = _fill_single_lines(table, mask)
        for i, j in find_bridges(mask):
            if (i, j) in find_bridges(mask):  # an earlier fix in this pass may have closed its cycle
                _close_cycle(table, mask, i, j)
                changed = True
        if not changed:
            return mask


def _cost(value: int) -> tuple[bool, int]:
    # Prefer hiding small non-zero cells: a hidden zero tells little, a large one loses information.
    return (value == 0, value)


def _fill_single_lines(table: Grid, mask: Mask) -> bool:
    """Hide one more cell in every row or column of the extended table that has exactly one hidden
    term. Returns whether anything changed."""
    changed_any = False
    changed = True
    n_rows, n_cols = len(table), len(table[0])
    while changed:
        changed = False
        for i in range(n_rows):
            if sum(mask[i]) == 1:
                options = [(j == n_cols - 1, *_cost(table[i][j]), j) for j in range(n_cols) if not mask[i][j]]
                mask[i][min(options)[-1]] = True
                changed = changed_any = True
        for j in range(n_cols):
            if sum(mask[i][j] for i in range(n_rows)) == 1:
                options = [(i == n_rows - 1, *_cost(table[i][j]), i) for i in range(n_rows) if not mask[i][j]]
                mask[min(options)[-1]][j] = True
                changed = changed_any = True
    return changed_any


def _close_cycle(table: Grid, mask: Mask, i: int, j: int) -> None:
    """Put hidden cell (i, j) on a cycle: hide the cheapest rectangle (i, j)-(i, c)-(r, c)-(r, j)."""
    best: tuple | None = None
    for r in range(len(table)):
        if r == i:
            continue
        for c in range(len(table[0])):
            if c == j:
                continue
            added = [(a, b) for a, b in ((i, c), (r, c), (r, j)) if not mask[a][b]]
            cost = (len(added) > 0 and sum(table[a][b] for a, b in added), len(added), r, c)
            if best is None or cost < best[0]:
                best = (cost, added)
    if best is not None:
        for a, b in best[1]:
            mask[a][b] = True


def find_bridges(mask: Mask) -> list[tuple[int, int]]:
    """Hidden cells that lie on no cycle of the row/column graph, i.e. those the published rows and
    columns determine. Rows are nodes 0..R-1, columns R..R+C-1; each hidden cell is an edge."""
    n_rows, n_cols = len(mask), len(mask[0]) if mask else 0
    adjacency: dict[int, list[tuple[int, int]]] = {}
    edges: list[tuple[int, int]] = []
    for i in range(n_rows):
        for j in range(n_cols):
            if mask[i][j]:
                e = len(edges)
                edges.append((i, j))
                adjacency.setdefault(i, []).append((n_rows + j, e))
                adjacency.setdefault(n_rows + j, []).append((i, e))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    bridges: list[tuple[int, int]] = []
    counter = 0
    for root in adjacency:
        if root in order:
            continue
        # Iterative Tarjan: the graph may have thousands of edges, too deep for recursion.
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for nxt, e in neighbours:
                if e == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, e, iter(adjacency[nxt])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridges.append(edges[via])
    return bridges
