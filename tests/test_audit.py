"""The audit trail: change history of person records and the access log of detail views."""

import pytest
from django.db import DatabaseError, transaction
from rest_framework import mixins, serializers, viewsets
from rest_framework.test import APIRequestFactory, force_authenticate

from access.selectors import cases_visible_to
from audit.models import AccessLog
from audit.services import AccessLoggedMixin, log_access
from cases.models import Case
from children.models import Child
from tests import factories

pytestmark = pytest.mark.django_db


class CaseDetailSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "stage"]


class CaseDetailView(AccessLoggedMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CaseDetailSerializer

    def get_queryset(self):
        return cases_visible_to(self.request.user)


def open_case_detail(user, case):
    request = APIRequestFactory().get(f"/api/v1/cases/{case.pk}/")
    force_authenticate(request, user=user)
    return CaseDetailView.as_view({"get": "retrieve"})(request, pk=case.pk)


@pytest.fixture
def case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)


def test_every_change_to_a_child_is_kept_with_who_and_when(worker):
    child = factories.ChildFactory(health_notes="")
    child._history_user = worker
    child.health_notes = "asthma"
    child.save()
    latest = child.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == worker
    assert latest.health_notes == "asthma"
    assert child.history.count() == 2


def test_cases_placements_visits_families_and_applicants_are_tracked():
    visit = factories.VisitFactory()
    applicant = factories.ApplicantFactory(family=visit.placement.family)
    for record in (visit, visit.placement, visit.placement.case, visit.placement.family, applicant):
        assert record.history.count() == 1


def test_a_detail_view_writes_the_access_log(worker, case):
    response = open_case_detail(worker, case)
    assert response.status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.user, entry.kind, entry.case_id, entry.child_id) == (worker, "case", case.pk, case.child_id)


def test_a_refused_detail_view_writes_nothing(case):
    stranger = factories.UserFactory()
    assert open_case_detail(stranger, case).status_code == 404
    assert not AccessLog.objects.exists()


def test_the_access_log_cannot_be_changed_or_deleted(worker, case):
    entry = log_access(user=worker, case_id=case.pk, child_id=case.child_id)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).update(saw_sensitive=True)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).delete()
    assert AccessLog.objects.get().saw_sensitive is False


def test_the_supervisor_reads_the_case_history(api_client, supervisor, worker, case):
    case._history_user = supervisor
    case.form_of_care = "guardianship"
    case.save()
    api_client.force_authenticate(supervisor)
    response = api_client.get(f"/api/v1/access/cases/{case.pk}/history/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["history_type"] for row in rows] == ["changed", "created"]
    assert rows[0]["fields"]["form_of_care"] == "guardianship"
    assert rows[0]["history_user"]["id"] == supervisor.pk


def test_the_supervisor_reads_the_childs_history(api_client, supervisor, case):
    child = Child.objects.get(pk=case.child_id)
    child.sdq_total_difficulties = 18
    child.save()
    api_client.force_authenticate(supervisor)
    response = api_client.get(f"/api/v1/access/cases/{case.pk}/history/", {"of": "child"})
    assert response.status_code == 200
    assert response.json()["results"][0]["fields"]["sdq_total_difficulties"] == 18


def test_an_unknown_history_kind_answers_400(api_client, supervisor, case):
    api_client.force_authenticate(supervisor)
    response = api_client.get(f"/api/v1/access/cases/{case.pk}/history/", {"of": "secrets"})
    assert response.status_code == 400
    assert "of" in response.json()


def test_the_supervisor_reads_the_access_log(api_client, supervisor, worker, case, django_assert_max_num_queries):
    for _ in range(3):
        open_case_detail(worker, case)
    log_access(user=worker, child_id=case.child_id)
    api_client.force_authenticate(supervisor)
    with django_assert_max_num_queries(8):
        response = api_client.get(f"/api/v1/access/cases/{case.pk}/access-log/")
    assert response.status_code == 200
    assert response.json()["count"] == 4
    assert {row["user"]["id"] for row in response.json()["results"]} == {worker.pk}


@pytest.mark.parametrize("path", ["history", "access-log"])
def test_the_worker_may_not_read_the_audit_trail_of_their_case(api_client, worker, case, path):
    api_client.force_authenticate(worker)
    assert api_client.get(f"/api/v1/access/cases/{case.pk}/{path}/").status_code == 403


@pytest.mark.parametrize("path", ["history", "access-log"])
def test_a_supervisor_of_another_region_gets_404(api_client, case, path):
    stranger = factories.UserFactory(role="supervisor", unit=factories.DistrictFactory(region=factories.region_by_code("astana")))
    api_client.force_authenticate(stranger)
    assert api_client.get(f"/api/v1/access/cases/{case.pk}/{path}/").status_code == 404


@pytest.mark.parametrize("path", ["history", "access-log"])
def test_the_audit_api_is_read_only(api_client, supervisor, case, path):
    api_client.force_authenticate(supervisor)
    assert api_client.post(f"/api/v1/access/cases/{case.pk}/{path}/", {}, format="json").status_code == 405


def test_a_change_through_the_api_records_the_acting_user(api_client, worker, case):
    api_client.force_authenticate(worker)
    response = api_client.post(
        f"/api/v1/cases/{case.pk}/transition/", {"to_stage": "available", "form_of_care": "guardianship"}, format="json"
    )
    assert response.status_code == 200
    latest = Case.history.filter(id=case.pk).first()
    assert latest.stage == "available"
    assert latest.history_user == worker
