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

from django.utils.translation import gettext_lazy as _

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

    def uses(self, dimension: str) -> bool:
        return dimension in self.breakdown or dimension in self.categories

    def snapshot_dates(self) -> list[dt.date]:
        """Dates of a stock indicator: the as-of date, or the end of each year/quarter up to it."""
        if "year" not in self.breakdown and "quarter" not in self.breakdown:
            return [self.as_of]
        first = self.year_from if self.year_from is not None else self.as_of.year - 9
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


@dataclass(frozen=True)
class Indicator:
    name: str
    title: str
    definition: str
    breakdowns: tuple[str, ...]
    measures: tuple[Measure, ...]
    source: Callable[[QuerySpec], Source]

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
    return Source(from_sql=CASES, where=["c.opened_on <= %(as_of)s"], event="c.opened_on")


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
        return (
            f"(c.started_on <= %(as_of)s::date - interval '{months} months' AND c.end_reason = 'returned'"
            f" AND c.ended_on <= %(as_of)s AND c.ended_on <= c.started_on + interval '{months} months')"
        )

    return Source(
        from_sql=PLACEMENTS,
        where=["c.started_on <= %(as_of)s"],
        event="c.started_on",
        dimensions={"form_of_care": "c.form_of_care", "carer_relationship": "c.carer_relationship"},
        values={
            "observed_12m": "(c.started_on <= %(as_of)s::date - interval '12 months')",
            "observed_24m": "(c.started_on <= %(as_of)s::date - interval '24 months')",
            "returned_12m": returned_within(12),
            "returned_24m": returned_within(24),
        },
    )


def placement_stability_source(spec: QuerySpec) -> Source:
    return Source(
        from_sql=CASES,
        where=["c.opened_on <= %(as_of)s"],
        event="c.opened_on",
        values={
            # Moves up to the as_of date: all of them unless the last one is later (a past as_of).
            "moves": (
                "(CASE WHEN c.last_move_on IS NULL OR c.last_move_on <= %(as_of)s THEN c.moves"
                " ELSE (SELECT count(*) FROM unnest(c.move_dates) AS m(d) WHERE m.d <= %(as_of)s) END)"
            ),
            "days": "(LEAST(COALESCE(c.closed_on, %(as_of)s), %(as_of)s) - c.opened_on)",
        },
    )


def permanency_source(spec: QuerySpec) -> Source:
    return Source(
        from_sql=CASES,
        # Only children observed for a full 12 months since entry (so a start within 12 months of
        # entry is also on or before as_of).
        where=["c.opened_on <= %(as_of)s::date - interval '12 months'"],
        event="c.opened_on",
        values={
            "permanent": (
                "(c.first_permanent_on <= c.opened_on + interval '12 months'"
                " OR (c.outcome = 'reunified' AND c.closed_on <= c.opened_on + interval '12 months'))"
            ),
        },
    )


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


# --- the registry --------------------------------------------------------------------------------

INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator(
            name="children_in_care",
            title=_("Children in care at a date"),
            definition=_(
                "Children whose case is open on the date (opened on or before it and not closed by it): living in a "
                "children's home or in a family placement still under follow-up. Counted on the as_of date, or, when "
                "broken down by year or quarter, on the last day of each year or quarter (the as_of date for the current "
                "one). Form of care is the family placement the child lived in on that date, or 'none'. Age at that date."
            ),
            breakdowns=(*COMMON, "form_of_care"),
            measures=(Measure("children", _("children in care"), "count", sql="count(*)"),),
            source=children_in_care_source,
        ),
        Indicator(
            name="entries",
            title=_("Entries into care"),
            definition=_(
                "Cases opened in the period: a child registered as without parental care, or a child's path re-opened. "
                "Year, quarter and age band refer to the date the case was opened."
            ),
            breakdowns=COMMON,
            measures=(Measure("entries", _("entries into care"), "count", sql="count(*)"),),
            source=entries_source,
        ),
        Indicator(
            name="exits",
            title=_("Exits from care"),
            definition=_(
                "Cases closed in the period, by outcome (permanency achieved, came of age, reunified, transferred, "
                "death). Year, quarter and age band refer to the closing date."
            ),
            breakdowns=(*COMMON, "outcome"),
            measures=(Measure("exits", _("exits from care"), "count", sql="count(*)"),),
            source=exits_source,
        ),
        Indicator(
            name="placements_started",
            title=_("Placements started"),
            definition=_(
                "Placements of a child in a family that started in the period, by form of care. Age at the start."
            ),
            breakdowns=(*COMMON, "form_of_care", "carer_relationship"),
            measures=(Measure("placements", _("placements started"), "count", sql="count(*)"),),
            source=placements_started_source,
        ),
        Indicator(
            name="placements_ended",
            title=_("Placements ended, by reason"),
            definition=_(
                "Placements that ended in the period, by the reason they ended (permanency, came of age, reunified, "
                "transferred, returned to an institution, death) and form of care. Age at the end."
            ),
            breakdowns=(*COMMON, "form_of_care", "end_reason", "carer_relationship"),
            measures=(Measure("placements", _("placements ended"), "count", sql="count(*)"),),
            source=placements_ended_source,
        ),
        Indicator(
            name="return_rate",
            title=_("Returns to an institution (secondary orphanhood) within 12 and 24 months"),
            definition=_(
                "Of the placements that started in the period, the share that ended with the child returned to an "
                "institution within 12 (24) months of the start. Only placements started at least 12 (24) months before "
                "the as_of date are counted, so every placement counted was observed for the whole window. Year, quarter "
                "and age band refer to the placement start. Rates in per cent."
            ),
            breakdowns=(*COMMON, "form_of_care", "carer_relationship"),
            measures=(
                Measure("placements_12m", _("placements observed 12 months"), "count", sql="count(*) FILTER (WHERE observed_12m)"),
                Measure("returned_12m", _("returned within 12 months"), "count", sql="count(*) FILTER (WHERE returned_12m)"),
                Measure(
                    "return_rate_12m", _("return rate within 12 months, %"), "rate",
                    numerator="returned_12m", denominator="placements_12m", per=100,
                ),
                Measure("placements_24m", _("placements observed 24 months"), "count", sql="count(*) FILTER (WHERE observed_24m)"),
                Measure("returned_24m", _("returned within 24 months"), "count", sql="count(*) FILTER (WHERE returned_24m)"),
                Measure(
                    "return_rate_24m", _("return rate within 24 months, %"), "rate",
                    numerator="returned_24m", denominator="placements_24m", per=100,
                ),
            ),
            source=return_rate_source,
        ),
        Indicator(
            name="placement_stability",
            title=_("Placement stability: moves per 1,000 days in care"),
            definition=_(
                "For children whose case opened in the period: placement moves per 1,000 days in care. A move is a "
                "placement that ended with a return to an institution or a transfer to another placement (setting "
                "STATS_PLACEMENT_MOVE_END_REASONS, applied at each snapshot refresh) up to the as_of date; days in care "
                "run from the case opening to its "
                "closing or the as_of date. Year, quarter and age band refer to the case opening."
            ),
            breakdowns=COMMON,
            measures=(
                Measure("children", _("children who entered care"), "count", sql="count(*)"),
                Measure("moves", _("placement moves"), "count", sql="sum(moves)::bigint"),
                Measure("days_in_care", _("days in care"), "sum", sql="sum(days)::bigint", base="children"),
                Measure(
                    "moves_per_1000_days", _("moves per 1,000 days in care"), "rate",
                    numerator="moves", denominator="days_in_care", per=1000,
                ),
            ),
            source=placement_stability_source,
        ),
        Indicator(
            name="permanency_12m",
            title=_("Permanency within 12 months of entry"),
            definition=_(
                "Of the children whose case opened in the period (and at least 12 months before the as_of date), the share "
                "who within 12 months of entry started a placement in a permanent form of care (adoption, guardianship, "
                "trusteeship; setting STATS_PERMANENT_FORMS_OF_CARE, applied at each snapshot refresh) or were "
                "reunified with their birth "
                "family. Year, quarter and age band refer to the entry. Rate in per cent."
            ),
            breakdowns=COMMON,
            measures=(
                Measure("children", _("children who entered care"), "count", sql="count(*)"),
                Measure("permanent_12m", _("in a permanent family within 12 months"), "count", sql="count(*) FILTER (WHERE permanent)"),
                Measure(
                    "permanency_rate_12m", _("permanency within 12 months, %"), "rate",
                    numerator="permanent_12m", denominator="children", per=100,
                ),
            ),
            source=permanency_source,
        ),
        Indicator(
            name="median_days_to_placement",
            title=_("Median days from registration to placement"),
            definition=_(
                "For the first placement of each case that started in the period: the median number of days from the "
                "case's opening (registration) to the placement start (PostgreSQL percentile_cont(0.5)). Year, quarter, "
                "age band and form of care refer to that placement."
            ),
            breakdowns=(*COMMON, "form_of_care"),
            measures=(
                Measure("placements", _("first placements"), "count", sql="count(*)"),
                Measure(
                    "median_days", _("median days from registration to placement"), "median",
                    sql="percentile_cont(0.5) WITHIN GROUP (ORDER BY days)", base="placements", median_of="days",
                ),
            ),
            source=median_days_source,
        ),
    )
}
