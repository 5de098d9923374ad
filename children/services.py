"""Registering a child: the child row, the case that follows them, and warnings of likely duplicates."""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrganisationalUnit, User
from cases.models import Case, Stage, StageChange
from children.models import Child
from core.exceptions import DomainError
from registry.duplicates import DuplicateWarning, child_duplicates

CHILD_FIELDS = (
    "last_name", "first_name", "patronymic", "birth_date", "sex", "iin", "legal_status", "region", "current_home",
    "sibling_group", "entered_care_on", "health_needs", "health_notes", "birth_family_notes", "abuse_or_neglect_history",
    "abuse_history_notes", "sdq_total_difficulties",
)


def _unit_for(actor: User | None, responsible_unit: OrganisationalUnit | None) -> OrganisationalUnit:
    unit = responsible_unit or (actor.unit if actor is not None else None)
    if unit is None:
        raise DomainError(_("Name the unit responsible for the child's case."), field="responsible_unit")
    return unit


def cross_field_errors(child: Child) -> dict[str, str]:
    """Rules the database enforces across fields, said in words the user can act on (the
    constraint's own message names only the constraint)."""
    errors = {}
    # (A birth after the entry into care and dates out of range are the model's own rules: Child.clean.)
    if isinstance(child.sdq_total_difficulties, int) and child.sdq_total_difficulties > 40:
        errors["sdq_total_difficulties"] = _("The SDQ total difficulties score is between 0 and 40.")
    return errors


@transaction.atomic
def create_child(
    *,
    actor: User | None,
    responsible_unit: OrganisationalUnit | None = None,
    assigned_worker: User | None = None,
    **fields: Any,
) -> tuple[Child, list[DuplicateWarning]]:
    """Register a child and open their case at the registered stage. Returns the child and the
    likely duplicates already in the registry (a warning, not a refusal: twins share a birth date)."""
    unknown = set(fields) - set(CHILD_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}, field="non_field_errors")
    unit = _unit_for(actor, responsible_unit)
    if assigned_worker is None and actor is not None and actor.is_social_worker:
        assigned_worker = actor  # the worker who registers the child follows the case
    child = Child(**fields)
    if child.iin == "":
        child.iin = None
    warnings = child_duplicates(
        last_name=child.last_name, first_name=child.first_name, patronymic=child.patronymic,
        birth_date=child.birth_date, iin=child.iin,
    )
    if child.iin and Child.objects.filter(iin=child.iin).exists():
        raise DomainError(_("A child with this IIN is already registered."), field="iin")
    for field, message in cross_field_errors(child).items():
        raise DomainError(message, field=field)
    if assigned_worker is not None and not (
        assigned_worker.is_social_worker and assigned_worker.unit_id in unit.descendant_ids()
    ):
        raise DomainError(_("The assigned worker must be a social worker of the responsible unit."), field="assigned_worker")
    child.full_clean()
    try:
        with transaction.atomic():
            child.save()
    except IntegrityError as exc:  # a concurrent registration with the same IIN
        raise DomainError(_("A child with this IIN is already registered."), field="iin") from exc
    case = Case(child=child, responsible_unit=unit, assigned_worker=assigned_worker, stage=Stage.REGISTERED,
                opened_on=timezone.localdate())
    case.full_clean()
    case.save()
    StageChange.objects.create(case=case, from_stage="", to_stage=Stage.REGISTERED, actor=actor,
                               reason=_("Child registered."), changed_at=case.stage_entered_at)
    return child, warnings


def child_age(child: Child, on: dt.date | None = None) -> int:
    on = on or timezone.localdate()
    return on.year - child.birth_date.year - ((on.month, on.day) < (child.birth_date.month, child.birth_date.day))


