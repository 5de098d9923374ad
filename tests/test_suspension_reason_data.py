"""Why a family's approval is suspended is kept as data (families.models: the kind, the reason's code,
the date in suspended_on, the applicant who left and their name) and written in each reader's
language from it (families.reasons.suspension_text): on the family's page and in the API's
``suspension_reason``, the same text as before for each kind; the database refuses a reason whose
fields do not fit its kind."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from core.dates import date_text
from families.models import Applicant, Family
from families.services import record_applicant_leaving, record_carer_check, update_family
from tests import factories

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)
LANGUAGES = ("kk", "ru", "en")
# The reason as each language writes it, the date apart (appended as the language writes it).
TEXTS = {
    "applicant_left": {"en": "Sadykov Marat: divorce on ", "ru": "Sadykov Marat: развод, ", "kk": "Sadykov Marat: ажырасу, "},
    "carer_check_failed": {
        "en": "carer check failed: under criminal prosecution on ",
        "ru": "проверка воспитателя не пройдена: подвергается уголовному преследованию, ",
        "kk": "тәрбиешіні тексеру өтпеді: қылмыстық қудалауда, ",
    },
}
NOTE = "Решение суда по делу 2-1234"


def _date(language: str) -> str:
    with translation.override(language):
        return date_text(DAY)


def expected(kind: str, language: str) -> str:
    return NOTE if kind == "other" else TEXTS[kind][language] + _date(language)


@pytest.fixture
def couple(worker):
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region)
    factories.ApplicantFactory(family=family, position=1, last_name="Sadykova", first_name="Aigul")
    second = factories.ApplicantFactory(family=family, position=2, last_name="Sadykov", first_name="Marat", sex="M")
    return family, second


def suspend(kind: str, family: Family, applicant, worker) -> Family:
    if kind == "applicant_left":
        return record_applicant_leaving(applicant=applicant, reason="divorce", on=DAY, actor=worker)
    if kind == "carer_check_failed":
        return record_carer_check(family=family, checked_on=DAY, failure="prosecution", actor=worker)
    # "other": a reason written by hand (the admin) or imported.
    Family.objects.filter(pk=family.pk).update(approval_status="suspended", suspended_on=DAY, suspension_kind="other",
                                               suspension_note=NOTE)
    return Family.objects.get(pk=family.pk)


KINDS = pytest.mark.parametrize("kind", ["applicant_left", "carer_check_failed", "other"])


@KINDS
def test_each_kind_is_stored_as_data(kind, couple, worker):
    family, second = couple
    family = suspend(kind, family, second, worker)
    family.refresh_from_db()
    stored = (family.suspension_kind, family.suspension_code, family.suspension_applicant_id,
              family.suspension_applicant_name, family.suspension_note, family.suspended_on)
    assert stored == {
        "applicant_left": ("applicant_left", "divorce", second.pk, "Sadykov Marat", "", DAY),
        "carer_check_failed": ("carer_check_failed", "prosecution", None, "", "", DAY),
        "other": ("other", "", None, "", NOTE, DAY),
    }[kind]


@KINDS
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_kind_reads_in_the_readers_language_on_the_page_and_in_the_api(kind, language, client, api_client, couple,
                                                                          worker):
    family, second = couple
    suspend(kind, family, second, worker)
    text = expected(kind, language)
    client.force_login(worker)
    client.cookies["django_language"] = language
    page = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert text in page.content.decode(), language
    api_client.force_authenticate(worker)
    body = api_client.get(f"/api/v1/families/{family.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()
    assert body["suspension_reason"] == text
    assert body["suspension_kind"] == kind
    listed = api_client.get("/api/v1/families/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
    assert [row["suspension_reason"] for row in listed if row["id"] == family.pk] == [text]
    if kind != "other" and language != "en":  # not the English words
        assert TEXTS[kind]["en"] not in body["suspension_reason"] and TEXTS[kind]["en"] not in page.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_of_a_child_placed_with_the_family_says_why_in_the_readers_language(language, client, couple, worker):
    from cases.models import Stage

    family, second = couple
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED,
                                 form_of_care=family.form_of_care)
    factories.PlacementFactory(case=case, child=case.child, family=family)
    suspend("carer_check_failed", family, second, worker)
    client.force_login(worker)
    client.cookies["django_language"] = language
    page = client.get(reverse("web:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert expected("carer_check_failed", language) in page.content.decode()


def test_a_family_without_a_suspension_has_an_empty_reason_in_the_api(api_client, couple, worker):
    family, _second = couple
    api_client.force_authenticate(worker)
    body = api_client.get(f"/api/v1/families/{family.pk}/").json()
    assert (body["suspension_reason"], body["suspension_kind"], body["suspension_code"], body["suspension_applicant"]) == (
        "", "", "", None)


def test_the_history_shows_the_suspension_as_one_change_in_the_readers_language(client, couple, worker):
    family, second = couple
    record_applicant_leaving(applicant=second, reason="divorce", on=DAY, actor=worker)
    client.force_login(worker)
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert page.count(expected("applicant_left", "ru")) >= 2  # the badge and the history
    assert "applicant_left" not in page and "Sadykov Marat: divorce" not in page


def test_removing_the_applicant_who_left_keeps_the_reason_with_their_name(client, couple, worker):
    """SET_NULL: the applicant who left may still be deleted (the admin); the family's edit form keeps
    them (update_family: tests/test_family_departed_applicant.py)."""
    family, second = couple
    record_applicant_leaving(applicant=second, reason="divorce", on=DAY, actor=worker)
    Applicant.objects.get(pk=second.pk).delete()
    family.refresh_from_db()
    assert (family.suspension_applicant_id, family.suspension_applicant_name) == (None, "Sadykov Marat")
    client.force_login(worker)
    page = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert expected("applicant_left", "en") in page.content.decode()


def test_a_new_home_study_clears_every_field_of_the_reason(couple, worker):
    family, second = couple
    record_applicant_leaving(applicant=second, reason="death", on=DAY, actor=worker)
    update_family(family=family, actor=worker, home_study_issued_on=DAY, home_study_expires_on=DAY + dt.timedelta(days=365))
    family.refresh_from_db()
    assert (family.suspended_on, family.suspension_kind, family.suspension_code, family.suspension_applicant_id,
            family.suspension_applicant_name, family.suspension_note) == (None, "", "", None, "", "")


@pytest.mark.parametrize("fields", [
    {"suspension_kind": "applicant_left", "suspension_code": "divorce"},  # no name
    {"suspension_kind": "applicant_left", "suspension_code": "conviction", "suspension_applicant_name": "A B"},
    {"suspension_kind": "carer_check_failed", "suspension_code": "death"},
    {"suspension_kind": "carer_check_failed", "suspension_code": "conviction", "suspension_note": "also typed"},
    {"suspension_kind": "other"},  # no text
    {"suspension_kind": "other", "suspension_note": "typed", "suspension_code": "conviction"},
    {"suspension_kind": "", "suspension_note": "a text without a kind"},
    {"suspension_kind": "", "suspension_code": "death"},
    {"suspension_kind": "unknown", "suspension_note": "typed"},
])
def test_the_database_refuses_a_reason_whose_fields_do_not_fit_its_kind(couple, fields):
    family, _second = couple
    with pytest.raises(IntegrityError, match="family_suspension_reason_fields"), transaction.atomic():
        Family.objects.filter(pk=family.pk).update(approval_status="suspended", suspended_on=DAY, **fields)


def test_the_database_refuses_a_change_in_the_family_without_its_date(couple):
    family, second = couple
    with pytest.raises(IntegrityError, match="family_suspension_reason_fields"), transaction.atomic():
        Family.objects.filter(pk=family.pk).update(
            approval_status="suspended", suspended_on=None, suspension_kind="applicant_left", suspension_code="death",
            suspension_applicant=second, suspension_applicant_name="Sadykov Marat")


def test_the_model_validation_names_the_rule(couple):
    """full_clean (the admin's form, the services) refuses it before the database, with a message."""
    from django.core.exceptions import ValidationError

    family, _second = couple
    family.approval_status, family.suspended_on, family.suspension_kind = "suspended", DAY, "other"
    with pytest.raises(ValidationError, match="incomplete or mixes the fields"):
        family.full_clean()


def test_the_families_list_reads_every_kind_in_a_constant_number_of_queries(api_client, worker,
                                                                           django_assert_max_num_queries):
    def suspended_families(n):
        for _ in range(n):
            for kind in ("applicant_left", "carer_check_failed", "other"):
                family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region)
                applicant = factories.ApplicantFactory(family=family, birth_date=dt.date(1980, 1, 1) + dt.timedelta(
                    days=family.pk % 5000))
                suspend(kind, family, applicant, worker)

    api_client.force_authenticate(worker)
    suspended_families(1)
    with django_assert_max_num_queries(6) as few:
        assert api_client.get("/api/v1/families/").json()["count"] == 3
    suspended_families(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = api_client.get("/api/v1/families/", HTTP_ACCEPT_LANGUAGE="ru").json()["results"]
    assert len(rows) == 18 and all(row["suspension_reason"] for row in rows)
