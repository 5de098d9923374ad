"""The in-app inbox: the user's own notifications, newest first, and marking one as read."""

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access.filters import VisibleChoices
from access.permissions import CaseworkerOnly
from core.serializers import ModelSerializer
from notifications.models import Notification
from notifications.selectors import inbox_of, with_units
from notifications.services import mark_read


class NotificationSerializer(ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    title = serializers.CharField(source="display_title", read_only=True,
                                  help_text="In the language of the request, dates as the pages write them.")
    body = serializers.CharField(source="display_body", read_only=True,
                                 help_text="In the language of the request, dates as the pages write them.")
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ("id", "kind", "kind_label", "title", "body", "subject_key", "due_on", "case", "placement", "family",
                  "created_at",
                  "read", "read_at")
        read_only_fields = fields

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationFilter(VisibleChoices, filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


class InboxPermission(CaseworkerOnly):
    """As for person endpoints (analysts: 403), but everyone may mark their own mail as read."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.user.is_authenticated and request.user.is_administrator:
            return True
        return super().has_permission(request, view)


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [InboxPermission]
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    search_fields: list[str] = []
    ordering_fields = ["created_at", "due_on"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> Any:
        return inbox_of(self.request.user)

    def paginate_queryset(self, queryset: Any) -> Any:
        # The page's units looked up once (notifications.selectors.with_units), not once per row.
        page = super().paginate_queryset(queryset)
        return with_units(page) if page is not None else None

    @extend_schema(summary="Mark the notification as read", request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = mark_read(notification=self.get_object(), user=request.user)
        return Response(NotificationSerializer(notification).data)
