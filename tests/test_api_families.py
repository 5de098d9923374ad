"""/api/v1/families/."""

import datetime as dt

import pytest

from tests import factories
from tests.factories import valid_iin

URL = "/api/v1/families/"


@pytest.fixture
def client(api_client, worker):
    api_client.force_authenticate(worker)
    return api_client


def unit_families(worker, n):
    families = [factories.FamilyFactory(responsible_unit=worker.unit) for _ in range(n)]
    for family in families:
        # Each applicant their own birth date: the factory's IIN serials may repeat within one date.
        factories.ApplicantFactory(family=family, birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=family.pk % 5000))
    return families


def test_list_query_count_stays_constant(client, worker, django_assert_max_num_queries):
    unit_families(worker, 2)
    with django_assert_max_num_queries(5) as few:
        response = client.get(URL)
    assert response.json()["count"] == 2
    unit_families(worker, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.json()["results"]) == 22
    assert len(response.json()["results"][0]["applicants"]) == 1


def test_list_shows_only_the_units_families(client, worker):
    mine = unit_families(worker, 1)[0]
    factories.FamilyFactory()  # another district
    assert [r["id"] for r in client.get(URL).json()["results"]] == [mine.pk]


def test_filter_and_search(client, worker):
    a = factories.FamilyFactory(responsible_unit=worker.unit, form_of_care="guardianship")
    factories.ApplicantFactory(family=a, last_name="Omarova")
    b = factories.FamilyFactory(responsible_unit=worker.unit, form_of_care="adoption")
    factories.ApplicantFactory(family=b, last_name="Bekova")
    assert [r["id"] for r in client.get(URL, {"form_of_care": "guardianship"}).json()["results"]] == [a.pk]
    assert [r["id"] for r in client.get(URL, {"search": "bekova"}).json()["results"]] == [b.pk]


def test_unknown_or_invisible_family_is_404(client):
    assert client.get(f"{URL}{factories.FamilyFactory().pk}/").status_code == 404
    assert client.get(f"{URL}999999/").status_code == 404


def test_analyst_is_refused(api_client, analyst):
    api_client.force_authenticate(analyst)
    assert api_client.get(URL).status_code == 403


def applicant(**kwargs):
    birth = dt.date(1985, 2, 1)
    return {"last_name": "Ахметова", "first_name": "Жанна", "birth_date": birth.isoformat(), "sex": "F",
            "iin": valid_iin(birth, "F", 5000), **kwargs}


def test_create_family_with_duplicate_warning(client, worker):
    existing = factories.ApplicantFactory(last_name="Akhmetova", first_name="Zhanna", birth_date=dt.date(1985, 2, 1),
                                          family__responsible_unit=worker.unit)
    response = client.post(URL, {"applicants": [applicant()], "region": "almaty", "form_of_care": "adoption",
                                 "applied_on": "2026-02-01"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["family"]["responsible_unit"] == worker.unit_id
    assert body["family"]["applicants"][0]["last_name"] == "Ахметова"
    assert [(w["id"], w["reason"]) for w in body["duplicate_warnings"]] == [(existing.family_id, "same_birth_date_similar_name")]


def test_a_duplicate_family_of_another_unit_is_named_by_its_unit_only(client, worker):
    """Issue 14 item 6: no id, no name, no similarity; the unit to ask."""
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    existing = factories.ApplicantFactory(last_name="Akhmetova", first_name="Zhanna", birth_date=dt.date(1985, 2, 1),
                                          family__responsible_unit=astana, family__region=astana.region)
    response = client.post(URL, {"applicants": [applicant()], "region": "almaty", "form_of_care": "adoption",
                                 "applied_on": "2026-02-01"}, format="json")
    assert response.status_code == 201
    assert response.json()["duplicate_warnings"] == [
        {"kind": "family", "id": None, "reason": "same_birth_date_similar_name", "similarity": None, "unit": str(astana),
         "message": f"A possible duplicate is registered in unit {astana}; ask its supervisor."}]
    assert "Akhmetova" not in response.content.decode()
    assert f'"id":{existing.family_id}' not in response.content.decode().replace(" ", "")


def test_create_without_applicants_is_400(client):
    response = client.post(URL, {"applicants": [], "region": "almaty", "form_of_care": "adoption",
                                 "applied_on": "2026-02-01"}, format="json")
    assert response.status_code == 400
    assert "applicants" in response.json()


def test_applicant_iin_error_names_the_applicant(client):
    response = client.post(URL, {"applicants": [applicant(birth_date="1985-02-02")], "region": "almaty",
                                 "form_of_care": "adoption", "applied_on": "2026-02-01"}, format="json")
    assert response.status_code == 400
    assert "does not match the IIN" in response.json()["applicants.0.birth_date"][0]


def test_age_range_reversed_is_400_and_writes_nothing(client):
    response = client.post(URL, {"applicants": [applicant()], "region": "almaty", "form_of_care": "adoption",
                                 "applied_on": "2026-02-01", "preferred_age_min": 10, "preferred_age_max": 3}, format="json")
    assert response.status_code == 400
    assert "preferred_age_max" in response.json()
    assert client.get(URL).json()["count"] == 0
