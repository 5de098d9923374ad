"""Prospective families. Thin: parse, call the service or selector, shape the answer."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access.selectors import families_visible_to
from cases.api.permissions import IsCaseworker
from children.selectors import search_matches_first
from core.dates import AHEAD_DATE, PAST_DATE
from core.exceptions import DomainError
from core.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from core.text import REASON_MAX_LENGTH
from families.api.filters import FamilyFilter
from families.api.serializers import FamilyCreatedSerializer, FamilyInputSerializer, FamilyOutputSerializer
from families.selectors import family_api_list, family_api_record, search_families
from families.services import (
    check_approval_decidable,
    create_family,
    decide_approval,
    record_carer_check,
    record_home_study,
    request_approval,
)
from registry.duplicates import warnings_for


class CarerCheckInput(serializers.Serializer):
    checked_on = serializers.DateField(validators=PAST_DATE)


class HomeStudyInput(serializers.Serializer):
    issued_on = serializers.DateField(validators=PAST_DATE)
    expires_on = serializers.DateField(validators=AHEAD_DATE)


class FamilyApprovalInput(serializers.Serializer):
    """The page's form (web.forms.FamilyApprovalForm) for an approval."""

    expires_on = serializers.DateField(
        validators=AHEAD_DATE, required=False, allow_null=True, default=None,
        help_text="When the approval expires (after today, and not after the home study's or the training certificate's "
                  "expiry: 400 beside expires_on); by default FAMILY_APPROVAL_VALID_DAYS (730) days from today, or "
                  "the earlier of those expiries when it comes first.")
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="",
                                   help_text="A note on the approval.")


class FamilyRefusalInput(serializers.Serializer):
    """The page's form (web.forms.FamilyApprovalForm) for a refusal: the reason is the service's to check."""

    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, allow_blank=True,
                                   help_text="Why the family is refused; a blank reason is refused "
                                             "(400, beside reason).")


@extend_schema_view(
    list=extend_schema(summary="Families you may see", responses={200: FamilyOutputSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary="One family", responses={200: FamilyOutputSerializer, **READ_ERRORS}),
)
class FamilyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = FamilyOutputSerializer
    permission_classes = [IsCaseworker]
    filterset_class = FamilyFilter
    # The schema's description; see search_records.
    search_fields = ["applicants__last_name", "applicants__first_name", "applicants__patronymic", "applicants__iin", "id"]
    ordering_fields = ["applied_on", "approval_expires_on", "id"]
    ordering = ["-applied_on", "id"]

    # The approval's writes read the family only to answer 404 for one the user does not see: no applicant
    # or decision is read before the write, the answer is the family read again after it (_fresh).
    APPROVAL_ACTIONS = ("approval_request", "approve", "refuse")

    def get_queryset(self):
        if self.action in self.APPROVAL_ACTIONS:
            return families_visible_to(self.request.user)
        return family_api_list(user=self.request.user)

    def _fresh(self, pk: int) -> Response:
        """The family as the write left it, read again (its last decision, the refusal of a new request).
        The user saw it a moment before (get_object) and the write checked their right under its lock:
        not asked again."""
        return Response(FamilyOutputSerializer(family_api_record(pk)).data)

    def search_records(self, queryset, q: str):
        """``?search=``: part of an applicant's name (any script) or IIN, or the family's number
        (a semi-join on the applicants: one row per family)."""
        return search_families(queryset, q, matches_first=search_matches_first(self.request.user))

    @extend_schema(
        summary="Register a family with one or two applicants (warns of likely duplicates)",
        request=FamilyInputSerializer,
        responses={201: FamilyCreatedSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = FamilyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        applicants = [dict(a) for a in fields.pop("applicants")]
        unit = fields.pop("responsible_unit")
        user = request.user
        if unit is not None and not user.is_administrator and (not user.unit_id or unit.pk not in user.unit.descendant_ids()):
            raise DomainError(_("You can register families only for your own unit or the units below it."),
                              field="responsible_unit")
        family, warnings = create_family(actor=user, applicants=applicants, responsible_unit=unit, **fields)
        body = {"family": FamilyOutputSerializer(family).data, "duplicate_warnings": warnings_for(request.user, warnings)}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Record a passed carer check (it clears a failed check recorded before it and lifts the "
                           "suspension that check caused: the family is under assessment and must be sent for approval "
                           "again); the next one falls due a year later (a setting). A failed check is a change in the "
                           "family: POST /api/v1/risk/family-changes/",
                   request=CarerCheckInput, responses={200: FamilyOutputSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="carer-check")
    def carer_check(self, request: Request, pk: str | None = None) -> Response:
        family = self.get_object()
        data = CarerCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            record_carer_check(family=family, checked_on=data.validated_data["checked_on"], actor=request.user)
        except DomainError as error:
            # The service names the date "on"; this input calls it "checked_on".
            raise DomainError.of({"checked_on" if field == "on" else field: message
                                  for field, message in error.errors.items()}, code=error.code) from error
        return self._fresh(family.pk)

    @extend_schema(summary="Record a new home study (one made after an applicant's leaving lifts the suspension: the "
                           "family is under assessment and must be sent for approval again; a supervisor decides. It "
                           "never lifts a failed carer check: a check that passes does)",
                   request=HomeStudyInput, responses={200: FamilyOutputSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="home-study")
    def home_study(self, request: Request, pk: str | None = None) -> Response:
        family = self.get_object()
        data = HomeStudyInput(data=request.data)
        data.is_valid(raise_exception=True)
        record_home_study(family=family, actor=request.user, **data.validated_data)
        return self._fresh(family.pk)

    # ---- approval: a social worker asks, a supervisor of the family's unit decides (the pages' services:
    # families.services.request_approval / decide_approval, each under the family's row lock) ----------

    @extend_schema(
        summary="Ask the supervisors of the family's unit to approve it (a social worker or supervisor who sees the "
                "family). Refused with 400 and the family's approval_request_refusal when it cannot be sent: already "
                "waiting or decided, suspended until a new home study or a carer check that passes, a failed carer "
                "check, a home study or training "
                "certificate missing or expired",
        request=None, responses={200: FamilyOutputSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="approval-request")
    def approval_request(self, request: Request, pk: str | None = None) -> Response:
        family = self.get_object()
        request_approval(family=family, actor=request.user)
        return self._fresh(family.pk)

    def _decide(self, request: Request, data_class: type[serializers.Serializer], approve: bool) -> Response:
        family = self.get_object()
        # Who may decide, and whether the request still waits, before the input (the page's order):
        # 403, or 400 saying who decided it or that a suspension withdrew it. Checked again under the lock.
        check_approval_decidable(family=family, actor=request.user)
        data = data_class(data=request.data)
        data.is_valid(raise_exception=True)
        decide_approval(family=family, actor=request.user, approve=approve, **data.validated_data)
        return self._fresh(family.pk)

    @extend_schema(
        summary="Approve a family waiting for approval (a supervisor of the family's unit or a unit above it). A request "
                "no longer waiting (decided meanwhile, or withdrawn by a suspension) is 400 saying why; so is a family "
                "suspended, with a certificate missing or expired, or with a failed carer check standing",
        request=FamilyApprovalInput, responses={200: FamilyOutputSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, FamilyApprovalInput, approve=True)

    @extend_schema(
        summary="Refuse a family waiting for approval, saying why (a supervisor of the family's unit or a unit above "
                "it). A request no longer waiting (decided meanwhile, or withdrawn by a suspension) is 400 saying why",
        request=FamilyRefusalInput, responses={200: FamilyOutputSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, FamilyRefusalInput, approve=False)
