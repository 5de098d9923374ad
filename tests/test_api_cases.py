"""/api/v1/cases/: list, detail with history, and the workflow actions."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import DecisionStatus, Stage
from tests import factories

URL = "/api/v1/cases/"


@pytest.fixture
def client(api_client, worker):
    api_client.force_authenticate(worker)
    return api_client


@pytest.fixture
def case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)


def test_list_query_count_stays_constant(client, worker, django_assert_max_num_queries):
    factories.CaseFactory(assigned_worker=worker)
    with django_assert_max_num_queries(4) as few:
        assert client.get(URL).json()["count"] == 1
    for day in range(20):
        factories.CaseFactory(assigned_worker=worker, stage=Stage.AVAILABLE, form_of_care="adoption",
                              child__birth_date=dt.date(2015, 1, 1) + dt.timedelta(days=day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 21
    assert client.get(URL, {"stage": "available"}).json()["count"] == 20


def test_supervisor_sees_the_units_cases(api_client, supervisor, worker):
    factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    factories.CaseFactory(responsible_unit=factories.DistrictFactory(region=factories.region_by_code("astana")))
    api_client.force_authenticate(supervisor)
    assert api_client.get(URL).json()["count"] == 1


def test_detail_shows_the_history(client, case):
    client.post(f"{URL}{case.pk}/transition/", {"to_stage": "available", "form_of_care": "adoption", "reason": "documents"},
                format="json")
    body = client.get(f"{URL}{case.pk}/").json()
    assert (body["stage"], body["form_of_care"], body["version"]) == ("available", "adoption", 2)
    assert [(h["from_stage"], h["to_stage"], h["reason"]) for h in body["history"]] == [
        ("registered", "available", "documents")]


def test_transition_guard_answers_400_with_the_field(client, case):
    response = client.post(f"{URL}{case.pk}/transition/", {"to_stage": "matching"}, format="json")
    assert response.status_code == 400
    assert "cannot move from" in response.json()["to_stage"][0]


def test_transition_with_bad_input(client, case):
    response = client.post(f"{URL}{case.pk}/transition/", {"to_stage": "paradise", "family": 999999}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"to_stage", "family"}


def test_transition_with_a_stale_version(client, case):
    response = client.post(f"{URL}{case.pk}/transition/",
                           {"to_stage": "available", "form_of_care": "adoption", "expected_version": 7}, format="json")
    assert response.status_code == 400
    assert "changed by someone else" in response.json()["expected_version"][0]


def test_actions_on_unknown_or_invisible_cases_are_404(client):
    other = factories.CaseFactory()
    for url in (f"{URL}{other.pk}/", f"{URL}999999/", f"{URL}999999/matches/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{URL}{other.pk}/transition/", {"to_stage": "available"}, format="json").status_code == 404


def test_analyst_is_refused(api_client, analyst):
    api_client.force_authenticate(analyst)
    assert api_client.get(URL).status_code == 403


def test_supervisor_approves_through_the_api(api_client, supervisor, worker):
    family = factories.FamilyFactory()
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION,
                                 form_of_care="adoption", decision_family=family, decision_status=DecisionStatus.PENDING)
    api_client.force_authenticate(worker)
    refused = api_client.post(f"{URL}{case.pk}/approve/", {"approve": True}, format="json")
    assert refused.status_code == 400
    assert "Only a supervisor" in refused.json()["non_field_errors"][0]
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"{URL}{case.pk}/approve/", {"approve": True, "reason": "fine"}, format="json")
    assert response.status_code == 200
    assert (response.json()["decision_status"], response.json()["decision_reviewed_by"]) == ("approved", supervisor.pk)


def test_approve_needs_a_boolean(api_client, supervisor, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"{URL}{case.pk}/approve/", {}, format="json")
    assert response.status_code == 400
    assert "approve" in response.json()


def test_matches_are_ranked_and_explained(client, worker):
    birth = timezone.localdate() - dt.timedelta(days=365 * 6)
    case = factories.CaseFactory(assigned_worker=worker, stage=Stage.MATCHING, form_of_care="adoption",
                                 child__birth_date=birth)
    near = factories.FamilyFactory(region=case.child.region)
    far = factories.FamilyFactory(region=factories.region_by_code("astana"))
    body = client.get(f"{URL}{case.pk}/matches/").json()
    assert [r["family"] for r in body["results"]] == [near.pk, far.pk]
    assert body["has_next"] is False
    assert [f["factor"] for f in body["results"][0]["factors"]] == [
        "form_of_care", "age", "sex", "siblings", "health", "region", "waiting"]


def test_matches_for_a_case_not_in_matching_is_400(client, case):
    response = client.get(f"{URL}{case.pk}/matches/")
    assert response.status_code == 400
    assert "matching stage" in response.json()["non_field_errors"][0]


def test_sibling_separation_is_recorded(client, worker, supervisor, api_client):
    group = factories.SiblingGroupFactory()
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__sibling_group=group)
    response = client.post(f"{URL}{case.pk}/sibling-separation/", {"reason": "medical needs"}, format="json")
    assert response.status_code == 201
    assert response.json()["reason"] == "medical needs"
    assert [d["reason"] for d in client.get(f"{URL}{case.pk}/").json()["sibling_separation_decisions"]] == ["medical needs"]
    assert client.post(f"{URL}{case.pk}/sibling-separation/", {}, format="json").status_code == 400


def test_matches_query_count_does_not_grow_with_families(client, worker, django_assert_max_num_queries):
    case = factories.CaseFactory(assigned_worker=worker, stage=Stage.MATCHING, form_of_care="adoption")
    factories.FamilyFactory()
    # 12: 8 for the ranking, and the viewer's policy (issue 14): may they see the health factor,
    # which families may be named (the grants, the visible families), the named ones' applicants.
    with django_assert_max_num_queries(12) as few:
        assert len(client.get(f"{URL}{case.pk}/matches/").json()["results"]) == 1
    for _ in range(25):
        factories.FamilyFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(f"{URL}{case.pk}/matches/").json()
    assert (len(body["results"]), body["has_next"]) == (20, True)
    assert len(client.get(f"{URL}{case.pk}/matches/", {"page": 2}).json()["results"]) == 6
