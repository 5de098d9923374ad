"""Risk endpoints: a placement's risk with its factors, family events, the calibration report for
supervisors, and the evaluate_risk command."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from regions.models import Region
from risk.models import RiskAssessment
from risk.services import recompute_risk
from tests.factories import CaseFactory, ChildFactory, DistrictFactory, FamilyFactory, PlacementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def my_placement(worker):
    child = ChildFactory(sdq_total_difficulties=18)
    case = CaseFactory(child=child, assigned_worker=worker, responsible_unit=worker.unit, stage="placed")
    return PlacementFactory(case=case, child=child, family=FamilyFactory(responsible_unit=worker.unit))


def test_a_placements_risk_lists_the_factors_with_labels(api_client, worker, my_placement):
    recompute_risk(placement=my_placement, reason="assessment")
    api_client.force_authenticate(worker)
    response = api_client.get(f"/api/v1/risk/placements/{my_placement.pk}/")
    assert response.status_code == 200
    sdq = next(f for f in response.data["factors"] if f["factor"] == "sdq_high")
    assert sdq == {"factor": "sdq_high", "contribution": 25, "detail": "18", "label": "high behavioural difficulties (SDQ)"}
    assert response.data["score"] == sum(f["contribution"] for f in response.data["factors"])
    assert [h["reason"] for h in response.data["history"]] == ["assessment"]


def test_the_risk_of_an_invisible_placement_is_not_found(api_client, worker):
    api_client.force_authenticate(worker)
    assert api_client.get(f"/api/v1/risk/placements/{PlacementFactory().pk}/").status_code == 404


def test_recording_a_family_event_recomputes_the_risk(api_client, worker, my_placement):
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/risk/family-events/", {
        "family": my_placement.family_id, "kind": "job_loss", "occurred_on": timezone.localdate().isoformat()}, format="json")
    assert response.status_code == 201, response.data
    risk = api_client.get(f"/api/v1/risk/placements/{my_placement.pk}/").data
    assert "family_events" in [f["factor"] for f in risk["factors"]]
    listed = api_client.get("/api/v1/risk/family-events/").data["results"]
    assert [e["kind"] for e in listed] == ["job_loss"]


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "job_loss", "occurred_on": "2999-01-01"}, "occurred_on"),
    ({"kind": "lottery_win"}, "kind"),
])
def test_bad_family_events_answer_400(api_client, worker, my_placement, body, field):
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/risk/family-events/", {"family": my_placement.family_id, **body}, format="json")
    assert response.status_code == 400 and field in response.data


def test_a_family_event_for_an_invisible_family_is_refused(api_client, worker):
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/risk/family-events/", {"family": FamilyFactory().pk, "kind": "divorce"}, format="json")
    assert response.status_code == 400 and "family" in response.data


def closed_placement(unit, *, band_at_start: str, returned: bool, visit_bands=()):
    case = CaseFactory(responsible_unit=unit, stage="placed")
    placement = PlacementFactory(case=case, child=case.child, started_on=dt.date(2024, 1, 10), ended_on=dt.date(2025, 6, 1),
                                 end_reason="returned" if returned else "permanency",
                                 return_reason="family_conflict" if returned else "")
    RiskAssessment.objects.create(placement=placement, assessed_on=dt.date(2024, 1, 10), reason="placement_start",
                                  score=0, band=band_at_start)
    for i, band in enumerate(visit_bands):
        RiskAssessment.objects.create(placement=placement, assessed_on=dt.date(2024, 2 + i, 10), reason="visit", score=0, band=band)
    return placement


def test_calibration_shows_return_rates_by_band_for_the_supervisors_units(api_client, supervisor, district):
    closed_placement(district, band_at_start="high", returned=True, visit_bands=["high", "high"])
    closed_placement(district, band_at_start="high", returned=False, visit_bands=["medium"])
    closed_placement(district, band_at_start="low", returned=False, visit_bands=["low"])
    api_client.force_authenticate(supervisor)
    response = api_client.get("/api/v1/risk/calibration/")
    assert response.status_code == 200
    assert response.data["at_placement_start"] == [
        {"band": "low", "placements": 1, "returned": 0, "return_rate": 0.0},
        {"band": "medium", "placements": 0, "returned": 0, "return_rate": None},
        {"band": "high", "placements": 2, "returned": 1, "return_rate": 0.5},
    ]
    assert response.data["at_visits"][2] == {"band": "high", "placements": 2, "returned": 2, "return_rate": 1.0}


def test_calibration_leaves_out_other_units_history(api_client, supervisor):
    closed_placement(DistrictFactory(region=Region.objects.get(code="astana")), band_at_start="high", returned=True)
    api_client.force_authenticate(supervisor)
    assert sum(r["placements"] for r in api_client.get("/api/v1/risk/calibration/").data["at_placement_start"]) == 0


@pytest.mark.parametrize("role", ["worker", "analyst"])
def test_calibration_is_for_supervisors(api_client, request, role):
    api_client.force_authenticate(request.getfixturevalue(role))
    assert api_client.get("/api/v1/risk/calibration/").status_code == 403


def test_analysts_get_no_placement_risk(api_client, analyst, my_placement):
    api_client.force_authenticate(analyst)
    assert api_client.get(f"/api/v1/risk/placements/{my_placement.pk}/").status_code == 403


def test_evaluate_risk_prints_the_early_flag_share_and_the_flagged_share(district):
    flagged = closed_placement(district, band_at_start="high", returned=True)  # flagged 2024-01, returned 2025-06
    late = closed_placement(district, band_at_start="low", returned=True)
    RiskAssessment.objects.create(placement=late, assessed_on=dt.date(2025, 5, 1), reason="visit", score=60, band="high")
    closed_placement(district, band_at_start="low", returned=False)
    closed_placement(district, band_at_start="medium", returned=False)
    assert flagged.pk
    out = StringIO()
    call_command("evaluate_risk", stdout=out)
    text = out.getvalue()
    assert "Returns flagged high at least 60 days before: 1 of 2 (50.0%)" in text
    assert "Placements ever flagged high: 2 of 4 (50.0%)" in text


def test_an_sdq_assessment_updates_the_child_and_recomputes_the_risk(api_client, worker, my_placement):
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/risk/placements/{my_placement.pk}/assessment/", {"sdq_total_difficulties": 15},
                               format="json")
    assert response.status_code == 200, response.data
    assert "sdq_raised" in [f["factor"] for f in response.data["factors"]]
    assert response.data["history"][-1]["reason"] == "assessment"
    my_placement.child.refresh_from_db()
    assert my_placement.child.sdq_total_difficulties == 15


def test_an_sdq_score_out_of_range_is_refused(api_client, worker, my_placement):
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/risk/placements/{my_placement.pk}/assessment/", {"sdq_total_difficulties": 41},
                               format="json")
    assert response.status_code == 400 and "sdq_total_difficulties" in response.data


def test_the_family_event_list_runs_a_constant_number_of_queries(api_client, worker, my_placement,
                                                                  django_assert_max_num_queries):
    from risk.models import FamilyEvent

    for kind in ["new_birth", "divorce", "illness", "job_loss", "conflict", "move"] * 3:
        FamilyEvent.objects.create(family=my_placement.family, kind=kind, occurred_on=dt.date(2026, 1, 1), recorded_by=worker)
    api_client.force_authenticate(worker)
    with django_assert_max_num_queries(6):
        response = api_client.get("/api/v1/risk/family-events/")
    assert response.data["count"] == 18
