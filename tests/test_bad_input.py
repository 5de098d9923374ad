"""Zero 5xx for any input: text that PostgreSQL cannot store (NUL), a lone surrogate, JSON nested
without bound, dates that overflow in UTC and UTC offsets PostgreSQL refuses get a clean 400 with
the field named, in JSON bodies, forms, query strings and the pages."""

import json

import pytest

from core.input import depth_of, unstorable_paths
from tests import factories

pytestmark = pytest.mark.django_db

UNSTORABLE = "This text has a character that cannot be stored (a NUL or an unpaired surrogate); remove it."


@pytest.fixture
def case(worker, district):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=district)


def post_raw(api_client, url: str, raw: str):
    """``raw`` JSON text as sent on the wire (lone surrogates as \\ud800 escapes are legal JSON)."""
    return api_client.post(url, data=raw.encode(), content_type="application/json")


# The inputs of the probe


def test_nul_in_a_text_field(api_client, worker):
    api_client.force_authenticate(worker)
    response = post_raw(api_client, "/api/v1/children/", '{"region": "a\\u0000", "last_name": "Abenov"}')
    assert response.status_code == 400
    assert response.json() == {"region": [UNSTORABLE]}


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/children/", "sex"), ("/api/v1/children/", "legal_status"), ("/api/v1/families/", "form_of_care"),
    ("/api/v1/families/", "preferred_sex"),
])
def test_a_lone_surrogate_in_a_choice_field(api_client, worker, url, field):
    api_client.force_authenticate(worker)
    response = post_raw(api_client, url, json.dumps({field: "PLACEHOLDER"}).replace("PLACEHOLDER", "\\ud800"))
    assert response.status_code == 400
    assert response.json() == {field: [UNSTORABLE]}


def test_a_lone_surrogate_in_a_key_or_nested_value(api_client, worker):
    api_client.force_authenticate(worker)
    response = post_raw(api_client, "/api/v1/families/", '{"applicants": [{"last_name": "\\udfff"}], "\\ud800": 1}')
    assert response.status_code == 400
    assert set(response.json()) == {"applicants.0.last_name", "non_field_errors"}


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_json_nested_deep(api_client, worker, depth):
    api_client.force_authenticate(worker)
    response = post_raw(api_client, "/api/v1/children/", "[" * depth + "]" * depth)
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON nested deeper than 32 levels is not accepted."}


def test_json_nested_within_the_limit_is_parsed(api_client, worker):
    api_client.force_authenticate(worker)
    response = post_raw(api_client, "/api/v1/children/", '{"last_name": ' + "[" * 30 + "]" * 30 + "}")
    assert response.status_code == 400
    assert "last_name" in response.json()  # the serializer's own message: not a string


@pytest.mark.parametrize("expires_at", ["0001-01-01", "0001-01-01T00:00:00", "9999-12-31T23:59:59-05:00"])
def test_an_expiry_that_overflows(api_client, supervisor, worker, case, expires_at):
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/v1/access/cases/{case.pk}/share/", {"user": worker.pk, "expires_at": expires_at},
                               format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["expires_at"]


def test_an_offset_postgresql_refuses_in_a_date_time_filter(api_client, worker, case):
    api_client.force_authenticate(worker)
    response = api_client.get("/api/v1/cases/", {"in_stage_since_before": "7788-10-24T15:30:51.3-22:28"})
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [case.pk]  # read as 7788-10-25 13:58 UTC


def test_a_date_time_filter_that_overflows(api_client, worker, case):
    api_client.force_authenticate(worker)
    response = api_client.get("/api/v1/cases/", {"in_stage_since_before": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 400
    assert list(response.json()) == ["in_stage_since_before"]


# Siblings: query strings and forms


@pytest.mark.parametrize("query", [
    "region=a%00", "search=a%00", "ordering=a%00", "stage=%00", "a%00=1", "page=1%00",
])
def test_nul_in_a_query_string_of_the_api(api_client, worker, query):
    api_client.force_authenticate(worker)
    response = api_client.get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert list(response.json().values()) == [[UNSTORABLE]]


def test_nul_in_a_multipart_form_field(api_client, worker, case, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/documents/", {
        "doc_type": "court_decision\x00", "document_date": "2025-03-01", "case": case.pk,
        "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"doc_type": [UNSTORABLE]}


def test_nul_in_a_urlencoded_api_form(api_client, worker):
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/children/", "last_name=a%00b&sex=M", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json() == {"last_name": [UNSTORABLE]}


@pytest.mark.parametrize("url", ["/cases/?q=a%00", "/cases/?stage=%00", "/notifications/?kind=%00"])
def test_nul_in_a_query_string_of_a_page(client, worker, url):
    client.force_login(worker)
    response = client.get(url)
    assert response.status_code == 400
    assert UNSTORABLE in response.content.decode()


def test_nul_in_a_pages_form(client, worker):
    response = client.post("/accounts/login/", {"username": "a\x00", "password": "b"})
    assert response.status_code == 400


def test_nul_in_the_admins_search(client, district):
    admin = factories.UserFactory(role="administrator", unit=district, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/children/child/?q=a%00").status_code == 400


def test_a_clean_unicode_text_is_accepted(api_client, worker):
    api_client.force_authenticate(worker)
    response = api_client.get("/api/v1/cases/", {"search": "Әбенов 👶"})
    assert response.status_code == 200


# The helpers


def test_unstorable_paths_and_depth_walk_without_recursion():
    deep: list = []
    node = deep
    for _ in range(50_000):
        node.append([])
        node = node[0]
    assert depth_of(deep) == 33  # stops counting past the limit
    assert list(unstorable_paths({"a": [{"b": "x\x00"}], "c": "ok"})) == ["a.0.b"]
