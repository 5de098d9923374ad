"""Vectorised generation of synthetic registry data (numpy), independent of the database.

The generator works on whole columns: a child's path to a family is drawn for each *path unit*
(a sibling group placed together, or one child), then expanded to the children, their cases,
stage history, placements and visits. Dates are day numbers (days since 1970-01-01) until the
writer turns them into text. Everything comes from one ``numpy.random.Generator`` seeded by the
caller, drawn in a fixed order, so one seed always gives the same rows.

Every table is a ``Table``: the database table, its id column and explicit columns. Writers
(demo/loader.py) only ever insert these columns, so columns other apps add later (nullable or with a
``db_default``) keep their defaults.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from children.home_names import home_names
from core.names import normalize_name
from demo import names

EPOCH = dt.date(1970, 1, 1)
NULL = -(10**9)  # null id or null date in int columns (no real day number is this far back)

# --- Vocabularies (codes are indexes) --------------------------------------------------------

STAGES = ["registered", "available", "matching", "acquaintance", "decision", "placed", "closed", ""]
REG, AVA, MAT, ACQ, DEC, PLA, CLO, NONE = range(8)
FORMS = ["adoption", "guardianship", "trusteeship", "foster_family", "patronage", "professional_foster", "guest_family"]
ADOPT, GUARD, TRUST, FOSTER, PATRON, PROF, GUEST = range(7)
# The carer's relationship to the child, on each placement (kinship is not a form of care).
RELATIONSHIPS = ["none", "grandparent", "aunt_uncle", "sibling", "other_relative"]
PROFESSIONAL_FOSTER_SINCE = 20270  # 2025-07-01 as a day number: the form exists from then on
YEARS_14 = 5115  # days: on or after the 14th birthday whatever the leap years (14 years are 5113 or 5114 days)
YEARS_15 = 5480  # days: on or after the 15th birthday
YEARS_18 = 6574  # days: before the 18th birthday whatever the leap years
END_REASONS = ["", "permanency", "came_of_age", "reunified", "transferred", "returned", "death"]
E_NONE, E_PERM, E_AGE, E_REUN, E_TRANS, E_RET, E_DEATH = range(7)
# Case outcomes share their codes with the end reasons that close a case.
OUTCOMES = END_REASONS
RETURN_REASONS = [
    "", "child_behaviour", "family_conflict", "carer_health", "carer_circumstances",
    "unrealistic_expectations", "abuse_in_family", "child_request", "other",
]
RETURN_REASON_P = [0.30, 0.17, 0.08, 0.12, 0.14, 0.05, 0.08, 0.06]
LEGAL_STATUSES = [
    "rights_removed", "rights_restricted", "orphan", "relinquished", "parents_unknown",
    "parents_missing", "parents_incapable", "parents_in_prison", "temporary_care",
]
LEGAL_STATUS_P = [0.38, 0.10, 0.08, 0.06, 0.05, 0.04, 0.03, 0.09, 0.17]
ADOPTABLE = np.array([True, False, True, True, True, True, True, False, False])
HOME_TYPES = ["baby_home", "childrens_home", "boarding_school", "family_village", "youth_home"]
HOME_CAPACITY = [(40, 120), (60, 200), (150, 350), (30, 80), (20, 60)]
APPROVAL = ["applied", "under_assessment", "approved", "suspended", "rejected", "withdrawn"]
DECISION = ["", "pending", "approved", "rejected"]
VISIT_KINDS = ["scheduled", "extra", "annual_report"]
CONDITIONS = ["", "good", "some_concerns", "serious_concerns"]
SEX = ["M", "F"]
PREF_SEX = ["", "M", "F"]

# Relative numbers of children without parental care by region (the 20 regions, alphabetical by
# code as stored); large southern regions and the three cities carry more.
REGION_WEIGHT = {
    "abai": 4, "akmola": 5, "aktobe": 5, "almaty_region": 9, "atyrau": 4, "east_kazakhstan": 5, "jambyl": 6,
    "jetisu": 4, "karaganda": 7, "kostanay": 5, "kyzylorda": 4, "mangystau": 4, "north_kazakhstan": 3,
    "pavlodar": 4, "turkistan": 10, "ulytau": 1, "west_kazakhstan": 4, "astana": 6, "almaty": 8, "shymkent": 6,
}

# Follow-up visit schedule (DOMAIN defaults), months after the placement start.
ADOPTION_VISIT_MONTHS = [1, 3, 6, 12, 18, 24, 30, 36]
REPEAT_VISIT_MONTHS = [1, *range(4, 12 * 12, 3)]  # a visit at 1 month, then every 3 months
PLAN_AHEAD_DAYS = 120  # planned (future) visits reach this far ahead of today
MONTH = 30.4375
CHECKLIST_YEARS = 2


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass
class Column:
    """One column of a table. ``kind`` says how ``data`` is encoded:

    int, date / ts (day numbers); NULL marks a null, code (indexes into ``vocab``), bool,
    str (a list or object array of str), const (one value for every row).
    """

    name: str
    kind: str
    data: object
    vocab: list[str] | None = None


@dataclass
class Table:
    name: str  # database table
    model: str  # app_label.ModelName, for sequence resets
    n: int
    columns: list[Column] = field(default_factory=list)

    def add(self, name: str, kind: str, data: object, vocab: list[str] | None = None) -> None:
        if kind not in ("const",) and len(data) != self.n:  # type: ignore[arg-type]
            raise ValueError(f"{self.name}.{name}: {len(data)} values for {self.n} rows")  # type: ignore[arg-type]
        self.columns.append(Column(name, kind, data, vocab))


# Street and house number (1..120) for the demo's addresses. Drawn from the row's id by a fixed
# multiplicative hash, not from the seeded random stream, so adding them left every other drawn value
# of a seed as it was.
ADDRESSES = [f"{street}, {house}" for street in names.STREETS for house in range(1, 121)]


def _address_codes(row_ids: np.ndarray) -> np.ndarray:
    """Index into ADDRESSES for each row id (int64 array of the same shape)."""
    return (row_ids.astype(np.int64) * 2_654_435_761) % len(ADDRESSES)


@dataclass
class Structure:
    """The organisational frame the data is hung on (created beforehand through the ORM)."""

    region_ids: list[int]  # in REGION_WEIGHT order
    region_codes: list[str]
    region_names: list[tuple[str, str, str]]  # (kk, ru, en), for the homes' names in the three languages
    district_ids: list[list[int]]  # per region
    worker_ids: list[list[int]]  # per district, districts in the flattened order of district_ids
    worker_labels: list[str]  # "who saw the child" for each worker, in the flattened order of worker_ids


@dataclass
class IdStarts:
    """First free id per table (append mode starts after the existing rows)."""

    home: int = 1
    sibling_group: int = 1
    child: int = 1
    family: int = 1
    applicant: int = 1
    case: int = 1
    stage_change: int = 1
    placement: int = 1
    visit: int = 1
    acquaintance: int = 1


def _search_texts(last: tuple[np.ndarray, list[str]], first: tuple[np.ndarray, list[str]],
                  patronymic: tuple[np.ndarray, list[str]], iins: list) -> list[str]:
    """Each row's search_text as core.names.search_text writes it (COPY bypasses the model's save):
    the vocabularies normalised once, then joined per row."""
    parts = [[normalize_name(v) for v in vocab] for _codes, vocab in (last, first, patronymic)]
    codes = [np.asarray(c).tolist() for c, _vocab in (last, first, patronymic)]
    return [" ".join(p for p in (parts[0][a], parts[1][b], parts[2][c], iin or "") if p)
            for a, b, c, iin in zip(*codes, list(iins), strict=True)]


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts c_i: the owner index of each of sum(c) rows and its position within its owner."""
    counts = counts.astype(np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(int(counts.sum())) - np.repeat(starts, counts)
    return owner, position


def _choice(rng: np.random.Generator, n: int, p: list[float]) -> np.ndarray:
    p_arr = np.asarray(p, dtype=float)
    return rng.choice(len(p_arr), size=n, p=p_arr / p_arr.sum()).astype(np.int8)


def _uniform_int(rng: np.random.Generator, low: int | np.ndarray, high: int | np.ndarray, n: int) -> np.ndarray:
    """Integers in [low, high] (inclusive; bounds may be arrays)."""
    low_a = np.asarray(low, dtype=np.int64)
    high_a = np.asarray(high, dtype=np.int64)
    return (low_a + np.floor(rng.random(n) * (high_a - low_a + 1))).astype(np.int64)


def _date_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d64 = days.astype("datetime64[D]")
    years = d64.astype("datetime64[Y]").astype(np.int64) + 1970
    months = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    mdays = (d64 - d64.astype("datetime64[M]")).astype(np.int64) + 1
    return years, months, mdays


def make_iins(birth_days: np.ndarray, sexes: np.ndarray, serials: np.ndarray) -> np.ndarray:
    """Valid IINs (object array of str) for these birth dates, sexes (0=M, 1=F) and serials; the same
    rule as core.iin.make_iin, vectorised. A serial with no check digit moves on to the next serial."""
    years, months, mdays = _date_parts(birth_days)
    century = np.where(years >= 2000, 5, np.where(years >= 1900, 3, 1)) + sexes
    yy = years % 100
    head = [yy // 10, yy % 10, months // 10, months % 10, mdays // 10, mdays % 10, century]
    # Weighted sums of the first seven digits under both weightings (1..11, then 3..11,1,2).
    first_sum = sum((i + 1) * d for i, d in enumerate(head))
    second_sum = sum((i + 3) * d for i, d in enumerate(head))
    serial = serials.astype(np.int64) % 10000
    check = np.full(len(serial), 10, dtype=np.int64)
    for step in range(4):
        todo = check == 10
        if not todo.any():
            break
        candidate = np.where(todo, (serial + step) % 10000, serial)
        digits = [candidate // 1000, candidate // 100 % 10, candidate // 10 % 10, candidate % 10]
        r1 = (first_sum + 8 * digits[0] + 9 * digits[1] + 10 * digits[2] + 11 * digits[3]) % 11
        r2 = (second_sum + 10 * digits[0] + 11 * digits[1] + 1 * digits[2] + 2 * digits[3]) % 11
        found = np.where(r1 == 10, r2, r1)
        serial = np.where(todo, candidate, serial)
        check = np.where(todo, found, check)
    if (check == 10).any():  # four serials in a row without a check digit cannot happen
        raise RuntimeError("no valid IIN serial found")
    number = yy * 10**10 + months * 10**8 + mdays * 10**6 + century * 10**5 + serial * 10 + check
    return np.array([f"{v:012d}" for v in number.tolist()], dtype=object)


def _unique_serials(rng: np.random.Generator, birth_days: np.ndarray, sexes: np.ndarray) -> np.ndarray:
    """Serials distinct within each (birth date, sex), so IINs never collide: rank within the group
    times a number coprime with 10,000, shifted by a random offset per group."""
    key = birth_days.astype(np.int64) * 2 + sexes
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    boundaries = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    group_sizes = np.diff(np.r_[boundaries, len(key)])
    _, rank_sorted = _expand(group_sizes)
    offsets = rng.integers(0, 10000, size=len(group_sizes))
    serial_sorted = (np.repeat(offsets, group_sizes) + rank_sorted * 4 * 37) % 10000  # room for +0..3 steps
    serials = np.empty_like(serial_sorted)
    serials[order] = serial_sorted
    if group_sizes.max(initial=0) > 2500:
        raise ValueError("too many people share one birth date and sex for unique IINs")
    return serials


@dataclass
class Generated:
    tables: list[Table]
    counts: dict[str, int]


def generate(**kwargs) -> Generated:
    """All rows at once (see ``iter_tables``)."""
    tables = list(iter_tables(**kwargs))
    return Generated(tables=tables, counts={t.name: t.n for t in tables})


def iter_tables(
    *, n_children: int, seed: int, today: dt.date, structure: Structure, ids: IdStarts, now_ts: str
) -> Iterator[Table]:
    """All rows for ``n_children`` children, as column tables in insertion order (parents first).
    Each table is yielded as soon as its columns are drawn, so a writer can load it while the
    next one is generated."""
    rng = np.random.default_rng(seed)
    T = day_number(today)
    first_entry = day_number(dt.date(2019, 1, 1))
    max_span = T - first_entry
    n_regions = len(structure.region_ids)
    N = n_children

    # --- Sibling groups and path units ----------------------------------------------------
    target = round(0.30 * N)
    sizes = rng.choice([2, 3, 4], size=max(1, target // 2 + 1), p=[0.55, 0.30, 0.15])
    sizes = sizes[np.cumsum(sizes) <= target]
    G = len(sizes)
    grouped = int(sizes.sum())
    group_of_child = np.full(N, -1, dtype=np.int64)
    group_owner, sib_rank_g = _expand(sizes)
    group_of_child[:grouped] = group_owner
    sib_rank = np.zeros(N, dtype=np.int64)
    sib_rank[:grouped] = sib_rank_g
    # Most sibling groups are placed together; the rest follow separate paths (a recorded decision).
    together = rng.random(G) < 0.85
    child_idx = np.arange(N)
    unit_key = np.where((group_of_child >= 0) & together[np.maximum(group_of_child, 0)], group_of_child, G + child_idx)
    _, unit_of_child = np.unique(unit_key, return_inverse=True)
    U = int(unit_of_child.max()) + 1
    unit_size = np.bincount(unit_of_child, minlength=U)
    separated_child = (group_of_child >= 0) & ~together[np.maximum(group_of_child, 0)]

    # Regions and legal status are shared by brothers and sisters (per group, else per child).
    family_key = np.where(group_of_child >= 0, group_of_child, G + child_idx)
    weights = np.array([REGION_WEIGHT.get(code, 4) for code in structure.region_codes], dtype=float)
    key_region = rng.choice(n_regions, size=G + N, p=weights / weights.sum())
    key_status = _choice(rng, G + N, LEGAL_STATUS_P)
    key_surname = rng.integers(0, len(names.SURNAME_STEMS), size=G + N)
    key_father = rng.integers(0, len(names.FATHER_NAMES), size=G + N)
    child_region = key_region[family_key]
    child_status = key_status[family_key]
    first_child_of_unit = np.zeros(U, dtype=np.int64)
    first_child_of_unit[unit_of_child[::-1]] = child_idx[::-1]
    unit_region = child_region[first_child_of_unit]
    unit_status = child_status[first_child_of_unit]
    unit_adoptable = ADOPTABLE[unit_status]

    # --- Paths per unit ------------------------------------------------------------------
    k = _choice(rng, U, [0.20, 0.30, 0.31, 0.19]).astype(np.int64)  # number of placements
    # Final state of a path with placements: 0 active, 1 ended and returned (path re-opened),
    # 2 ended and closed.
    final = _choice(rng, U, [0.52, 0.12, 0.36])
    final[k == 0] = -1
    open_stage = _choice(rng, U, [0.24, 0.30, 0.20, 0.15, 0.11]).astype(np.int64)  # for k=0
    reopen_stage = _choice(rng, U, [0.40, 0.33, 0.15, 0.08, 0.04]).astype(np.int64)
    # Earlier placements ended in a return (25%) or a move to another family (75%).
    nonlast_returned = rng.random((U, 3)) < 0.25
    gaps = (60 + rng.exponential(260, size=(U, 3))).astype(np.int64).clip(60, 1100)
    durs = (60 + rng.exponential(520, size=(U, 3))).astype(np.int64).clip(30, 2200)
    returned_durs = (30 + rng.exponential(300, size=(U, 3))).astype(np.int64).clip(20, 1200)
    transfer_gaps = rng.integers(1, 30, size=(U, 3))
    active_elapsed = (30 + rng.exponential(600, size=U)).astype(np.int64)
    tail = rng.integers(10, 700, size=U)
    k0_elapsed = (20 + rng.exponential(450, size=U)).astype(np.int64)
    closing = _choice(rng, U, [0.62, 0.12, 0.14, 0.09, 0.03])  # permanency, came_of_age, reunified, transferred, death
    closing_reason = np.array([E_PERM, E_AGE, E_REUN, E_TRANS, E_DEATH])[closing]
    closing_reason[(closing_reason == E_AGE) & (unit_size > 1)] = E_PERM

    j_idx = np.arange(3)[None, :]
    used = j_idx < k[:, None]
    is_last = j_idx == (k[:, None] - 1)
    # End reason per placement slot.
    end_reason = np.where(nonlast_returned, E_RET, E_TRANS).astype(np.int64)
    last_reason = np.where(final == 0, E_NONE, np.where(final == 1, E_RET, closing_reason))
    end_reason = np.where(is_last, last_reason[:, None], end_reason)
    end_reason[~used] = E_NONE
    # Gap before placement j: after a move to another family it is days, else months in care.
    prev_reason = np.concatenate([np.full((U, 1), E_RET), end_reason[:, :2]], axis=1)
    gap = np.where(prev_reason == E_TRANS, transfer_gaps, gaps)
    dur = np.where(end_reason == E_RET, returned_durs, durs)
    dur = np.where(is_last & (final[:, None] == 0), active_elapsed[:, None], dur)
    gap = np.where(used, gap, 0)
    dur = np.where(used, dur, 0)
    after = np.where(k == 0, k0_elapsed, np.where(final == 0, 0, tail))
    span = gap.sum(axis=1) + dur.sum(axis=1) + after
    scale = np.minimum(1.0, max_span / np.maximum(span, 1))
    gap = np.where(used, np.maximum(1, (gap * scale[:, None]).astype(np.int64)), 0)
    dur = np.where(used, np.maximum(1, (dur * scale[:, None]).astype(np.int64)), 0)
    after = np.where(k == 0, np.maximum(2, (after * scale).astype(np.int64)), (after * scale).astype(np.int64))
    span = gap.sum(axis=1) + dur.sum(axis=1) + after
    entry = T - span  # entered care (and opened the case)
    start = entry[:, None] + np.cumsum(gap, axis=1) + np.concatenate([np.zeros((U, 1), np.int64), np.cumsum(dur, axis=1)[:, :2]], axis=1)
    end = start + dur
    active = is_last & (final[:, None] == 0)
    end = np.where(active | ~used, NULL, end)

    # Birth dates: the youngest sibling's age at entry; older ones 1-3 years apart.
    in_care_days = T - entry
    cap = np.maximum(0, 17 * 365 - in_care_days - 3 * 365 * (unit_size - 1))
    # The history relates DOMAIN's risk factors to returns, so the demo's risk score has something to
    # find: children of a path with a return came into care older (and so were placed older), were
    # abused or neglected more often, have more behavioural difficulties (SDQ), and their placements
    # that broke down had more concerns and missed visits in their last months (see the visits).
    unit_returned = ((end_reason == E_RET) & used).any(axis=1)
    age_share = np.where(unit_returned, rng.beta(2.6, 1.2, size=U), rng.beta(1.3, 1.6, size=U))
    age_at_entry = np.floor(age_share * cap).astype(np.int64)
    unit_birth = entry - age_at_entry
    last_end = np.where(k > 0, end[np.arange(U), np.maximum(k - 1, 0)], NULL)
    came_of_age = (k > 0) & (final == 2) & (closing_reason == E_AGE)
    unit_birth = np.where(came_of_age, np.minimum(last_end - 6575, entry), unit_birth)
    sib_gap = rng.integers(300, 1100, size=N)
    sib_gap[sib_rank == 0] = 0
    # Older siblings: cumulative gaps within the group (children of a group are consecutive).
    sib_offset = np.cumsum(sib_gap)
    group_base = np.zeros(N, dtype=np.int64)
    if grouped:
        starts_g = np.cumsum(sizes) - sizes
        group_base[:grouped] = np.repeat(sib_offset[starts_g], sizes)
    sib_offset = sib_offset - group_base
    sib_offset[group_of_child < 0] = 0
    sib_offset[separated_child] = 0  # separated siblings drew their own path and age
    child_birth = unit_birth[unit_of_child] - sib_offset
    child_sex = rng.integers(0, 2, size=N)

    # Forms of care per placement: by legal status and the youngest child's age at the start.
    age_at_start = (start - unit_birth[:, None]) / 365.25
    form = _choice(rng, U * 3, [0.30, 0.43, 0.0, 0.14, 0.10, 0.03]).reshape(U, 3).astype(np.int64)
    form = np.where((form == ADOPT) & ~unit_adoptable[:, None], GUARD, form)
    form = np.where((form == GUARD) & (age_at_start >= 14), TRUST, form)
    form = np.where((form == PROF) & (start < PROFESSIONAL_FOSTER_SINCE), FOSTER, form)
    # Why each return happened (only for placements that ended in a return).
    return_reason = np.where(end_reason == E_RET, 1 + _choice(rng, U * 3, RETURN_REASON_P).reshape(U, 3), 0)

    # --- Structure: districts and workers --------------------------------------------------
    district_counts = np.array([len(d) for d in structure.district_ids])
    district_base = np.cumsum(district_counts) - district_counts
    district_flat = np.array([d for ds in structure.district_ids for d in ds], dtype=np.int64)
    unit_district = district_base[unit_region] + (rng.random(U) * district_counts[unit_region]).astype(np.int64)
    worker_counts = np.array([len(w) for w in structure.worker_ids])
    worker_base = np.cumsum(worker_counts) - worker_counts
    worker_flat = np.array([w for ws in structure.worker_ids for w in ws], dtype=np.int64)
    unit_worker_pos = worker_base[unit_district] + (rng.random(U) * worker_counts[unit_district]).astype(np.int64)
    unit_worker = worker_flat[unit_worker_pos]
    unit_unit = district_flat[unit_district]

    # --- Families ----------------------------------------------------------------------------
    # One family per placement for adoption and guardianship; foster and patronage families take
    # several children over the years (a professional foster family few: at most 4 at once).
    pu, pj = np.nonzero(used)  # placement slots (per unit), unit-major then slot order
    p_form = form[pu, pj]
    p_region = unit_region[pu]
    pool_factor = np.array([1.0, 0.9, 0.9, 0.4, 0.4, 0.7, 1.0])
    fkey = p_form * n_regions + p_region
    n_keys = len(FORMS) * n_regions
    key_counts = np.bincount(fkey, minlength=n_keys)
    pool = np.where(key_counts > 0, np.maximum(1, np.ceil(key_counts * pool_factor[np.arange(n_keys) // n_regions])), 0).astype(np.int64)
    pool_base = np.cumsum(pool) - pool
    order = np.argsort(fkey, kind="stable")
    _, rank_sorted = _expand(key_counts)
    rank = np.empty_like(rank_sorted)
    rank[order] = rank_sorted
    p_family = pool_base[fkey] + rank % np.maximum(pool[fkey], 1)
    F_placed = int(pool.sum())
    F_wait = max(5, int(0.08 * N))
    F = F_placed + F_wait
    fam_form = np.empty(F, dtype=np.int64)
    fam_region = np.empty(F, dtype=np.int64)
    key_of_pool = np.repeat(np.arange(n_keys), pool)
    fam_form[:F_placed] = key_of_pool // n_regions
    fam_region[:F_placed] = key_of_pool % n_regions
    fam_form[F_placed:] = _choice(rng, F_wait, [0.40, 0.22, 0.05, 0.14, 0.08, 0.06, 0.05])
    fam_region[F_placed:] = rng.choice(n_regions, size=F_wait, p=weights / weights.sum())
    p_start = start[pu, pj]
    first_start = np.full(F, np.iinfo(np.int64).max)
    last_start = np.full(F, NULL, dtype=np.int64)
    np.minimum.at(first_start, p_family, p_start)
    np.maximum.at(last_start, p_family, p_start)
    unit_max_children = np.zeros(F, dtype=np.int64)
    np.maximum.at(unit_max_children, p_family, unit_size[pu])
    fam_age = np.zeros(F)
    np.maximum.at(fam_age, p_family, age_at_start[pu, pj])
    fam_ret = np.zeros(F, dtype=bool)
    np.logical_or.at(fam_ret, p_family, end_reason[pu, pj] == E_RET)
    # A placed family's district: the district of its first child's case.
    fam_district = np.empty(F, dtype=np.int64)
    fam_district[p_family[::-1]] = unit_district[pu[::-1]]
    fam_district[F_placed:] = district_base[fam_region[F_placed:]] + (
        rng.random(F_wait) * district_counts[fam_region[F_placed:]]
    ).astype(np.int64)

    placed_f = np.arange(F) < F_placed
    status = np.where(placed_f, np.where(fam_ret & (rng.random(F) < 0.3), 3, 2), 0)
    status[F_placed:] = _choice(rng, F_wait, [0.12, 0.18, 0.50, 0.05, 0.08, 0.07])
    # Waiting families applied in the last three years; placed ones months before their first child.
    applied = np.where(placed_f, first_start - rng.integers(150, 500, size=F), T - rng.integers(5, 1100, size=F))
    applied = np.maximum(applied, first_entry - 700)
    wait_has_docs = ~placed_f & (status >= 1)
    has_docs = placed_f | wait_has_docs
    hs_issued = np.where(has_docs, np.minimum(T, applied + rng.integers(20, 90, size=F)), NULL)
    tr_issued = np.where(has_docs, np.minimum(T, applied + rng.integers(30, 120, size=F)), NULL)
    approved_on = np.where(status == 2, np.minimum(T, np.maximum(hs_issued, tr_issued) + rng.integers(5, 40, size=F)), NULL)
    approved_on = np.where(placed_f, np.minimum(approved_on, first_start - 1), approved_on)
    approved_on = np.where(placed_f & (status == 3), np.maximum(hs_issued, tr_issued) + 5, approved_on)
    # Waiting approved families: expiry spread around today, so some have lapsed and some lapse soon.
    wait_expiry = T + rng.integers(-120, 700, size=F)
    placed_expiry = np.maximum(approved_on + 730, last_start + rng.integers(30, 400, size=F))
    approval_expires = np.where(status == 2, np.where(placed_f, placed_expiry, np.maximum(wait_expiry, approved_on + 30)), NULL)
    approval_expires = np.where(placed_f & (status == 3), approved_on + 730, approval_expires)
    hs_expires = np.where(
        has_docs, np.where(placed_f, hs_issued + 730, np.maximum(hs_issued + 30, T + rng.integers(-200, 600, size=F))), NULL
    )
    tr_expires = np.where(
        has_docs, np.where(placed_f, tr_issued + 1095, np.maximum(tr_issued + 30, T + rng.integers(-150, 800, size=F))), NULL
    )
    fam_age_max = np.where(placed_f, np.minimum(17, np.ceil(fam_age) + rng.integers(0, 4, size=F)), rng.integers(3, 18, size=F))
    fam_age_min = np.where(placed_f, 0, np.maximum(0, fam_age_max - rng.integers(3, 12, size=F)))
    fam_max_sib = np.where(placed_f, np.maximum(1, unit_max_children), rng.integers(1, 4, size=F))
    fam_pref_sex = _choice(rng, F, [0.75, 0.10, 0.15])
    fam_health = _choice(rng, F, [0.35, 0.40, 0.15, 0.10])
    # Professional foster families: the carer's psychological training, before the first child.
    fam_psy = (fam_form == PROF) & has_docs
    psy_issued = np.where(fam_psy, np.minimum(T, np.maximum(tr_issued, PROFESSIONAL_FOSTER_SINCE - 60)), NULL)
    psy_issued = np.where(fam_psy & placed_f, np.minimum(psy_issued, first_start - 1), psy_issued)

    # --- Children: per child columns ---------------------------------------------------------
    u = unit_of_child
    child_entry = entry[u]
    child_k = k[u]
    child_final = final[u]
    in_institution = (child_k == 0) | (child_final == 1)
    age_now = (T - child_birth) / 365.25
    home_type = np.where(age_now < 3, 0, np.where(age_now >= 18, 4, 1))
    older = (home_type == 1) & (age_now >= 7)
    pick = rng.random(N)
    home_type = np.where((home_type == 1) & older & (pick < 0.30), 2, home_type)
    home_type = np.where((home_type == 1) & (pick >= 0.85), 3, home_type)
    hkey = child_region * len(HOME_TYPES) + home_type
    residents = np.bincount(hkey[in_institution], minlength=n_regions * len(HOME_TYPES))
    avg_cap = np.array([(lo + hi) / 2 for lo, hi in HOME_CAPACITY])[np.arange(n_regions * len(HOME_TYPES)) % len(HOME_TYPES)]
    homes_per_key = np.maximum(1, np.ceil(residents / (0.8 * avg_cap))).astype(np.int64)
    H = int(homes_per_key.sum())
    home_base = np.cumsum(homes_per_key) - homes_per_key
    child_home_pos = home_base[hkey] + (rng.random(N) * homes_per_key[hkey]).astype(np.int64)
    home_key = np.repeat(np.arange(n_regions * len(HOME_TYPES)), homes_per_key)
    home_type_of = home_key % len(HOME_TYPES)
    home_region_of = home_key // len(HOME_TYPES)
    occupancy = np.bincount(child_home_pos[in_institution], minlength=H)
    lo = np.array([c[0] for c in HOME_CAPACITY])[home_type_of]
    hi = np.array([c[1] for c in HOME_CAPACITY])[home_type_of]
    capacity = np.maximum(_uniform_int(rng, lo, hi, H), occupancy + rng.integers(0, 15, size=H))
    child_home = np.where(in_institution, ids.home + child_home_pos, NULL)

    health = _choice(rng, N, [0.60, 0.24, 0.10, 0.06]).astype(np.int64)
    health_note = np.where(health == 0, 0, rng.integers(1, len(names.HEALTH_NOTES), size=N))
    child_returned = unit_returned[unit_of_child]
    abuse = rng.random(N) < np.where(child_returned, 0.55, 0.25)
    sdq = np.where(rng.random(N) < 0.25, NULL, np.minimum(
        40, rng.gamma(3.0, 4.0, size=N).astype(np.int64) + 3 * abuse + 6 * child_returned))
    has_iin = (rng.random(N) >= 0.035) & ~((child_status == 4) & (rng.random(N) < 0.5))
    serials = _unique_serials(rng, child_birth, child_sex)
    iins = make_iins(child_birth, child_sex, serials)
    iins[~has_iin] = None
    first = np.where(
        child_sex == 0,
        rng.integers(0, len(names.MALE_FIRST_NAMES), size=N),
        len(names.MALE_FIRST_NAMES) + rng.integers(0, len(names.FEMALE_FIRST_NAMES), size=N),
    )
    first_vocab = names.MALE_FIRST_NAMES + names.FEMALE_FIRST_NAMES
    stems = key_surname[family_key]
    surname_vocab = [names.surname(s, x) for s in names.SURNAME_STEMS for x in SEX]
    last_code = stems * 2 + child_sex
    patr_vocab = [names.patronymic(f, x) for f in names.FATHER_NAMES for x in SEX]
    patr_code = np.where(child_status == 4, -1, key_father[family_key] * 2 + child_sex)
    patr_vocab_null = [*patr_vocab, ""]
    patr_code = np.where(patr_code < 0, len(patr_vocab), patr_code)
    birth_note = np.where(child_status == 4, 4, np.where(rng.random(N) < 0.3, rng.integers(1, 4, size=N), 0))
    sibling_group_id = np.where(group_of_child >= 0, ids.sibling_group + group_of_child, NULL)

    ts = now_ts

    t = Table("children_childrenshome", "children.ChildrensHome", H)
    t.add("id", "int", ids.home + np.arange(H))
    t.add("created_at", "const", ts)
    t.add("updated_at", "const", ts)
    # A home is named with its region's name, as a person would write it, not the region's code, in
    # the three languages as regions are (children.home_names, in HOME_TYPES' order).
    region_names = structure.region_names
    names_of_homes = [
        home_names(ty, n + 1, region_names[r])
        for ty, r, n in zip(home_type_of.tolist(), home_region_of.tolist(), (np.arange(H) - home_base[home_key]).tolist(), strict=True)
    ]
    for i, language in enumerate(("kk", "ru", "en")):
        t.add(f"name_{language}", "str", [names[i] for names in names_of_homes])
    t.add("home_type", "code", home_type_of, HOME_TYPES)
    t.add("region_id", "int", np.array(structure.region_ids)[home_region_of])
    t.add("capacity", "int", capacity)
    t.add("address", "code", _address_codes(ids.home + np.arange(H)), ADDRESSES)
    yield t

    t = Table("children_siblinggroup", "children.SiblingGroup", G)
    t.add("id", "int", ids.sibling_group + np.arange(G))
    t.add("created_at", "const", ts)
    t.add("updated_at", "const", ts)
    t.add("notes", "const", "")
    yield t

    t = Table("children_child", "children.Child", N)
    t.add("id", "int", ids.child + child_idx)
    t.add("created_at", "const", ts)
    t.add("updated_at", "const", ts)
    t.add("last_name", "code", last_code, surname_vocab)
    t.add("first_name", "code", first, first_vocab)
    t.add("patronymic", "code", patr_code, patr_vocab_null)
    t.add("birth_date", "date", child_birth)
    t.add("sex", "code", child_sex, SEX)
    t.add("iin", "str", iins)
    t.add("legal_status", "code", child_status, LEGAL_STATUSES)
    t.add("region_id", "int", np.array(structure.region_ids)[child_region])
    t.add("current_home_id", "int", child_home)
    t.add("sibling_group_id", "int", sibling_group_id)
    t.add("entered_care_on", "date", child_entry)
    t.add("health_needs", "int", health)
    t.add("health_notes", "code", health_note, names.HEALTH_NOTES)
    t.add("birth_family_notes", "code", birth_note, names.BIRTH_FAMILY_NOTES)
    t.add("abuse_or_neglect_history", "bool", abuse)
    t.add("abuse_history_notes", "code", abuse.astype(np.int64), ["", "Со слов ребёнка и по акту обследования."])
    t.add("sdq_total_difficulties", "int", sdq)
    t.add("search_text", "str", _search_texts((last_code, surname_vocab), (first, first_vocab), (patr_code, patr_vocab_null), iins))
    yield t

    t = Table("families_family", "families.Family", F)
    t.add("id", "int", ids.family + np.arange(F))
    t.add("created_at", "const", ts)
    t.add("updated_at", "const", ts)
    t.add("region_id", "int", np.array(structure.region_ids)[fam_region])
    t.add("responsible_unit_id", "int", district_flat[fam_district])
    t.add("address", "code", _address_codes(ids.family + np.arange(F)), ADDRESSES)
    t.add("form_of_care", "code", fam_form, FORMS)
    t.add("applied_on", "date", applied)
    t.add("preferred_age_min", "int", fam_age_min.astype(np.int64))
    t.add("preferred_age_max", "int", fam_age_max.astype(np.int64))
    t.add("preferred_sex", "code", np.where(placed_f, 0, fam_pref_sex), PREF_SEX)
    t.add("max_siblings", "int", fam_max_sib)
    t.add("max_health_needs", "int", np.where(placed_f, 3, fam_health))
    t.add("home_study_issued_on", "date", hs_issued)
    t.add("home_study_expires_on", "date", hs_expires)
    t.add("training_certificate_number", "str", [
        f"ШПР-{n:07d}" if d else "" for n, d in zip((ids.family + np.arange(F)).tolist(), has_docs.tolist(), strict=True)
    ])
    t.add("training_issued_on", "date", tr_issued)
    t.add("training_expires_on", "date", tr_expires)
    t.add("psychological_training_certificate_number", "str", [
        f"ППС-{n:07d}" if d else "" for n, d in zip((ids.family + np.arange(F)).tolist(), fam_psy.tolist(), strict=True)
    ])
    t.add("psychological_training_issued_on", "date", psy_issued)
    t.add("approval_status", "code", status, APPROVAL)
    t.add("approved_on", "date", np.where(status == 2, approved_on, np.where(status == 3, approved_on, NULL)))
    t.add("approval_expires_on", "date", np.where(status == 2, approval_expires, np.where(status == 3, approval_expires, NULL)))
    yield t

    # Applicants: a couple (70%) or one person; the first applicant is usually the woman.
    couple = rng.random(F) < 0.70
    n_app = 1 + couple.astype(np.int64)
    a_f, a_pos = _expand(n_app)
    A = len(a_f)
    first_female = rng.random(F) < 0.85
    a_sex = np.where(a_pos == 0, np.where(first_female[a_f], 1, 0), np.where(first_female[a_f], 0, 1))
    a_birth = applied[a_f] - rng.integers(25 * 365, 52 * 365, size=A)
    a_serial = _unique_serials(rng, a_birth, a_sex)
    a_iin = make_iins(a_birth, a_sex, a_serial)
    a_stem = rng.integers(0, len(names.SURNAME_STEMS), size=F)[a_f]
    a_first = np.where(
        a_sex == 0,
        rng.integers(0, len(names.MALE_FIRST_NAMES), size=A),
        len(names.MALE_FIRST_NAMES) + rng.integers(0, len(names.FEMALE_FIRST_NAMES), size=A),
    )
    t = Table("families_applicant", "families.Applicant", A)
    t.add("id", "int", ids.applicant + np.arange(A))
    t.add("created_at", "const", ts)
    t.add("updated_at", "const", ts)
    t.add("family_id", "int", ids.family + a_f)
    t.add("position", "int", a_pos + 1)
    t.add("last_name", "code", a_stem * 2 + a_sex, surname_vocab)
    t.add("first_name", "code", a_first, first_vocab)
    a_patr = rng.integers(0, len(names.FATHER_NAMES), size=A) * 2 + a_sex
    t.add("patronymic", "code", a_patr, patr_vocab)
    t.add("birth_date", "date", a_birth)
    t.add("sex", "code", a_sex, SEX)
    t.add("iin", "str", a_iin)
    t.add("search_text", "str", _search_texts((a_stem * 2 + a_sex, surname_vocab), (a_first, first_vocab), (a_patr, patr_vocab), a_iin))
    yield t

    # --- Stage history: segments per unit, then events ------------------------------------
    # A segment is (unit, kind, first from-stage, last stage, begin day, length, reason code).
    seg_unit: list[np.ndarray] = []
    seg_kind: list[np.ndarray] = []  # 0 path to a stage, 1 move to another family, 2 close
    seg_from: list[np.ndarray] = []
    seg_last: list[np.ndarray] = []
    seg_begin: list[np.ndarray] = []
    seg_len: list[np.ndarray] = []
    seg_reason: list[np.ndarray] = []
    seg_order: list[np.ndarray] = []

    def add_segments(mask: np.ndarray, kind: int, from_stage, last, begin, length, reason, order: int) -> None:
        idx = np.flatnonzero(mask)
        seg_unit.append(idx)
        seg_kind.append(np.full(len(idx), kind))
        seg_from.append(np.broadcast_to(np.asarray(from_stage), (U,))[idx])
        seg_last.append(np.broadcast_to(np.asarray(last), (U,))[idx])
        seg_begin.append(np.broadcast_to(np.asarray(begin), (U,))[idx])
        seg_len.append(np.broadcast_to(np.asarray(length), (U,))[idx])
        seg_reason.append(np.broadcast_to(np.asarray(reason), (U,))[idx])
        seg_order.append(np.full(len(idx), order))

    add_segments(k == 0, 0, NONE, open_stage, entry, after, 0, 0)
    for j in range(3):
        has_j = k > j
        if j == 0:
            add_segments(has_j, 0, NONE, PLA, entry, gap[:, 0], 0, 0)
        else:
            prev = end_reason[:, j - 1]
            add_segments(has_j & (prev == E_RET), 0, PLA, PLA, end[:, j - 1], gap[:, j], return_reason[:, j - 1], j)
            add_segments(has_j & (prev == E_TRANS), 1, PLA, PLA, end[:, j - 1], gap[:, j], 0, j)
    add_segments((k > 0) & (final == 2), 2, PLA, CLO, last_end, 0, 0, 3)
    last_slot = np.maximum(k - 1, 0)
    add_segments((k > 0) & (final == 1), 0, PLA, reopen_stage, last_end, after, return_reason[np.arange(U), last_slot], 3)

    s_unit = np.concatenate(seg_unit)
    s_order = np.concatenate(seg_order)
    sort = np.lexsort((s_order, s_unit))
    s_unit = s_unit[sort]
    s_kind = np.concatenate(seg_kind)[sort]
    s_from = np.concatenate(seg_from)[sort]
    s_last = np.concatenate(seg_last)[sort]
    s_begin = np.concatenate(seg_begin)[sort]
    s_len = np.concatenate(seg_len)[sort]
    s_reason = np.concatenate(seg_reason)[sort]
    s_count = np.where(s_kind == 0, s_last + 1, np.where(s_kind == 1, 2, 1))
    e_seg, e_pos = _expand(s_count)
    ek = s_kind[e_seg]
    e_from = np.where(ek == 0, np.where(e_pos == 0, s_from[e_seg], e_pos - 1), np.where(ek == 1, np.where(e_pos == 0, PLA, DEC), PLA))
    e_to = np.where(ek == 0, e_pos, np.where(ek == 1, np.where(e_pos == 0, DEC, PLA), CLO))
    # Path segments that end in a placement land on the start day; open ones stop short of today.
    denom = np.where(s_last[e_seg] == PLA, PLA, s_last[e_seg] + 1)
    e_day = s_begin[e_seg] + np.where(ek == 0, s_len[e_seg] * e_pos // np.maximum(denom, 1), np.where(ek == 1, s_len[e_seg] * e_pos, 0))
    e_reason = np.where(e_pos == 0, s_reason[e_seg], 0)
    e_unit = s_unit[e_seg]
    unit_event_counts = np.bincount(e_unit, minlength=U)
    unit_event_start = np.cumsum(unit_event_counts) - unit_event_counts
    last_event = unit_event_start + unit_event_counts - 1
    unit_stage = e_to[last_event]
    unit_stage_day = e_day[last_event]

    # --- Cases (one per child) ---------------------------------------------------------------
    case_stage = unit_stage[u]
    closed = case_stage == CLO
    outcome = np.where(closed, last_reason[u], 0)
    closed_on = np.where(closed, last_end[u], NULL)
    active_slot = np.where(final == 0, last_slot, 0)
    slot_family = np.full((U, 3), NULL, dtype=np.int64)
    slot_family[pu, pj] = ids.family + p_family
    active_family_slot = np.where(final == 0, slot_family[np.arange(U), active_slot], NULL)
    pick = rng.random(U)
    sought = np.where(unit_stage >= AVA, np.where(k > 0, form[np.arange(U), last_slot], form[:, 0]), -1)
    sought = np.where((unit_stage == CLO) | (unit_stage == REG), -1, sought)
    unit_decision_status = np.where(unit_stage == PLA, 2, np.where(unit_stage == DEC, 1, 0))
    forms_null = [*FORMS, ""]
    sought = np.where(sought < 0, len(FORMS), sought)
    # Per child, as on the placements: guardianship only under 14; an open guardianship of a child
    # now 15 or older was converted; one who turned 14 this last year is due for conversion.
    case_sought = sought[u]
    c_start = start[u, active_slot[u]]
    c_placed = case_stage == PLA
    to_trust = (case_sought == GUARD) & np.where(
        c_placed, (c_start >= child_birth + YEARS_14) | (child_birth + YEARS_15 <= T), child_birth + YEARS_14 <= T)
    case_sought = np.where(to_trust, TRUST, case_sought)

    # A case at acquaintance or decision has its family chosen, as matching leaves it (the family chosen
    # for acquaintance is the case's decision_family, proposed for the decision): an approved family
    # waiting for a child, approval and certificates in date, seeking the case's form of care, of the
    # case's region when one is (cases.services.check_family_can_take).
    # A waiting family first; where none fits, one with a child already whose documents are in date.
    every = np.arange(F)
    fit = (status == 2) & (approval_expires > T) & (hs_expires > T) & (tr_expires > T) & ((fam_form != PROF) | fam_psy)
    by_region: dict[tuple[int, int], list[int]] = {}
    by_form: dict[int, list[int]] = {}
    by_form_placed: dict[int, list[int]] = {}
    for f in every[fit].tolist():
        if f >= F_placed:
            by_region.setdefault((int(fam_form[f]), int(fam_region[f])), []).append(f)
            by_form.setdefault(int(fam_form[f]), []).append(f)
        else:
            by_form_placed.setdefault(int(fam_form[f]), []).append(f)
    decision_pick = np.full(U, NULL, dtype=np.int64)
    # The form of care its (first) child's case seeks: a guardianship became a trusteeship at 14.
    unit_seeks = case_sought[first_child_of_unit]
    for unit in np.flatnonzero((unit_stage == ACQ) | (unit_stage == DEC)).tolist():
        seeks = int(unit_seeks[unit])
        pool = by_region.get((seeks, int(unit_region[unit]))) or by_form.get(seeks) or by_form_placed.get(seeks)
        if pool:
            decision_pick[unit] = ids.family + pool[int(pick[unit] * len(pool))]
    unit_decision_family = np.where(unit_stage == PLA, active_family_slot, decision_pick)

    case_ids = ids.case + child_idx
    t = Table("cases_case", "cases.Case", N)
    t.add("id", "int", case_ids)
    # Written when opened and last at the latest stage change, as a live register's would be (the
    # reminder sweep looks at what was written since its previous run).
    t.add("created_at", "ts", child_entry)
    t.add("updated_at", "ts", np.maximum(unit_stage_day[u], child_entry))
    t.add("child_id", "int", ids.child + child_idx)
    t.add("stage", "code", case_stage, STAGES)
    t.add("stage_entered_at", "ts", unit_stage_day[u])
    t.add("assigned_worker_id", "int", unit_worker[u])
    t.add("responsible_unit_id", "int", unit_unit[u])
    t.add("opened_on", "date", child_entry)
    t.add("closed_on", "date", closed_on)
    t.add("outcome", "code", outcome, OUTCOMES)
    t.add("form_of_care", "code", case_sought, forms_null)
    t.add("decision_status", "code", unit_decision_status[u], DECISION)
    t.add("decision_family_id", "int", unit_decision_family[u])
    t.add("version", "int", unit_event_counts[u])
    yield t

    c_of_e, pos_e = _expand(unit_event_counts[u])
    ev = unit_event_start[u[c_of_e]] + pos_e
    SC = len(ev)
    reason_vocab = stage_reasons()
    t = Table("cases_stagechange", "cases.StageChange", SC)
    t.add("id", "int", ids.stage_change + np.arange(SC))
    t.add("case_id", "int", case_ids[c_of_e])
    t.add("from_stage", "code", e_from[ev], STAGES)
    t.add("to_stage", "code", e_to[ev], STAGES)
    t.add("reason", "code", e_reason[ev], reason_vocab)
    t.add("actor_id", "int", unit_worker[u[c_of_e]])
    t.add("changed_at", "ts", e_day[ev])
    yield t

    # --- Families chosen for acquaintance (per case at acquaintance or decision) ----------------
    # As matching.services.choose_for_acquaintance leaves them: the chosen family (the case's
    # decision_family) recorded as chosen by the case's worker the day the case came to acquaintance.
    prev = np.maximum(last_event - 1, 0)
    chosen_day = np.where((unit_stage == DEC) & (unit_event_counts > 1) & (e_to[prev] == ACQ), e_day[prev], unit_stage_day)
    chosen = np.flatnonzero(np.isin(case_stage, [ACQ, DEC]) & (unit_decision_family[u] != NULL))
    t = Table("matching_acquaintance", "matching.Acquaintance", len(chosen))
    t.add("id", "int", ids.acquaintance + np.arange(len(chosen)))
    t.add("case_id", "int", case_ids[chosen])
    t.add("family_id", "int", unit_decision_family[u[chosen]])
    t.add("chosen_by_id", "int", unit_worker[u[chosen]])
    t.add("chosen_at", "ts", chosen_day[u[chosen]])
    yield t

    # --- Placements (per child) ---------------------------------------------------------------
    unit_slots = used.sum(axis=1)
    unit_slot_start = np.cumsum(unit_slots) - unit_slots  # index into (pu, pj)
    c_of_p, pos_p = _expand(unit_slots[u])
    slot_p = unit_slot_start[u[c_of_p]] + pos_p
    P = len(c_of_p)
    pl_unit = pu[slot_p]
    pl_j = pj[slot_p]
    pl_start = start[pl_unit, pl_j]
    pl_end = end[pl_unit, pl_j]
    pl_reason = end_reason[pl_unit, pl_j]
    pl_return = return_reason[pl_unit, pl_j]
    pl_form = form[pl_unit, pl_j]
    pl_birth = child_birth[c_of_p]
    # Guardianship only under 14: an older sibling in the same placement is under trusteeship.
    pl_form = np.where((pl_form == GUARD) & (pl_start >= pl_birth + YEARS_14), TRUST, pl_form)
    # An open guardianship of a child now 15 or older was converted soon after the 14th birthday;
    # those who turned 14 this last year are left due for conversion (the reminder shows them).
    pl_converted = np.where((pl_form == GUARD) & (pl_end == NULL) & (pl_birth + YEARS_15 <= T),
                            np.maximum(pl_start, pl_birth + YEARS_14), NULL)
    pl_form = np.where(pl_converted != NULL, TRUST, pl_form)
    # Relatives: mostly guardians and trustees (grandparents first), rarely adoptive or foster parents.
    kin_share = np.where((pl_form == GUARD) | (pl_form == TRUST), 0.45, np.where(pl_form == ADOPT, 0.05, 0.03))
    pl_relationship = np.where(rng.random(P) < kin_share, 1 + _choice(rng, P, [0.5, 0.3, 0.08, 0.12]), 0)
    pl_family = ids.family + p_family[slot_p]
    pl_decision_date = pl_start - rng.integers(1, 25, size=P)
    pl_year = (pl_decision_date // 365.25 + 1970).astype(np.int64).tolist()
    pl_doc = [
        f"{'С' if f == ADOPT else 'П'}-{y}-{n:07d}"
        for f, y, n in zip(pl_form.tolist(), pl_year, (ids.placement + np.arange(P)).tolist(), strict=True)
    ]

    t = Table("cases_placement", "cases.Placement", P)
    t.add("id", "int", ids.placement + np.arange(P))
    t.add("created_at", "ts", pl_start)
    t.add("updated_at", "ts", np.where(pl_end == NULL, pl_start, pl_end))
    t.add("case_id", "int", case_ids[c_of_p])
    t.add("child_id", "int", ids.child + c_of_p)
    t.add("family_id", "int", pl_family)
    t.add("form_of_care", "code", pl_form, FORMS)
    t.add("carer_relationship", "code", pl_relationship, RELATIONSHIPS)
    t.add("converted_to_trusteeship_on", "date", pl_converted)
    t.add("started_on", "date", pl_start)
    t.add("ended_on", "date", pl_end)
    t.add("end_reason", "code", pl_reason, END_REASONS)
    t.add("return_reason", "code", pl_return, RETURN_REASONS)
    t.add("end_notes", "const", "")
    t.add("decision_document_number", "str", pl_doc)
    t.add("decision_date", "date", pl_decision_date)
    t.add("siblings_separated", "bool", separated_child[c_of_p])
    yield t

    # --- Visits (per placement) --------------------------------------------------------------
    adoption_off = np.round(np.array(ADOPTION_VISIT_MONTHS) * MONTH).astype(np.int64)
    repeat_off = np.round(np.array(REPEAT_VISIT_MONTHS) * MONTH).astype(np.int64)
    limit = np.where(pl_end == NULL, T + PLAN_AHEAD_DAYS, pl_end) - pl_start
    n_vis = np.where(pl_form == ADOPT, np.searchsorted(adoption_off, limit, side="right"), np.searchsorted(repeat_off, limit, side="right"))
    v_p, v_pos = _expand(n_vis)
    V1 = len(v_p)
    off = np.where(
        pl_form[v_p] == ADOPT,
        adoption_off[np.minimum(v_pos, len(adoption_off) - 1)],
        repeat_off[np.minimum(v_pos, len(repeat_off) - 1)],
    )
    v_planned = pl_start[v_p] + off
    # Carers' annual reports (every 12 months; not for adoption): every 4th repeat visit.
    v_kind = np.where((pl_form[v_p] != ADOPT) & (v_pos > 0) & (v_pos % 4 == 0), 2, 0)
    # Extra visits after a serious finding: within 14 days.
    returned_p = pl_reason[v_p] == E_RET
    # The last eight months of a placement that broke down: where the concerns gather.
    before_return = returned_p & (v_planned >= pl_end[v_p] - 240)
    cond_roll = rng.random(V1)
    serious_p = np.where(before_return, 0.40, np.where(returned_p, 0.05, 0.012))
    some_p = np.where(before_return, 0.35, np.where(returned_p, 0.25, 0.12))
    v_cond = np.where(cond_roll < serious_p, 3, np.where(cond_roll < serious_p + some_p, 2, 1))
    placement_last_day = np.where(pl_end == NULL, T, pl_end)
    extra = (v_cond == 3) & (v_planned + 14 <= placement_last_day[v_p])
    x_src = np.flatnonzero(extra)
    v_p = np.concatenate([v_p, v_p[x_src]])
    v_planned = np.concatenate([v_planned, v_planned[x_src] + rng.integers(3, 14, size=len(x_src))])
    v_kind = np.concatenate([v_kind, np.full(len(x_src), 1)])
    v_cond = np.concatenate([v_cond, _choice(rng, len(x_src), [0.0, 0.3, 0.45, 0.25]).astype(np.int64)])
    # No visit on or after the 18th birthday: the placement ends "came of age".
    before_18 = v_planned < pl_birth[v_p] + YEARS_18
    v_p, v_planned, v_kind, v_cond = v_p[before_18], v_planned[before_18], v_kind[before_18], v_cond[before_18]
    order_v = np.lexsort((v_planned, v_p))
    v_p, v_planned, v_kind, v_cond = v_p[order_v], v_planned[order_v], v_kind[order_v], v_cond[order_v]
    V = len(v_p)
    past = v_planned <= T
    v_before_return = (pl_reason[v_p] == E_RET) & (v_planned >= pl_end[v_p] - 240)
    # Visits of the last two weeks are often not written up yet (due and overdue in the demo's inbox);
    # visits before a return were missed far more often.
    missed_p = np.where(v_planned > T - 14, 0.35, np.where(v_before_return, 0.30, 0.03))
    missed = past & (rng.random(V) < missed_p)
    done = past & ~missed
    v_done = np.where(done, np.minimum(T, v_planned + rng.integers(0, 8, size=V)), NULL)
    v_child = c_of_p[v_p]
    v_worker = np.where(done, unit_worker[u[v_child]], NULL)
    v_cond = np.where(done, v_cond, 0)
    v_family_cond = np.where(done, np.where(v_cond >= 2, v_cond - (rng.random(V) < 0.5), 1), 0)
    item_keys = _checklist_keys()
    # "signs_of_harm" is the one item where yes is the worrying answer: only the last variant says yes.
    worrying = {"signs_of_harm"}
    checklists = [
        "{}",
        json.dumps({key: key not in worrying for key in item_keys}, ensure_ascii=False),
        json.dumps({key: i % 3 != 1 and key not in worrying for i, key in enumerate(item_keys)}, ensure_ascii=False),
        json.dumps({key: i % 2 == 0 and key not in worrying for i, key in enumerate(item_keys)}, ensure_ascii=False),
        json.dumps({key: key in worrying or i % 2 == 0 for i, key in enumerate(item_keys)}, ensure_ascii=False),
    ]
    concern_code = np.where(v_cond == 3, 1 + rng.integers(0, len(names.CONCERNS), size=V), 0)
    # Checklist answers exist for visits of the last two years (older reports were on paper);
    # it also spares the national load millions of JSON documents to parse.
    v_checklist = np.where(v_done >= T - CHECKLIST_YEARS * 365, v_cond, 0)
    # A third of the serious findings before a return noted signs of harm.
    v_checklist = np.where((v_checklist == 3) & v_before_return & (rng.random(V) < 0.33), 4, v_checklist)
    seen_by_vocab = ["", *structure.worker_labels]
    v_seen_by = np.where(done, 1 + unit_worker_pos[u[v_child]], 0)

    t = Table("visits_visit", "visits.Visit", V)
    t.add("id", "int", ids.visit + np.arange(V))
    # Planned when the placement started, written again when done.
    t.add("created_at", "ts", pl_start[v_p])
    t.add("updated_at", "ts", np.where(done, v_done, pl_start[v_p]))
    t.add("placement_id", "int", ids.placement + v_p)
    t.add("kind", "code", v_kind, VISIT_KINDS)
    t.add("planned_on", "date", v_planned)
    t.add("done_on", "date", v_done)
    t.add("worker_id", "int", v_worker)
    t.add("child_seen", "bool", done)
    t.add("seen_by", "code", v_seen_by, seen_by_vocab)
    t.add("child_condition", "code", v_cond, CONDITIONS)
    t.add("family_condition", "code", v_family_cond, CONDITIONS)
    t.add("checklist", "code", v_checklist, checklists)
    t.add("concerns", "code", concern_code, ["", *names.CONCERNS])
    yield t



def stage_reasons() -> list[str]:
    """Stage-change reasons by return-reason index ("" for none), written as
    cases.services.end_placement writes them: in English, translated when shown."""
    from django.utils import translation

    from cases.models import ReturnReason

    with translation.override("en"):
        labels = {value: str(label) for value, label in ReturnReason.choices}
    return ["", *(f"Returned to institution ({labels[r]})." for r in RETURN_REASONS[1:])]


def _checklist_keys() -> list[str]:
    try:  # the visits app's checklist, when it defines one
        from visits.models import CHECKLIST_ITEMS  # type: ignore[attr-defined]

        return list(CHECKLIST_ITEMS)
    except ImportError:
        return ["living_conditions_adequate", "child_healthy", "attends_school_or_kindergarten", "attached_to_carers"]

