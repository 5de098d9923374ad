"""Cases (with the workflow actions and matching) and placements (with their end). Thin views:
each action parses its input, calls one service and answers with the fresh record."""

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import ISO_8601, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from access.permissions import CanChangeCase
from access.selectors import cases_editable_by, families_visible_to, sensitive_case_ids, viewer_kind
from accounts.authentication import token_parts, token_user
from audit.services import AccessLoggedMixin
from cases.api.filters import CaseFilter, PlacementFilter
from cases.api.permissions import IsCaseworker
from cases.api.serializers import (
    AcquaintanceInputSerializer,
    AcquaintanceOutputSerializer,
    ApproveInputSerializer,
    CaseDetailSerializer,
    CaseNoteInputSerializer,
    CaseNoteSerializer,
    CaseOutputSerializer,
    ConvertToTrusteeshipInputSerializer,
    EndPlacementInputSerializer,
    MatchPageSerializer,
    MatchSerializer,
    MoveInputSerializer,
    PlaceInputSerializer,
    PlacementOutputSerializer,
    ReentryInputSerializer,
    SiblingSeparationInputSerializer,
    SiblingSeparationOutputSerializer,
    TransitionInputSerializer,
)
from cases.selectors import (
    case_api_list,
    case_as_written,
    case_detail_for,
    case_detail_queryset,
    case_notes,
    placement_list,
    served_case_detail,
)
from cases.services import (
    add_case_note,
    approve_decision,
    convert_to_trusteeship,
    end_placement,
    move_child,
    open_next_case,
    place_child,
    record_sibling_separation,
    transition_case,
)
from children.selectors import search_children, search_matches_first
from core.client_address import client_address
from core.negotiation import ANY_OR_JSON, JSON
from core.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, VALIDATION_ERROR, WRITE_ERRORS
from core.throttling import count_request, signed_in_throttles
from matching.selectors import rank_families
from matching.services import choose_for_acquaintance

MATCHES_PER_PAGE = 20
MAX_MATCH_PAGE = 1000  # nobody reads 20,000 candidates; keeps OFFSET within the database's range


@extend_schema_view(
    list=extend_schema(summary="Cases you may see", responses={200: CaseOutputSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary="One case with its stage history", responses={200: CaseDetailSerializer, **READ_ERRORS}),
)
class CaseViewSet(AccessLoggedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The cases you may see: a social worker's own and those shared with them, a supervisor's of their
    unit and the units below it. Reading one case is written to the access log."""

    # The docstring above is the API docs' description of every case endpoint (drf-spectacular); without
    # it they showed AccessLoggedMixin's, a note for developers.
    # Actions change the case: its worker, its supervisors or a change grant (a view-only share: 403).
    permission_classes = [IsCaseworker, CanChangeCase]
    filterset_class = CaseFilter
    search_fields = ["child__last_name", "child__first_name", "child__patronymic", "child__iin", "id"]  # the schema's description
    ordering_fields = ["stage_entered_at", "opened_on", "id", "stage"]
    ordering = ["-stage_entered_at", "id"]

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            return case_api_list(user=self.request.user)
        # The actions keep the joins and prefetches their services and answers use.
        return case_detail_queryset(user=self.request.user)

    def get_object(self):
        if self.action != "retrieve":
            return super().get_object()
        # The detail: the case, its child and its history in one statement, visibility decided on
        # the row (the ORM's queryset cost more to build than to run: bench/README.md, issue 20).
        case = case_detail_for(user=self.request.user, pk=self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        if case is None:
            raise Http404
        self.check_object_permissions(self.request, case)
        self._access_logged_object = case
        return case

    def filter_queryset(self, queryset):
        # Filters, search and ordering belong to the list; a case's detail and actions look the case up
        # by id among the visible ones (get_queryset), so building the filter set there is wasted.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        return CaseOutputSerializer if self.action == "list" else CaseDetailSerializer

    def search_records(self, queryset, q: str):
        """``?search=``: part of the child's name (any script) or IIN, or the case's number."""
        return search_children(queryset, q, path="child", number_field="pk",
                               matches_first=search_matches_first(self.request.user))

    def _fresh(self, pk: int) -> Response:
        # The write committed while the user could change the case; a transfer committed right
        # after it may already hide the case: answer 200 with the case as written, not a 500.
        case = self.get_queryset().filter(pk=pk).first() or case_as_written(pk)
        return Response(CaseDetailSerializer(case).data)

    @extend_schema(summary="Move the case to another stage", request=TransitionInputSerializer,
                   responses={200: CaseDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = TransitionInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        transition_case(case=case, actor=request.user, **data.validated_data)
        return self._fresh(case.pk)

    @extend_schema(summary="Approve or reject the decision (supervisor of the case's unit)", request=ApproveInputSerializer,
                   responses={200: CaseDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = ApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approve_decision(case=case, actor=request.user, **data.validated_data)
        return self._fresh(case.pk)

    @extend_schema(summary="Record a decision to place the child apart from their siblings",
                   request=SiblingSeparationInputSerializer, responses={201: SiblingSeparationOutputSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="sibling-separation")
    def sibling_separation(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = SiblingSeparationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = record_sibling_separation(case=case, actor=request.user, reason=data.validated_data["reason"])
        return Response(SiblingSeparationOutputSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The child is back in care after this closed case: open a new case that follows it",
                   request=ReentryInputSerializer, responses={201: CaseDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def reentry(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = ReentryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = open_next_case(child=case.child, actor=request.user, responsible_unit=case.responsible_unit,
                             **data.validated_data)
        return Response(CaseDetailSerializer(self.get_queryset().get(pk=new.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="The case's notes (sensitive ones only with view_sensitive on the case)",
                   responses={200: CaseNoteSerializer(many=True), **READ_ERRORS})
    @extend_schema(methods=["POST"], summary="Write a dated note on the case (contact, acquaintance meeting, phone call, "
                   "home visit outside the schedule)", request=CaseNoteInputSerializer,
                   responses={201: CaseNoteSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["get", "post"])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        if request.method == "POST":
            data = CaseNoteInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            note = add_case_note(case=case, actor=request.user, **data.validated_data)
            return Response(CaseNoteSerializer(note).data, status=status.HTTP_201_CREATED)
        sensitive = case.pk in sensitive_case_ids(request.user, [case.pk])
        return Response(CaseNoteSerializer(case_notes(case=case, sensitive=sensitive), many=True).data)

    @extend_schema(
        summary="Approved families ranked for this case, each score explained factor by factor",
        parameters=[OpenApiParameter("page", OpenApiTypes.INT, description="page of 20 candidates, from 1")],
        responses={200: MatchPageSerializer, 400: VALIDATION_ERROR, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def matches(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        try:
            page = min(max(1, int(request.query_params.get("page", 1))), MAX_MATCH_PAGE)
        except ValueError:
            page = 1
        # One row more than the page tells whether another page exists without counting 100k families.
        candidates = rank_families(case=case, limit=MATCHES_PER_PAGE + 1, offset=(page - 1) * MATCHES_PER_PAGE,
                                   user=request.user)
        return Response({"page": page, "has_next": len(candidates) > MATCHES_PER_PAGE,
                         "results": MatchSerializer(candidates[:MATCHES_PER_PAGE], many=True).data})

    @extend_schema(summary="Choose a ranked family for acquaintance (the case moves to acquaintance; the family's unit "
                           "is told)", request=AcquaintanceInputSerializer,
                   responses={201: AcquaintanceOutputSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def acquaintances(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = AcquaintanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        acquaintance = choose_for_acquaintance(case=case, family_id=data.validated_data["family"], actor=request.user,
                                               reason=data.validated_data["reason"])
        return Response(AcquaintanceOutputSerializer(acquaintance).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Placements you may see", responses={200: PlacementOutputSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary="One placement", responses={200: PlacementOutputSerializer, **READ_ERRORS}),
)
class PlacementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = PlacementOutputSerializer
    permission_classes = [IsCaseworker, CanChangeCase]
    filterset_class = PlacementFilter
    search_fields = ["child__last_name", "child__first_name", "=child__iin", "decision_document_number"]
    ordering_fields = ["started_on", "ended_on", "id"]
    ordering = ["-started_on", "id"]

    def get_queryset(self):
        return placement_list(user=self.request.user)

    @extend_schema(summary="Place the child of an approved decision with its family", request=PlaceInputSerializer,
                   responses={201: PlacementOutputSerializer, **CREATE_ERRORS})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = PlaceInputSerializer(data=request.data, cases=cases_editable_by(request.user))
        data.is_valid(raise_exception=True)
        placement = place_child(actor=request.user, **data.validated_data)
        return Response(PlacementOutputSerializer(placement).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="End the placement (a return to an institution re-opens the case)",
                   request=EndPlacementInputSerializer, responses={200: PlacementOutputSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        placement = self.get_object()
        data = EndPlacementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        placement = end_placement(placement=placement, actor=request.user, **data.validated_data)
        return Response(PlacementOutputSerializer(placement).data)

    @extend_schema(summary="Record that the guardianship became a trusteeship (the child reached the trusteeship age); "
                           "the placement goes on",
                   request=ConvertToTrusteeshipInputSerializer, responses={200: PlacementOutputSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="convert-to-trusteeship")
    def convert_to_trusteeship(self, request: Request, pk: str | None = None) -> Response:
        placement = self.get_object()
        data = ConvertToTrusteeshipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        placement = convert_to_trusteeship(placement=placement, actor=request.user, **data.validated_data)
        return Response(PlacementOutputSerializer(placement).data)

    @extend_schema(summary="Move the child to another family without closing the case (the new placement)",
                   request=MoveInputSerializer, responses={201: PlacementOutputSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        placement = self.get_object()
        data = MoveInputSerializer(data=request.data, families=families_visible_to(request.user))
        data.is_valid(raise_exception=True)
        new = move_child(placement=placement, actor=request.user, **data.validated_data)
        return Response(PlacementOutputSerializer(new).data, status=status.HTTP_201_CREATED)


# ---- the case detail's fast path ---------------------------------------------------------------

def signed_in_by_session(request: HttpRequest) -> bool:
    """Whether DRF's SessionAuthentication, which comes first, would take the request's user: an
    active user signed in by the session. Without a session cookie there is none, and the user is
    not looked up (AuthenticationMiddleware's lazy user: ~0.02 ms); the session is marked read as
    that look-up marks it, so the answer still says ``Vary: Cookie`` as DRF's does."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return getattr(request.user, "is_active", False)
    request.session.accessed = True
    return False


# What DRF adds to the detail's answer (APIView.default_response_headers): the methods the route
# allows (the router's detail route of CaseViewSet: GET, and HEAD and OPTIONS as every view); no
# "Vary: Accept", there being one renderer.
_DETAIL_ALLOW = "GET, HEAD, OPTIONS"


def case_detail_fast_path(drf_view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The router's detail view of CaseViewSet (``drf_view``) with a fast path for its plain GET: a
    token this process has verified before in ``Authorization: Token <token>``, JSON or anything
    accepted, no query string, no signed-in session (DRF's SessionAuthentication comes first), DRF's
    throttles allowing the token's user, who is not an analyst. Then one statement
    (cases.selectors.served_case_detail) checks the token, its user and their role again, writes the
    case's JSON if that user sees it without a grant (their own case: assigned to a worker, of a
    supervisor's units, any for an administrator), and writes the access-log row; the answer carries
    that JSON with the headers DRF gives it. Anything else, and any request that statement does not
    serve (a token unknown, expired or revoked, its user inactive or of another role now, a case not
    there, not visible, or seen through a share or an emergency access), DRF answers as before; the
    statement has then written nothing. docs/permissions.md, "The case detail's fast path"."""

    def served(request: HttpRequest, kwargs: dict) -> HttpResponse | None:
        meta = request.META
        pk = kwargs.get("pk", "")
        if (request.method != "GET" or meta.get("QUERY_STRING") or len(kwargs) != 1 or not pk.isascii()
                or not pk.isdigit() or meta.get("HTTP_ACCEPT", "*/*") not in ANY_OR_JSON
                or api_settings.DATETIME_FORMAT != ISO_8601):
            return None
        token = token_parts(meta.get("HTTP_AUTHORIZATION", ""))
        user = token and token_user(token[1])
        viewer = user and viewer_kind(user.role, user.is_superuser)  # None for an analyst: DRF's 403
        if not viewer or signed_in_by_session(request):  # DRF would take the session's user
            return None
        throttles = signed_in_throttles(CaseViewSet, user.id)
        if throttles is None:
            return None
        detail = served_case_detail(token_key=token[0], digest=token[1], user_id=user.id, viewer=viewer, case_id=int(pk),
                                    path=request.get_full_path()[:300], ip=client_address(request))
        if detail is None:
            return None
        count_request(throttles)
        # DRF's JSONRenderer escapes these two (JavaScript's line separators) besides what JSON escapes.
        response = HttpResponse(detail.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"), content_type=JSON)
        response["Allow"] = _DETAIL_ALLOW
        return response

    @functools.wraps(drf_view)
    def view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = served(request, kwargs)
        return response if response is not None else drf_view(request, *args, **kwargs)

    return view
