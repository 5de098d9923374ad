"""Kazakhstan's first-level administrative divisions: 17 regions and 3 cities of republican
significance (since 2022). Shipped as data by migration 0002."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import MultilingualNameMixin


class Region(MultilingualNameMixin):
    class Kind(models.TextChoices):
        REGION = "region", _("region")
        CITY = "city", _("city of republican significance")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["region", "city"]), name="region_kind_valid"),
        ]
