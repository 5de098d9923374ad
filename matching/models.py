"""Families chosen for acquaintance with a child.

Outside its own unit a prospective family is an anonymous profile (region, form of care, date of
application) in the ranking. Choosing it for acquaintance on a case is what makes it known to
those who see that case (access.selectors.families_visible_to reads this table), and its own unit
is told who opened it (matching.services.choose_for_acquaintance).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Acquaintance(models.Model):
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="acquaintances")
    family = models.ForeignKey("families.Family", verbose_name=_("family"), on_delete=models.PROTECT, related_name="acquaintances")
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("chosen by"), on_delete=models.PROTECT,
                                  related_name="+")
    chosen_at = models.DateTimeField(_("chosen at"), default=timezone.now)

    class Meta:
        ordering = ["chosen_at", "id"]
        verbose_name = _("family chosen for acquaintance")
        verbose_name_plural = _("families chosen for acquaintance")
        constraints = [models.UniqueConstraint(fields=["case", "family"], name="acquaintance_once_per_family")]
        indexes = [models.Index(fields=["family"])]

    def __str__(self) -> str:
        return f"{self.case_id} / {self.family_id}"
