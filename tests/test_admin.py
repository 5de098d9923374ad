"""Every model has an admin, and its list (with filters and search), add and change pages load."""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def project_models():
    """Models of the project's own apps, except audit history copies (read through their own pages)."""
    base = str(settings.BASE_DIR)
    return [
        model
        for config in apps.get_app_configs()
        if config.path.startswith(base) and ".venv" not in config.path
        for model in config.get_models()
        if not model.__name__.startswith("Historical")
    ]


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.kz", "admin-pass-123")


@pytest.fixture
def admin_client_with_rows(client, superuser):
    client.force_login(superuser)
    visit = factories.VisitFactory()
    factories.ApplicantFactory(family=visit.placement.family)
    factories.SiblingGroupFactory()
    return client


def test_every_project_model_is_registered():
    missing = [m._meta.label for m in project_models() if m not in admin.site._registry]
    assert missing == []


@pytest.mark.parametrize("model", [m for m in project_models() if m in admin.site._registry], ids=lambda m: m._meta.label)
def test_admin_pages_load(admin_client_with_rows, superuser, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client_with_rows.get(changelist).status_code == 200
    assert admin_client_with_rows.get(changelist, {"q": "a"}).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert admin_client_with_rows.get(change).status_code == 200
    request = RequestFactory().get("/")
    request.user = superuser
    if admin.site._registry[model].has_add_permission(request):
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert admin_client_with_rows.get(add).status_code == 200
