"""Ranking of approved families for a case at the matching stage, with each candidate's score
explained factor by factor.

Filtering and scoring happen in SQL: every factor is a CASE expression on the family rows, the total
is their sum, and the database sorts and cuts the page. Python only turns the numbers of the page's
rows into explanations, so the cost does not grow with the families scored.

The best page is usually found among the families of the child's own region seeking the case's own
form of care (the slice): every other family lacks the region's points or the exact form's, so its
score has a ceiling (_outside_ceiling). When the slice's k-th family scores above that ceiling, no
family outside can reach the page and the slice's first k are the ranking's first k; otherwise the
same statement ranks every eligible family (scored_families). One statement either way
(_ranked_ids), with the same scores, order and ties as the full ranking.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Case as When_Case
from django.db.models import F, FloatField, Func, IntegerField, Q, QuerySet, Value, When, prefetch_related_objects
from django.db.models.functions import Cast, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import Case, Stage
from children.models import Child
from core.ages import age_on
from core.choices import FormOfCare, HealthNeeds
from core.exceptions import DomainError
from families.models import ApprovalStatus, Family
from matching.policy import COMPATIBLE_FORMS, weights

FACTORS = ("form_of_care", "age", "sex", "siblings", "health", "region", "waiting")


@dataclass
class Candidate:
    family: Family
    score: float
    factors: list[dict] = field(default_factory=list)
    # The applicants' names when the viewer may know the family (identified_family_ids); None for an
    # anonymous profile: the id, region, form of care and date of application only.
    name: str | None = None


class _DaysBetween(Func):
    """``date - date`` in PostgreSQL: whole days as an integer."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


def sibling_group_size(child: Child) -> int:
    """The child plus the siblings of their group still in care (an open case, no active placement)."""
    if not child.sibling_group_id:
        return 1
    return (
        Child.objects.filter(sibling_group_id=child.sibling_group_id, cases__stage__in=[
            s for s in Stage.values if s not in (Stage.CLOSED, Stage.PLACED)])
        .exclude(pk=child.pk).values("pk").distinct().count() + 1
    )


def eligible_families(*, case: Case, on: dt.date) -> QuerySet[Family]:
    """Approved families (a suspended one drops out), every certificate in date on ``on``, seeking a
    compatible form of care, with the psychological training their form requires."""
    from cases.models import FormOfCareRule

    forms = [case.form_of_care, *COMPATIBLE_FORMS.get(case.form_of_care, ())]
    # A subquery, not a query of its own: the ranking stays at a fixed number of queries.
    needs_training = FormOfCareRule.objects.filter(requires_psychological_training=True).values("form_of_care")
    return Family.objects.alias(
        # Implied by the three dates below; the key of family_matching_idx, so the scan reads only
        # the families in date.
        in_date_until=Least("approval_expires_on", "home_study_expires_on", "training_expires_on"),
    ).filter(
        approval_status=ApprovalStatus.APPROVED,
        in_date_until__gte=on,
        approval_expires_on__gte=on,
        home_study_expires_on__gte=on,
        training_expires_on__gte=on,
        form_of_care__in=forms,
    ).exclude(form_of_care__in=needs_training, psychological_training_issued_on__isnull=True)


def _factor_expressions(*, case: Case, on: dt.date, siblings: int) -> dict:
    """One SQL expression per factor (``f_<factor>``), each giving that factor's points."""
    child = case.child
    w = weights()
    age = age_on(child.birth_date, on)
    below = Greatest(Value(0), F("preferred_age_min") - Value(age))
    above = Greatest(Value(0), Value(age) - F("preferred_age_max"))
    waited = _DaysBetween(Value(on), F("applied_on"))
    return {
        "f_form_of_care": When_Case(
            When(form_of_care=case.form_of_care, then=Value(float(w["form_of_care_exact"]))),
            default=Value(float(w["form_of_care_compatible"])), output_field=FloatField(),
        ),
        "f_age": When_Case(
            When(Q(preferred_age_min__lte=age, preferred_age_max__gte=age), then=Value(float(w["age_in_range"]))),
            default=Greatest(
                Value(0.0),
                Value(float(w["age_in_range"])) - Cast(below + above, FloatField()) * Value(float(w["age_penalty_per_year"])),
            ),
            output_field=FloatField(),
        ),
        "f_sex": When_Case(
            When(preferred_sex=child.sex, then=Value(float(w["sex_preferred"]))),
            When(preferred_sex="", then=Value(float(w["sex_any"]))),
            default=Value(0.0), output_field=FloatField(),
        ),
        "f_siblings": When_Case(
            When(max_siblings__gte=siblings, then=Value(float(w["siblings_accepted"]))),
            default=Value(0.0), output_field=FloatField(),
        ),
        "f_health": When_Case(
            When(max_health_needs__gte=child.health_needs, then=Value(float(w["health_accepted"]))),
            default=Value(0.0), output_field=FloatField(),
        ),
        "f_region": When_Case(
            When(region_id=child.region_id, then=Value(float(w["same_region"]))),
            default=Value(0.0), output_field=FloatField(),
        ),
        "f_waiting": Cast(Least(Greatest(waited, Value(0)), Value(int(w["waiting_cap_days"]))), FloatField())
        * Value(float(w["waiting_max"]) / float(w["waiting_cap_days"])),
    }


def scored_families(
    *, case: Case, on: dt.date | None = None, siblings: int | None = None, factors: tuple[str, ...] = FACTORS
) -> QuerySet[Family]:
    """Eligible families with ``match_score`` (the sum of ``factors``), best first (ties: the
    longest wait, then id). The factors are aliases, so the database computes only their sum."""
    on = on or timezone.localdate()
    siblings = sibling_group_size(case.child) if siblings is None else siblings
    expressions = _factor_expressions(case=case, on=on, siblings=siblings)
    return (
        eligible_families(case=case, on=on)
        .alias(**expressions)
        .annotate(match_score=sum((F(f"f_{name}") for name in factors[1:]), F(f"f_{factors[0]}")))
        .order_by("-match_score", "applied_on", "id")
    )


def _outside_ceiling(*, case: Case, factors: tuple[str, ...]) -> float | None:
    """The highest score (points) an eligible family outside the slice can reach: a family of
    another region seeking the case's form of care, or one of any region seeking a compatible form,
    with every other factor at its best and the longest wait. None when the weights give no such
    ceiling simply (a negative weight or penalty, no waiting cap): the ranking then scores every
    eligible family."""
    w = {key: float(value) for key, value in weights().items()}
    if min(w.values()) < 0 or w["waiting_cap_days"] <= 0:
        return None
    best = {"age": w["age_in_range"], "sex": max(w["sex_preferred"], w["sex_any"]), "siblings": w["siblings_accepted"],
            "health": w["health_accepted"], "waiting": w["waiting_max"]}
    rest = sum(best.get(name, 0.0) for name in factors)
    form = "form_of_care" in factors
    ceiling = rest + (w["form_of_care_exact"] if form else 0.0)  # another region: no region points
    if COMPATIBLE_FORMS.get(case.form_of_care):
        region = w["same_region"] if "region" in factors else 0.0
        ceiling = max(ceiling, rest + (w["form_of_care_compatible"] if form else 0.0) + region)
    return ceiling


def _ranked_ids(
    *, case: Case, on: dt.date, siblings: int, factors: tuple[str, ...], k: int
) -> tuple[list[tuple[int, float]], bool]:
    """The first ``k`` of scored_families as ``(id, match_score)`` pairs, best first, in one
    statement, and whether the slice alone proved them (False: every eligible family was scored).

    The slice (the case's form of care in the child's region) is ranked first; when it holds ``k``
    families and the k-th scores above _outside_ceiling (by a margin far above the rounding of
    float sums), every family outside scores below all ``k`` and they are the answer. Otherwise the
    statement ranks every eligible family; PostgreSQL skips that branch (a one-time filter) when the
    slice proved the page."""
    everyone = scored_families(case=case, on=on, siblings=siblings, factors=factors)
    ceiling = _outside_ceiling(case=case, factors=factors)
    if k <= 0 or ceiling is None:
        return list(everyone.values_list("id", "match_score")[: max(k, 0)]), False
    # The scored rows compiled once (the ORM's expressions cost more to build than to run), used
    # twice: a subquery without ORDER BY or LIMIT is merged into each query, so the slice's
    # condition reaches the index.
    scored_sql, params = (everyone.order_by().values_list("id", "match_score", "applied_on", "form_of_care", "region_id")
                          .query.sql_with_params())
    sql = f"""
        WITH own AS MATERIALIZED (
                 SELECT id, match_score, applied_on FROM ({scored_sql}) scored
                 WHERE form_of_care = %s AND region_id = %s
                 ORDER BY match_score DESC, applied_on, id LIMIT %s),
             proof AS (SELECT count(*) = %s AND min(match_score) > %s AS proved FROM own)
        SELECT ranked.id, ranked.match_score, proof.proved FROM (
            SELECT id, match_score, applied_on FROM own WHERE (SELECT proved FROM proof)
            UNION ALL
            (SELECT id, match_score, applied_on FROM ({scored_sql}) scored WHERE NOT (SELECT proved FROM proof)
             ORDER BY match_score DESC, applied_on, id LIMIT %s)
        ) ranked CROSS JOIN proof
        ORDER BY ranked.match_score DESC, ranked.applied_on, ranked.id
    """
    margin = 1e-6 * max(1.0, abs(ceiling))
    with connections[router.db_for_read(Family)].cursor() as cursor:
        cursor.execute(sql, [*params, case.form_of_care, case.child.region_id, k, k, ceiling + margin, *params, k])
        rows = cursor.fetchall()
    return [(pk, score) for pk, score, _proved in rows], bool(rows and rows[0][2])


# Factors computed from a sensitive field of the child (Child.SENSITIVE_FIELDS): the health factor
# compares the child's health needs with what the family accepts. Without view_sensitive on the
# case the ranking leaves it out altogether (score and order), so nothing recovers it (issue 14).
SENSITIVE_SOURCES = {"health": "health_needs"}


def factors_for(*, sensitive: bool) -> tuple[str, ...]:
    if sensitive:
        return FACTORS
    return tuple(f for f in FACTORS if SENSITIVE_SOURCES.get(f) not in Child.SENSITIVE_FIELDS)


def identified_family_ids(*, user: object, family_ids: list[int]) -> set[int]:
    """The one policy for the ranking in the API and on the pages: a family is named to the user
    only when they see it (access.selectors.families_visible_to: their unit's families, those on
    their cases, those chosen for acquaintance on a case they see). Every other candidate is an
    anonymous profile. One query."""
    from access.selectors import families_visible_to

    if not family_ids or user is None:
        return set()
    return set(families_visible_to(user, among=family_ids).values_list("pk", flat=True))


def factor_points(*, case: Case, on: dt.date, siblings: int) -> Callable[[Family], dict[str, float]]:
    """Each factor's points for one family, computed in Python exactly as _factor_expressions
    computes them in SQL (the same float operations in the same order, so the same numbers to the
    last bit; tests/test_matching_slice.py compares them on every page): for the page's 20 rows this
    spares a query of eight expressions that took longer to build than to answer."""
    child = case.child
    w = weights()
    age = age_on(child.birth_date, on)
    exact, compatible = float(w["form_of_care_exact"]), float(w["form_of_care_compatible"])
    in_range, penalty = float(w["age_in_range"]), float(w["age_penalty_per_year"])
    preferred, any_sex = float(w["sex_preferred"]), float(w["sex_any"])
    together, health, region = float(w["siblings_accepted"]), float(w["health_accepted"]), float(w["same_region"])
    cap, per_day = int(w["waiting_cap_days"]), float(w["waiting_max"]) / float(w["waiting_cap_days"])

    def points(family: Family) -> dict[str, float]:
        if family.preferred_age_min <= age <= family.preferred_age_max:
            age_points = in_range
        else:
            years_off = max(0, family.preferred_age_min - age) + max(0, age - family.preferred_age_max)
            age_points = max(0.0, in_range - float(years_off) * penalty)
        sex = family.preferred_sex
        return {
            "form_of_care": exact if family.form_of_care == case.form_of_care else compatible,
            "age": age_points,
            "sex": preferred if sex == child.sex else any_sex if sex == "" else 0.0,
            "siblings": together if family.max_siblings >= siblings else 0.0,
            "health": health if family.max_health_needs >= child.health_needs else 0.0,
            "region": region if family.region_id == child.region_id else 0.0,
            "waiting": float(min(max((on - family.applied_on).days, 0), cap)) * per_day,
        }

    return points



def waiting_text(days: int) -> str:
    return ngettext("waiting %(days)s day since the application", "waiting %(days)s days since the application",
                    days) % {"days": days}

class _Explainer:
    """Explanations for one ranking: the translated phrases and labels looked up once, not per family."""

    def __init__(self, *, case: Case, on: dt.date, siblings: int, factors: tuple[str, ...] = FACTORS) -> None:
        self.case, self.on, self.age, self.siblings, self.factors = case, on, age_on(case.child.birth_date, on), siblings, factors
        self.points = factor_points(case=case, on=on, siblings=siblings)
        self.forms = {value: str(label) for value, label in FormOfCare.choices}
        self.health = {value: str(label) for value, label in HealthNeeds.choices}
        self.same_form = str(_("seeks %(form)s, the form of care needed"))
        self.close_form = str(_("seeks %(form)s, a compatible form of care"))
        self.age_text = str(_("child aged %(age)s, family accepts %(min)s–%(max)s"))
        self.sex_texts = {"": str(_("no preference for the child's sex")), case.child.sex: str(_("prefers the child's sex"))}
        self.other_sex = str(_("prefers the other sex"))
        self.health_text = str(_("accepts health needs up to \"%(max)s\"; the child's are \"%(child)s\""))
        self.same_region, self.other_region = str(_("same region as the child")), str(_("another region"))

    def __call__(self, family: Family) -> list[dict]:
        child = self.case.child
        form_text = self.same_form if family.form_of_care == self.case.form_of_care else self.close_form
        texts = {
            "form_of_care": form_text % {"form": self.forms[family.form_of_care]},
            "age": self.age_text % {"age": self.age, "min": family.preferred_age_min, "max": family.preferred_age_max},
            "sex": self.sex_texts.get(family.preferred_sex, self.other_sex),
            "siblings": ngettext("accepts %(max)s child together; the sibling group in care is %(n)s",
                                 "accepts %(max)s children together; the sibling group in care is %(n)s",
                                 family.max_siblings) % {"max": family.max_siblings, "n": self.siblings},
            "health": self.health_text % {"max": self.health[family.max_health_needs], "child": self.health[child.health_needs]},
            "region": self.same_region if family.region_id == child.region_id else self.other_region,
            "waiting": waiting_text((self.on - family.applied_on).days),
        }
        points = self.points(family)
        return [{"factor": name, "points": round(points[name], 2), "explanation": texts[name]} for name in self.factors]


def rank_families(
    *, case: Case, limit: int = 20, offset: int = 0, on: dt.date | None = None, user: object | None = None,
    sensitive: bool | None = None,
) -> list[Candidate]:
    """The best ``limit`` families for a case at the matching stage, each with its explanation.
    With ``user``: only the factors that user may see (factors_for; without view_sensitive on the
    case the health factor is left out of score, order and explanations), and each candidate's
    ``name`` set when the user may know the family (identified_family_ids), else None.
    ``sensitive``: whether ``user`` holds view_sensitive on the case, when the caller has already
    read it by the access app's rule (web.sensitive.can_view_sensitive on a page's case); None:
    looked up here (access.selectors.sensitive_case_ids, one query)."""
    from access.selectors import sensitive_case_ids

    if user is None:
        sensitive = True
    elif sensitive is None:
        sensitive = bool(sensitive_case_ids(user, [case.pk]))
    factors = factors_for(sensitive=sensitive)
    if case.stage != Stage.MATCHING:
        raise DomainError(_("Families are ranked only for a case at the matching stage."), field="non_field_errors")
    if not case.form_of_care:
        raise DomainError(_("Choose the form of care sought before matching."), field="form_of_care")
    on = on or timezone.localdate()
    siblings = sibling_group_size(case.child)
    # First the page of ids by total score, then the page's families, each factor's points
    # computed for those 20 in Python (factor_points), not for 100,000 in SQL.
    ranked, _proved = _ranked_ids(case=case, on=on, siblings=siblings, factors=factors, k=offset + limit)
    ranked = ranked[offset:]
    rows = Family.objects.filter(pk__in=[pk for pk, _score in ranked]).select_related("region").in_bulk()
    explain = _Explainer(case=case, on=on, siblings=siblings, factors=factors)
    candidates = [Candidate(family=rows[pk], score=round(score, 2), factors=explain(rows[pk])) for pk, score in ranked]
    if user is not None:
        named = identified_family_ids(user=user, family_ids=[c.family.pk for c in candidates])
        prefetch_related_objects([c.family for c in candidates if c.family.pk in named], "applicants")
        for candidate in candidates:
            candidate.name = str(candidate.family) if candidate.family.pk in named else None
    return candidates
