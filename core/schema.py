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
