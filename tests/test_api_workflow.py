"""The whole path through the API: register, move, match, decide, approve, place, return."""

import datetime as dt

from django.utils import timezone

from tests import factories
from tests.factories import valid_iin


def test_from_registration_to_return_and_back_to_available(api_client, worker, supervisor):
    family = factories.FamilyFactory(region=worker.unit.region)
    home = factories.ChildrensHomeFactory(region=worker.unit.region)
    api_client.force_authenticate(worker)
    birth = dt.date(2019, 8, 1)
    created = api_client.post("/api/v1/children/", {
        "last_name": "Omarov", "first_name": "Timur", "birth_date": birth.isoformat(), "sex": "M",
        "iin": valid_iin(birth, "M", 321), "legal_status": "orphan", "region": "almaty", "current_home": home.pk,
        "entered_care_on": "2024-02-01"}, format="json")
    assert created.status_code == 201
    case_url = f"/api/v1/cases/{created.json()['case_id']}/"

    for step in ({"to_stage": "available", "form_of_care": "adoption"}, {"to_stage": "matching"}):
        assert api_client.post(f"{case_url}transition/", step, format="json").status_code == 200
    matches = api_client.get(f"{case_url}matches/").json()["results"]
    assert matches[0]["family"] == family.pk
    # The family of another district is chosen for acquaintance (issue 14): the case moves on and
    # the family becomes known to the worker, who may then name it in the decision.
    assert api_client.post(f"{case_url}acquaintances/", {"family": family.pk}, format="json").status_code == 201
    decided = api_client.post(f"{case_url}transition/", {"to_stage": "decision", "family": family.pk}, format="json")
    assert decided.json()["decision_status"] == "pending"

    assert api_client.post("/api/v1/placements/", {"case": decided.json()["id"]}, format="json").status_code == 400
    api_client.force_authenticate(supervisor)
    assert api_client.post(f"{case_url}approve/", {"approve": True}, format="json").status_code == 200
    api_client.force_authenticate(worker)
    placed = api_client.post("/api/v1/placements/", {"case": decided.json()["id"], "decision_document_number": "2-9/26",
                                                     "decision_date": timezone.localdate().isoformat()}, format="json")
    assert placed.status_code == 201
    assert api_client.get(f"/api/v1/children/{created.json()['child']['id']}/").json()["current_home"] is None

    ended = api_client.post(f"/api/v1/placements/{placed.json()['id']}/end/", {
        "ended_on": timezone.localdate().isoformat(), "end_reason": "returned", "return_reason": "child_behaviour"},
        format="json")
    assert ended.status_code == 200
    case = api_client.get(case_url).json()
    assert case["stage"] == "available"
    assert [h["to_stage"] for h in case["history"]] == [
        "registered", "available", "matching", "acquaintance", "decision", "placed", "available"]
    assert api_client.get(f"/api/v1/children/{created.json()['child']['id']}/").json()["current_home"] == home.pk
