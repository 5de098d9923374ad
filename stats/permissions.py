"""Who may call the statistics API: analysts (protected output only), supervisors (their
region) and administrators. Social workers work with records, not national statistics."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class CanReadStatistics(BasePermission):
    message = _("Statistics are for analysts, supervisors and administrators.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return bool(user.is_analyst or user.is_supervisor or user.is_administrator)
