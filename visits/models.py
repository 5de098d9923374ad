"""Follow-up visits to a child in a placement: planned, then done."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Visit(TimeStampedModel):
    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled visit")
        EXTRA = "extra", _("extra visit (risk finding)")
        ANNUAL_REPORT = "annual_report", _("carer's annual report")

    class Condition(models.TextChoices):
        GOOD = "good", _("good")
        SOME_CONCERNS = "some_concerns", _("some concerns")
        SERIOUS_CONCERNS = "serious_concerns", _("serious concerns")

    SENSITIVE_FIELDS = ("concerns",)

    placement = models.ForeignKey("cases.Placement", verbose_name=_("placement"), on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SCHEDULED)
    planned_on = models.DateField(_("planned on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("social worker"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="visits",
    )
    child_seen = models.BooleanField(_("child seen in person"), default=False)
    seen_by = models.CharField(_("who saw the child"), max_length=200, blank=True)
    child_condition = models.CharField(_("child's condition"), max_length=20, choices=Condition.choices, blank=True)
    family_condition = models.CharField(_("family's condition"), max_length=20, choices=Condition.choices, blank=True)
    checklist = models.JSONField(_("checklist answers"), default=dict, blank=True)
    concerns = models.TextField(_("concerns"), blank=True)  # sensitive

    class Meta:
        ordering = ["planned_on", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["scheduled", "extra", "annual_report"]), name="visit_kind_valid"),
            models.CheckConstraint(
                condition=Q(child_condition__in=["", "good", "some_concerns", "serious_concerns"])
                & Q(family_condition__in=["", "good", "some_concerns", "serious_concerns"]),
                name="visit_conditions_valid",
            ),
            # A visit that took place says who made it.
            models.CheckConstraint(condition=Q(done_on__isnull=True) | Q(worker__isnull=False), name="visit_done_has_worker"),
        ]
        indexes = [
            models.Index(fields=["placement", "planned_on"]),
            # The reminder sweep scans only the visits still to do.
            models.Index(fields=["planned_on"], condition=Q(done_on__isnull=True), name="visit_pending_planned_idx"),
            models.Index(fields=["placement", "done_on"], condition=Q(done_on__isnull=False), name="visit_done_idx"),
        ]

    def __str__(self) -> str:
        return _("Visit on %(date)s") % {"date": self.planned_on}
