"""Registering a prospective family with its one or two applicants, warning of likely duplicates."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import OrganisationalUnit, User
from core.exceptions import DomainError
from families.models import Applicant, Family
from registry.duplicates import DuplicateWarning, applicant_duplicates

FAMILY_FIELDS = (
    "region", "address", "form_of_care", "is_relative", "applied_on", "preferred_age_min", "preferred_age_max",
    "preferred_sex", "max_siblings", "max_health_needs", "home_study_issued_on", "home_study_expires_on",
    "training_certificate_number", "training_issued_on", "training_expires_on", "approval_status", "approved_on",
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
    require_current_certificates: bool = False,
    **fields: Any,
) -> tuple[Family, list[DuplicateWarning]]:
    """Register a family (one person or a couple). Returns the family and the families already
    registered with an applicant who is likely the same person. With ``require_current_certificates``
    (the pages, where certificates are recorded as the family hands them in) a home study or
    training certificate already expired is refused beside its field; an import may carry history."""
    unknown = set(fields) - set(FAMILY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}, field="non_field_errors")
    if not 1 <= len(applicants) <= 2:
        raise DomainError(_("A family is one applicant or a couple: give one or two applicants."), field="applicants")
    unit = responsible_unit or (actor.unit if actor is not None else None)
    if unit is None:
        raise DomainError(_("Name the unit responsible for the family."), field="responsible_unit")
    family = Family(responsible_unit=unit, **fields)
    if require_current_certificates:
        for field, message in expired_certificate_errors(fields, timezone.localdate()).items():
            raise DomainError(message, field=field)
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
    family._history_user = actor
    family.save()
    for person in people:
        person.family = family
        person._history_user = actor
        person.save()
    return family, list(warnings.values())


# Fields of a family the pages edit; the approval (status and dates) changes only through the
# approval request and the supervisor's decision.
EDITABLE_FAMILY_FIELDS = tuple(f for f in FAMILY_FIELDS if f not in ("approval_status", "approved_on", "approval_expires_on"))
CERTIFICATE_EXPIRIES = ("home_study_expires_on", "training_expires_on")


def expired_certificate_errors(fields: dict[str, Any], on: dt.date) -> dict[str, str]:
    """A home study or training certificate recorded with an expiry already past: each beside its
    own field (an expired certificate cannot support an approval; the family brings a new one)."""
    messages = {
        "home_study_expires_on": _("This home study expired on %(date)s; record the current one."),
        "training_expires_on": _("This training certificate expired on %(date)s; record the current one."),
    }
    return {name: messages[name] % {"date": formats.date_format(fields[name], "DATE_FORMAT")}
            for name in CERTIFICATE_EXPIRIES if fields.get(name) and fields[name] < on}


def _check_applicants(applicants: list[dict[str, Any]], family: Family) -> list[Applicant]:
    if not 1 <= len(applicants) <= 2:
        raise DomainError(_("A family is one applicant or a couple: give one or two applicants."), field="applicants")
    people = []
    for position, data in enumerate(applicants, start=1):
        applicant = Applicant(family=family, position=position, **{k: v for k, v in data.items() if k in APPLICANT_FIELDS})
        try:
            applicant.full_clean(exclude=["family"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise _prefixed(exc, f"applicants.{position - 1}") from exc
        people.append(applicant)
    if len(people) == 2 and people[0].iin == people[1].iin:
        raise DomainError(_("The two applicants cannot have the same IIN."), field="applicants")
    return people


@transaction.atomic
def update_family(
    *, family: Family, actor: User, applicants: list[dict[str, Any]] | None = None, reason: str = "", **changes: Any
) -> Family:
    """Change a family's record and its applicants under the family's row lock. Only a user of the
    family's unit (or a unit above it) or an administrator may (``access.selectors.families_editable_by``).
    ``changes`` maps ``EDITABLE_FAMILY_FIELDS`` to new values; ``applicants`` (one or two dicts of
    ``APPLICANT_FIELDS``, in order) replaces the applicants' data; a certificate whose expiry
    changes to a date already past is refused. Every version is kept in the audit history with the
    actor and ``reason`` (100 characters). Raises DomainError / ValidationError naming the field."""
    from access.selectors import families_editable_by

    unknown = set(changes) - set(EDITABLE_FAMILY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}, field="non_field_errors")
    locked = Family.objects.select_for_update().get(pk=family.pk)
    if not families_editable_by(actor).filter(pk=locked.pk).exists():
        raise DomainError(_("You may not change this family's record."), field="non_field_errors", code="permission_denied")
    changed_expiries = {k: v for k, v in changes.items() if k in CERTIFICATE_EXPIRIES and v != getattr(locked, k)}
    for field, message in expired_certificate_errors(changed_expiries, timezone.localdate()).items():
        raise DomainError(message, field=field)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    people = _check_applicants(applicants, locked) if applicants is not None else None
    locked._history_user = actor
    locked._change_reason = reason[:100] or None
    locked.save()
    if people is not None:
        current = {a.position: a for a in locked.applicants.select_for_update()}
        for person in people:
            row = current.pop(person.position, None) or Applicant(family=locked, position=person.position)
            for name in APPLICANT_FIELDS:
                setattr(row, name, getattr(person, name))
            row._history_user = actor
            row._change_reason = reason[:100] or None
            row.save()
        for gone in current.values():  # a couple became one applicant
            gone._history_user = actor
            gone.delete()
    return locked
