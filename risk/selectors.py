"""Reads of the risk of return: a placement's score and history, family events, and the
calibration report (observed return rates by band, on closed placements)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import CharField, Count, Exists, ExpressionWrapper, Func, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.lookups import GreaterThanOrEqual, IsNull

from access.selectors import cases_supervised_by, families_visible_to, placements_visible_to
from accounts.models import User
from cases.models import Placement
from children.models import Child
from risk.models import Band, Factor, FamilyEvent, RiskAssessment, RiskBacktest, RiskFactorWeight, RiskPolicy

# The child's field each factor is computed from, where it is one field. A factor computed from a
# sensitive field (Child.SENSITIVE_FIELDS) carries its sensitivity: without view_sensitive on the
# case it is left out, and so is its share of the score (issue 14).
FACTOR_SOURCES = {
    Factor.ABUSE_OR_NEGLECT: "abuse_or_neglect_history",
    Factor.SDQ_RAISED: "sdq_total_difficulties",
    Factor.SDQ_HIGH: "sdq_total_difficulties",
}
SENSITIVE_FACTORS = frozenset(factor for factor, source in FACTOR_SOURCES.items() if source in Child.SENSITIVE_FIELDS)


@dataclass(frozen=True)
class RiskAsSeen:
    """A risk (current or an assessment) as one user may see it."""

    score: float | None
    band: str | None
    factors: list[dict]
    complete: bool  # False when factors from sensitive fields were left out


def band_of(score: float, policy: RiskPolicy | None) -> str:
    """The band of a score under the policy's thresholds (the same rule as risk.scoring's SQL)."""
    policy = policy or RiskPolicy(pk=1)
    if score >= policy.high_from:
        return Band.HIGH
    return Band.MEDIUM if score >= policy.medium_from else Band.LOW


def forcing_factors() -> frozenset[str]:
    """The factors that set the band to high by themselves (``RiskFactorWeight.sets_high``, enabled,
    with a weight): the same set as risk.scoring's ``sets_high``. One query."""
    return frozenset(RiskFactorWeight.objects.filter(enabled=True, weight__gt=0, sets_high=True).values_list("factor", flat=True))


def forcing_factor_labels(forcing: frozenset[str] | None = None) -> list[str]:
    """The names of the factors that set the band to high by themselves, in the factors' order, for
    the pages to say next to the factors (a worker should know that "child not seen" means high)."""
    forcing = forcing_factors() if forcing is None else forcing
    return [str(label) for code, label in Factor.choices if code in forcing]


def risk_as_seen(*, score: float | None, band: str | None, factors: list[dict] | None, sensitive: bool,
                 policy: RiskPolicy | None = None, forcing: frozenset[str] | None = None) -> RiskAsSeen:
    """With ``sensitive`` (view_sensitive on the case) the stored risk as it is; without, the risk
    of the factors the user may see: sensitive factors dropped, the score less their points and
    the band of that score — high anyway when a factor the user sees sets it high (a safeguarding
    finding, ``forcing_factors``) — so that nothing recovers them by subtraction. ``policy`` and
    ``forcing``: pass them when showing several risks (None reads each once per call, and only when
    a factor is hidden). The lists (case list, dashboard) compute the same in SQL: seen_risk."""
    factors = list(factors or [])
    if sensitive or score is None:
        return RiskAsSeen(score=score, band=band, factors=factors, complete=True)
    hidden = [f for f in factors if f.get("factor") in SENSITIVE_FACTORS]
    if not hidden:
        return RiskAsSeen(score=score, band=band, factors=factors, complete=True)
    shown_score = round(score - sum(float(f.get("contribution") or 0) for f in hidden), 2)
    shown = [f for f in factors if f.get("factor") not in SENSITIVE_FACTORS]
    policy = policy or RiskPolicy.objects.filter(pk=1).first()
    forcing = forcing_factors() if forcing is None else forcing
    forced = any(f.get("factor") in forcing for f in shown)
    return RiskAsSeen(score=shown_score, band=Band.HIGH if forced else band_of(shown_score, policy), factors=shown,
                      complete=False)


class _FactorPoints(Func):
    """The points of the given factors in a risk's ``factors`` (jsonb, as risk.scoring writes it);
    NULL when none of them is present."""

    output_field = IntegerField()

    def __init__(self, factors: Any, codes: tuple[str, ...]) -> None:
        super().__init__(factors)
        self.codes = codes

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"(SELECT sum((x ->> 'contribution')::int) FROM jsonb_array_elements({sql}) x "
                f"WHERE x ->> 'factor' = ANY(%s))", [*params, list(self.codes)])


def seen_risk(*, score: Any, band: Any, factors: Any, sensitive: Q | None, policy: RiskPolicy | None,
              forcing: frozenset[str]) -> tuple[Any, Any]:
    """``(score, band)`` expressions of a risk as the user may see it, for lists that show, filter
    or order by it: risk_as_seen's rule in SQL. ``score``, ``band`` and ``factors`` are expressions
    of the stored risk (fields, or subqueries of a case's active placement); ``sensitive`` is
    access.selectors.sensitive_case_condition on the same rows (None: the stored values as they
    are). Without view_sensitive on a row's case, a risk with a sensitive factor shows the score
    less that factor's points and the band of that score (high if a visible factor forces it)."""
    if sensitive is None:
        return score, band
    policy = policy or RiskPolicy(pk=1)
    hidden = _FactorPoints(factors, tuple(sorted(SENSITIVE_FACTORS)))
    shown_score = ExpressionWrapper(score - hidden, output_field=IntegerField())
    visible_forcing = tuple(sorted(forcing - SENSITIVE_FACTORS))
    forced = ([When(IsNull(_FactorPoints(factors, visible_forcing), False), then=Value(Band.HIGH))]
              if visible_forcing else [])
    seen_score = DbCase(When(sensitive, then=score), When(IsNull(hidden, True), then=score), default=shown_score,
                        output_field=IntegerField())
    seen_band = DbCase(
        When(sensitive, then=band), When(IsNull(hidden, True), then=band), *forced,
        When(GreaterThanOrEqual(shown_score, policy.high_from), then=Value(Band.HIGH)),
        When(GreaterThanOrEqual(shown_score, policy.medium_from), then=Value(Band.MEDIUM)),
        default=Value(Band.LOW), output_field=CharField(),
    )
    return seen_score, seen_band


def placement_risk_for(*, user: User, placement_id: int) -> Placement:
    """The placement (visible to the user) with its current risk and its history; raises DoesNotExist."""
    return (
        placements_visible_to(user).select_related("risk")
        .prefetch_related("risk_assessments")
        .get(pk=placement_id)
    )


def family_events_visible_to(user: User) -> QuerySet[FamilyEvent]:
    return FamilyEvent.objects.filter(family__in=families_visible_to(user).values("pk").order_by())


def calibration_scope(user: User) -> QuerySet[Placement]:
    """Closed placements whose history the user answers for: a supervisor's units, all for an administrator."""
    closed = Placement.objects.filter(ended_on__isnull=False)
    if user.is_administrator:
        return closed
    return closed.filter(case__in=cases_supervised_by(user).values("pk").order_by())


@dataclass(frozen=True)
class BandRate:
    band: str
    placements: int
    returned: int

    @property
    def return_rate(self) -> float | None:
        return round(self.returned / self.placements, 4) if self.placements else None


def _by_band(assessments: QuerySet[RiskAssessment], *, count: str) -> list[BandRate]:
    rows = assessments.values("band").annotate(
        n=Count(count, distinct=count == "placement"),
        returned=Count(count, filter=Q(placement__end_reason="returned"), distinct=count == "placement"),
    )
    found = {r["band"]: r for r in rows}
    return [BandRate(band, found.get(band, {}).get("n", 0), found.get(band, {}).get("returned", 0)) for band in Band.values]


def calibration_report(*, user: User) -> dict[str, list[BandRate]]:
    """Return rate by the band a placement had at its start, and by the band found at each visit
    (each visit counts once; the outcome is its placement's). Two grouped queries."""
    assessments = RiskAssessment.objects.filter(placement__in=calibration_scope(user).values("pk").order_by())
    return {
        "at_placement_start": _by_band(assessments.filter(reason=RiskAssessment.Reason.PLACEMENT_START), count="placement"),
        "at_visits": _by_band(assessments.filter(reason=RiskAssessment.Reason.VISIT), count="id"),
    }


@dataclass(frozen=True)
class Evaluation:
    returns: int
    returns_flagged_early: int
    placements: int
    placements_flagged: int
    placements_assessed: int
    lead_days: int

    @property
    def share_of_returns_flagged_early(self) -> float | None:
        return self.returns_flagged_early / self.returns if self.returns else None

    @property
    def share_of_placements_flagged(self) -> float | None:
        return self.placements_flagged / self.placements if self.placements else None


def evaluate(*, lead_days: int = 60) -> Evaluation:
    """How well "high" predicts returns on the data present: the share of returns flagged high at
    least ``lead_days`` before the return, against the share of all placements ever flagged high
    (the price in visits). One query."""
    early_high = RiskAssessment.objects.filter(
        placement_id=OuterRef("pk"), band=Band.HIGH, assessed_on__lte=OuterRef("ended_on") - dt.timedelta(days=lead_days)
    )
    any_high = RiskAssessment.objects.filter(placement_id=OuterRef("pk"), band=Band.HIGH)
    any_assessment = RiskAssessment.objects.filter(placement_id=OuterRef("pk"))
    totals = Placement.objects.annotate(
        early=Exists(early_high), flagged=Exists(any_high), assessed=Exists(any_assessment)
    ).aggregate(
        placements=Count("pk"),
        returns=Count("pk", filter=Q(end_reason="returned")),
        returns_flagged_early=Count("pk", filter=Q(end_reason="returned", early=True)),
        placements_flagged=Count("pk", filter=Q(flagged=True)),
        placements_assessed=Count("pk", filter=Q(assessed=True)),
    )
    return Evaluation(lead_days=lead_days, **totals)


def latest_backtest() -> RiskBacktest | None:
    """The last stored backtest (``evaluate_risk --backtest``), or None. National aggregates only:
    counts and rates, no child data, so every supervisor may see it."""
    return RiskBacktest.objects.order_by("-created_at", "-id").first()
