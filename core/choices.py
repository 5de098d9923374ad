"""Vocabulary shared by several apps: the domain's own names for sex and the forms of care."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class FormOfCare(models.TextChoices):
    """Forms of family care (Kazakhstan's Code on Marriage and Family)."""

    ADOPTION = "adoption", _("adoption")
    GUARDIANSHIP = "guardianship", _("guardianship (under 14)")
    TRUSTEESHIP = "trusteeship", _("trusteeship (14–18)")
    FOSTER_FAMILY = "foster_family", _("foster family")
    PATRONAGE = "patronage", _("patronage")
    KINSHIP = "kinship", _("kinship care")
    GUEST_FAMILY = "guest_family", _("guest family")


class HealthNeeds(models.IntegerChoices):
    """How much care a child's health needs; a family states the most it can take on."""

    NONE = 0, _("no special health needs")
    MINOR = 1, _("minor or treatable conditions")
    CHRONIC = 2, _("chronic illness")
    DISABILITY = 3, _("disability")
