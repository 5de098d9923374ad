"""Emergency access ("break the glass"): a social worker who must act on a case that is not theirs
(a child brought in at night) opens it by stating a reason. The access itself is an expiring case
grant in the access app's tables (view and change, never the sensitive fields), so every visibility
check honours it and stops honouring it when it expires; this row is the record of who, why and until
when, which supervisors review."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import REASON_MAX_LENGTH, max_length


class EmergencyAccessQuerySet(models.QuerySet):
    def active(self, now=None) -> "EmergencyAccessQuerySet":
        return self.filter(expires_at__gt=now or timezone.now())


class EmergencyAccess(models.Model):
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="emergency_accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    reason = models.TextField(_("reason"), **max_length(REASON_MAX_LENGTH))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="emergency_access_has_reason"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("opened_at")), name="emergency_access_expires_after_opening"),
        ]
        indexes = [
            models.Index(fields=["user", "expires_at"]),
            models.Index(fields=["case", "opened_at"]),
        ]

    def __str__(self) -> str:
        return _("Emergency access to case № %(case)s by %(user)s") % {"case": self.case_id, "user": self.user_id}

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()
