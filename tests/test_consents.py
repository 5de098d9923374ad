"""Consents: recording and revoking them, and a transfer refused without the consent to share data
unless a supervisor overrides it with a recorded reason."""


import pytest
from django.utils import timezone

from access.services import transfer_case
from cases.models import Case
from consents.models import Consent, TransferOverride
from core.exceptions import DomainError
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(worker, district):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=district)


@pytest.fixture
def astana_district(db):
    return factories.DistrictFactory(region=factories.region_by_code("astana"))


def transfer(client, supervisor, case, unit, **extra):
    client.force_authenticate(supervisor)
    return client.post(f"/api/v1/access/cases/{case.pk}/transfer/", {"unit": unit.pk, **extra}, format="json")


def test_worker_records_a_consent_to_share_data(api_client, worker, case):
    api_client.force_authenticate(worker)

    response = api_client.post(
        "/api/v1/consents/",
        {"case": case.pk, "kind": "data_sharing", "given_by": "Legal representative A. Sadykova", "given_on": "2025-05-02",
         "scope": "Transfer of the case file to the Astana guardianship authority"},
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.data["in_force"] is True
    assert response.data["recorded_by"] == worker.pk
    assert Consent.objects.get(pk=response.data["id"]).given_by == "Legal representative A. Sadykova"


def test_the_childs_own_view_is_refused_before_the_age_of_ten(api_client, worker, case):
    api_client.force_authenticate(worker)

    response = api_client.post(
        "/api/v1/consents/",
        {"case": case.pk, "kind": "child_view", "given_by": "the child", "given_on": "2026-01-10"},
        format="json",
    )

    # The factory's child was born on 2016-05-17: nine years old on that date.
    assert response.status_code == 400
    assert "from the age of 10" in str(response.data["given_on"][0])


def test_the_childs_own_view_is_recorded_from_the_age_of_ten(api_client, worker, case):
    api_client.force_authenticate(worker)

    response = api_client.post(
        "/api/v1/consents/",
        {"case": case.pk, "kind": "child_view", "given_by": "the child", "given_on": "2026-05-17", "agrees": False},
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.data["agrees"] is False


def test_a_consent_for_a_case_not_visible_is_refused(api_client, case):
    stranger = factories.UserFactory(role="social_worker")
    api_client.force_authenticate(stranger)

    response = api_client.post(
        "/api/v1/consents/", {"case": case.pk, "kind": "data_sharing", "given_by": "x", "given_on": "2025-05-02"}, format="json"
    )

    assert response.status_code == 400
    assert "case" in response.data


def test_analyst_cannot_read_consents(api_client, analyst):
    api_client.force_authenticate(analyst)

    assert api_client.get("/api/v1/consents/").status_code == 403


def test_revoking_a_consent_keeps_it_with_the_date_and_reason(api_client, worker, case):
    consent = factories.ConsentFactory(case=case)
    api_client.force_authenticate(worker)

    response = api_client.post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "Withdrawn in writing"}, format="json")

    assert response.status_code == 200, response.data
    assert response.data["in_force"] is False
    assert response.data["revoked_on"] == timezone.localdate().isoformat()
    assert response.data["revoke_reason"] == "Withdrawn in writing"


def test_a_consent_cannot_be_revoked_twice(api_client, worker, case):
    consent = factories.ConsentFactory(case=case)
    api_client.force_authenticate(worker)
    api_client.post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "Withdrawn"}, format="json")

    response = api_client.post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "Again"}, format="json")

    assert response.status_code == 400
    assert "already revoked" in str(response.data["revoked_on"][0])


def test_transfer_without_consent_is_refused_and_nothing_changes(api_client, supervisor, district, case, astana_district):
    response = transfer(api_client, supervisor, case, astana_district)

    assert response.status_code == 400
    assert "no consent to share" in str(response.data["override_reason"][0])
    assert Case.objects.get(pk=case.pk).responsible_unit_id == district.pk
    assert not TransferOverride.objects.exists()


def test_transfer_with_a_consent_in_force_goes_through(api_client, supervisor, case, astana_district):
    factories.ConsentFactory(case=case)

    response = transfer(api_client, supervisor, case, astana_district)

    assert response.status_code == 200, response.data
    assert Case.objects.get(pk=case.pk).responsible_unit_id == astana_district.pk
    assert not TransferOverride.objects.exists()


def test_a_revoked_consent_no_longer_allows_a_transfer(supervisor, worker, case, astana_district):
    from consents.services import revoke_consent

    revoke_consent(consent=factories.ConsentFactory(case=case), actor=worker, reason="Withdrawn")

    with pytest.raises(DomainError):
        transfer_case(case=case, unit=astana_district, actor=supervisor)


def test_a_consent_limited_to_another_region_does_not_cover_the_transfer(supervisor, case, astana_district):
    factories.ConsentFactory(case=case, region=factories.region_by_code("shymkent"))

    with pytest.raises(DomainError):
        transfer_case(case=case, unit=astana_district, actor=supervisor)


def test_a_refused_childs_consent_does_not_count(supervisor, case, astana_district):
    factories.ConsentFactory(case=case, agrees=False)

    with pytest.raises(DomainError):
        transfer_case(case=case, unit=astana_district, actor=supervisor)


def test_supervisor_overrides_a_missing_consent_with_a_recorded_reason(api_client, supervisor, case, astana_district):
    response = transfer(api_client, supervisor, case, astana_district, override_reason="Court order of 3 June: the child moves now")

    assert response.status_code == 200, response.data
    override = TransferOverride.objects.get(case=case)
    assert (override.actor, override.reason) == (supervisor, "Court order of 3 June: the child moves now")
    assert Case.objects.get(pk=case.pk).responsible_unit_id == astana_district.pk


def test_a_social_worker_cannot_override_a_missing_consent(worker, case):
    from consents.services import ensure_transfer_allowed

    with pytest.raises(DomainError) as refused:
        ensure_transfer_allowed(case=case, actor=worker, override_reason="urgent")

    assert "Only a supervisor" in refused.value.message
    assert not TransferOverride.objects.exists()


def test_the_consent_list_shows_visible_cases_only_in_constant_queries(api_client, worker, case, django_assert_max_num_queries):
    for _ in range(3):
        factories.ConsentFactory(case=case)
    factories.ConsentFactory()  # another worker's case
    api_client.force_authenticate(worker)

    with django_assert_max_num_queries(6):
        response = api_client.get("/api/v1/consents/")

    assert response.data["count"] == 3
    assert {row["case"] for row in response.data["results"]} == {case.pk}
