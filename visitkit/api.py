"""The visit kit's endpoints: the prepared package, the idempotent endpoint for visit records made
offline, and the conflicts. Thin views: parse, call one service or selector, shape the answer."""

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import CaseworkerOnly
from accounts.authentication import ApiTokenAuthentication
from core.ages import age_on
from core.choices import FormOfCare, Sex
from core.serializers import ModelSerializer
from visitkit.models import DeviceRecord
from visitkit.selectors import conflicts_visible_to, conflicts_with_sensitive_access
from visitkit.services import prepare_package, receive_visit_record
from visits.api import RecordVisitInput
from visits.models import CHECKLIST_ITEMS, Visit


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class KitChildSerializer(serializers.Serializer):
    """The child as the kit shows them: a name and a photo-free summary, never the sensitive fields."""

    name = serializers.CharField()
    age = serializers.IntegerField(help_text="Whole years today.")
    sex = serializers.CharField()


class KitFamilySerializer(serializers.Serializer):
    name = serializers.CharField()
    carers = serializers.ListField(child=serializers.CharField())
    address = serializers.CharField()


class KitLastVisitSerializer(serializers.Serializer):
    """The last visit's findings; its concerns (sensitive) are never in the kit."""

    done_on = serializers.DateField()
    child_seen = serializers.BooleanField()
    seen_by = serializers.CharField()
    child_condition = serializers.CharField()
    family_condition = serializers.CharField()
    checklist = serializers.DictField(child=serializers.BooleanField())


class KitVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    planned_on = serializers.DateField()
    overdue = serializers.BooleanField()
    case = serializers.IntegerField()
    form_of_care = serializers.CharField()
    placed_on = serializers.DateField()
    child = KitChildSerializer()
    family = KitFamilySerializer()
    last_visit = KitLastVisitSerializer(allow_null=True)


class PackageSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text="The worker the package was prepared for.")
    prepared_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="The device erases the package then (and at sign-out).")
    days = serializers.IntegerField()
    visits = KitVisitSerializer(many=True)
    checklist_items = ChoiceSerializer(many=True)
    conditions = ChoiceSerializer(many=True)


class PrepareInput(serializers.Serializer):
    days = serializers.IntegerField(required=False, help_text="How many days ahead; default setting VISIT_KIT_DAYS (14).")


# The token scheme first, so that a request without a session answers 401 (WWW-Authenticate), not 403:
# the kit's page tells an ended session ("sign in, then the queue is sent") from a refusal.
KIT_AUTHENTICATION = [ApiTokenAuthentication, SessionAuthentication]


def _labels() -> dict[str, dict[str, str]]:
    """Each choice set's labels, translated once per answer: ``get_FOO_display`` translates every
    label of the set at each call (about 25 gettext calls a visit, most of a full package's time)."""
    return {name: {value: str(label) for value, label in choices} for name, choices in (
        ("kind", Visit.Kind.choices), ("condition", Visit.Condition.choices), ("sex", Sex.choices),
        ("form_of_care", FormOfCare.choices))}


def _visit_entry(visit: Visit, today: dt.date, labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    placement = visit.placement
    child, family, last = placement.child, placement.family, visit.last_visit
    condition = labels["condition"]
    return {
        "id": visit.pk, "kind": visit.kind, "kind_label": labels["kind"][visit.kind], "planned_on": visit.planned_on,
        "overdue": visit.planned_on < today, "case": placement.case_id, "form_of_care": labels["form_of_care"][placement.form_of_care],
        "placed_on": placement.started_on,
        "child": {"name": str(child), "age": age_on(child.birth_date, today), "sex": labels["sex"][child.sex]},
        "family": {"name": str(family), "carers": [str(a) for a in family.applicants.all()], "address": family.address},
        "last_visit": None if last is None else {
            "done_on": last.done_on, "child_seen": last.child_seen, "seen_by": last.seen_by,
            "child_condition": condition.get(last.child_condition, ""), "family_condition": condition.get(last.family_condition, ""),
            "checklist": last.checklist,
        },
    }


class PackageView(APIView):
    """POST (it notes which visits went offline): the worker's visits of the next days, to keep on the device."""

    authentication_classes = KIT_AUTHENTICATION
    permission_classes = [CaseworkerOnly]

    @extend_schema(summary="Prepare my visits: the package of my visits of the next days, for offline work",
                   request=PrepareInput, responses={200: PackageSerializer})
    def post(self, request: Request) -> Response:
        data = PrepareInput(data=request.data)
        data.is_valid(raise_exception=True)
        package = prepare_package(actor=request.user, days=data.validated_data.get("days"))
        today = timezone.localdate()
        labels = _labels()
        body = {
            # In the server's time zone, as the pages write times: the kit shows the expiry's own
            # wall-clock time, whatever the device's zone and language.
            "user": request.user.pk, "prepared_at": timezone.localtime(package.prepared_at),
            "expires_at": timezone.localtime(package.expires_at), "days": package.days,
            "visits": [_visit_entry(v, today, labels) for v in package.visits],
            "checklist_items": [{"value": k, "label": str(label)} for k, label in CHECKLIST_ITEMS.items()],
            "conditions": [{"value": v, "label": label} for v, label in labels["condition"].items()],
        }
        # Already in its documented shape (PackageSerializer): DRF's nested serializers would cost more
        # than the reads for a full caseload (bench/bench_visit_kit.py).
        return Response(body)


class VisitRecordInput(RecordVisitInput):
    """A visit recorded offline: the fields of recording a visit online, with the device's id."""

    device_id = serializers.UUIDField(help_text="Made on the device when the record was saved; sending it again is harmless.")
    visit = serializers.IntegerField(help_text="A visit of a package prepared for you.")
    made_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class DeviceRecordSerializer(ModelSerializer):
    """The answer to a record sent: the same whenever the same device id is sent again."""

    conflict_reason_label = serializers.CharField(source="get_conflict_reason_display")
    visit = serializers.IntegerField(source="visit_id", allow_null=True)

    class Meta:
        model = DeviceRecord
        fields = ("device_id", "outcome", "conflict_reason", "conflict_reason_label", "case", "visit_id_sent", "visit",
                  "received_at")
        read_only_fields = fields


class VisitRecordView(APIView):
    authentication_classes = KIT_AUTHENTICATION
    permission_classes = [CaseworkerOnly]

    @extend_schema(
        summary="Send a visit record made offline (idempotent by device_id)",
        description="201: stored now (recorded, or kept as a conflict). 200: this device_id was received before; "
                    "the first answer again, nothing written. 400: refused with the reason by field (fix and send again).",
        request=VisitRecordInput,
        responses={201: DeviceRecordSerializer, 200: OpenApiResponse(DeviceRecordSerializer, description="A repeat.")},
    )
    def post(self, request: Request) -> Response:
        data = VisitRecordInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        record, created = receive_visit_record(actor=request.user, visit_id=fields.pop("visit"), **fields)
        return Response(DeviceRecordSerializer(record).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ConflictSerializer(ModelSerializer):
    """Both versions of a conflict: the worker's record as sent, and the visit as the server has it."""

    conflict_reason_label = serializers.CharField(source="get_conflict_reason_display")
    worker = serializers.StringRelatedField()
    child = serializers.SerializerMethodField()
    theirs = serializers.SerializerMethodField(help_text="The worker's record; concerns null unless yours or view_sensitive.")
    server = serializers.SerializerMethodField(help_text="The visit now; null when it no longer exists.")

    class Meta:
        model = DeviceRecord
        fields = ("id", "device_id", "received_at", "made_at", "worker", "case", "child", "conflict_reason",
                  "conflict_reason_label", "visit_id_sent", "theirs", "server")
        read_only_fields = fields

    def _sensitive(self, record: DeviceRecord) -> bool:
        return record.pk in self.context.get("sensitive_ids", set())

    def get_child(self, record: DeviceRecord) -> str:
        return str(record.case.child)

    def get_theirs(self, record: DeviceRecord) -> dict[str, Any]:
        shown = record.worker_id == self.context["request"].user.pk or self._sensitive(record)
        return {**record.payload, "concerns": record.payload.get("concerns") if shown else None}

    def get_server(self, record: DeviceRecord) -> dict[str, Any] | None:
        visit = record.visit
        if visit is None:
            return None
        return {
            "planned_on": visit.planned_on.isoformat(), "done_on": visit.done_on and visit.done_on.isoformat(),
            "worker": str(visit.worker) if visit.worker else None, "child_seen": visit.child_seen, "seen_by": visit.seen_by,
            "child_condition": visit.child_condition, "family_condition": visit.family_condition,
            "checklist": visit.checklist, "concerns": visit.concerns if self._sensitive(record) else None,
            "placement_ended_on": visit.placement.ended_on and visit.placement.ended_on.isoformat(),
        }


class ConflictListView(ListAPIView):
    """A worker's own conflicts; a supervisor's team's."""

    authentication_classes = KIT_AUTHENTICATION
    permission_classes = [CaseworkerOnly]
    serializer_class = ConflictSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return conflicts_visible_to(self.request.user)

    @extend_schema(summary="Visit records kept as conflicts (both versions)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        context = {**self.get_serializer_context(),
                   "sensitive_ids": conflicts_with_sensitive_access(user=request.user, records=page)}
        return self.get_paginated_response(ConflictSerializer(page, many=True, context=context).data)
