"""An administrator's pages: the units as a tree, users (create, role and unit, deactivate, reset
the password), the start page; other roles are refused."""

import pytest
from django.urls import reverse

from accounts.models import OrganisationalUnit, User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(db):
    return factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"), username="admin1")


def test_the_administrator_lands_on_the_units_tree_with_full_paths(client, administrator, district):
    client.force_login(administrator)
    assert client.get(reverse("web:home"))["Location"] == reverse("web:units")
    html = client.get(reverse("web:units")).content.decode()
    assert f"{district.parent.name_en} → {district.name_en}" in html
    assert "Ministry of Education" in html


def test_administrator_creates_an_account_with_a_temporary_password(client, administrator, district):
    client.force_login(administrator)
    response = client.post(reverse("web:user-create"), {
        "username": "dana", "first_name": "Dana", "last_name": "Ospanova", "email": "", "role": "social_worker",
        "unit": district.pk, "password": "",
    }, follow=True)
    user = User.objects.get(username="dana")
    assert (user.role, user.unit, user.is_active) == ("social_worker", district, True)
    shown = [str(m) for m in response.context["messages"] if "Temporary password" in str(m)]
    password = shown[0].split(": ")[1].split(" — ")[0]
    assert user.check_password(password)


def test_a_social_worker_belongs_to_a_district(client, administrator, district):
    client.force_login(administrator)
    response = client.post(reverse("web:user-create"), {
        "username": "dana", "first_name": "Dana", "last_name": "Ospanova", "role": "social_worker", "unit": district.parent.pk,
    })
    assert response.status_code == 400
    assert response.context["form"].errors["unit"] == ["Social workers work in a district guardianship authority."]
    assert not User.objects.filter(username="dana").exists()


def test_administrator_moves_deactivates_and_resets_a_password(client, administrator, worker, supervisor):
    client.force_login(administrator)
    other = factories.DistrictFactory(region=worker.unit.region)
    client.post(reverse("web:user", args=[worker.pk]), {"first_name": worker.first_name, "last_name": worker.last_name,
                                                        "email": "", "role": "social_worker", "unit": other.pk})
    worker.refresh_from_db()
    assert worker.unit == other
    client.post(reverse("web:user-action", args=[worker.pk, "deactivate"]))
    worker.refresh_from_db()
    assert not worker.is_active
    old = worker.password
    response = client.post(reverse("web:user-action", args=[worker.pk, "reset-password"]), follow=True)
    worker.refresh_from_db()
    assert worker.password != old
    assert b"New temporary password" in response.content
    assert client.post(reverse("web:user-action", args=[worker.pk, "delete"])).status_code == 404


def test_only_administrators_manage_users(client, supervisor, worker):
    for user in (supervisor, worker):
        client.force_login(user)
        assert client.get(reverse("web:users")).status_code == 403
        assert client.get(reverse("web:units")).status_code == 403
        assert client.post(reverse("web:user-action", args=[worker.pk, "deactivate"])).status_code == 403
    worker.refresh_from_db()
    assert worker.is_active


def test_the_unit_autocomplete_finds_a_district_by_its_departments_name(admin_client, district):
    response = admin_client.get("/admin/autocomplete/", {"app_label": "accounts", "model_name": "user", "field_name": "unit",
                                                          "term": district.parent.name_en.split()[0]})
    texts = [r["text"] for r in response.json()["results"]]
    assert f"{district.parent.name_en} → {district.name_en}" in texts
