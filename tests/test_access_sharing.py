"""Sharing a case with another user, with an optional expiry, and revoking it (access API)."""

import datetime as dt

import pytest
from django.utils import timezone

from access.models import CaseShare, CaseUserObjectPermission
from access.selectors import cases_visible_to, sensitive_case_ids
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)


@pytest.fixture
def colleague(worker):
    return factories.UserFactory(unit=worker.unit)


def share_url(case) -> str:
    return f"/api/v1/access/cases/{case.pk}/share/"


def test_a_supervisor_shares_a_case_and_the_colleague_sees_it(api_client, supervisor, case, colleague):
    api_client.force_authenticate(supervisor)
    expires = timezone.now() + dt.timedelta(days=7)
    response = api_client.post(share_url(case), {"user": colleague.pk, "expires_at": expires.isoformat()}, format="json")
    assert response.status_code == 201
    assert response.json()["user"]["id"] == colleague.pk
    assert response.json()["is_active"] is True
    assert case in cases_visible_to(colleague)


def test_a_share_without_sensitive_fields_does_not_give_view_sensitive(supervisor, case, colleague):
    from access.services import share_case

    share_case(case=case, user=colleague, actor=supervisor)
    assert sensitive_case_ids(colleague, [case.pk]) == set()


def test_a_share_with_sensitive_fields_gives_view_sensitive(supervisor, case, colleague):
    from access.services import share_case

    share_case(case=case, user=colleague, actor=supervisor, include_sensitive=True)
    assert sensitive_case_ids(colleague, [case.pk]) == {case.pk}


def test_an_expiry_in_the_past_is_refused_with_a_field_message(api_client, supervisor, case, colleague):
    api_client.force_authenticate(supervisor)
    past = timezone.now() - dt.timedelta(hours=1)
    response = api_client.post(share_url(case), {"user": colleague.pk, "expires_at": past.isoformat()}, format="json")
    assert response.status_code == 400
    assert "expires_at" in response.json()
    assert not CaseShare.objects.exists()
    assert case not in cases_visible_to(colleague)


def test_an_expired_share_no_longer_shows_the_case(supervisor, case, colleague):
    from access.services import share_case

    share_case(case=case, user=colleague, actor=supervisor, expires_at=timezone.now() + dt.timedelta(seconds=30))
    assert case in cases_visible_to(colleague)
    long_ago = timezone.now() - dt.timedelta(days=2)
    CaseShare.objects.update(granted_at=long_ago - dt.timedelta(days=1), expires_at=long_ago)
    CaseUserObjectPermission.objects.update(expires_at=long_ago)
    assert case not in cases_visible_to(colleague)


def test_revoking_a_share_removes_access_at_once(api_client, supervisor, case, colleague):
    from access.services import share_case

    share_case(case=case, user=colleague, actor=supervisor)
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/v1/access/cases/{case.pk}/revoke/", {"user": colleague.pk}, format="json")
    assert response.status_code == 204
    assert case not in cases_visible_to(colleague)
    share = CaseShare.objects.get()
    assert share.revoked_by == supervisor and share.revoked_at is not None


def test_revoking_a_share_that_does_not_exist_answers_400(api_client, supervisor, case, colleague):
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/v1/access/cases/{case.pk}/revoke/", {"user": colleague.pk}, format="json")
    assert response.status_code == 400
    assert "user" in response.json()


def test_sharing_again_replaces_the_previous_share(supervisor, case, colleague):
    from access.services import share_case

    share_case(case=case, user=colleague, actor=supervisor, expires_at=timezone.now() + dt.timedelta(days=1))
    share_case(case=case, user=colleague, actor=supervisor, expires_at=None)
    assert CaseShare.objects.active().get().expires_at is None
    assert CaseShare.objects.count() == 2


def test_a_social_worker_may_not_share_their_case(api_client, worker, case, colleague):
    api_client.force_authenticate(worker)
    response = api_client.post(share_url(case), {"user": colleague.pk}, format="json")
    assert response.status_code == 403
    assert not CaseShare.objects.exists()


def test_an_analyst_is_refused(api_client, analyst, case, colleague):
    api_client.force_authenticate(analyst)
    response = api_client.post(share_url(case), {"user": colleague.pk}, format="json")
    assert response.status_code == 403


def test_a_supervisor_of_another_region_gets_404_not_a_hint(api_client, case, colleague):
    stranger = factories.UserFactory(role="supervisor", unit=factories.DistrictFactory(region=factories.region_by_code("astana")))
    api_client.force_authenticate(stranger)
    response = api_client.post(share_url(case), {"user": colleague.pk}, format="json")
    assert response.status_code == 404


def test_a_case_cannot_be_shared_with_an_analyst(api_client, supervisor, case, analyst):
    api_client.force_authenticate(supervisor)
    response = api_client.post(share_url(case), {"user": analyst.pk}, format="json")
    assert response.status_code == 400
    assert "user" in response.json()


def test_the_supervisor_lists_open_and_closed_shares(api_client, supervisor, case, colleague, django_assert_max_num_queries):
    from access.services import revoke_share, share_case

    share_case(case=case, user=colleague, actor=supervisor)
    revoke_share(case=case, user=colleague, actor=supervisor)
    share_case(case=case, user=colleague, actor=supervisor, include_sensitive=True)
    api_client.force_authenticate(supervisor)
    with django_assert_max_num_queries(8):
        response = api_client.get(f"/api/v1/access/cases/{case.pk}/shares/")
    assert response.status_code == 200
    assert [row["is_active"] for row in response.json()["results"]] == [True, False]


def test_the_nightly_task_deletes_expired_grants_only(supervisor, case, colleague):
    from access.services import share_case
    from access.tasks import delete_expired_grants

    share_case(case=case, user=colleague, actor=supervisor, include_sensitive=True)
    other = factories.UserFactory(unit=case.responsible_unit)
    share_case(case=case, user=other, actor=supervisor)
    CaseUserObjectPermission.objects.filter(user=colleague).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert delete_expired_grants() == 2  # view_case and view_sensitive of the colleague
    assert set(CaseUserObjectPermission.objects.values_list("user_id", flat=True)) == {other.pk}
    assert case in cases_visible_to(other)
