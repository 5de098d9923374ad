"""Writes of accounts: an administrator creates users, changes their role or unit, deactivates
them and resets their passwords. Each is one transaction that locks the user row."""

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import OrganisationalUnit, User
from core.exceptions import DomainError


def _require_administrator(actor: User) -> None:
    if not actor.is_administrator:
        raise DomainError(_("Only an administrator manages accounts."), field="non_field_errors", code="permission_denied")


def _check_role_and_unit(role: str, unit: OrganisationalUnit | None) -> None:
    if role not in User.Role.values:
        raise DomainError(_("Choose a role."), field="role")
    if unit is None:
        raise DomainError(_("Choose the unit the person works in."), field="unit")
    if role == User.Role.SOCIAL_WORKER and unit.kind != OrganisationalUnit.Kind.DISTRICT:
        raise DomainError(_("Social workers work in a district guardianship authority."), field="unit")
    if role == User.Role.ANALYST and unit.kind != OrganisationalUnit.Kind.MINISTRY:
        raise DomainError(_("Analysts work at the ministry."), field="unit")


def temporary_password() -> str:
    """A random password to hand to the person once; they change it after signing in."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def create_user(
    *, actor: User, username: str, first_name: str, last_name: str, email: str, role: str, unit: OrganisationalUnit,
    password: str,
) -> User:
    """Create an account. Raises DomainError or ValidationError naming the field at fault."""
    _require_administrator(actor)
    _check_role_and_unit(role, unit)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("This username is taken."), field="username")
    user = User(username=username, first_name=first_name, last_name=last_name, email=email, role=role, unit=unit)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def update_user(*, actor: User, user: User, role: str, unit: OrganisationalUnit, first_name: str, last_name: str, email: str) -> User:
    """Change a person's role, unit or name. A social worker who moves to another unit keeps no case:
    their open cases stay in the old unit, where the dashboard shows them as needing a new worker."""
    _require_administrator(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_role_and_unit(role, unit)
    user.role, user.unit, user.first_name, user.last_name, user.email = role, unit, first_name, last_name, email
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def deactivate_user(*, actor: User, user: User) -> User:
    """Close an account: the person can no longer sign in; their open cases show on their
    supervisors' dashboards as "needs a new worker" and their reminders go to the supervisors."""
    _require_administrator(actor)
    if user.pk == actor.pk:
        raise DomainError(_("You cannot deactivate your own account."), field="non_field_errors")
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def activate_user(*, actor: User, user: User) -> User:
    _require_administrator(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def reset_password(*, actor: User, user: User) -> str:
    """Give the account a new random password and return it (shown once to the administrator)."""
    _require_administrator(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    password = temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    return password
