"""Issue 17 "Speed": the ranking first ranks the slice (the case's form of care in the child's
region) and scores every eligible family only when the slice cannot prove the page
(matching.selectors._ranked_ids). Whichever way it goes, the page is the full ranking's: the same
families, order, ties, scores, explanations, the health factor left out without view_sensitive, the
same anonymous and named families. The reference below is the full scan (scored_families), as the
ranking was before, with each factor's points computed in SQL (now in Python for the page's rows)."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from access.services import share_case
from cases.models import Stage
from families.models import Family
from matching import selectors
from matching.selectors import rank_families, scored_families
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _full_scan(*, case, on, siblings, factors, k):
    """The ranking as it was: every eligible family scored, the first k cut."""
    ranked = scored_families(case=case, on=on, siblings=siblings, factors=factors).values_list("id", "match_score")
    return list(ranked[:k]), False


def _page(candidates) -> list[tuple]:
    return [(c.family.pk, c.score, c.factors, c.name) for c in candidates]


_SQL_POINTS: dict[tuple, dict[str, float]] = {}


def _sql_points(*, case, on, siblings):
    """Each factor's points as the ranking computed them before: the factor expressions in SQL."""
    expressions = selectors._factor_expressions(case=case, on=on, siblings=siblings)

    def points(family) -> dict[str, float]:
        key = (case.pk, on, siblings, family.pk)
        if key not in _SQL_POINTS:
            row = Family.objects.filter(pk=family.pk).annotate(**expressions).values(*expressions).get()
            _SQL_POINTS[key] = {name.removeprefix("f_"): value for name, value in row.items()}
        return _SQL_POINTS[key]

    return points


def _reference(monkeypatch, **kwargs) -> list[tuple]:
    """The page as the ranking wrote it before: every family scored, the points from SQL."""
    with monkeypatch.context() as patch:
        patch.setattr(selectors, "_ranked_ids", _full_scan)
        patch.setattr(selectors, "factor_points", _sql_points)
        return _page(rank_families(**kwargs))


@pytest.fixture
def proofs(monkeypatch):
    """Whether each ranking was proved by the slice alone (True) or scored every family (False)."""
    seen: list[bool] = []
    ranked_ids = selectors._ranked_ids

    def spy(**kwargs):
        rows, proved = ranked_ids(**kwargs)
        seen.append(proved)
        return rows, proved

    monkeypatch.setattr(selectors, "_ranked_ids", spy)
    return seen


def _families(rng: random.Random, n: int) -> None:
    """n families drawn from few values, so scores tie often: three regions, forms exact and
    compatible and unrelated, expired and suspended ones, waits below and beyond the cap."""
    regions = [factories.region_by_code(code) for code in ("almaty", "astana", "akmola")]
    units = {region.pk: factories.DistrictFactory(region=region) for region in regions}
    today = TODAY()
    for _ in range(n):
        region = rng.choice(regions)
        low = rng.choice([0, 3, 8, 12])
        expiry = rng.choice([today + dt.timedelta(days=365)] * 6 + [today - dt.timedelta(days=1), today + dt.timedelta(days=100)])
        family = factories.FamilyFactory(
            region=region, responsible_unit=units[region.pk],
            form_of_care=rng.choice(["adoption", "adoption", "guardianship", "trusteeship", "foster_family"]),
            applied_on=today - dt.timedelta(days=rng.choice([0, 100, 400, 729, 730, 900, 2000])),
            preferred_age_min=low, preferred_age_max=rng.choice([m for m in (3, 6, 11, 14, 17) if m >= low]),
            preferred_sex=rng.choice(["", "", "M", "F"]), max_siblings=rng.choice([1, 2, 3]),
            max_health_needs=rng.choice([0, 1, 2, 3]),
            approval_status=rng.choice(["approved"] * 9 + ["suspended"]),
        )
        which = rng.choice(["approval_expires_on", "home_study_expires_on", "training_expires_on"])
        setattr(family, which, expiry)
        family.save(update_fields=[which])


PAGES = [(1, 0), (3, 0), (5, 2), (10, 0), (20, 0), (4, 7), (50, 0)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_ranking_is_the_full_scans_on_every_page(monkeypatch, proofs, worker, supervisor, seed):
    rng = random.Random(seed)
    _families(rng, 70)
    sibling_group = factories.SiblingGroupFactory()
    cases = [
        # A boy of nine in Almaty with a sister in care, adoption (no compatible form).
        factories.CaseFactory(stage=Stage.MATCHING, form_of_care="adoption", assigned_worker=worker,
                              responsible_unit=worker.unit, child__region=worker.unit.region, child__sex="M",
                              child__birth_date=TODAY().replace(year=TODAY().year - 9), child__health_needs=1,
                              child__sibling_group=sibling_group),
        # A girl of fifteen in Astana, guardianship (trusteeship is compatible), higher health needs.
        factories.CaseFactory(stage=Stage.MATCHING, form_of_care="guardianship", child__region=factories.region_by_code("astana"),
                              child__sex="F", child__birth_date=TODAY().replace(year=TODAY().year - 15), child__health_needs=2),
    ]
    factories.CaseFactory(stage=Stage.AVAILABLE, child__sibling_group=sibling_group, child__region=worker.unit.region)
    colleague = factories.UserFactory(unit=worker.unit)
    share_case(case=cases[0], user=colleague, actor=supervisor)  # sees the case without its sensitive fields
    for case in cases:
        for user in (None, worker, colleague):
            for on in (TODAY(), TODAY() + dt.timedelta(days=200)):  # a later day: some certificates have lapsed
                for limit, offset in PAGES:
                    kwargs = {"case": case, "limit": limit, "offset": offset, "on": on, "user": user}
                    assert _page(rank_families(**kwargs)) == _reference(monkeypatch, **kwargs), kwargs
    # Both ways were taken: pages the slice proved and pages that needed every family.
    assert True in proofs and False in proofs


def _perfect(case, **kwargs):
    """A family that fits the case in every factor but the ones given."""
    child = case.child
    values = {"form_of_care": case.form_of_care, "region": child.region, "preferred_age_min": 0, "preferred_age_max": 17,
              "preferred_sex": child.sex, "max_siblings": 3, "max_health_needs": 3,
              "applied_on": TODAY() - dt.timedelta(days=1000)}
    return factories.FamilyFactory(**{**values, **kwargs})


@pytest.fixture
def case(db):
    return factories.CaseFactory(stage=Stage.MATCHING, form_of_care="guardianship", child__sex="F",
                                 child__birth_date=TODAY().replace(year=TODAY().year - 8), child__health_needs=2)


def test_a_page_the_slice_proves_leaves_the_others_unscored(monkeypatch, proofs, case):
    own = [_perfect(case) for _ in range(4)]
    outsiders = [_perfect(case, region=factories.region_by_code("astana")),
                 _perfect(case, form_of_care="trusteeship", applied_on=TODAY() - dt.timedelta(days=3000))]
    page = _page(rank_families(case=case, limit=3))
    assert proofs == [True]
    assert [row[0] for row in page] == [family.pk for family in own[:3]]  # equal scores and waits: by number
    assert page == _reference(monkeypatch, case=case, limit=3)
    assert {family.pk for family in outsiders}.isdisjoint(row[0] for row in page)


def test_an_outsider_that_beats_the_slice_is_ranked_first(monkeypatch, proofs, case):
    # The region's own families want young boys in good health; a family of another region seeking
    # a compatible form fits the girl of eight.
    for _ in range(3):
        _perfect(case, preferred_sex="M", preferred_age_max=3, max_health_needs=0)
    winner = _perfect(case, form_of_care="trusteeship", region=factories.region_by_code("astana"))
    page = _page(rank_families(case=case, limit=3))
    assert proofs == [False]
    assert page[0][0] == winner.pk
    assert page == _reference(monkeypatch, case=case, limit=3)


def test_an_outsider_tying_the_slice_at_the_ceiling_is_not_left_out(monkeypatch, proofs, case):
    # The outsider lacks the region's 10 points but has waited the full 10 points' time; the region's
    # family applied today. Equal scores at the ceiling: the earlier application comes first, and the
    # slice alone cannot prove a tie at the ceiling.
    own = _perfect(case, applied_on=TODAY())
    outsider = _perfect(case, region=factories.region_by_code("astana"), applied_on=TODAY() - dt.timedelta(days=730))
    page = _page(rank_families(case=case, limit=2))
    assert [row[0] for row in page] == [outsider.pk, own.pk] and page[0][1] == page[1][1]
    assert _page(rank_families(case=case, limit=1)) == page[:1]
    assert proofs == [False, False]
    assert page == _reference(monkeypatch, case=case, limit=2)


def test_negative_weights_rank_every_family(monkeypatch, proofs, case, settings):
    settings.MATCHING_WEIGHTS = {"same_region": -5}
    for _ in range(3):
        _perfect(case)
    other = _perfect(case, region=factories.region_by_code("astana"))
    page = _page(rank_families(case=case, limit=2))
    assert proofs == [False]
    assert page[0][0] == other.pk
    assert page == _reference(monkeypatch, case=case, limit=2)


def test_the_ranking_runs_as_many_queries_proved_or_not(proofs, case, worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        _perfect(case)
    _perfect(case, region=factories.region_by_code("astana"), form_of_care="trusteeship")
    with CaptureQueriesContext(connection) as proved:
        rank_families(case=case, limit=2, user=worker)
    with CaptureQueriesContext(connection) as scanned:
        rank_families(case=case, limit=20, user=worker)  # the slice holds 3 families: every family is scored
    assert proofs == [True, False]
    assert len(proved) == len(scanned)
