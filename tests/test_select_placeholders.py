"""Every select of the pages offers the same empty choice, "—" (web.forms.PLACEHOLDER), in kk, ru
and en: never Django's "---------" (a model field's choices such as sex, legal status and region, a
required picker such as the reassignment's worker or the transfer's unit)."""

import re

import pytest

from accounts.models import OrganisationalUnit
from cases.models import Stage
from tests import factories
from tests.pages import fetch

pytestmark = pytest.mark.django_db
LANGUAGES = ("kk", "ru", "en")
DJANGO_DASHES = "---------"


def empty_option(html: str, name: str) -> str:
    """The label of the empty option of the select named ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    option = re.search(r'<option value=""[^>]*>(.*?)</option>', select.group(1), re.S)
    assert option, name
    return option.group(1).strip()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_record_forms_offer_the_dash(client, worker, language):
    child = factories.ChildFactory(region=worker.unit.region)
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region)
    factories.CaseFactory(child=child, responsible_unit=worker.unit, assigned_worker=worker)
    child_form = fetch(client, language, "/children/new/", user=worker)
    for name in ("sex", "legal_status", "region"):
        assert empty_option(child_form, name) == "—", (language, name)
    family_form = fetch(client, language, "/families/new/", user=worker)
    for name in ("region", "form_of_care", "a1-sex", "a2-sex"):
        assert empty_option(family_form, name) == "—", (language, name)
    pages = [child_form, family_form, fetch(client, language, f"/children/{child.pk}/edit/"),
             fetch(client, language, f"/families/{family.pk}/edit/"),
             fetch(client, language, f"/children/{child.pk}/documents/new/")]
    for html in pages:
        assert DJANGO_DASHES not in html, language


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_supervisors_pickers_offer_the_dash(client, worker, supervisor, language):
    case = factories.CaseFactory(child=factories.ChildFactory(region=worker.unit.region), stage=Stage.AVAILABLE,
                                 responsible_unit=worker.unit, assigned_worker=worker)
    case_page = fetch(client, language, f"/cases/{case.pk}/", user=supervisor)
    assert empty_option(case_page, "worker") == "—"
    assert empty_option(case_page, "unit") == "—"
    case_list = fetch(client, language, "/cases/")
    assert empty_option(case_list, "all_of_worker") == "—"
    for html in (case_page, case_list, fetch(client, language, "/unit/")):
        assert DJANGO_DASHES not in html, language


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_account_and_statistics_forms_offer_the_dash(client, analyst, language):
    administrator = factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))
    new_user = fetch(client, language, "/users/new/", user=administrator)
    assert empty_option(new_user, "unit") == "—"
    users = fetch(client, language, "/users/")
    statistics = fetch(client, language, "/statistics/", user=analyst)
    assert empty_option(statistics, "sex") == "—"
    for html in (new_user, users, statistics):
        assert DJANGO_DASHES not in html, language
