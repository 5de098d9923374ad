"""Risk endpoints: a placement's risk with the factors that raised it, family events, and the
calibration report for supervisors."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import CaseworkerOnly
from access.selectors import cases_editable_by, families_visible_to, placements_visible_to, sensitive_case_ids
from cases.models import Placement
from core.dates import PAST_DATE
from core.schema import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS
from core.serializers import ModelSerializer
from core.text import NOTES_MAX_LENGTH
from families.api.serializers import FamilyOutputSerializer
from families.selectors import family_api_list
from risk.models import Factor, FamilyEvent, RiskAssessment, RiskPolicy
from risk.selectors import calibration_report, family_events_visible_to, forcing_factors, placement_risk_for, risk_as_seen
from risk.services import FAMILY_CHANGE_KIND_CHOICES, record_family_change, record_family_event, record_sdq_assessment


def labelled(factors: list[dict]) -> list[dict]:
    """The stored factors with their name in the user's language."""
    labels = dict(Factor.choices)
    return [{**f, "label": str(labels.get(f["factor"], f["factor"]))} for f in factors]


class AssessmentSerializer(ModelSerializer):
    factors = serializers.SerializerMethodField()

    class Meta:
        model = RiskAssessment
        fields = ("assessed_on", "reason", "visit", "score", "band", "factors")
        read_only_fields = fields

    def get_factors(self, assessment: RiskAssessment) -> list[dict]:
        return labelled(assessment.factors)


class RiskFactorSerializer(serializers.Serializer):
    factor = serializers.CharField()
    label = serializers.CharField()
    contribution = serializers.FloatField()
    detail = serializers.CharField(required=False)


class PlacementRiskSerializer(serializers.Serializer):
    """Documents the answer of PlacementRiskView (built as a dict there)."""

    placement = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_null=True)
    computed_on = serializers.DateField(allow_null=True)
    high_since = serializers.DateField(allow_null=True)
    factors = RiskFactorSerializer(many=True)
    complete = serializers.BooleanField(help_text="false when factors computed from sensitive fields were left out "
                                                  "(no view_sensitive on the case); score and band are then those of "
                                                  "the factors shown")
    history = AssessmentSerializer(many=True)


class CalibrationRowSerializer(serializers.Serializer):
    band = serializers.CharField()
    placements = serializers.IntegerField()
    returned = serializers.IntegerField()
    return_rate = serializers.FloatField(allow_null=True)


class CalibrationSerializer(serializers.Serializer):
    at_placement_start = CalibrationRowSerializer(many=True)
    at_visits = CalibrationRowSerializer(many=True)


class PlacementRiskView(APIView):
    permission_classes = [CaseworkerOnly]

    @extend_schema(
        summary="A placement's risk of return: score, band, the factors that raised it, and its history",
        responses={200: PlacementRiskSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        try:
            placement = placement_risk_for(user=request.user, placement_id=pk)
        except Placement.DoesNotExist:
            raise NotFound() from None
        risk = getattr(placement, "risk", None)
        # Factors from sensitive fields (and their points) only with view_sensitive on the case.
        sensitive = bool(sensitive_case_ids(request.user, [placement.case_id]))
        policy = RiskPolicy.objects.filter(pk=1).first()
        forcing = frozenset() if sensitive else forcing_factors()
        current = risk_as_seen(score=risk.score if risk else None, band=risk.band if risk else None,
                               factors=risk.factors if risk else [], sensitive=sensitive, policy=policy, forcing=forcing)
        history = []
        for assessment in placement.risk_assessments.all():
            seen = risk_as_seen(score=assessment.score, band=assessment.band, factors=assessment.factors,
                                sensitive=sensitive, policy=policy, forcing=forcing)
            history.append({"assessed_on": assessment.assessed_on, "reason": assessment.reason,
                            "visit": assessment.visit_id, "score": seen.score, "band": seen.band,
                            "factors": labelled(seen.factors)})
        return Response({
            "placement": placement.pk,
            "score": current.score,
            "band": current.band,
            "computed_on": risk.computed_on if risk else None,
            "high_since": risk.high_since if risk and current.band == risk.band else None,
            "factors": labelled(current.factors),
            "complete": current.complete,
            "history": history,
        })


class FamilyEventSerializer(ModelSerializer):
    class Meta:
        model = FamilyEvent
        fields = ("id", "family", "kind", "occurred_on", "notes", "recorded_by", "created_at")
        read_only_fields = ("id", "recorded_by", "created_at")


class FamilyEventInput(serializers.Serializer):
    family = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FamilyEvent.Kind.choices)
    occurred_on = serializers.DateField(validators=PAST_DATE, default=timezone.localdate)
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default="")


class FamilyEventsView(generics.ListAPIView):
    """List the events of the families you may see; record a new one (recomputes the risk of the
    family's active placements)."""

    permission_classes = [CaseworkerOnly]
    serializer_class = FamilyEventSerializer
    filterset_fields = ["family", "kind"]
    search_fields: list[str] = []
    ordering_fields = ["occurred_on"]
    ordering = ["-occurred_on", "id"]

    def get_queryset(self) -> Any:
        return family_events_visible_to(self.request.user)

    @extend_schema(request=FamilyEventInput, responses={201: FamilyEventSerializer, **CREATE_ERRORS})
    def post(self, request: Request) -> Response:
        data = FamilyEventInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        family = families_visible_to(request.user).filter(pk=values.pop("family")).first()
        if family is None:
            return Response({"family": [_("No such family among those you may see.")]}, status=status.HTTP_400_BAD_REQUEST)
        event = record_family_event(family=family, actor=request.user, **values)
        return Response(FamilyEventSerializer(event).data, status=status.HTTP_201_CREATED)


class FamilyChangeInput(serializers.Serializer):
    family = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=FAMILY_CHANGE_KIND_CHOICES,
        help_text="death, divorce, departure (of an applicant: give applicant) or conviction, psychiatric, narcological, "
                  "prosecution (a failed carer check: give the applicant it concerns, named in the reason; left out, the "
                  "failure names no one)",
    )
    on = serializers.DateField(validators=PAST_DATE, default=timezone.localdate)
    applicant = serializers.IntegerField(required=False, allow_null=True, default=None)


class FamilyChangeView(APIView):
    """Record a change in the family: it suspends the family's approval (an applicant's leaving until a
    new home study, a failed carer check until a carer check that passes or that applicant's leaving),
    raises the risk of its placements, plans a visit within the set days (14 by default) and
    alerts each placed child's social worker and the supervisors."""

    permission_classes = [CaseworkerOnly]

    @extend_schema(request=FamilyChangeInput, responses={200: FamilyOutputSerializer, **WRITE_ERRORS},
                   summary="Record an applicant's death, divorce or departure, or a failed carer check")
    def post(self, request: Request) -> Response:
        data = FamilyChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        family = families_visible_to(request.user).filter(pk=values.pop("family")).first()
        if family is None:
            return Response({"family": [_("No such family among those you may see.")]}, status=status.HTTP_400_BAD_REQUEST)
        applicant_id = values.pop("applicant")
        applicant = family.applicants.filter(pk=applicant_id).first() if applicant_id else None
        if applicant_id and applicant is None:
            return Response({"applicant": [_("No such applicant in this family.")]}, status=status.HTTP_400_BAD_REQUEST)
        family = record_family_change(family=family, applicant=applicant, actor=request.user, **values)
        return Response(FamilyOutputSerializer(family_api_list(user=request.user).get(pk=family.pk)).data)


class AssessmentInput(serializers.Serializer):
    sdq_total_difficulties = serializers.IntegerField(min_value=0, max_value=40)


class PlacementAssessmentView(APIView):
    """Record a new SDQ score for the placed child; answers with the recomputed risk."""

    permission_classes = [CaseworkerOnly]

    @extend_schema(
        request=AssessmentInput,
        responses={200: PlacementRiskSerializer, **WRITE_ERRORS},
        summary="Record an SDQ assessment of the placed child (recomputes the risk)",
    )
    def post(self, request: Request, pk: int) -> Response:
        placement = placements_visible_to(request.user).filter(pk=pk).first()
        if placement is None:
            raise NotFound()
        if not cases_editable_by(request.user).filter(pk=placement.case_id).exists():
            return Response({"detail": _("You may view this case but not change it.")}, status=status.HTTP_403_FORBIDDEN)
        data = AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        record_sdq_assessment(placement=placement, actor=request.user, **data.validated_data)
        return PlacementRiskView().get(request, pk)


class SupervisorOrAdministrator(BasePermission):
    message = _("Only supervisors and administrators see the calibration report.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user.is_authenticated and (user.is_supervisor or user.is_administrator))


class CalibrationView(APIView):
    permission_classes = [SupervisorOrAdministrator]

    @extend_schema(
        summary="Observed return rate by risk band, at placement start and at each visit (closed placements)",
        responses={200: CalibrationSerializer, 403: READ_ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        report = calibration_report(user=request.user)
        return Response({
            section: [{"band": r.band, "placements": r.placements, "returned": r.returned, "return_rate": r.return_rate}
                      for r in rows]
            for section, rows in report.items()
        })
