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


def test_schema_and_docs_are_served_to_a_signed_in_user(client, worker):
    client.force_login(worker)
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # The Swagger UI comes from this site (no CDN), its start-up script as a file of its own.
    assert b"cdn.jsdelivr" not in docs.content
    assert b"<script>" not in docs.content and b"<style>" not in docs.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


@pytest.mark.parametrize("url", ["/api/schema/", "/api/schema/?format=json", "/api/docs/", "/api/docs/?script="])
def test_schema_and_docs_need_sign_in(client, url, settings):
    assert settings.API_DOCS_REQUIRE_SIGN_IN is True  # the default, in production too
    response = client.get(url)
    assert response.status_code == 403
    assert b"/api/v1/cases/" not in response.content


def test_schema_and_docs_need_sign_in_with_a_bad_token_too(client):
    response = client.get("/api/schema/", HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert response.status_code == 403


def test_schema_can_be_made_public_by_the_setting(client, settings):
    settings.API_DOCS_REQUIRE_SIGN_IN = False
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_every_operation_lists_the_errors_any_endpoint_can_give(client, worker):
    client.force_login(worker)
    schema = client.get("/api/schema/?format=json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"403", "429", "503"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if operation.get("requestBody"):
                assert {"400", "413"} <= codes, (method, path)
    cases = schema["paths"]["/api/v1/cases/"]["get"]["responses"]
    assert "400" in cases  # its filters can be wrong
    # The visit kit's package, its idempotent endpoint for records made offline and the conflicts (issue 22).
    assert {"/api/v1/visit-kit/package/", "/api/v1/visit-kit/records/", "/api/v1/visit-kit/conflicts/"} <= set(schema["paths"])
    assert {"200", "201", "400"} <= set(schema["paths"]["/api/v1/visit-kit/records/"]["post"]["responses"])


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_choice_a_model_may_leave_blank_is_documented_with_blank():
    """An output field of a model choice that may be blank (a placement's end reason before it
    ends) answers "": its enum must carry it (schemathesis' response check found two that did not)."""
    import django.urls
    from django.core.exceptions import FieldDoesNotExist
    from rest_framework import serializers as drf

    from core.serializers import ModelSerializer

    django.urls.get_resolver().url_patterns  # noqa: B018 - imports every API module
    checked = 0
    for serializer_class in _subclasses(ModelSerializer):
        model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        if model is None:
            continue
        for name, field in serializer_class().fields.items():
            try:
                model_field = model._meta.get_field(field.source or name)
            except FieldDoesNotExist:  # a computed field, not a model column
                continue
            if isinstance(field, drf.ChoiceField) and model_field.choices and model_field.blank:
                checked += 1
                assert field.allow_blank, f"{serializer_class.__name__}.{name}"
    assert checked >= 5


def test_sensitive_fields_are_not_required_in_the_answers_that_may_leave_them_out(api_client, worker):
    """A child's sensitive fields are left out for a user without view_sensitive: the schema must
    not call them required (schemathesis' stateful response check, as an administrator)."""
    from children.models import Child

    api_client.force_authenticate(worker)
    schemas = api_client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    required = set(schemas["ChildOutput"].get("required", []))
    assert "last_name" in required
    assert not required & set(Child.SENSITIVE_FIELDS)


def test_the_family_approval_actions_are_described(api_client, worker):
    """POST /api/v1/families/{id}/approval-request/ (no body), approve/ and refuse/ (a reason required):
    each answers the family, 400 for a refusal (stale decisions too), 403 and 404; the family shows the
    waiting request, why a request would be refused and the last decision."""
    api_client.force_authenticate(worker)
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    schemas = schema["components"]["schemas"]
    family = "#/components/schemas/FamilyOutput"
    for action, body in (("approval-request", None), ("approve", "FamilyApprovalInput"), ("refuse", "FamilyRefusalInput")):
        operation = schema["paths"][f"/api/v1/families/{{id}}/{action}/"]["post"]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == family
        assert {"400", "403", "404"} <= set(operation["responses"])
        if body is None:
            assert "requestBody" not in operation
        else:
            assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(f"/{body}")
    assert schemas["FamilyRefusalInput"]["required"] == ["reason"]
    assert "required" not in schemas["FamilyApprovalInput"]
    assert schemas["FamilyApprovalInput"]["properties"]["expires_on"]["format"] == "date"
    output = schemas["FamilyOutput"]["properties"]
    assert output["approval_requested_at"]["nullable"] is True
    assert output["approval_request_refusal"]["type"] == "string"
    assert output["last_approval_decision"]["nullable"] is True
    assert output["last_approval_decision"]["allOf"] == [{"$ref": "#/components/schemas/ApprovalDecisionOutput"}]
    assert set(schemas["ApprovalDecisionOutput"]["properties"]) == {
        "id", "approved", "reason", "decided_by", "decided_at", "approval_expires_on"}


def test_no_operation_is_described_by_a_developers_note(api_client, worker):
    """drf-spectacular describes an operation by its view's docstring, inherited too: the case and child
    endpoints showed AccessLoggedMixin's ('For a DRF detail view (RetrieveModelMixin) ... Set
    access_log_kind ...') on /api/docs/. Their viewsets now say what a reader of the API needs."""
    api_client.force_authenticate(worker)
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            description = operation.get("description", "")
            assert "RetrieveModelMixin" not in description and "access_log_kind" not in description, (method, path)
    for path in ("/api/v1/cases/{id}/", "/api/v1/cases/{id}/approve/", "/api/v1/children/{id}/"):
        description = next(iter(schema["paths"][path].values()))["description"]
        assert "written to the access log" in description, path
