"""POST /api/v1/emergency-access/ {case, reason} opens a case for 24 hours; GET lists the accesses
the user may review."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.serializers import ModelSerializer
from core.text import REASON_MAX_LENGTH
from documents.api.permissions import CaseworkersOnly
from emergency import services
from emergency.models import EmergencyAccess
from emergency.selectors import emergency_accesses_visible_to


class EmergencyAccessSerializer(ModelSerializer):
    user_name = serializers.SerializerMethodField()
    child = serializers.IntegerField(source="case.child_id", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = EmergencyAccess
        fields = ["id", "case", "child", "user", "user_name", "reason", "opened_at", "expires_at", "is_active"]
        read_only_fields = fields

    def get_user_name(self, access: EmergencyAccess) -> str:
        return access.user.get_full_name() or access.user.username


class OpenEmergencyAccessSerializer(serializers.Serializer):
    # Any case's number: the point is to open one the user cannot see yet. Whether it is a case is the
    # service's answer, after the reason (emergency.services.open_emergency_access).
    # A number no case can have (below 1, beyond a bigint) gets the service's answer, not a limit.
    case = serializers.IntegerField(min_value=1, max_value=2**63 - 1,
                                    error_messages={"min_value": _("There is no case with this number."),
                                                    "max_value": _("There is no case with this number.")})
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class EmergencyAccessViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [CaseworkersOnly]
    serializer_class = EmergencyAccessSerializer
    filterset_fields = ["case", "user"]
    ordering_fields = ["opened_at", "expires_at", "id"]

    def get_queryset(self) -> QuerySet[EmergencyAccess]:
        return emergency_accesses_visible_to(self.request.user)

    @extend_schema(request=OpenEmergencyAccessSerializer, responses={201: EmergencyAccessSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        form = OpenEmergencyAccessSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        access = services.open_emergency_access(actor=request.user, request=request._request, **form.validated_data)
        return Response(EmergencyAccessSerializer(access).data, status=status.HTTP_201_CREATED)
