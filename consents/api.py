"""Consents API: /api/v1/consents/ (list, detail, record) and /api/v1/consents/<id>/revoke/."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from access.selectors import cases_editable_by, cases_visible_to
from cases.models import Case
from consents import services
from consents.models import Consent, ConsentKind
from core.dates import PAST_DATE
from core.serializers import ModelSerializer
from core.text import REASON_MAX_LENGTH
from documents.api.permissions import CaseworkersOnly
from documents.models import Document
from documents.selectors import documents_visible_to
from regions.models import Region


class ConsentSerializer(ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = [
            "id", "case", "kind", "kind_display", "given_by", "given_on", "agrees", "scope", "region", "document",
            "recorded_by", "recorded_at", "revoked_on", "revoked_by", "revoke_reason", "in_force",
        ]
        read_only_fields = fields

    def get_in_force(self, consent: Consent) -> bool:
        return consent.agrees and consent.revoked_on is None


class RecordConsentSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    given_by = serializers.CharField(max_length=200)
    given_on = serializers.DateField(validators=PAST_DATE)
    agrees = serializers.BooleanField(default=True)
    scope = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), required=False, allow_null=True)
    document = serializers.PrimaryKeyRelatedField(queryset=Document.objects.none(), required=False, allow_null=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # schema generation
            return
        user = request.user
        self.fields["case"].queryset = cases_visible_to(user)
        self.fields["document"].queryset = documents_visible_to(user)


class RevokeConsentSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)
    revoked_on = serializers.DateField(validators=PAST_DATE, required=False)


class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [CaseworkersOnly]
    serializer_class = ConsentSerializer
    filterset_fields = ["case", "kind"]
    ordering_fields = ["given_on", "recorded_at", "revoked_on", "kind", "id"]

    def get_queryset(self) -> QuerySet[Consent]:
        return Consent.objects.filter(case__in=cases_visible_to(self.request.user).values("pk").order_by())

    def _require_editable(self, case: Case) -> None:
        if not cases_editable_by(self.request.user).filter(pk=case.pk).exists():
            raise PermissionDenied(PermissionDenied.default_detail)

    @extend_schema(request=RecordConsentSerializer, responses={201: ConsentSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        form = RecordConsentSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        self._require_editable(form.validated_data["case"])
        consent = services.record_consent(actor=request.user, **form.validated_data)
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevokeConsentSerializer, responses={200: ConsentSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        consent = self.get_object()
        self._require_editable(consent.case)
        form = RevokeConsentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        consent = services.revoke_consent(consent=consent, actor=request.user, **form.validated_data)
        return Response(ConsentSerializer(consent).data)
