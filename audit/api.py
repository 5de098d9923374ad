"""Read-only audit API for supervisors: /api/v1/access/cases/{id}/history/ and .../access-log/.

Only a supervisor of the case's unit reads them (a share lets one see a case, not its audit trail).
"""

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from access.api import UserBriefSerializer, supervised_case
from access.permissions import CaseworkerOnly, SupervisorOnly
from audit.models import AccessLog
from cases.models import Case, Placement
from children.models import Child
from core.serializers import ModelSerializer
from visits.models import Visit

HISTORY_OF = {"case": Case, "child": Child, "placements": Placement, "visits": Visit}


class HistoryRecordSerializer(serializers.Serializer):
    """One saved version of a record: who changed it, when, how, and every field as it was then."""

    def to_representation(self, record: Any) -> dict[str, Any]:
        from web.templatetags.web_tags import history_reason

        model = record.instance_type
        user = record.history_user
        return {
            "history_id": record.history_id,
            "record": model._meta.model_name,
            "object_id": record.id,
            "history_date": serializers.DateTimeField().to_representation(record.history_date),
            "history_type": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
            "history_user": UserBriefSerializer(user).data if user is not None else None,
            "history_change_reason": record.history_change_reason,
            # The reason in the language of the request (a service's untranslated reason, an action's name).
            "history_change_reason_text": history_reason(record.history_change_reason),
            "fields": {
                field.attname: serializers.ModelField(model_field=field).to_representation(record)
                for field in model._meta.concrete_fields
            },
        }


class CaseHistoryView(generics.ListAPIView):
    """The change history of the case (``?of=case``, the default), its child (``of=child``), its
    placements (``of=placements``) or their visits (``of=visits``), newest first."""

    permission_classes = [CaseworkerOnly, SupervisorOnly]
    serializer_class = HistoryRecordSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        case = supervised_case(self.request, self.kwargs["pk"])
        of = self.request.query_params.get("of", "case")
        if of not in HISTORY_OF:
            raise ValidationError({"of": [_("Choose one of: %(names)s.") % {"names": ", ".join(HISTORY_OF)}]})
        history = HISTORY_OF[of].history.select_related("history_user").order_by("-history_date", "-history_id")
        if of == "case":
            return history.filter(id=case.pk)
        if of == "child":
            return history.filter(id=case.child_id)
        placement_ids = list(Placement.objects.filter(case=case).values_list("pk", flat=True))
        if of == "placements":
            return history.filter(id__in=placement_ids)
        return history.filter(placement_id__in=placement_ids)


class AccessLogSerializer(ModelSerializer):
    user = UserBriefSerializer(read_only=True)

    class Meta:
        model = AccessLog
        fields = ["id", "user", "kind", "case", "child", "viewed_at", "saw_sensitive", "path", "ip_address"]


class CaseAccessLogView(generics.ListAPIView):
    """Every view of the case's detail or of its child's, newest first."""

    permission_classes = [CaseworkerOnly, SupervisorOnly]
    serializer_class = AccessLogSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        case = supervised_case(self.request, self.kwargs["pk"])
        return AccessLog.objects.filter(Q(case_id=case.pk) | Q(child_id=case.child_id)).select_related("user")
