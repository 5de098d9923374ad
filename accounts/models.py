"""Users, their roles, and the organisational units they work in.

Units form a tree: the ministry, one department per region, and the district guardianship
authorities under each department. A user belongs to one unit; a supervisor sees the cases of their
unit and of the units below it.
"""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import MultilingualNameMixin


class OrganisationalUnit(MultilingualNameMixin):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("ministry")
        REGION = "region", _("regional department")
        DISTRICT = "district", _("district guardianship authority")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="units",
    )

    class Meta:
        ordering = ["kind", "name_en"]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        constraints = [
            # The ministry is the root and covers the whole country; every other unit hangs under
            # a parent and belongs to exactly one region.
            models.CheckConstraint(
                condition=(Q(kind="ministry", parent__isnull=True, region__isnull=True))
                | (Q(kind__in=["region", "district"], parent__isnull=False, region__isnull=False)),
                name="unit_ministry_is_root_others_have_region",
            ),
            models.UniqueConstraint(fields=["region"], condition=Q(kind="region"), name="unit_one_department_per_region"),
        ]
        indexes = [models.Index(fields=["region", "kind"])]

    # The kind a unit's parent must have: exactly one level up. The database holds the same rule
    # (trigger of migration accounts/0003), so no path around the forms can break the tree.
    PARENT_KIND = {Kind.REGION: Kind.MINISTRY, Kind.DISTRICT: Kind.REGION}

    def __str__(self) -> str:
        """The full path below the ministry: "region department → district authority", so twenty
        districts with similar names can be told apart. Select ``parent`` with the unit in lists."""
        if self.kind == self.Kind.DISTRICT and self.parent_id:
            return f"{self.parent.name} → {self.name}"
        return self.name

    def clean(self) -> None:
        expected = self.PARENT_KIND.get(self.kind)
        if expected is None:
            return
        parent = self.parent if self.parent_id else None
        if parent is None or parent.kind != expected:
            raise ValidationError({"parent": _("A %(kind)s belongs directly under a %(parent)s.")
                                   % {"kind": self.get_kind_display(), "parent": self.Kind(expected).label}})
        if self.kind == self.Kind.DISTRICT and self.region_id != parent.region_id:
            raise ValidationError({"region": _("A district authority lies in the region of its regional department.")})
        if self.kind == self.Kind.REGION and self.pk and self.children.exclude(kind=self.Kind.DISTRICT).exists():
            raise ValidationError({"kind": _("Only district authorities may sit under a regional department.")})

    def descendant_ids(self) -> list[int]:
        """This unit's id and those of every unit below it (the tree is at most three levels)."""
        if self.kind == self.Kind.MINISTRY:
            return list(OrganisationalUnit.objects.values_list("id", flat=True))
        if self.kind == self.Kind.REGION:
            return list(OrganisationalUnit.objects.filter(region_id=self.region_id).values_list("id", flat=True))
        return [self.pk]


class User(AbstractUser):
    class Role(models.TextChoices):
        SOCIAL_WORKER = "social_worker", _("social worker")
        SUPERVISOR = "supervisor", _("supervisor")
        ANALYST = "analyst", _("ministry analyst")
        ADMINISTRATOR = "administrator", _("administrator")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SOCIAL_WORKER)
    unit = models.ForeignKey(
        OrganisationalUnit, verbose_name=_("organisational unit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["social_worker", "supervisor", "analyst", "administrator"]),
                name="user_role_valid",
            ),
            # Everyone but a bootstrap superuser works in a unit: it decides what they may see.
            models.CheckConstraint(condition=Q(unit__isnull=False) | Q(is_superuser=True), name="user_has_unit"),
        ]
        indexes = [models.Index(fields=["unit", "role"])]

    @property
    def is_social_worker(self) -> bool:
        return self.role == self.Role.SOCIAL_WORKER

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR

    @property
    def is_analyst(self) -> bool:
        return self.role == self.Role.ANALYST

    @property
    def is_administrator(self) -> bool:
        return self.role == self.Role.ADMINISTRATOR or self.is_superuser
