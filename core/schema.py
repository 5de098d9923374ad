"""Error responses shared by every endpoint's OpenAPI description."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

VALIDATION_ERROR = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Bad input or a broken rule: an object mapping each field (or non_field_errors) to its messages.",
    examples=[OpenApiExample("field errors", value={"family": ["The family's approval expired or is missing on 2026-11-25."]})],
)
FORBIDDEN = OpenApiResponse(OpenApiTypes.OBJECT, description="Not signed in, or an analyst (who sees statistics only).",
                            examples=[OpenApiExample("forbidden", value={"detail": "Analysts see anonymized statistics only."})])
NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description="No such record among those you may see.",
                            examples=[OpenApiExample("not found", value={"detail": "No Case matches the given query."})])

READ_ERRORS = {403: FORBIDDEN, 404: NOT_FOUND}
LIST_ERRORS = {400: VALIDATION_ERROR, 403: FORBIDDEN}
WRITE_ERRORS = {400: VALIDATION_ERROR, 403: FORBIDDEN, 404: NOT_FOUND}
CREATE_ERRORS = {400: VALIDATION_ERROR, 403: FORBIDDEN}


ERROR_BODY = {"application/json": {"schema": {"type": "object", "additionalProperties": True}}}
COMMON_ERRORS = {
    "401": "Not signed in: the token is missing, malformed, expired or revoked (sign-out endpoints).",
    "403": "Not signed in, or not allowed to do this.",
    "429": "Too many requests: wait for the number of seconds in Retry-After.",
    "503": "The service is briefly unavailable (the database); retry after Retry-After seconds.",
}


def add_common_error_responses(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular post-processing hook: every operation lists the answers any endpoint can give
    besides its own (403 and 401, 429 from the throttles, 503 from the database middleware; 400 when
    it takes parameters or a body, 404 when its path names a record or it pages (a page past the last), 413 when it takes a body), so a
    client, and schemathesis' conformance checks, know them. Documented answers are kept as they are."""
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            extra = dict(COMMON_ERRORS)
            if operation.get("parameters") or operation.get("requestBody"):
                extra["400"] = "Bad input: an object mapping each field (or non_field_errors / detail) to its messages."
            if "{" in path:
                extra["404"] = "No such record among those you may see."
            elif any(p.get("name") == "page" and p.get("in") == "query" for p in operation.get("parameters", [])):
                extra["404"] = "No such page: the page number is past the last page ({\"detail\": \"Invalid page.\"})."
            if operation.get("requestBody"):
                extra["413"] = "The body is larger than this endpoint accepts (see the message for the limit)."
            for code, description in extra.items():
                responses.setdefault(code, {"content": ERROR_BODY, "description": description})
    return result


def sensitive_fields_not_required(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular post-processing hook: a serializer that drops its sensitive fields for a
    user without view_sensitive (access.serializers.SensitiveFieldsMixin: it has
    ``_sensitive_settings``) answers without them, so its component must not list them as required
    (schemathesis' response check: "abuse_history_notes is a required property")."""
    schemas = result.get("components", {}).get("schemas", {})
    registry = getattr(generator, "registry", None)
    for component in getattr(registry, "_components", {}).values():
        serializer = component.object
        if component.type != "schemas" or not hasattr(serializer, "_sensitive_settings"):
            continue
        names, _via = serializer._sensitive_settings()
        schema = schemas.get(component.name, {})
        if "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in names]
            if not schema["required"]:
                del schema["required"]
    return result
