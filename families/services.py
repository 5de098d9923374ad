"""Registering a prospective family with its one or two applicants, warning of likely duplicates."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import OrganisationalUnit, User
from core.exceptions import DomainError
from families.models import Applicant, Family
from registry.duplicates import DuplicateWarning, applicant_duplicates

FAMILY_FIELDS = (
    "region", "address", "form_of_care", "applied_on", "preferred_age_min", "preferred_age_max",
    "preferred_sex", "max_siblings", "max_health_needs", "home_study_issued_on", "home_study_expires_on",
    "training_certificate_number", "training_issued_on", "training_expires_on",
    "psychological_training_certificate_number", "psychological_training_issued_on", "approval_status", "approved_on",
    "approval_expires_on",
)
APPLICANT_FIELDS = ("last_name", "first_name", "patronymic", "birth_date", "sex", "iin")


def _prefixed(exc: ValidationError, prefix: str) -> ValidationError:
    return ValidationError({f"{prefix}.{field}": messages for field, messages in exc.message_dict.items()})


@transaction.atomic
def create_family(
    *,
    actor: User | None,
    applicants: list[dict[str, Any]],
    responsible_unit: OrganisationalUnit | None = None,
    **fields: Any,
) -> tuple[Family, list[DuplicateWarning]]:
    """Register a family (one person or a couple). Returns the family and the families already
    registered with an applicant who is likely the same person."""
    unknown = set(fields) - set(FAMILY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}, field="non_field_errors")
    if not 1 <= len(applicants) <= 2:
        raise DomainError(_("A family is one applicant or a couple: give one or two applicants."), field="applicants")
    unit = responsible_unit or (actor.unit if actor is not None else None)
    if unit is None:
        raise DomainError(_("Name the unit responsible for the family."), field="responsible_unit")
    family = Family(responsible_unit=unit, **fields)
    family.full_clean()
    people = []
    for position, data in enumerate(applicants, start=1):
        applicant = Applicant(position=position, **{k: v for k, v in data.items() if k in APPLICANT_FIELDS})
        try:
            applicant.full_clean(exclude=["family"])
        except ValidationError as exc:
            raise _prefixed(exc, f"applicants.{position - 1}") from exc
        people.append(applicant)
    if len(people) == 2 and people[0].iin == people[1].iin:
        raise DomainError(_("The two applicants cannot have the same IIN."), field="applicants")
    warnings: dict[int, DuplicateWarning] = {}
    for person in people:
        for warning in applicant_duplicates(last_name=person.last_name, first_name=person.first_name,
                                            patronymic=person.patronymic, birth_date=person.birth_date, iin=person.iin):
            warnings.setdefault(warning.id, warning)
    family.save()
    for person in people:
        person.family = family
        person.save()
    return family, list(warnings.values())
