"""Vocabulary shared by several apps: the domain's own names for sex and the forms of care."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class FormOfCare(models.TextChoices):
    """Forms of family care (Kazakhstan's Code on Marriage and Family, as amended in 2025).

    Kinship is not a form of care there: a relative becomes guardian, trustee, adoptive parent or
    foster carer, and the placement records the relationship (CarerRelationship). The rules of each
    form (ages, how many children) are data: cases.FormOfCareRule.
    """

    ADOPTION = "adoption", _("adoption")
    GUARDIANSHIP = "guardianship", _("guardianship (under 14)")
    TRUSTEESHIP = "trusteeship", _("trusteeship (14–18)")
    FOSTER_FAMILY = "foster_family", _("foster family")
    # In force since 1 July 2025: at most 4 children (siblings excepted), a trained carer.
    PROFESSIONAL_FOSTER_FAMILY = "professional_foster", _("professional foster family")
    PATRONAGE = "patronage", _("patronage")
    GUEST_FAMILY = "guest_family", _("guest family")


class CarerRelationship(models.TextChoices):
    """The carer's relationship to the child, recorded on each placement (returns in Kazakhstan are
    mostly teenagers placed with relatives, so statistics and the risk score need it)."""

    NONE = "none", _("not a relative")
    GRANDPARENT = "grandparent", _("grandparent")
    AUNT_UNCLE = "aunt_uncle", _("aunt or uncle")
    SIBLING = "sibling", _("adult brother or sister")
    OTHER_RELATIVE = "other_relative", _("other relative")


class HealthNeeds(models.IntegerChoices):
    """How much care a child's health needs; a family states the most it can take on."""

    NONE = 0, _("no special health needs")
    MINOR = 1, _("minor or treatable conditions")
    CHRONIC = 2, _("chronic illness")
    DISABILITY = 3, _("disability")
