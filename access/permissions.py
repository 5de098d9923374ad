"""DRF permission classes for the person endpoints (children, families, cases, placements, visits).

Row visibility is the queryset's job (access.selectors): an object outside it answers 404, so its
existence is not revealed. These classes answer the questions a queryset cannot: may this role use
person endpoints at all (analysts may not: 403), and may this user change this object.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from access.selectors import cases_editable_by, sees_personal_data


class CaseworkerOnly(BasePermission):
    """Person endpoints: social workers, supervisors and administrators; never analysts, who see
    anonymised statistics only. Administrators may read but not write."""

    message = _("Your role gives access to anonymised statistics only, not to records about persons.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not sees_personal_data(user):
            return False
        if user.is_administrator and request.method not in SAFE_METHODS:
            self.message = _("Administrators manage users and units; case work is done by social workers and supervisors.")
            return False
        return True


class SupervisorOnly(BasePermission):
    message = _("Only a supervisor may do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.is_authenticated and request.user.is_supervisor)


def case_of(obj: Any) -> Any:
    """The case an object belongs to, for objects that are a case or hang from one."""
    for path in ("case_id", "placement.case_id"):
        target = obj
        for part in path.split("."):
            target = getattr(target, part, None)
        if target is not None:
            return target
    return obj.pk


class CanChangeCase(BasePermission):
    """Writes to a case (or its placement or visit) need the case in ``cases_editable_by``: its
    worker, its supervisors, or a change_case grant. A share for viewing gives no write: 403."""

    message = _("You may view this case but not change it.")

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return cases_editable_by(request.user).filter(pk=case_of(obj)).exists()
