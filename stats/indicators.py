"""The registry of published indicators: each one's definition, the breakdowns and filters it
accepts, and the single SQL query that computes it.

Definitions follow the US federal Child and Family Services Review where one exists (see
/work/shared/DOMAIN.md, "Outcome indicators"), restated in this system's terms: a *case* is a
child's path through care (opened on registration, closed on exit); a *placement* is a period in
a family under one form of care. Every count is computed in PostgreSQL with one GROUP BY over
the snapshot tables of stats.models (refreshed nightly; the output says when).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stats.dimensions import NO_FAMILY_PLACEMENT


@dataclass(frozen=True)
class Measure:
    """One published number of an indicator.

    kind: ``count`` (people or events; suppressed and noised), ``sum`` (days; shown only where its
    ``base`` count is), ``rate`` (numerator / denominator × ``per``), ``median`` (shown only where
    its ``base`` count is).
    """

    name: str
    label: str
    kind: str
    sql: str = ""
    base: str = ""
    numerator: str = ""
    denominator: str = ""
    per: int = 100
    # For a median: the per-row whole-number value (a Source value) it is the median of. With a
    # breakdown the database computes it from a histogram of that value per group (see build_sql).
    median_of: str = ""
    # A count's cell key: the sum of its records' keys (stats.cellkey), weighted like the count.
    # Derived from ``sql`` when it is a count(*).
    key_sql: str = ""
    # Under differential privacy: the SQL with each record's value clamped, and that bound.
    dp_sql: str = ""
    max_per_record: int = 1

    @property
    def key(self) -> str:
        return f"{self.name}__key"

    @property
    def key_expression(self) -> str:
        if self.key_sql:
            return self.key_sql
        if self.sql.startswith("count(*)"):
            return "sum(rk)" + self.sql[len("count(*)"):]
        raise ValueError(f"{self.name}: a count measure needs key_sql")


@dataclass(frozen=True)
class Source:
    """FROM/WHERE of an indicator's query, the SQL of its event date and of its own dimensions,
    and the per-row values the measures aggregate."""

    from_sql: str
    where: list[str]
    event: str
    values: dict[str, str] = field(default_factory=dict)
    dimensions: dict[str, str] = field(default_factory=dict)
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class QuerySpec:
    """What the caller asked for, validated."""

    indicator: str
    breakdown: tuple[str, ...]
    as_of: dt.date
    regions: tuple[int, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Filled from the caller's role, never from the query string.
    scope_regions: tuple[int, ...] | None = None
    # Differential privacy: at most this many records of one child are counted (None: all).
    records_per_child: int | None = None

    def uses(self, dimension: str) -> bool:
        return dimension in self.breakdown or dimension in self.categories

    @property
    def by_period(self) -> bool:
        return "year" in self.breakdown or "quarter" in self.breakdown

    def snapshot_dates(self) -> list[dt.date]:
        """Dates of a stock indicator. Broken down by year or quarter: the last day of each year or
        quarter from year_from to year_to (the as_of date for the current one). Otherwise one date:
        31 December of the year asked for (year_from or year_to; stats.params refuses two different
        years), else the as_of date. A year after as_of has no date (an empty table, zeros)."""
        if not self.by_period:
            year = self.year_to if self.year_to is not None else self.year_from
            if year is None:
                return [self.as_of]
            return [min(dt.date(year, 12, 31), self.as_of)] if year <= self.as_of.year else []
        first = self.year_from if self.year_from is not None else self.as_of.year - DEFAULT_YEARS + 1
        last = self.year_to if self.year_to is not None else self.as_of.year
        starts_per_year = (1, 4, 7, 10) if "quarter" in self.breakdown else (1,)
        dates = []
        for year in range(first, last + 1):
            for month in starts_per_year:
                start = dt.date(year, month, 1)
                if start > self.as_of:
                    continue
                months = 3 if "quarter" in self.breakdown else 12
                following = dt.date(year + (month + months - 1) // 12, (month + months - 1) % 12 + 1, 1)
                dates.append(min(following - dt.timedelta(days=1), self.as_of))
        return dates


# Years a table broken down by year or quarter shows when the request names no year_from: a fixed
# window ending at the as_of year, so that the table's shape never depends on the data.
DEFAULT_YEARS = 10


@dataclass(frozen=True)
class Indicator:
    name: str
    title: str
    definition: str
    breakdowns: tuple[str, ...]
    measures: tuple[Measure, ...]
    source: Callable[[QuerySpec], Source]
    # A stock (children on a date) is not added up across dates: no total over years or quarters.
    stock: bool = False
    # The name in the statistics page's select when the title is too long for it: each must read whole
    # at 375 px in every language (tests/e2e/test_statistics_e2e.py); the title is the name everywhere else.
    short_title: str = ""

    @property
    def label(self) -> str:
        """The indicator's name where room is short (a select): short_title, else the title."""
        return self.short_title or self.title

    @property
    def filters(self) -> tuple[str, ...]:
        """Query-string filters: the categorical breakdowns, plus the year range and the as-of date."""
        categorical = [d for d in self.breakdowns if d not in ("year", "quarter")]
        return (*categorical, "year_from", "year_to", "as_of")

    @property
    def has_median(self) -> bool:
        return any(m.kind == "median" for m in self.measures)

    def measure(self, name: str) -> Measure:
        return next(m for m in self.measures if m.name == name)


COMMON = ("region", "year", "quarter", "sex", "age_band")

# Every source reads the snapshot tables (stats.models: CaseFact, PlacementFact, FirstPlacementFact)
# under the alias ``c``, so that region and sex are c.region_id and c.sex everywhere, and the birth
# date c.birth_date where a dimension is computed from it.
CASES = "stats_casefact c"
PLACEMENTS = "stats_placementfact c"
FIRST_PLACEMENTS = "stats_firstplacementfact c"


# --- sources -------------------------------------------------------------------------------------


def within(months: int, start: str, end: str) -> str:
    """``end`` falls no later than ``months`` calendar months after ``start`` (PostgreSQL month
    arithmetic: 2024-02-29 + 12 months = 2025-02-28). The one rule for every window, so that "observed
    for N months" and "happened within N months" agree on leap days and month ends."""
    return f"({end} <= ({start} + interval '{months} months')::date)"


def observed(months: int, start: str) -> str:
    """``start`` + N months is on or before the as_of date: the whole window has been observed."""
    return f"(({start} + interval '{months} months')::date <= %(as_of)s)"


# CFSR's exclusions for the entry cohorts: children entering at 18 or older, stays under 8 days.
ENTRY_AGE_UNDER_18 = "(c.birth_date + interval '18 years' > c.opened_on)"
STAY_8_DAYS = "(c.closed_on IS NULL OR c.closed_on - c.opened_on >= 8)"


def children_in_care_source(spec: QuerySpec) -> Source:
    from_sql = f"{CASES} CROSS JOIN unnest(%(snapshots)s::date[]) AS s(d)"
    dimensions = {}
    if spec.uses("form_of_care"):
        # Only joined when asked for: the placement the child lived in on the snapshot date.
        from_sql += (
            " LEFT JOIN stats_placementfact p ON p.case_id = c.case_id AND p.started_on <= s.d"
            " AND (p.ended_on IS NULL OR p.ended_on > s.d)"
        )
        dimensions["form_of_care"] = f"COALESCE(p.form_of_care, '{NO_FAMILY_PLACEMENT}')"
    return Source(
        from_sql=from_sql,
        where=["c.opened_on <= s.d", "(c.closed_on IS NULL OR c.closed_on > s.d)"],
        event="s.d",
        dimensions=dimensions,
        params={"snapshots": spec.snapshot_dates()},
    )


def entries_source(spec: QuerySpec) -> Source:
    # A case opened, or a child returned from a family to an institution: both bring a child into
    # institutional care on that date.
    from_sql = (
        "(SELECT case_id, child_id, record_key, region_id, sex, birth_date, opened_on AS entered_on, false AS is_return"
        " FROM stats_casefact UNION ALL"
        " SELECT case_id, child_id, record_key, region_id, sex, birth_date, ended_on, true FROM stats_placementfact"
        " WHERE end_reason = 'returned') c"
    )
    return Source(
        from_sql=from_sql, where=["c.entered_on <= %(as_of)s"], event="c.entered_on",
        values={"is_return": "c.is_return"},
    )


def exits_source(spec: QuerySpec) -> Source:
    return Source(
        from_sql=CASES,
        where=["c.closed_on IS NOT NULL", "c.closed_on <= %(as_of)s"],
        event="c.closed_on",
        dimensions={"outcome": "c.outcome"},
    )


def placements_started_source(spec: QuerySpec) -> Source:
    return Source(
        from_sql=PLACEMENTS, where=["c.started_on <= %(as_of)s"], event="c.started_on",
        dimensions={"form_of_care": "c.form_of_care", "carer_relationship": "c.carer_relationship"},
    )


def placements_ended_source(spec: QuerySpec) -> Source:
    return Source(
        from_sql=PLACEMENTS,
        where=["c.ended_on IS NOT NULL", "c.ended_on <= %(as_of)s"],
        event="c.ended_on",
        dimensions={"form_of_care": "c.form_of_care", "end_reason": "c.end_reason",
                    "carer_relationship": "c.carer_relationship"},
    )


def return_rate_source(spec: QuerySpec) -> Source:
    def returned_within(months: int) -> str:
        return f"({observed(months, 'c.started_on')} AND c.end_reason = 'returned' AND {within(months, 'c.started_on', 'c.ended_on')})"

    return Source(
        from_sql=PLACEMENTS,
        where=["c.started_on <= %(as_of)s"],
        event="c.started_on",
        dimensions={"form_of_care": "c.form_of_care", "carer_relationship": "c.carer_relationship"},
        values={
            "observed_12m": observed(12, "c.started_on"),
            "observed_24m": observed(24, "c.started_on"),
            "returned_12m": returned_within(12),
            "returned_24m": returned_within(24),
        },
    )


def reentry_source(spec: QuerySpec) -> Source:
    exited = (
        f"(({within(12, 'c.opened_on', 'c.closed_on')}"
        " AND (c.outcome = 'reunified' OR c.outcome = 'permanency' AND c.last_form_of_care = ANY(%(reentry_forms)s)))"
        f" AND {observed(12, 'c.closed_on')} AND {STAY_8_DAYS} AND {ENTRY_AGE_UNDER_18})"
    )
    return Source(
        from_sql=CASES,
        where=["c.opened_on <= %(as_of)s", "c.closed_on IS NOT NULL"],
        event="c.opened_on",
        values={"exited": exited, "reentered": f"({exited} AND {within(12, 'c.closed_on', 'c.reentered_on')})"},
        params={"reentry_forms": list(settings.STATS_REENTRY_EXIT_FORMS_OF_CARE)},
    )


# The end of a case's 12-month stability window: 12 months after entry, or earlier when the case
# closed, the child reached a permanent placement, or the as_of date came first.
STABILITY_WINDOW_END = (
    "LEAST((c.opened_on + interval '12 months')::date, COALESCE(c.closed_on, 'infinity'::date),"
    " COALESCE(c.first_permanent_on, 'infinity'::date), %(as_of)s::date)"
)


def placement_stability_source(spec: QuerySpec) -> Source:
    end = STABILITY_WINDOW_END
    return Source(
        from_sql=CASES,
        where=["c.opened_on <= %(as_of)s"],
        event="c.opened_on",
        values={
            # All the case's moves unless the last one falls after the window (then count them).
            "moves": (
                f"(CASE WHEN c.moves = 0 OR c.last_move_on <= {end} THEN c.moves"
                f" ELSE (SELECT count(*) FROM unnest(c.move_dates) AS m(d) WHERE m.d <= {end}) END)"
            ),
            "days": f"({end} - c.opened_on)",
        },
    )


def permanency_source(spec: QuerySpec) -> Source:
    return Source(
        from_sql=CASES,
        # Children observed for the full 12 months since entry, with CFSR's exclusions.
        where=["c.opened_on <= %(as_of)s", observed(12, "c.opened_on"), ENTRY_AGE_UNDER_18, STAY_8_DAYS],
        event="c.opened_on",
        values={
            "permanent": (
                f"(c.permanent_12m OR (c.outcome = 'reunified' AND {within(12, 'c.opened_on', 'c.closed_on')}))"
            ),
        },
    )


def time_to_placement_source(spec: QuerySpec) -> Source:
    placed_by = "c.first_placement_on IS NOT NULL AND " + "{}"
    values = {
        "waiting": (
            "((c.first_placement_on IS NULL OR c.first_placement_on > %(as_of)s)"
            " AND (c.closed_on IS NULL OR c.closed_on > %(as_of)s))"
        ),
    }
    for months in (3, 6, 12):
        values[f"entered_{months}m"] = observed(months, "c.opened_on")
        values[f"placed_{months}m"] = (
            f"({observed(months, 'c.opened_on')} AND "
            + placed_by.format(within(months, "c.opened_on", "c.first_placement_on")) + ")"
        )
    return Source(from_sql=CASES, where=["c.opened_on <= %(as_of)s"], event="c.opened_on", values=values)


def median_days_source(spec: QuerySpec) -> Source:
    # The first placement of each case (registration to a family, not a re-placement after a
    # return), from its own narrow snapshot with the days and the event's year, quarter and age band
    # precomputed.
    return Source(
        from_sql=FIRST_PLACEMENTS,
        where=["c.started_on <= %(as_of)s"],
        event="c.started_on",
        dimensions={"form_of_care": "c.form_of_care", "year": "c.year", "quarter": "c.quarter", "age_band": "c.age_band"},
        values={"days": "c.days_from_registration"},
    )


def _count(name: str, label, where: str = "") -> Measure:
    return Measure(name, label, "count", sql="count(*)" + (f" FILTER (WHERE {where})" if where else ""))


def _rate(name: str, label, numerator: str, denominator: str, per: int = 100) -> Measure:
    return Measure(name, label, "rate", numerator=numerator, denominator=denominator, per=per)


# --- the registry --------------------------------------------------------------------------------

INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator(
            name="children_in_care",
            title=_("Children in care at a date"),
            short_title=pgettext_lazy("statistics indicator, short", "Children in care at a date"),
            definition=_(
                "Children whose case is open on the date (opened on or before it and not closed by it): living in a "
                "children's home or in a family placement still under follow-up. Counted on the date chosen; with a year "
                "filter, on 31 December of that year; broken down by year or quarter, on the last day of each year or "
                "quarter (the date chosen for the current one), with no total across dates (a child in care for several "
                "years would be counted once a year). Form of care is the family placement the child lived in on that "
                "date, or none (in an institution). Age at that date."
            ),
            breakdowns=(*COMMON, "form_of_care"),
            measures=(_count("children", _("children in care")),),
            source=children_in_care_source,
            stock=True,
        ),
        Indicator(
            name="entries",
            title=_("Entries into care"),
            short_title=pgettext_lazy("statistics indicator, short", "Entries into care"),
            definition=_(
                "Children coming into institutional care in the period: a case opened (a child registered as without "
                "parental care, or back in care after an earlier case closed) or a child returned from a family to an "
                "institution. Year, quarter and age band refer to the date of entry."
            ),
            breakdowns=COMMON,
            measures=(
                _count("entries", _("entries into care")),
                _count("returns", _("of which returns from a family"), "is_return"),
            ),
            source=entries_source,
        ),
        Indicator(
            name="exits",
            title=_("Exits from care"),
            short_title=pgettext_lazy("statistics indicator, short", "Exits from care"),
            definition=_(
                "Cases closed in the period, by outcome (permanency achieved, came of age, reunified, transferred, "
                "death). Year, quarter and age band refer to the closing date."
            ),
            breakdowns=(*COMMON, "outcome"),
            measures=(_count("exits", _("exits from care")),),
            source=exits_source,
        ),
        Indicator(
            name="placements_started",
            title=_("Placements started"),
            definition=_(
                "Placements of a child in a family that started in the period, by form of care (a move to another "
                "family is a new placement). Age at the start."
            ),
            breakdowns=(*COMMON, "form_of_care", "carer_relationship"),
            measures=(_count("placements", _("placements started")),),
            source=placements_started_source,
        ),
        Indicator(
            name="placements_ended",
            title=_("Placements ended, by reason"),
            short_title=pgettext_lazy("statistics indicator, short", "Placements ended, by reason"),
            definition=_(
                "Placements that ended in the period, by the reason they ended (permanency, came of age, reunified, "
                "transferred, moved to another family, returned to an institution, death) and form of care. Age at the "
                "end."
            ),
            breakdowns=(*COMMON, "form_of_care", "end_reason", "carer_relationship"),
            measures=(_count("placements", _("placements ended")),),
            source=placements_ended_source,
        ),
        Indicator(
            name="return_rate",
            title=_("Placements ended by a return within 12/24 months (secondary orphanhood)"),
            short_title=pgettext_lazy("statistics indicator, short", "Returns within 12/24 months"),
            definition=_(
                "This project's placement-breakdown measure, not CFSR re-entry: of the placements that started in the "
                "period, the share that ended with the child returned to an institution within 12 (24) months of the "
                "start. Only placements whose start plus 12 (24) months is on or before the date chosen are counted, so "
                "every placement counted was observed for the whole window. Year, quarter and age band refer to the "
                "placement start. Rates in per cent."
            ),
            breakdowns=(*COMMON, "form_of_care", "carer_relationship"),
            measures=(
                _count("placements_12m", _("placements observed 12 months"), "observed_12m"),
                _count("returned_12m", _("ended by a return within 12 months"), "returned_12m"),
                _rate("return_rate_12m", _("placements ended by a return within 12 months, %"), "returned_12m", "placements_12m"),
                _count("placements_24m", _("placements observed 24 months"), "observed_24m"),
                _count("returned_24m", _("ended by a return within 24 months"), "returned_24m"),
                _rate("return_rate_24m", _("placements ended by a return within 24 months, %"), "returned_24m", "placements_24m"),
            ),
            source=return_rate_source,
        ),
        Indicator(
            name="reentry_12m",
            title=_("Re-entry into care within 12 months (CFSR)"),
            short_title=pgettext_lazy("statistics indicator, short", "Re-entry within 12 months"),
            definition=_(
                "Of the children whose case opened in the period and closed within 12 months of entry with the child "
                "reunified with the birth family or from a placement in guardianship or trusteeship (with a relative or "
                "not) (adoption is not counted, as in CFSR), the share who came back into care (a new case following the "
                "closed one) within 12 months of the exit. Only exits whose 12 months are over by the date chosen; "
                "children entering at 18 or older and stays under 8 days are left out. Year, quarter and age band refer "
                "to the entry. Rate in per cent."
            ),
            breakdowns=COMMON,
            measures=(
                _count("exits_12m", _("exits within 12 months of entry"), "exited"),
                _count("reentered_12m", _("re-entered within 12 months of the exit"), "reentered"),
                _rate("reentry_rate_12m", _("re-entry within 12 months, %"), "reentered_12m", "exits_12m"),
            ),
            source=reentry_source,
        ),
        Indicator(
            name="placement_stability",
            title=_("Placement stability: moves per 1,000 days in care"),
            short_title=pgettext_lazy("statistics indicator, short", "Placement stability"),
            definition=_(
                "For children whose case opened in the period: placement moves per 1,000 days in care during the 12 "
                "months after entry (CFSR). Days in care run from entry to the earliest of 12 months later, the case's "
                "closing, the start of the first placement in a permanent form of care (follow-up in a permanent family "
                "is not care) and the date chosen. A move is a start of a placement in another form of care (the move "
                "into the first family counts; so does a move from one family to another) or a return from a family to "
                "an institution, within those days. Year, quarter and age band refer to the entry."
            ),
            breakdowns=COMMON,
            measures=(
                _count("children", _("children who entered care")),
                Measure(
                    "moves", _("placement moves"), "count", sql="sum(moves)::bigint", key_sql="sum(rk * moves)::bigint",
                    dp_sql="sum(LEAST(moves, 3))::bigint", max_per_record=3,
                ),
                Measure("days_in_care", _("days in care"), "sum", sql="sum(days)::bigint", base="children"),
                _rate("moves_per_1000_days", _("moves per 1,000 days in care"), "moves", "days_in_care", per=1000),
            ),
            source=placement_stability_source,
        ),
        Indicator(
            name="permanency_12m",
            title=_("Permanency within 12 months of entry"),
            short_title=pgettext_lazy("statistics indicator, short", "Permanency within 12 months"),
            definition=_(
                "Of the children whose case opened in the period (and at least 12 months before the date chosen), the "
                "share who within 12 months of entry were reunified with their birth family or started a placement in a "
                "permanent form of care (adoption, guardianship, trusteeship) that still held 12 months after entry (not "
                "ended by then, or ended by permanency, coming of age or reunification). As in CFSR, children entering "
                "at 18 or older and stays under 8 days are left out. Year, quarter and age band refer to the entry. Rate "
                "in per cent."
            ),
            breakdowns=COMMON,
            measures=(
                _count("children", _("children who entered care")),
                _count("permanent_12m", _("in a permanent family at 12 months"), "permanent"),
                _rate("permanency_rate_12m", _("permanency within 12 months, %"), "permanent_12m", "children"),
            ),
            source=permanency_source,
        ),
        Indicator(
            name="time_to_placement",
            title=_("Time to placement by entry cohort"),
            short_title=pgettext_lazy("statistics indicator, short", "Time to placement, by cohort"),
            definition=_(
                "Of the children whose case opened in the period, the share placed in a family within 3, 6 and 12 months "
                "of entry, counting the children still waiting (and those who left care without a family placement) as "
                "not placed. Each share counts only the children whose 3, 6 or 12 months are over by the date chosen. "
                "'Still waiting' are the children of the cohort in care and never placed on the date chosen. Year, "
                "quarter and age band refer to the entry."
            ),
            breakdowns=COMMON,
            measures=(
                _count("children", _("children who entered care")),
                _count("waiting", _("still waiting for a family"), "waiting"),
                _count("entered_3m", _("entered at least 3 months before"), "entered_3m"),
                _count("placed_3m", _("placed within 3 months"), "placed_3m"),
                _rate("placed_rate_3m", _("placed within 3 months, %"), "placed_3m", "entered_3m"),
                _count("entered_6m", _("entered at least 6 months before"), "entered_6m"),
                _count("placed_6m", _("placed within 6 months"), "placed_6m"),
                _rate("placed_rate_6m", _("placed within 6 months, %"), "placed_6m", "entered_6m"),
                _count("entered_12m", _("entered at least 12 months before"), "entered_12m"),
                _count("placed_12m", _("placed within 12 months"), "placed_12m"),
                _rate("placed_rate_12m", _("placed within 12 months, %"), "placed_12m", "entered_12m"),
            ),
            source=time_to_placement_source,
        ),
        Indicator(
            name="median_days_to_placement",
            title=_("Median days from registration to placement"),
            short_title=pgettext_lazy("statistics indicator, short", "Median days to placement"),
            definition=_(
                "For the first placement of each case that started in the period: the median number of days from the "
                "case's opening (registration) to the placement start (the middle value: half of the placements took "
                "fewer days, half more). Year, quarter, age band and form of care refer to that placement. Children "
                "still waiting are not in it: see time to placement by entry cohort."
            ),
            breakdowns=(*COMMON, "form_of_care"),
            measures=(
                _count("placements", _("first placements")),
                Measure(
                    "median_days", _("median days from registration to placement"), "median",
                    sql="percentile_cont(0.5) WITHIN GROUP (ORDER BY days)", base="placements", median_of="days",
                ),
            ),
            source=median_days_source,
        ),
    )
}
