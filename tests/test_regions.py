"""The regions and the top of the unit tree are shipped as data by migrations."""

import pytest
from django.utils import translation

from accounts.models import OrganisationalUnit
from regions.models import Region

pytestmark = pytest.mark.django_db


def test_the_twenty_regions_are_present_after_migrate():
    assert Region.objects.filter(kind="region").count() == 17
    assert set(Region.objects.filter(kind="city").values_list("code", flat=True)) == {"astana", "almaty", "shymkent"}


def test_every_region_has_names_in_three_languages():
    for region in Region.objects.all():
        assert region.name_kk and region.name_ru and region.name_en


def test_region_name_follows_the_active_language():
    region = Region.objects.get(code="astana")
    with translation.override("kk"):
        assert region.name == "Астана қаласы"
    with translation.override("en"):
        assert region.name == "Astana"


def test_each_region_has_one_department_under_the_ministry():
    ministry = OrganisationalUnit.objects.get(kind="ministry")
    departments = OrganisationalUnit.objects.filter(kind="region")
    assert departments.count() == 20
    assert set(departments.values_list("parent_id", flat=True)) == {ministry.pk}
