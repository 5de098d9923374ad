"""Published differentially private tables.

A noisy table is stored when first released and served unchanged to every later identical request:
asking again must not draw fresh noise, or averaging the answers would wash the noise out.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PrivateRelease(models.Model):
    key = models.CharField(_("request fingerprint"), max_length=64, unique=True)
    indicator = models.CharField(_("indicator"), max_length=60)
    epsilon = models.FloatField(_("epsilon"))
    request = models.JSONField(_("request"))
    table = models.JSONField(_("published table"))
    created_at = models.DateTimeField(_("released at"), auto_now_add=True)

    class Meta:
        verbose_name = _("private statistics release")
        verbose_name_plural = _("private statistics releases")
        constraints = [models.CheckConstraint(condition=Q(epsilon__gt=0), name="stats_release_epsilon_positive")]
        indexes = [models.Index(fields=["indicator", "created_at"])]

    def __str__(self) -> str:
        return f"{self.indicator} ε={self.epsilon}"
