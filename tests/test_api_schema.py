"""The OpenAPI schema describes every endpoint: it generates without a warning and validates."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings_and_validates(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    text = target.read_text()
    for path in ("/api/v1/children/", "/api/v1/cases/{id}/transition/", "/api/v1/placements/{id}/end/", "/api/v1/visits/"):
        assert path in text


def test_schema_and_docs_are_served(client, django_user_model):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
