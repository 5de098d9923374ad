"""The visits API: a user lists only the visits of placements they may see, records a visit (which
recomputes the risk), gets a 400 with the field to fix on bad input, and analysts are refused."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import CaseFactory, PlacementFactory, VisitFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def my_placement(worker):
    case = CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage="placed")
    return PlacementFactory(case=case, child=case.child)


def record_body(**overrides):
    return {"done_on": timezone.localdate().isoformat(), "child_seen": True, "seen_by": "A. Worker",
            "child_condition": "good", "family_condition": "good", "checklist": {"child_healthy": True},
            "concerns": "", **overrides}


def test_a_worker_lists_only_the_visits_of_their_cases(api_client, worker, my_placement):
    mine = VisitFactory(placement=my_placement)
    VisitFactory()  # someone else's case
    api_client.force_authenticate(worker)
    response = api_client.get("/api/v1/visits/")
    assert response.status_code == 200
    assert [v["id"] for v in response.data["results"]] == [mine.pk]
    assert response.data["results"][0]["case"] == my_placement.case_id


def test_the_visit_list_runs_a_constant_number_of_queries(api_client, worker, my_placement, django_assert_max_num_queries):
    for days in range(30):
        VisitFactory(placement=my_placement, planned_on=timezone.localdate() + dt.timedelta(days=days))
    api_client.force_authenticate(worker)
    with django_assert_max_num_queries(8):
        response = api_client.get("/api/v1/visits/")
    assert response.data["count"] == 30


def test_a_visit_of_another_case_is_not_found(api_client, worker):
    api_client.force_authenticate(worker)
    assert api_client.get(f"/api/v1/visits/{VisitFactory().pk}/").status_code == 404


def test_recording_a_visit_stores_it_and_returns_the_new_risk(api_client, worker, my_placement):
    visit = VisitFactory(placement=my_placement, planned_on=timezone.localdate())
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/visits/{visit.pk}/record/", record_body(concerns="Sleeps badly."), format="json")
    assert response.status_code == 200, response.data
    assert response.data["done_on"] == timezone.localdate().isoformat()
    assert response.data["concerns"] == "Sleeps badly."  # the assigned worker may read sensitive fields
    assert response.data["risk"]["band"] in {"low", "medium", "high"}
    visit.refresh_from_db()
    assert (visit.worker, visit.seen_by, visit.checklist) == (worker, "A. Worker", {"child_healthy": True})


def test_recording_twice_is_refused_with_the_field_to_fix(api_client, worker, my_placement):
    visit = VisitFactory(placement=my_placement, planned_on=timezone.localdate())
    api_client.force_authenticate(worker)
    api_client.post(f"/api/v1/visits/{visit.pk}/record/", record_body(), format="json")
    response = api_client.post(f"/api/v1/visits/{visit.pk}/record/", record_body(), format="json")
    assert response.status_code == 400
    assert "done_on" in response.data


@pytest.mark.parametrize(("overrides", "field"), [
    ({"done_on": "2999-01-01"}, "done_on"),
    ({"seen_by": ""}, "seen_by"),
    ({"child_seen": False, "seen_by": ""}, "concerns"),
    ({"checklist": {"unknown_item": True}}, "checklist"),
    ({"child_condition": "fine"}, "child_condition"),
])
def test_bad_visit_records_answer_400_and_change_nothing(api_client, worker, my_placement, overrides, field):
    visit = VisitFactory(placement=my_placement, planned_on=timezone.localdate())
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/visits/{visit.pk}/record/", record_body(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.data
    assert Visit.objects.get(pk=visit.pk).done_on is None


def test_analysts_are_refused(api_client, analyst):
    api_client.force_authenticate(analyst)
    assert api_client.get("/api/v1/visits/").status_code == 403


def test_a_visit_left_undone_on_a_placement_that_has_ended_is_not_overdue(api_client, worker, my_placement):
    today = timezone.localdate()
    open_late = VisitFactory(placement=my_placement, planned_on=today - dt.timedelta(days=5))
    ended = PlacementFactory(case=CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage="placed"),
                             started_on=today - dt.timedelta(days=200))
    missed = VisitFactory(placement=ended, planned_on=today - dt.timedelta(days=50))
    ended.ended_on, ended.end_reason = today - dt.timedelta(days=10), "permanency"
    ended.save()
    api_client.force_authenticate(worker)
    overdue = {v["id"]: v["overdue"] for v in api_client.get("/api/v1/visits/").data["results"]}
    assert overdue[open_late.pk] is True
    assert overdue[missed.pk] is False
