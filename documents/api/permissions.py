"""Who may use the person-record endpoints of this app at all (object visibility comes from the selectors)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class CaseworkersOnly(BasePermission):
    """Social workers and supervisors; administrators read only; analysts never (they see aggregates only)."""

    message = _("Your role gives access to anonymised statistics only, not to records about persons.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated) or user.is_analyst:
            return False
        if user.is_administrator and request.method not in SAFE_METHODS:
            self.message = _("Administrators manage users and units; case work is done by social workers and supervisors.")
            return False
        return True
