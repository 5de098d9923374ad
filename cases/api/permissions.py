"""Until access/ provides its permission classes: analysts see aggregates only, never a person."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class IsCaseworker(BasePermission):
    """Authenticated and not an analyst (analysts get 403 from every person endpoint)."""

    message = _("Analysts see anonymized statistics only.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and not getattr(user, "is_analyst", False))
