"""Ranking of approved families for a case at the matching stage, with each candidate's score
explained factor by factor.

Filtering and scoring happen in one SQL query: every factor is a CASE expression annotated on the
family rows, the total is their sum, and the database sorts and cuts the page. Python only turns
the annotated numbers into explanations, so the cost does not grow with the families scored.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case as When_Case
from django.db.models import F, FloatField, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Stage
from children.models import Child
from core.exceptions import DomainError
from families.models import ApprovalStatus, Family
from matching.policy import COMPATIBLE_FORMS, weights

FACTORS = ("form_of_care", "age", "sex", "siblings", "health", "region", "waiting")


@dataclass
class Candidate:
    family: Family
    score: float
    factors: list[dict] = field(default_factory=list)


class _DaysBetween(Func):
    """``date - date`` in PostgreSQL: whole days as an integer."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


def age_on(birth_date: dt.date, on: dt.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def sibling_group_size(child: Child) -> int:
    """The child plus the siblings of their group still in care (an open case, no active placement)."""
    if not child.sibling_group_id:
        return 1
    return (
        Child.objects.filter(sibling_group_id=child.sibling_group_id, cases__stage__in=[
            s for s in Stage.values if s not in (Stage.CLOSED, Stage.PLACED)])
        .exclude(pk=child.pk).distinct().count() + 1
    )


def scored_families(*, case: Case, on: dt.date | None = None) -> QuerySet[Family]:
    """Approved, in-date families of a compatible form of care, annotated with one column per factor
    (``f_<factor>``) and ``match_score``, best first."""
    on = on or timezone.localdate()
    child = case.child
    w = weights()
    age = age_on(child.birth_date, on)
    siblings = sibling_group_size(child)
    compatible = COMPATIBLE_FORMS.get(case.form_of_care, ())
    forms = [case.form_of_care, *compatible]

    qs = Family.objects.filter(
        approval_status=ApprovalStatus.APPROVED,
        approval_expires_on__gte=on,
        home_study_expires_on__gte=on,
        training_expires_on__gte=on,
        form_of_care__in=forms,
    )
    if case.form_of_care == "kinship":
        qs = qs.filter(is_relative=True)

    below = Greatest(Value(0), F("preferred_age_min") - Value(age))
    above = Greatest(Value(0), Value(age) - F("preferred_age_max"))
    waited = _DaysBetween(Value(on), F("applied_on"))
    annotations = {
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
        "waited_days": waited,
    }
    qs = qs.annotate(**annotations).annotate(
        match_score=sum((F(f"f_{name}") for name in FACTORS[1:]), F("f_form_of_care")),
    )
    return qs.order_by("-match_score", "applied_on", "id")


def _explain(family: Family, *, case: Case, age: int, siblings: int) -> list[dict]:
    child = case.child
    same_form = family.form_of_care == case.form_of_care
    sex_text = {
        "": _("no preference for the child's sex"),
        child.sex: _("prefers the child's sex"),
    }.get(family.preferred_sex, _("prefers the other sex"))
    texts = {
        "form_of_care": _("seeks %(form)s, the form of care needed") % {"form": family.get_form_of_care_display()}
        if same_form else _("seeks %(form)s, a compatible form of care") % {"form": family.get_form_of_care_display()},
        "age": _("child aged %(age)s, family accepts %(min)s–%(max)s")
        % {"age": age, "min": family.preferred_age_min, "max": family.preferred_age_max},
        "sex": sex_text,
        "siblings": _("accepts %(max)s child(ren) together; the sibling group in care is %(n)s")
        % {"max": family.max_siblings, "n": siblings},
        "health": _("accepts health needs up to \"%(max)s\"; the child's are \"%(child)s\"")
        % {"max": family.get_max_health_needs_display(), "child": child.get_health_needs_display()},
        "region": _("same region as the child") if family.region_id == child.region_id else _("another region"),
        "waiting": _("waiting %(days)s days since the application") % {"days": family.waited_days},
    }
    return [{"factor": name, "points": round(getattr(family, f"f_{name}"), 2), "explanation": str(texts[name])} for name in FACTORS]


def rank_families(*, case: Case, limit: int = 20, offset: int = 0, on: dt.date | None = None) -> list[Candidate]:
    """The best ``limit`` families for a case at the matching stage, each with its explanation."""
    if case.stage != Stage.MATCHING:
        raise DomainError(_("Families are ranked only for a case at the matching stage."), field="non_field_errors")
    if not case.form_of_care:
        raise DomainError(_("Choose the form of care sought before matching."), field="form_of_care")
    on = on or timezone.localdate()
    age = age_on(case.child.birth_date, on)
    siblings = sibling_group_size(case.child)
    page = list(scored_families(case=case, on=on).select_related("region")[offset : offset + limit])
    return [
        Candidate(family=f, score=round(f.match_score, 2), factors=_explain(f, case=case, age=age, siblings=siblings))
        for f in page
    ]
