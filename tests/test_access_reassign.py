"""Assignment, reassignment and transfer move access with the case, in one transaction."""

import pytest

from access.models import CaseShare
from access.selectors import cases_visible_to, children_visible_to, sensitive_case_ids
from access.services import reassign_case, share_case, transfer_case
from core.exceptions import DomainError
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)


@pytest.fixture
def successor(worker):
    return factories.UserFactory(unit=worker.unit)


def test_reassignment_moves_access_from_the_old_worker_to_the_new(api_client, supervisor, worker, successor, case):
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/v1/access/cases/{case.pk}/reassign/", {"worker": successor.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["assigned_worker"] == successor.pk
    assert case not in cases_visible_to(worker)
    assert case.child not in children_visible_to(worker)
    assert case in cases_visible_to(successor)
    assert sensitive_case_ids(successor, [case.pk]) == {case.pk}
    assert sensitive_case_ids(worker, [case.pk]) == set()


def test_reassignment_also_ends_a_share_the_old_worker_held(supervisor, worker, successor):
    # The old worker held the case by assignment and, earlier, by a share: both end.
    case = factories.CaseFactory(assigned_worker=successor, responsible_unit=worker.unit)
    share_case(case=case, user=worker, actor=supervisor)
    reassign_case(case=case, worker=worker, actor=supervisor)
    reassign_case(case=case, worker=successor, actor=supervisor)
    assert case not in cases_visible_to(worker)
    assert not CaseShare.objects.active().filter(user=worker).exists()


def test_a_worker_of_another_district_cannot_be_assigned_without_a_transfer(api_client, supervisor, case):
    elsewhere = factories.UserFactory(unit=factories.DistrictFactory(region=case.responsible_unit.region))
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/v1/access/cases/{case.pk}/reassign/", {"worker": elsewhere.pk}, format="json")
    assert response.status_code == 400
    assert "worker" in response.json()
    case.refresh_from_db()
    assert case.assigned_worker != elsewhere


def test_a_social_worker_cannot_reassign_their_own_case(api_client, worker, successor, case):
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/access/cases/{case.pk}/reassign/", {"worker": successor.pk}, format="json")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.assigned_worker == worker


def test_transfer_to_another_region_moves_the_case_out_of_the_old_supervisors_sight(api_client, supervisor, worker, case):
    new_district = factories.DistrictFactory(region=factories.region_by_code("astana"))
    new_worker = factories.UserFactory(unit=new_district)
    new_supervisor = factories.UserFactory(role="supervisor", unit=new_district.parent)
    api_client.force_authenticate(supervisor)
    body = {"unit": new_district.pk, "worker": new_worker.pk, "override_reason": "the child moves with the grandmother"}
    response = api_client.post(f"/api/v1/access/cases/{case.pk}/transfer/", body, format="json")
    assert response.status_code == 200
    assert case not in cases_visible_to(worker)
    assert case not in cases_visible_to(supervisor)
    assert case in cases_visible_to(new_worker)
    assert case in cases_visible_to(new_supervisor)


def test_transfer_ends_every_share_of_the_case(supervisor, worker, successor, case):
    share_case(case=case, user=successor, actor=supervisor)
    new_district = factories.DistrictFactory(region=factories.region_by_code("astana"))
    transfer_case(case=case, unit=new_district, actor=supervisor, override_reason="the child moves with the grandmother")
    assert case not in cases_visible_to(successor)
    assert not CaseShare.objects.active().exists()


def test_a_failed_reassignment_leaves_access_as_it_was(supervisor, worker, case, analyst):
    with pytest.raises(DomainError):
        reassign_case(case=case, worker=analyst, actor=supervisor)
    assert case in cases_visible_to(worker)


def test_assigning_an_unassigned_case(api_client, supervisor, worker):
    case = factories.CaseFactory(assigned_worker=None, responsible_unit=worker.unit)
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/v1/access/cases/{case.pk}/assign/", {"worker": worker.pk}, format="json")
    assert response.status_code == 200
    assert case in cases_visible_to(worker)
