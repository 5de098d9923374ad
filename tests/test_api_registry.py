"""/api/v1/registry/import/ (upload) and /api/v1/auth/token/."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case
from children.models import Child
from tests.factories import valid_iin

URL = "/api/v1/registry/import/"
HEADER = "last_name,first_name,birth_date,sex,iin,legal_status,region,entered_care_on,responsible_unit"


def row(last_name, birth, serial, unit):
    return f"{last_name},Arman,{birth.isoformat()},M,{valid_iin(birth, 'M', serial)},orphan,almaty,2023-01-10,{unit}"


def upload(lines):
    return SimpleUploadedFile("children.csv", ("\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


@pytest.fixture
def client(api_client, supervisor):
    api_client.force_authenticate(supervisor)
    return api_client


def test_upload_imports_a_good_file(client, supervisor):
    unit = supervisor.unit.code
    response = client.post(URL, {"kind": "children", "file": upload([HEADER, row("A", dt.date(2015, 1, 1), 1, unit),
                                                                      row("B", dt.date(2016, 1, 1), 1, unit)])},
                           format="multipart")
    assert response.status_code == 200
    assert (response.json()["imported"], response.json()["accepted_lines"]) == (2, [2, 3])
    assert Case.objects.filter(responsible_unit=supervisor.unit).count() == 2


def test_upload_with_a_bad_row_imports_nothing_and_reports_it(client, supervisor):
    unit = supervisor.unit.code
    bad = row("B", dt.date(2016, 1, 1), 1, "dept-astana")  # a unit outside the supervisor's region
    response = client.post(URL, {"kind": "children", "file": upload([HEADER, row("A", dt.date(2015, 1, 1), 1, unit), bad])},
                           format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["rejected"] == [{"line": 3, "errors": {"responsible_unit": ["You cannot register records for this unit."]}}]
    assert body["imported"] == 0
    assert Child.objects.count() == 0


def test_upload_partial_imports_the_good_rows(client, supervisor):
    unit = supervisor.unit.code
    bad = row("B", dt.date(2016, 1, 1), 1, "no-such-unit")
    response = client.post(URL, {"kind": "children", "partial": "true",
                                 "file": upload([HEADER, row("A", dt.date(2015, 1, 1), 1, unit), bad])}, format="multipart")
    assert response.status_code == 200
    assert (response.json()["imported"], response.json()["rejected_rows"]) == (1, 1)


def test_upload_with_a_wrong_header_or_kind(client):
    response = client.post(URL, {"kind": "children", "file": upload(["name,surname", "a,b"])}, format="multipart")
    assert response.status_code == 400
    assert "Wrong header" in response.json()["file"][0]
    response = client.post(URL, {"kind": "pets", "file": upload([HEADER])}, format="multipart")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_upload_without_a_file(client):
    response = client.post(URL, {"kind": "children"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_analyst_cannot_import(api_client, analyst):
    api_client.force_authenticate(analyst)
    assert api_client.post(URL, {"kind": "children", "file": upload([HEADER])}, format="multipart").status_code == 403


def test_token_is_issued_and_authenticates(api_client, worker):
    response = api_client.post("/api/v1/auth/token/", {"username": worker.username, "password": "pass-for-tests-1"},
                               format="json")
    assert response.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get("/api/v1/cases/").status_code == 200


def test_token_with_a_wrong_password_is_400(api_client, worker):
    response = api_client.post("/api/v1/auth/token/", {"username": worker.username, "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
