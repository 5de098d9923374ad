"""Who sees which record: the querysets every person endpoint starts from (access.selectors)."""

import datetime as dt

import pytest
from django.utils import timezone

from access import services
from access.selectors import (
    cases_editable_by,
    cases_visible_to,
    children_visible_to,
    families_visible_to,
    placements_visible_to,
    visits_visible_to,
)
from accounts.models import OrganisationalUnit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)


@pytest.fixture
def foreign_case(db):
    """A case in another region, with its own district and worker."""
    return factories.CaseFactory(child__region=factories.region_by_code("astana"))


@pytest.fixture
def colleague_case(worker):
    """A case of the same district, assigned to another worker."""
    colleague = factories.UserFactory(unit=worker.unit)
    return factories.CaseFactory(assigned_worker=colleague, responsible_unit=worker.unit)


def test_a_social_worker_sees_only_the_cases_assigned_to_them(worker, own_case, colleague_case, foreign_case):
    assert list(cases_visible_to(worker)) == [own_case]


def test_a_supervisor_sees_every_case_of_their_region_and_none_elsewhere(supervisor, own_case, colleague_case, foreign_case):
    other_district = factories.DistrictFactory(region=own_case.responsible_unit.region)
    in_other_district = factories.CaseFactory(responsible_unit=other_district, assigned_worker=None)
    assert set(cases_visible_to(supervisor)) == {own_case, colleague_case, in_other_district}


def test_a_district_supervisor_sees_only_their_district(worker, own_case, colleague_case):
    district_supervisor = factories.UserFactory(role="supervisor", unit=worker.unit)
    elsewhere = factories.CaseFactory(child__region=worker.unit.region)
    assert set(cases_visible_to(district_supervisor)) == {own_case, colleague_case}
    assert elsewhere not in cases_visible_to(district_supervisor)


def test_a_ministry_supervisor_sees_every_region(own_case, foreign_case):
    ministry = OrganisationalUnit.objects.get(code="ministry")
    chief = factories.UserFactory(role="supervisor", unit=ministry)
    assert set(cases_visible_to(chief)) == {own_case, foreign_case}


def test_an_analyst_sees_no_person_at_all(analyst, own_case):
    factories.PlacementFactory(case__assigned_worker=own_case.assigned_worker)
    assert not cases_visible_to(analyst).exists()
    assert not children_visible_to(analyst).exists()
    assert not families_visible_to(analyst).exists()
    assert not placements_visible_to(analyst).exists()
    assert not visits_visible_to(analyst).exists()


def test_an_administrator_sees_every_case_but_changes_none(own_case, foreign_case):
    admin = factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))
    assert set(cases_visible_to(admin)) == {own_case, foreign_case}
    assert not cases_editable_by(admin).exists()


def test_children_placements_and_visits_follow_the_cases(worker):
    visit = factories.VisitFactory(placement__case__assigned_worker=worker, placement__case__responsible_unit=worker.unit)
    foreign_visit = factories.VisitFactory()
    placement = visit.placement
    assert list(children_visible_to(worker)) == [placement.child]
    assert list(placements_visible_to(worker)) == [placement]
    assert list(visits_visible_to(worker)) == [visit]
    assert foreign_visit.placement.child not in children_visible_to(worker)


def test_a_worker_sees_the_families_of_their_unit_and_those_on_their_cases(worker):
    unit_family = factories.FamilyFactory(responsible_unit=worker.unit)
    placement = factories.PlacementFactory(case__assigned_worker=worker, case__responsible_unit=worker.unit)
    stranger = factories.FamilyFactory(region=factories.region_by_code("astana"))
    visible = set(families_visible_to(worker))
    assert unit_family in visible
    assert placement.family in visible  # placed by their case although registered in another district
    assert stranger not in visible


def test_a_shared_case_is_visible_until_its_expiry(worker, supervisor, colleague_case):
    services.share_case(case=colleague_case, user=worker, actor=supervisor, expires_at=timezone.now() + dt.timedelta(days=3))
    assert colleague_case in cases_visible_to(worker)
    assert colleague_case.child in children_visible_to(worker)


def test_an_expired_grant_gives_no_access_even_before_the_sweep(worker, supervisor, colleague_case):
    services.share_case(case=colleague_case, user=worker, actor=supervisor, expires_at=timezone.now() + dt.timedelta(days=3))
    # The clock moves on: the grant's expiry is now in the past, and no sweep has run.
    from access.models import CaseShare, CaseUserObjectPermission

    past = timezone.now() - dt.timedelta(minutes=1)
    CaseUserObjectPermission.objects.filter(user=worker).update(expires_at=past, granted_at=past - dt.timedelta(days=1))
    CaseShare.objects.filter(user=worker).update(expires_at=past, granted_at=past - dt.timedelta(days=1))
    assert colleague_case not in cases_visible_to(worker)
    assert colleague_case.child not in children_visible_to(worker)


def test_a_group_grant_lets_the_group_members_see_the_case(worker, colleague_case):
    from django.contrib.auth.models import Group, Permission

    from access.models import CaseGroupObjectPermission

    commission = Group.objects.create(name="regional adoption commission")
    worker.groups.add(commission)
    CaseGroupObjectPermission.objects.create(
        group=commission, content_object=colleague_case, permission=Permission.objects.get(codename="view_case")
    )
    assert colleague_case in cases_visible_to(worker)


def test_the_visibility_queries_do_not_grow_with_the_number_of_cases(worker, supervisor, django_assert_max_num_queries):
    for _ in range(5):
        factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    with django_assert_max_num_queries(3):
        assert len(list(cases_visible_to(worker))) == 5
    with django_assert_max_num_queries(4):
        assert len(list(cases_visible_to(supervisor))) == 5
