"""The consents a case needs, and the supervisors' overrides of a missing consent to share data.

- the child's own view, recorded from the age the law sets (10 in Kazakhstan's family law; a setting);
- the birth parents' consent to adoption, where the child's legal status requires it;
- consent to share the child's data with another agency or region (a transfer needs it).
A consent is never deleted: a revoked one keeps its row with the revocation date.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import REASON_MAX_LENGTH, max_length


class ConsentKind(models.TextChoices):
    CHILD_VIEW = "child_view", _("child's own view")
    BIRTH_PARENTS_ADOPTION = "birth_parents_adoption", _("birth parents' consent to adoption")
    DATA_SHARING = "data_sharing", _("consent to share data with another agency")


class ConsentQuerySet(models.QuerySet):
    def in_force(self, on=None) -> "ConsentQuerySet":
        """Given (agreeing), dated on or before ``on`` and not revoked by then."""
        on = on or timezone.localdate()
        return self.filter(agrees=True, given_on__lte=on).filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))


class Consent(models.Model):
    Kind = ConsentKind

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(_("kind"), max_length=30, choices=ConsentKind.choices)
    # The person who gave it (the child, a birth parent, the legal representative): not a user.
    given_by = models.CharField(_("given by"), max_length=200)
    given_on = models.DateField(_("given on"))
    # A child may say no and a parent may refuse: the answer is recorded either way.
    agrees = models.BooleanField(_("agrees"), default=True)
    scope = models.TextField(_("scope"), **max_length(REASON_MAX_LENGTH), blank=True,
                             help_text=_("What the consent covers, e.g. the agency or the data."))
    # Consent to share data may name the region it covers; empty means any region.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region covered"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(
        "documents.Document", verbose_name=_("signed document"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revocation recorded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    revoke_reason = models.TextField(_("reason for revocation"), **max_length(REASON_MAX_LENGTH), blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["case", "-given_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ConsentKind.values), name="consent_kind_valid"),
            models.CheckConstraint(condition=~Q(given_by=""), name="consent_names_who_gave_it"),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=F("given_on")), name="consent_revoked_after_given"
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True, revoked_by__isnull=True) | Q(revoked_on__isnull=False, revoked_by__isnull=False),
                name="consent_revocation_complete",
            ),
            models.CheckConstraint(
                condition=Q(region__isnull=True) | Q(kind="data_sharing"), name="consent_region_only_for_sharing"
            ),
        ]
        indexes = [models.Index(fields=["case", "kind", "revoked_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.given_by} ({self.given_on})"


class TransferOverride(models.Model):
    """A supervisor's recorded decision to transfer a case without a consent to share data."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="transfer_overrides")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), **max_length(REASON_MAX_LENGTH))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["case", "-decided_at"]
        verbose_name = _("transfer without consent")
        verbose_name_plural = _("transfers without consent")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="transfer_override_has_reason")]
        indexes = [models.Index(fields=["case", "decided_at"])]

    def __str__(self) -> str:
        return _("Transfer of case № %(id)s without consent") % {"id": self.case_id}
