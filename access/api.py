"""Sharing and assignment of a case: /api/v1/access/cases/{id}/share/, revoke/, shares/, assign/,
reassign/, transfer/. Thin views: parse input, call one service in access.services, answer.

A case the user cannot see answers 404; a case they see but do not supervise answers 403.
"""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import services
from access.models import CaseShare
from access.permissions import CaseworkerOnly, SupervisorOnly
from access.selectors import cases_supervised_by, cases_visible_to
from accounts.models import OrganisationalUnit, User
from cases.models import Case
from core.dates import AHEAD_DATE
from core.schema import READ_ERRORS, WRITE_ERRORS
from core.serializers import DateTimeField, ModelSerializer
from core.text import REASON_MAX_LENGTH


def supervised_case(request: Request, pk: int) -> Case:
    """The case if the user supervises it; 404 when they cannot see it at all, 403 when they see
    it (e.g. through a share) but it is not their unit's."""
    case = get_object_or_404(cases_visible_to(request.user), pk=pk)
    if not cases_supervised_by(request.user).filter(pk=case.pk).exists():
        raise PermissionDenied(_("Only a supervisor of the case's unit may do this."))
    return case


class UserBriefSerializer(ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "role", "unit"]


class CaseShareSerializer(ModelSerializer):
    user = UserBriefSerializer(read_only=True)
    granted_by = UserBriefSerializer(read_only=True)
    revoked_by = UserBriefSerializer(read_only=True)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = CaseShare
        fields = [
            "id",
            "case",
            "user",
            "include_sensitive",
            "granted_by",
            "granted_at",
            "expires_at",
            "revoked_at",
            "revoked_by",
            "reason",
            "is_active",
        ]

    def get_is_active(self, share: CaseShare) -> bool:
        return share.revoked_at is None and (share.expires_at is None or share.expires_at > timezone.now())


class ShareInput(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), label=_("user"))
    expires_at = DateTimeField(validators=AHEAD_DATE, required=False, allow_null=True, default=None, label=_("expires at"))
    include_sensitive = serializers.BooleanField(required=False, default=False, label=_("include sensitive fields"))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300, label=_("reason"))


class UserInput(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), label=_("user"))


class WorkerInput(serializers.Serializer):
    worker = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), label=_("social worker"))


class TransferInput(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=OrganisationalUnit.objects.all(), label=_("unit"))
    worker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None, label=_("social worker")
    )
    # Needed only without a consent to share data in force (consents.services.ensure_transfer_allowed).
    override_reason = serializers.CharField(max_length=REASON_MAX_LENGTH,
        required=False, allow_blank=True, default="", label=_("reason for transfer without consent")
    )


class CaseAssignmentSerializer(ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "assigned_worker", "responsible_unit"]


class SupervisorActionView(APIView):
    permission_classes = [CaseworkerOnly, SupervisorOnly]


class ShareCaseView(SupervisorActionView):
    @extend_schema(
        request=ShareInput, responses={201: CaseShareSerializer, **WRITE_ERRORS}, summary="Share a case with a user"
    )
    def post(self, request: Request, pk: int) -> Response:
        case = supervised_case(request, pk)
        data = ShareInput(data=request.data)
        data.is_valid(raise_exception=True)
        share = services.share_case(case=case, actor=request.user, **data.validated_data)
        return Response(CaseShareSerializer(share).data, status=status.HTTP_201_CREATED)


class RevokeShareView(SupervisorActionView):
    @extend_schema(request=UserInput, responses={204: None, **WRITE_ERRORS}, summary="Revoke a user's share of a case")
    def post(self, request: Request, pk: int) -> Response:
        case = supervised_case(request, pk)
        data = UserInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.revoke_share(case=case, user=data.validated_data["user"], actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseSharesView(generics.ListAPIView):
    """Every share of the case, open and closed, newest first."""

    permission_classes = [CaseworkerOnly, SupervisorOnly]
    serializer_class = CaseShareSerializer
    queryset = CaseShare.objects.none()  # for the schema; requests use get_queryset
    ordering_fields = ["granted_at", "expires_at", "revoked_at", "id"]

    @extend_schema(responses={200: CaseShareSerializer(many=True), **READ_ERRORS}, summary="Shares of a case")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        case = supervised_case(self.request, self.kwargs["pk"])
        return CaseShare.objects.filter(case=case).select_related("user", "granted_by", "revoked_by")


class AssignCaseView(SupervisorActionView):
    @extend_schema(
        request=WorkerInput,
        responses={200: CaseAssignmentSerializer, **WRITE_ERRORS},
        summary="Assign a case to a social worker",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = supervised_case(request, pk)
        data = WorkerInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.assign_case(case=case, worker=data.validated_data["worker"], actor=request.user)
        return Response(CaseAssignmentSerializer(case).data)


class ReassignCaseView(SupervisorActionView):
    @extend_schema(
        request=WorkerInput,
        responses={200: CaseAssignmentSerializer, **WRITE_ERRORS},
        summary="Reassign a case to another social worker",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = supervised_case(request, pk)
        data = WorkerInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.reassign_case(case=case, worker=data.validated_data["worker"], actor=request.user)
        return Response(CaseAssignmentSerializer(case).data)


class TransferCaseView(SupervisorActionView):
    @extend_schema(
        request=TransferInput,
        responses={200: CaseAssignmentSerializer, **WRITE_ERRORS},
        summary="Transfer a case to another unit or region",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = supervised_case(request, pk)
        data = TransferInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.transfer_case(case=case, actor=request.user, **data.validated_data)
        return Response(CaseAssignmentSerializer(case).data)
