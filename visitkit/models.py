"""The visit kit's own records: which visits were taken offline by whom (the package), and every
visit record a device sent, by its device-made id (the receipt that makes sending idempotent and
keeps conflicts). The visits themselves stay the visits app's rows."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PreparedVisit(models.Model):
    """One planned visit a worker took offline ("Prepare my visits"). A record sent later for a visit
    that is not here for that worker was never given to them: it is refused as tampered, while one
    that is here but no longer theirs becomes a conflict."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("social worker"), on_delete=models.CASCADE,
                               related_name="+")
    # No foreign key: a visit cancelled when its placement ends is deleted, and a record of it made
    # offline must still be recognised (and kept as a conflict).
    visit_id = models.BigIntegerField(_("visit"))
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    prepared_at = models.DateTimeField(_("prepared at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("prepared visit")
        verbose_name_plural = _("prepared visits")
        constraints = [models.UniqueConstraint(fields=["worker", "visit_id"], name="visitkit_prepared_once")]

    def __str__(self) -> str:
        return _("Visit %(visit)s prepared for %(worker)s") % {"visit": self.visit_id, "worker": self.worker_id}


class DeviceRecord(models.Model):
    """A visit record sent from a device, stored once by its device id whatever its outcome."""

    class Outcome(models.TextChoices):
        RECORDED = "recorded", _("recorded")
        CONFLICT = "conflict", _("conflict")

    class ConflictReason(models.TextChoices):
        PLACEMENT_ENDED = "placement_ended", _("the placement has ended")
        VISIT_CANCELLED = "visit_cancelled", _("the visit was cancelled")
        REASSIGNED = "reassigned", _("the case was given to another worker")
        ALREADY_RECORDED = "already_recorded", _("the visit was already recorded")

    device_id = models.UUIDField(_("device id"), unique=True)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("social worker"), on_delete=models.PROTECT,
                               related_name="+")
    # The worker's unit when the record arrived: their supervisors see its conflicts.
    unit = models.ForeignKey("accounts.OrganisationalUnit", verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    visit_id_sent = models.BigIntegerField(_("visit named by the device"))
    # The visit recorded from it, or (conflict) the visit as the server has it, when it still exists.
    visit = models.ForeignKey("visits.Visit", verbose_name=_("visit"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    conflict_reason = models.CharField(_("conflict"), max_length=20, choices=ConflictReason.choices, blank=True)
    # The record as the worker made it (done_on, child_seen, seen_by, conditions, checklist, concerns):
    # kept whole, so a conflict loses nothing. Concerns in it are sensitive.
    payload = models.JSONField(_("the worker's record"))
    made_at = models.DateTimeField(_("made on the device at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit record from a device")
        verbose_name_plural = _("visit records from devices")
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=["recorded", "conflict"]), name="visitkit_outcome_valid"),
            models.CheckConstraint(
                condition=(Q(outcome="recorded", conflict_reason="")
                           | Q(outcome="conflict", conflict_reason__in=["placement_ended", "visit_cancelled", "reassigned",
                                                                          "already_recorded"])),
                name="visitkit_conflict_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "-received_at", "-id"], condition=Q(outcome="conflict"),
                         name="visitkit_worker_conflicts"),
            models.Index(fields=["unit", "-received_at", "-id"], condition=Q(outcome="conflict"),
                         name="visitkit_unit_conflicts"),
        ]

    def __str__(self) -> str:
        return _("Visit record %(id)s from a device") % {"id": self.device_id}
