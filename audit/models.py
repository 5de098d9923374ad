"""The audit trail: every change to a child, family, applicant, case, placement or visit (with who
and when, by django-simple-history), and every view of a child's or case's detail (AccessLog).

The history models are registered here, with ``app="audit"``, so that their tables and migrations
belong to this app and the apps that own the records need no change. Neither kind of row is edited:
the admin is read-only, and the database refuses UPDATE and DELETE on the access log (migration 0002).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords

from cases.models import Case, Placement
from children.models import Child
from core.dates import local
from core.history import REASON_MAX_LENGTH, current_change
from families.models import Applicant, Family
from visits.models import Visit


class AuditedHistoricalRecords(HistoricalRecords):
    """simple-history with who and why from ``core.history.recorded_as`` when the instance does not
    carry them; in a request without a stated reason, the reason names the request (method and
    path: which page, API action or admin form wrote the row)."""

    def get_history_user(self, instance: models.Model) -> object:
        if not hasattr(instance, "_history_user"):
            context = current_change()
            if context is not None and context.user_id is not None:
                from accounts.models import User

                return User(pk=context.user_id)
        return super().get_history_user(instance)

    def get_change_reason_for_object(self, instance: models.Model, history_type: str, using: str) -> str | None:
        reason = super().get_change_reason_for_object(instance, history_type, using)
        if reason:
            return reason
        context = current_change()
        if context is not None and context.reason:
            return context.reason
        request = getattr(self.context, "request", None)
        if request is not None:
            return f"{request.method} {request.path}"[:REASON_MAX_LENGTH]
        return None


for _model in (Child, Family, Applicant, Case, Placement, Visit):
    register(_model, app="audit", records_class=AuditedHistoricalRecords)


class AccessLog(models.Model):
    """One user opened the detail of one child or case."""

    class Kind(models.TextChoices):
        CASE = "case", _("case")
        CHILD = "child", _("child")

    # No single-column indexes on user, case and child: the (…, viewed_at) indexes below serve every
    # look-up by them, and each index more is written by every detail a user opens (three fewer took
    # the row's insert from ~0.37 to ~0.22 ms of database CPU: bench/README.md, issue 20).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    kind = models.CharField(_("record"), max_length=10, choices=Kind.choices)
    # The log outlives what it logs: plain ids without a database constraint, never cascaded.
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+", db_index=False,
    )
    child = models.ForeignKey(
        "children.Child", verbose_name=_("child"), null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+", db_index=False,
    )
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)
    path = models.CharField(_("address"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    saw_sensitive = models.BooleanField(_("sensitive fields shown"), default=False)
    # Opened through "break the glass" (emergency/): supervisors review these first.
    emergency = models.BooleanField(_("emergency access"), default=False, db_default=False)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["case", "child"]), name="access_log_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | models.Q(child__isnull=False), name="access_log_names_a_record"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "viewed_at"]),
            models.Index(fields=["child", "viewed_at"]),
            models.Index(fields=["user", "viewed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.case_id or self.child_id} {local(self.viewed_at):%Y-%m-%d %H:%M}"
