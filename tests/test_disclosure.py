"""Small-cell and complementary suppression (stats.disclosure), checked against an independent
linear-algebra test of what the published numbers give away."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from stats.disclosure import extend, find_bridges, suppress_line, suppress_table

K = 10

# Counts mixing zeros, small (sensitive) and large values, the shapes real tables have.
counts = st.one_of(st.just(0), st.integers(1, K - 1), st.integers(K, 500))


def tables(max_rows: int = 6, max_cols: int = 6):
    return st.integers(2, max_rows).flatmap(
        lambda r: st.integers(2, max_cols).flatmap(
            lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=r, max_size=r)
        )
    )


def rank(rows: list[list[Fraction]]) -> int:
    """Rank by Gaussian elimination over the rationals (exact, no rounding)."""
    matrix = [list(r) for r in rows]
    rank_, width = 0, len(matrix[0]) if matrix else 0
    for col in range(width):
        pivot = next((i for i in range(rank_, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank_], matrix[pivot] = matrix[pivot], matrix[rank_]
        for i in range(len(matrix)):
            if i != rank_ and matrix[i][col] != 0:
                factor = matrix[i][col] / matrix[rank_][col]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[rank_], strict=True)]
        rank_ += 1
    return rank_


def derivable_cells(mask: list[list[bool]]) -> list[tuple[int, int]]:
    """Hidden cells of the extended table that the published rows and columns determine: x is
    determined when its unit vector lies in the row space of the equations over the hidden cells."""
    unknowns = [(i, j) for i, row in enumerate(mask) for j, hidden in enumerate(row) if hidden]
    if not unknowns:
        return []
    n_rows, n_cols = len(mask), len(mask[0])
    equations = []
    for i in range(n_rows):  # each row: its cells minus its total is zero
        equations.append([Fraction(0 if a != i else (-1 if b == n_cols - 1 else 1)) for a, b in unknowns])
    for j in range(n_cols):
        equations.append([Fraction(0 if b != j else (-1 if a == n_rows - 1 else 1)) for a, b in unknowns])
    base = rank(equations)
    found = []
    for index, position in enumerate(unknowns):
        unit = [Fraction(int(i == index)) for i in range(len(unknowns))]
        if rank([*equations, unit]) == base:
            found.append(position)
    return found


@settings(max_examples=150, deadline=None)
@given(tables())
def test_no_released_cell_or_total_is_between_1_and_k_minus_1(cells):
    table = extend(cells)
    mask = suppress_table(cells, K)
    for i, row in enumerate(table):
        for j, value in enumerate(row):
            assert mask[i][j] or not 0 < value < K


@settings(max_examples=150, deadline=None)
@given(tables())
def test_no_row_or_column_has_exactly_one_suppressed_value(cells):
    mask = suppress_table(cells, K)
    for row in mask:
        assert sum(row) != 1
    for j in range(len(mask[0])):
        assert sum(row[j] for row in mask) != 1


@settings(max_examples=100, deadline=None)
@given(tables(max_rows=5, max_cols=5))
def test_no_suppressed_cell_can_be_derived_from_row_and_column_totals(cells):
    mask = suppress_table(cells, K)
    assert derivable_cells(mask) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, min_size=1, max_size=12))
def test_one_way_table_hides_small_counts_and_never_a_single_term(values):
    hidden, total_hidden = suppress_line(values, sum(values), K)
    for value, is_hidden in zip(values, hidden, strict=True):
        assert is_hidden or not 0 < value < K
    assert total_hidden or not 0 < sum(values) < K
    # The total is published unless hidden: one hidden term could be computed from it.
    assert sum(hidden) + total_hidden != 1


def test_a_single_small_cell_gets_a_complement_in_its_row_and_column():
    cells = [[5, 40, 60], [30, 50, 70], [20, 80, 90]]
    mask = suppress_table(cells, K)
    assert mask[0][0]
    assert sum(mask[0]) >= 2
    assert sum(row[0] for row in mask) >= 2
    assert derivable_cells(mask) == []


def test_the_cheapest_complement_is_chosen():
    hidden, total_hidden = suppress_line([3, 400, 12, 90], 505, K)
    assert hidden == [True, False, True, False]
    assert not total_hidden


def test_zero_and_large_counts_are_published_untouched():
    cells = [[0, 40], [25, 0]]
    assert suppress_table(cells, K) == [[False] * 3 for _ in range(3)]


def test_bridge_detection_finds_a_cell_fixed_by_two_equations():
    # Hidden: (0,0),(0,1),(1,1),(1,0) form a cycle; (2,2) alone in its row and column is a bridge.
    mask = [[True, True, False], [True, True, False], [False, False, True]]
    assert find_bridges(mask) == [(2, 2)]


def test_the_derivability_check_catches_a_lone_suppressed_cell():
    # Guard for the checker itself: one hidden cell in a published row is computable.
    mask = [[True, False, False], [False, False, False], [False, False, False]]
    assert derivable_cells(mask) == [(0, 0)]
