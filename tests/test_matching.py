"""Ranking approved families for a case at the matching stage, and the explanation of each score."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Stage
from core.exceptions import DomainError
from matching.selectors import rank_families
from tests import factories

TODAY = timezone.localdate


def days_ago(n: int) -> dt.date:
    return TODAY() - dt.timedelta(days=n)


@pytest.fixture
def case(db):
    # A boy of ten, no special health needs, in Almaty region, for adoption.
    birth = TODAY().replace(year=TODAY().year - 10) - dt.timedelta(days=30)
    return factories.CaseFactory(stage=Stage.MATCHING, form_of_care="adoption", child__birth_date=birth, child__sex="M",
                                 child__health_needs=0)


def family(**kwargs):
    defaults = {"form_of_care": "adoption", "preferred_age_min": 5, "preferred_age_max": 12, "preferred_sex": "M",
                "max_siblings": 3, "max_health_needs": 1, "applied_on": days_ago(400)}
    return factories.FamilyFactory(**{**defaults, **kwargs})


@pytest.fixture
def families(case):
    astana = factories.region_by_code("astana")
    return {
        "best": family(),  # everything fits, same region, waited 400 days
        "other_region": family(region=astana, applied_on=days_ago(730)),
        "wants_girl": family(preferred_sex="F", preferred_age_min=0, preferred_age_max=17, applied_on=TODAY()),
        "wants_baby": family(preferred_age_min=0, preferred_age_max=3, preferred_sex="", applied_on=days_ago(100)),
        "guardianship": family(form_of_care="guardianship"),
        "training_expired": family(training_expires_on=days_ago(1)),
        "suspended": family(approval_status="suspended"),
    }


def test_order_is_known_and_ineligible_families_are_left_out(case, families):
    ranked = rank_families(case=case)
    order = [c.family.pk for c in ranked]
    assert order == [families[k].pk for k in ("best", "other_region", "wants_girl", "wants_baby")]


def test_scores_add_up_factor_by_factor(case, families):
    ranked = {c.family.pk: c for c in rank_families(case=case)}
    best = ranked[families["best"].pk]
    points = {f["factor"]: f["points"] for f in best.factors}
    assert points == {"form_of_care": 30, "age": 20, "sex": 10, "siblings": 15, "health": 15, "region": 10,
                      "waiting": round(400 * 10 / 730, 2)}
    assert best.score == pytest.approx(sum(points.values()), abs=0.01)


def test_age_outside_the_range_loses_points_per_year(case, families):
    baby = next(c for c in rank_families(case=case) if c.family.pk == families["wants_baby"].pk)
    age = next(f for f in baby.factors if f["factor"] == "age")
    assert age["points"] == 0  # seven years above the range: 20 - 7 * 5 < 0
    assert "child aged 10, family accepts 0–3" in age["explanation"]


def test_explanations_name_each_factor(case, families):
    other = next(c for c in rank_families(case=case) if c.family.pk == families["other_region"].pk)
    texts = {f["factor"]: f["explanation"] for f in other.factors}
    assert texts["region"] == "another region"
    assert texts["form_of_care"] == "seeks adoption, the form of care needed"
    assert texts["waiting"] == "waiting 730 days since the application"
    assert texts["sex"] == "prefers the child's sex"


def test_sibling_group_larger_than_the_family_accepts(case):
    group = factories.SiblingGroupFactory()
    case.child.sibling_group = group
    case.child.save()
    for day in range(2):
        factories.CaseFactory(child__sibling_group=group, stage=Stage.AVAILABLE,
                              child__birth_date=dt.date(2012, 1, 1) + dt.timedelta(days=day))
    small = family(max_siblings=2)
    large = family(max_siblings=3)
    ranked = {c.family.pk: {f["factor"]: f["points"] for f in c.factors} for c in rank_families(case=case)}
    assert (ranked[small.pk]["siblings"], ranked[large.pk]["siblings"]) == (0, 15)


def test_health_needs_beyond_what_the_family_accepts(case):
    case.child.health_needs = 3
    case.child.save()
    accepting, refusing = family(max_health_needs=3), family(max_health_needs=1)
    ranked = [c.family.pk for c in rank_families(case=case)]
    assert ranked == [accepting.pk, refusing.pk]


def test_compatible_form_of_care_scores_less_than_the_same_form(db):
    case = factories.CaseFactory(stage=Stage.MATCHING, form_of_care="guardianship")
    same = family(form_of_care="guardianship", applied_on=TODAY())
    close = family(form_of_care="trusteeship", applied_on=TODAY())
    family(form_of_care="foster_family")
    ranked = {c.family.pk: {f["factor"]: f["points"] for f in c.factors} for c in rank_families(case=case)}
    assert set(ranked) == {same.pk, close.pk}
    assert (ranked[same.pk]["form_of_care"], ranked[close.pk]["form_of_care"]) == (30, 15)


def test_weights_are_policy_settings(case, families, settings):
    settings.MATCHING_WEIGHTS = {"same_region": 100}
    assert rank_families(case=case)[-1].family.pk == families["other_region"].pk


def test_only_a_case_at_matching_is_ranked(db):
    case = factories.CaseFactory(stage=Stage.AVAILABLE, form_of_care="adoption")
    with pytest.raises(DomainError):
        rank_families(case=case)


def test_ranking_queries_do_not_grow_with_the_families(case, families, django_assert_max_num_queries):
    # The sibling group count, the ranked page of ids, the factor columns of that page.
    case.child.sibling_group = factories.SiblingGroupFactory()
    case.child.save()
    for _ in range(10):
        family()
    with django_assert_max_num_queries(3):
        assert len(rank_families(case=case, limit=50)) == 14
