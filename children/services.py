"""Registering a child: the child row, the case that follows them, and warnings of likely duplicates."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import OrganisationalUnit, User
from cases.models import Case, Stage, StageChange
from children.models import Child, SiblingGroup
from core.ages import age_on, child_age_errors
from core.exceptions import DomainError, raise_errors
from core.history import recorded_values
from registry.duplicates import DuplicateWarning, child_duplicates

# The history reasons this app writes, kept untranslated (message ids with their values) and written
# in each reader's language by web.templatetags.web_tags.history_reason.
SIBLING_GROUP_REASON = gettext_noop("Sibling group %(id)s")
LEFT_SIBLING_GROUP_REASON = gettext_noop("Removed from sibling group %(id)s")
DUPLICATES_CONFIRMED_REASON = gettext_noop("Registered despite possible duplicates: %(reason)s")

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


def registration_age_errors(child: Child, registered_on: dt.date) -> dict[str, str]:
    """The child's birth date against the day of registration: under 18 that day (DOMAIN.md: a person
    who has come of age is not registered as a new child; core.ages.child_age_errors). Only for a birth
    date the field's own validators take (in range, not in the future: they say the rest)."""
    birth_date = child.birth_date
    if not isinstance(birth_date, dt.date):
        return {}
    try:
        for validate in Child._meta.get_field("birth_date").validators:
            validate(birth_date)
    except ValidationError:
        return {}
    return child_age_errors(birth_date, registered_on)


def record_errors(child: Child, errors: dict[str, str], exclude: list[str] | None = None) -> dict[str, str]:
    """``errors`` with every other mistake of the child's record added, each field its first message:
    the rules across fields (cross_field_errors) and the model's own (full_clean)."""
    errors = dict(errors)
    for field, message in cross_field_errors(child).items():
        errors.setdefault(field, message)
    try:
        # The database's rules (an IIN already registered) only when nothing else is wrong: not said twice.
        child.full_clean(exclude=exclude, validate_unique=not errors, validate_constraints=not errors)
    except ValidationError as exc:
        found = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        for field, messages in found.items():
            errors.setdefault(field, messages[0])
    return errors


@transaction.atomic
def create_child(
    *,
    actor: User | None,
    responsible_unit: OrganisationalUnit | None = None,
    assigned_worker: User | None = None,
    history_reason: str = "",
    **fields: Any,
) -> tuple[Child, list[DuplicateWarning]]:
    """Register a child and open their case at the registered stage. Returns the child and the
    likely duplicates already in the registry (a warning, not a refusal: twins share a birth date).
    ``history_reason`` (at most 100 characters, e.g. why a possible duplicate is a new child) is
    kept with the first version in the child's history."""
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
    # Every mistake at once, each beside its field.
    errors = {}
    if child.iin and Child.objects.filter(iin=child.iin).exists():
        errors["iin"] = _("A child with this IIN is already registered.")
    if assigned_worker is not None and not (
        assigned_worker.is_social_worker and assigned_worker.unit_id in unit.descendant_ids()
    ):
        errors["assigned_worker"] = _("The assigned worker must be a social worker of the responsible unit.")
    errors = {**registration_age_errors(child, timezone.localdate()), **errors}
    raise_errors(record_errors(child, errors))
    child._history_user = actor
    child._change_reason = history_reason[:100] or None
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
                               reason=gettext_noop("Child registered."), changed_at=case.stage_entered_at)
    return child, warnings


def child_age(child: Child, on: dt.date | None = None) -> int:
    return age_on(child.birth_date, on or timezone.localdate())


# Fields the user may change only with view_sensitive on the child's case (Child.SENSITIVE_FIELDS).
EDITABLE_FIELDS = tuple(f for f in CHILD_FIELDS if f != "sibling_group")


def _require_editable(child: Child, actor: User) -> None:
    from access.selectors import children_editable_by

    if not children_editable_by(actor).filter(pk=child.pk).exists():
        raise DomainError(_("You may not change this child's record."), field="non_field_errors", code="permission_denied")


@transaction.atomic
def update_child(*, child: Child, actor: User, reason: str = "", **changes: Any) -> Child:
    """Change a child's record under its row lock. Only a user who may change one of the child's
    cases may (``access.selectors.children_editable_by``), and only one who also sees the sensitive
    fields may change those. Every saved version is kept by the audit history with the actor and
    ``reason``. Raises DomainError naming the field on a broken rule; nothing is saved then.

    ``changes`` maps field names of ``EDITABLE_FIELDS`` to new values; fields left out keep theirs.
    Saved only when a value changes (``changed`` on the returned child says whether): the same values
    sent back write no empty version into the history."""
    from access.selectors import sensitive_child_ids

    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}, field="non_field_errors")
    locked = Child.objects.select_for_update().get(pk=child.pk)
    _require_editable(locked, actor)
    before = recorded_values(locked)
    sensitive = set(Child.SENSITIVE_FIELDS) & {k for k, v in changes.items() if v != getattr(locked, k)}
    if sensitive and locked.pk not in sensitive_child_ids(actor, [locked.pk]):
        raise DomainError(_("You may not change the sensitive fields of this child."), field=sorted(sensitive)[0],
                          code="permission_denied")
    for name, value in changes.items():
        setattr(locked, name, value)
    if locked.iin == "":
        locked.iin = None
    errors = {}
    if locked.iin and Child.objects.filter(iin=locked.iin).exclude(pk=locked.pk).exists():
        errors["iin"] = _("A child with this IIN is already registered.")
    if "birth_date" in changes and locked.birth_date != before.get("birth_date"):
        # A corrected birth date still makes a child of the day the child was registered (a child who
        # has since come of age keeps the record as it was).
        errors = {**registration_age_errors(locked, timezone.localdate(locked.created_at)), **errors}
    raise_errors(record_errors(locked, errors, exclude=["sibling_group"]))
    locked.changed = recorded_values(locked) != before
    if not locked.changed:
        return locked  # the same values: nothing to save, no empty version in the history
    locked._history_user = actor
    locked._change_reason = reason[:100]
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:
        raise DomainError(_("A child with this IIN is already registered."), field="iin") from exc
    return locked


def _save_group_change(child: Child, actor: User, group: SiblingGroup | None, reason: str) -> None:
    child.sibling_group = group
    child._history_user = actor
    child._change_reason = reason[:100]
    child.save(update_fields=["sibling_group", "updated_at"])


@transaction.atomic
def add_sibling(*, child: Child, sibling: Child, actor: User) -> SiblingGroup:
    """Record that ``sibling`` is a brother or sister of ``child``: both end in one sibling group
    (a new one, or one of theirs; when both had groups, the sibling's group joins the child's).
    The actor must be able to change both children's records. Raises DomainError on ``sibling``."""
    if child.pk == sibling.pk:
        raise DomainError(_("A child cannot be their own sibling."), field="sibling")
    rows = {c.pk: c for c in Child.objects.select_for_update().filter(pk__in=[child.pk, sibling.pk]).order_by("pk")}
    child, sibling = rows[child.pk], rows[sibling.pk]
    _require_editable(child, actor)
    try:
        _require_editable(sibling, actor)
    except DomainError as exc:
        raise DomainError(_("You may not change the record of that child."), field="sibling", code="permission_denied") from exc
    if child.sibling_group_id and child.sibling_group_id == sibling.sibling_group_id:
        raise DomainError(_("These children are already in one sibling group."), field="sibling")
    group = child.sibling_group or sibling.sibling_group or SiblingGroup.objects.create()
    reason = SIBLING_GROUP_REASON % {"id": group.pk}
    if sibling.sibling_group_id and sibling.sibling_group_id != group.pk:
        # Merge: every member of the sibling's old group joins this one (each version in the history).
        old_group = sibling.sibling_group_id
        for member in Child.objects.select_for_update().filter(sibling_group_id=old_group).order_by("pk"):
            _save_group_change(member, actor, group, reason)
        SiblingGroup.objects.filter(pk=old_group, children__isnull=True).delete()
    for member in (child, sibling):
        if member.sibling_group_id != group.pk:
            _save_group_change(member, actor, group, reason)
    return group


@transaction.atomic
def remove_from_sibling_group(*, child: Child, actor: User) -> None:
    """Take ``child`` out of their sibling group; a group left with one child is dissolved."""
    locked = Child.objects.select_for_update().get(pk=child.pk)
    _require_editable(locked, actor)
    group_id = locked.sibling_group_id
    if group_id is None:
        raise DomainError(_("This child is in no sibling group."), field="non_field_errors")
    _save_group_change(locked, actor, None, LEFT_SIBLING_GROUP_REASON % {"id": group_id})
    rest = list(Child.objects.select_for_update().filter(sibling_group_id=group_id))
    if len(rest) == 1:
        _save_group_change(rest[0], actor, None, LEFT_SIBLING_GROUP_REASON % {"id": group_id})
    if len(rest) <= 1:
        SiblingGroup.objects.filter(pk=group_id).delete()
