"""/api/v1/children/ and /api/v1/homes/."""

import datetime as dt

import pytest

from tests import factories
from tests.factories import valid_iin

URL = "/api/v1/children/"


@pytest.fixture
def client(api_client, worker):
    api_client.force_authenticate(worker)
    return api_client


def my_cases(worker, n):
    # Each child its own birth date: the factory's IIN serials may repeat within one birth date.
    start = dt.date(2014, 1, 1) + dt.timedelta(days=n * 40)
    return [factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit,
                                  child__birth_date=start + dt.timedelta(days=i)) for i in range(n)]


def test_list_shows_only_the_workers_children(client, worker):
    mine = my_cases(worker, 2)
    factories.CaseFactory()  # someone else's
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert {row["id"] for row in response.json()["results"]} == {c.child_id for c in mine}


def test_list_query_count_stays_constant(client, worker, django_assert_max_num_queries):
    my_cases(worker, 2)
    with django_assert_max_num_queries(4) as few:
        assert client.get(URL).status_code == 200
    my_cases(worker, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 22


def test_filter_search_and_ordering(client, worker):
    a = factories.CaseFactory(assigned_worker=worker, child__last_name="Abenov", child__sex="M").child
    b = factories.CaseFactory(assigned_worker=worker, child__last_name="Zhunusova", child__sex="F").child
    assert [r["id"] for r in client.get(URL, {"sex": "F"}).json()["results"]] == [b.pk]
    assert [r["id"] for r in client.get(URL, {"search": "abenov"}).json()["results"]] == [a.pk]
    assert [r["id"] for r in client.get(URL, {"ordering": "-last_name"}).json()["results"]] == [b.pk, a.pk]


def test_detail_of_an_invisible_child_is_404(client):
    other = factories.CaseFactory().child
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert client.get(f"{URL}999999/").status_code == 404


def test_analyst_is_refused(api_client, analyst):
    api_client.force_authenticate(analyst)
    assert api_client.get(URL).status_code == 403
    assert api_client.get("/api/v1/homes/").status_code == 403


def test_anonymous_is_refused(api_client):
    assert api_client.get(URL).status_code in (401, 403)


def payload(**kwargs):
    data = {"last_name": "Нұрланов", "first_name": "Арман", "birth_date": "2016-05-17", "sex": "M",
            "iin": valid_iin(dt.date(2016, 5, 17), "M", 4000), "legal_status": "orphan",
            "region": "almaty", "entered_care_on": "2023-01-10"}
    return {**data, **kwargs}


def test_create_registers_the_child_with_a_case(client, worker):
    response = client.post(URL, payload(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["child"]["last_name"] == "Нұрланов"
    assert body["duplicate_warnings"] == []
    assert client.get(f"/api/v1/cases/{body['case_id']}/").json()["stage"] == "registered"


def test_create_warns_of_a_likely_duplicate_the_worker_sees_by_its_id(client, worker):
    existing = factories.CaseFactory(
        assigned_worker=worker, responsible_unit=worker.unit,
        child__last_name="Nurlanov", child__first_name="Arman", child__birth_date=dt.date(2016, 5, 17),
    ).child
    response = client.post(URL, payload(iin=""), format="json")
    assert response.status_code == 201
    assert response.json()["duplicate_warnings"] == [
        {"kind": "child", "id": existing.pk, "reason": "same_birth_date_similar_name", "similarity": 100.0,
         "unit": str(worker.unit), "message": f"A possible duplicate: child №\u00a0{existing.pk}."}]


def test_a_duplicate_in_another_unit_is_named_by_its_unit_only(client, worker):
    """Issue 14 item 6: another unit's child is neither named nor numbered; ask its supervisor."""
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    existing = factories.CaseFactory(
        responsible_unit=astana, child__region=astana.region,
        child__last_name="Nurlanov", child__first_name="Arman", child__birth_date=dt.date(2016, 5, 17),
    ).child
    response = client.post(URL, payload(iin=""), format="json")
    assert response.status_code == 201
    assert response.json()["duplicate_warnings"] == [
        {"kind": "child", "id": None, "reason": "same_birth_date_similar_name", "similarity": None, "unit": str(astana),
         "message": f"A possible duplicate is registered in unit {astana}; ask its supervisor."}]
    assert existing.pk not in [w["id"] for w in response.json()["duplicate_warnings"]]
    assert "Nurlanov" not in response.content.decode()


def test_create_with_a_wrong_iin_answers_400_field_by_field(client):
    response = client.post(URL, payload(iin="123456789012", sex="X"), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"sex"}
    wrong_check_digit = payload()["iin"][:11] + str((int(payload()["iin"][11]) + 1) % 10)
    response = client.post(URL, payload(iin=wrong_check_digit), format="json")
    assert response.status_code == 400
    assert "check digit" in response.json()["iin"][0]


def test_create_with_iin_not_matching_birth_date(client):
    response = client.post(URL, payload(birth_date="2016-05-18"), format="json")
    assert response.status_code == 400
    assert "does not match the IIN" in response.json()["birth_date"][0]


def test_create_with_an_iin_already_registered(client):
    client.post(URL, payload(), format="json")
    response = client.post(URL, payload(last_name="Other"), format="json")
    assert response.status_code == 400
    assert response.json() == {"iin": ["A child with this IIN is already registered."]}


def test_create_for_another_region_unit_is_refused(client):
    foreign = factories.DistrictFactory(region=factories.region_by_code("astana"))
    response = client.post(URL, payload(responsible_unit=foreign.pk), format="json")
    assert response.status_code == 400
    assert "responsible_unit" in response.json()


def test_create_with_unknown_region_and_home(client):
    response = client.post(URL, payload(region="atlantis", current_home=999999), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"region", "current_home"}


def test_homes_list_query_count_and_filter(client, django_assert_max_num_queries):
    factories.ChildrensHomeFactory(region=factories.region_by_code("astana"))
    with django_assert_max_num_queries(3) as few:
        assert client.get("/api/v1/homes/").status_code == 200
    for _ in range(15):
        factories.ChildrensHomeFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/homes/").json()["count"] == 16
    assert client.get("/api/v1/homes/", {"region": "astana"}).json()["count"] == 1
    assert client.get("/api/v1/homes/999999/").status_code == 404


def test_entering_care_before_birth_names_the_field(client):
    response = client.post(URL, payload(entered_care_on="2010-01-01"), format="json")
    assert response.status_code == 400
    assert response.json() == {"entered_care_on": ["A child cannot enter care before their birth date."]}


def test_assigned_worker_from_another_unit_is_refused(client):
    stranger = factories.UserFactory()
    response = client.post(URL, payload(assigned_worker=stranger.pk), format="json")
    assert response.status_code == 400
    assert "assigned_worker" in response.json()
