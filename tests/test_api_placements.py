"""/api/v1/placements/: placing through the API, ending, and the list."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, DecisionStatus, Stage
from tests import factories

URL = "/api/v1/placements/"
# The decision a placement rests on (needed), dated before the placement starts.
DECISION = {"decision_document_number": "П-2026-0000042", "decision_date": (dt.date.today() - dt.timedelta(days=1)).isoformat()}
TODAY = timezone.localdate


def decision_before(started_on: dt.date) -> dict:
    return {**DECISION, "decision_date": (started_on - dt.timedelta(days=1)).isoformat()}


@pytest.fixture
def client(api_client, worker):
    api_client.force_authenticate(worker)
    return api_client


def approved_case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION,
                                 form_of_care="adoption", decision_family=factories.FamilyFactory(),
                                 decision_status=DecisionStatus.APPROVED)


def test_place_through_the_api(client, worker):
    case = approved_case(worker)
    response = client.post(URL, {"case": case.pk, "decision_document_number": "2-77/26", "decision_date": TODAY().isoformat()},
                           format="json")
    assert response.status_code == 201
    assert (response.json()["family"], response.json()["started_on"]) == (case.decision_family_id, TODAY().isoformat())
    assert Case.objects.get(pk=case.pk).stage == "placed"


def test_place_a_case_not_visible_is_400(client):
    other = approved_case(factories.UserFactory())
    response = client.post(URL, {"case": other.pk}, format="json")
    assert response.status_code == 400
    assert "case" in response.json()


def test_place_without_approval_is_400_and_writes_nothing(client, worker):
    case = approved_case(worker)
    case.decision_status = DecisionStatus.PENDING
    case.save()
    response = client.post(URL, {"case": case.pk}, format="json")
    assert response.status_code == 400
    assert client.get(URL).json()["count"] == 0


def test_return_through_the_api(client, worker):
    case = approved_case(worker)
    started_on = TODAY() - dt.timedelta(days=30)
    placement_id = client.post(URL, {"case": case.pk, "started_on": started_on.isoformat(), **decision_before(started_on)},
                               format="json").json()["id"]
    response = client.post(f"{URL}{placement_id}/end/", {"ended_on": TODAY().isoformat(), "end_reason": "returned",
                                                         "return_reason": "family_conflict"}, format="json")
    assert response.status_code == 200
    assert response.json()["end_reason"] == "returned"
    case_body = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert case_body["stage"] == "available"
    assert [h["to_stage"] for h in case_body["history"]] == ["placed", "available"]


def test_end_without_return_reason_is_400(client, worker):
    placement = factories.PlacementFactory(case__assigned_worker=worker)
    response = client.post(f"{URL}{placement.pk}/end/", {"ended_on": TODAY().isoformat(), "end_reason": "returned"},
                           format="json")
    assert response.status_code == 400
    assert response.json() == {"return_reason": ["Say why the child was returned to an institution."]}


def test_end_with_bad_input_is_400(client, worker):
    placement = factories.PlacementFactory(case__assigned_worker=worker)
    response = client.post(f"{URL}{placement.pk}/end/", {"ended_on": "yesterday", "end_reason": "bored"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"ended_on", "end_reason"}


def test_unknown_placement_is_404(client):
    assert client.get(f"{URL}999999/").status_code == 404
    assert client.post(f"{URL}999999/end/", {}, format="json").status_code == 404
    assert client.get(f"{URL}{factories.PlacementFactory().pk}/").status_code == 404


def test_list_query_count_stays_constant(client, worker, django_assert_max_num_queries):
    factories.PlacementFactory(case__assigned_worker=worker)
    with django_assert_max_num_queries(4) as few:
        assert client.get(URL).json()["count"] == 1
    for day in range(20):
        factories.PlacementFactory(case__assigned_worker=worker,
                                   case__child__birth_date=dt.date(2015, 1, 1) + dt.timedelta(days=day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 21
    assert client.get(URL, {"active": "true", "form_of_care": "adoption"}).json()["count"] == 21


def test_analyst_is_refused(api_client, analyst):
    api_client.force_authenticate(analyst)
    assert api_client.get(URL).status_code == 403


def test_move_to_another_family_through_the_api_keeps_the_case_open(client, worker):
    case = approved_case(worker)
    started_on = TODAY() - dt.timedelta(days=60)
    placement_id = client.post(URL, {"case": case.pk, "started_on": started_on.isoformat(), **decision_before(started_on)},
                               format="json").json()["id"]
    other = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    response = client.post(f"{URL}{placement_id}/move/", {"family": other.pk, "moved_on": TODAY().isoformat(),
                                                          "reason": "The first family moved abroad.", **DECISION}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["family"], response.json()["ended_on"]) == (other.pk, None)
    assert client.get(f"{URL}{placement_id}/").json()["end_reason"] == "moved"
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["stage"] == "placed"


def test_move_to_a_family_the_worker_cannot_see_is_400(client, worker):
    case = approved_case(worker)
    placement_id = client.post(URL, {"case": case.pk, **DECISION}, format="json").json()["id"]
    hidden = factories.FamilyFactory(form_of_care="adoption", region=factories.region_by_code("astana"))
    response = client.post(f"{URL}{placement_id}/move/", {"family": hidden.pk, "moved_on": TODAY().isoformat(), **DECISION},
                           format="json")
    assert response.status_code == 400
    assert "family" in response.json()


def test_reentry_through_the_api_opens_a_case_that_follows_the_closed_one(client, worker):
    closed = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.CLOSED,
                                   outcome="reunified", closed_on=TODAY() - dt.timedelta(days=100),
                                   opened_on=TODAY() - dt.timedelta(days=300))
    response = client.post(f"/api/v1/cases/{closed.pk}/reentry/", {"opened_on": TODAY().isoformat()}, format="json")
    assert response.status_code == 201, response.content
    new = Case.objects.get(pk=response.json()["id"])
    assert (new.follows_id, new.child_id, new.stage) == (closed.pk, closed.child_id, Stage.REGISTERED)
    again = client.post(f"/api/v1/cases/{closed.pk}/reentry/", {}, format="json")
    assert again.status_code == 400  # the child now has an open case
