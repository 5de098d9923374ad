"""The plausible ages of people (core.ages): an applicant is at least 18 on the application date and born
at most 100 years before it; a child is under 18 on the day of registration; an application is not dated
before the applicant's birth. Refused alike by the pages and the API (400, the message beside its field),
in kk/ru/en, by the registry import, and again by the approval for a family registered before the rule;
the supervisors' list shows each applicant's age.

A new user found an 11-year-old registered and approved as a family's only applicant, an applicant born
in 1900 who applied in 1901, and a "child" born in 1900 registered with an open case."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from children.models import Child
from children.services import update_child
from core.ages import age_on, applicant_age_errors, child_age_errors, years_after
from core.exceptions import DomainError
from families.models import Family
from families.services import decide_approval, request_approval, update_family
from tests import factories
from tests.factories import valid_iin
from tests.test_api_children import payload as child_payload
from tests.test_import_checks import line as child_line
from tests.test_import_checks import run as run_import
from tests.test_web_children import form_data as child_form
from tests.test_web_families import form_data as family_form

pytestmark = pytest.mark.django_db

LANGUAGES = ["kk", "ru", "en"]
UNDER_AGE = "An applicant must be at least %(years)s on the application date (%(applied)s): this person was %(age)s " \
            "and comes of age on %(date)s."
CHILD_OF_AGE = "A child is under %(years)s: a person born on %(date)s came of age on %(adult)s and is not registered " \
               "as a child. Check the year of birth."
TOO_OLD = "An applicant born on %(date)s would be over %(years)s on the application date: check the year of birth."


def today() -> dt.date:
    return timezone.localdate()


def short(day: dt.date) -> str:
    from core.dates import day_text

    return day_text(day)


def under_age_text(language: str, birth: dt.date, applied: dt.date) -> str:
    with translation.override(language):
        return translation.gettext(UNDER_AGE) % {"years": 18, "applied": short(applied), "age": age_on(birth, applied),
                                                 "date": short(years_after(birth, 18))}


def child_of_age_text(language: str, birth: dt.date) -> str:
    with translation.override(language):
        return translation.gettext(CHILD_OF_AGE) % {"years": 18, "date": short(birth), "adult": short(years_after(birth, 18))}


# ---- the rules themselves ----------------------------------------------------------------------

def test_an_applicant_is_an_adult_from_the_18th_birthday_on_the_application_date():
    applied = dt.date(2026, 6, 1)
    assert applicant_age_errors(dt.date(2008, 6, 1), applied) == {}
    assert set(applicant_age_errors(dt.date(2008, 6, 2), applied)) == {"birth_date"}
    assert set(applicant_age_errors(dt.date(2015, 1, 1), applied)) == {"birth_date"}
    # Born on 29 February: adult on 28 February of a common year (as the placements' coming of age).
    assert applicant_age_errors(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == {}


def test_an_applicant_is_born_at_most_100_years_before_the_application():
    applied = dt.date(2026, 6, 1)
    assert applicant_age_errors(dt.date(1926, 6, 1), applied) == {}
    assert "over 100" in applicant_age_errors(dt.date(1926, 5, 31), applied)["birth_date"]


def test_an_application_dated_before_the_birth_is_said_beside_the_application_date():
    assert "before the applicant's birth date" in applicant_age_errors(dt.date(1990, 1, 1), dt.date(1989, 1, 1))["applied_on"]


def test_a_child_is_registered_under_18():
    on = dt.date(2026, 12, 1)
    assert child_age_errors(dt.date(2008, 12, 2), on) == {}
    assert set(child_age_errors(dt.date(2008, 12, 1), on)) == {"birth_date"}
    assert set(child_age_errors(dt.date(1900, 5, 5), on)) == {"birth_date"}


# ---- the API -----------------------------------------------------------------------------------

FAMILIES = "/api/v1/families/"
CHILDREN = "/api/v1/children/"


@pytest.fixture
def api(api_client, worker):
    api_client.force_authenticate(worker)
    return api_client


def applicant(birth: dt.date, serial: int = 5000) -> dict:
    return {"last_name": "Ахметова", "first_name": "Жанна", "birth_date": birth.isoformat(), "sex": "F",
            "iin": valid_iin(birth, "F", serial)}


def post_family(api, birth: dt.date, applied: dt.date, language: str = "en"):
    return api.post(FAMILIES, {"applicants": [applicant(birth)], "region": "almaty", "form_of_care": "guardianship",
                               "applied_on": applied.isoformat()}, format="json", HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_an_11_year_old_applicant_beside_their_birth_date(api, language):
    birth, applied = dt.date(2015, 1, 1), today()
    response = post_family(api, birth, applied, language)
    assert response.status_code == 400
    assert response.json() == {"applicants.0.birth_date": [under_age_text(language, birth, applied)]}
    assert not Family.objects.exists()


def test_the_api_refuses_an_applicant_born_in_1900_who_applied_in_1901(api):
    response = post_family(api, dt.date(1900, 1, 1), dt.date(1901, 1, 1))
    assert response.status_code == 400
    assert "must be at least 18" in response.json()["applicants.0.birth_date"][0]


def test_the_api_refuses_an_applicant_born_over_100_years_before_the_application(api):
    response = post_family(api, dt.date(1900, 1, 1), today())
    assert response.status_code == 400
    assert response.json()["applicants.0.birth_date"] == [TOO_OLD % {"date": short(dt.date(1900, 1, 1)), "years": 100}]


def test_the_api_refuses_an_application_dated_before_the_birth_beside_the_application_date(api):
    response = post_family(api, dt.date(1985, 2, 1), dt.date(1984, 6, 1))
    assert response.status_code == 400
    assert "before the applicant's birth date" in response.json()["applied_on"][0]


def test_the_api_takes_an_applicant_who_turned_18_on_the_application_date(api):
    applied = today()
    assert post_family(api, years_after(applied, -18), applied).status_code == 201


def test_the_api_refuses_the_second_applicant_of_a_couple_beside_their_own_field(api):
    response = api.post(FAMILIES, {"applicants": [applicant(dt.date(1985, 2, 1)), applicant(dt.date(2012, 3, 3), 6000)],
                                   "region": "almaty", "form_of_care": "adoption", "applied_on": today().isoformat()},
                        format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["applicants.1.birth_date"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_a_child_born_in_1900(api, language):
    birth = dt.date(1900, 5, 5)
    response = api.post(CHILDREN, child_payload(birth_date=birth.isoformat(), entered_care_on="1901-11-01",
                                                iin=valid_iin(birth, "M", 4000)), format="json",
                        HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json() == {"birth_date": [child_of_age_text(language, birth)]}
    assert not Child.objects.exists()


def test_the_api_registers_a_child_the_day_before_their_18th_birthday_not_on_it(api):
    adult = years_after(today(), -18)
    response = api.post(CHILDREN, child_payload(birth_date=adult.isoformat(), iin=valid_iin(adult, "M", 4000),
                                                entered_care_on=today().isoformat()), format="json")
    assert response.status_code == 400 and "birth_date" in response.json()
    younger = adult + dt.timedelta(days=1)
    response = api.post(CHILDREN, child_payload(birth_date=younger.isoformat(), iin=valid_iin(younger, "M", 4000),
                                                entered_care_on=today().isoformat()), format="json")
    assert response.status_code == 201


# ---- the pages ---------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_refuses_an_11_year_old_applicant_beside_their_birth_date(client, worker, region, language):
    client.force_login(worker)
    birth = dt.date(2015, 1, 1)
    data = family_form(region, couple=False, **{"a1-birth_date": birth.isoformat(), "a1-iin": valid_iin(birth, "M", 10)})
    response = client.post(reverse("web:family-new"), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    message = under_age_text(language, birth, today())
    assert response.context["people"][0].errors["birth_date"] == [message]
    assert escape(message) in response.content.decode()
    assert not Family.objects.exists()


def test_the_page_says_the_age_with_the_forms_other_mistakes_on_one_submit(client, worker, region):
    client.force_login(worker)
    birth = dt.date(2015, 1, 1)
    data = family_form(region, couple=False, address="x" * 301,
                       **{"a1-birth_date": birth.isoformat(), "a1-iin": valid_iin(birth, "M", 10)})
    response = client.post(reverse("web:family-new"), data)
    assert response.status_code == 400
    assert "address" in response.context["form"].errors
    assert "must be at least 18" in response.context["people"][0].errors["birth_date"][0]


def test_editing_a_family_refuses_an_applicant_made_under_age(client, worker, region):
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=region)
    person = factories.ApplicantFactory(family=family)
    client.force_login(worker)
    data = family_form(region, couple=False, applied_on=family.applied_on.isoformat())
    birth = years_after(family.applied_on, -17)
    data.update({"a1-birth_date": birth.isoformat(), "a1-iin": valid_iin(birth, "M", 10), "reason": "typo"})
    response = client.post(reverse("web:family-edit", args=[family.pk]), data)
    assert response.status_code == 400
    assert "must be at least 18" in response.context["people"][0].errors["birth_date"][0]
    person.refresh_from_db()
    assert person.birth_date == dt.date(1988, 3, 2)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_refuses_a_child_born_in_1900(client, worker, region, language):
    client.force_login(worker)
    birth = dt.date(1900, 5, 5)
    data = child_form(region, birth_date=birth.isoformat(), iin=valid_iin(birth, "M", 40), entered_care_on="1901-11-01")
    response = client.post(reverse("web:child-new"), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.context["form"].errors["birth_date"] == [child_of_age_text(language, birth)]
    assert not Child.objects.exists()


def test_a_childs_birth_date_corrected_to_an_adults_is_refused_but_an_adult_now_keeps_the_record(worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    child = case.child
    with pytest.raises(DomainError) as refused:
        update_child(child=child, actor=worker, birth_date=dt.date(1990, 1, 1), iin=None)
    assert set(refused.value.errors) == {"birth_date"}
    # A child registered years ago who has since come of age: the rest of the record may still change.
    Child.objects.filter(pk=child.pk).update(birth_date=dt.date(2007, 1, 1), iin=None,
                                             created_at=timezone.now() - dt.timedelta(days=5 * 365))
    child.refresh_from_db()
    saved = update_child(child=child, actor=worker, last_name="Renamed")
    assert saved.changed and saved.last_name == "Renamed"


# ---- the approval, for a family registered before the rule ---------------------------------------

def legacy_family(unit, *, waiting: bool = False) -> Family:
    """A family registered before the rule: an 11-year-old its only applicant, certificates valid."""
    family = factories.FamilyFactory(responsible_unit=unit, region=unit.region, approval_status="under_assessment",
                                     approved_on=None, approval_expires_on=None, carer_checked_on=today(),
                                     approval_requested_at=timezone.now() if waiting else None)
    factories.ApplicantFactory(family=family, last_name="Young", first_name="Timur", sex="M",
                               birth_date=dt.date(2015, 1, 1))
    return family


def test_a_family_with_an_under_age_applicant_cannot_be_sent_for_approval(api, worker):
    family = legacy_family(worker.unit)
    assert "must be at least 18" in api.get(f"{FAMILIES}{family.pk}/").json()["approval_request_refusal"]
    response = api.post(f"{FAMILIES}{family.pk}/approval-request/")
    assert response.status_code == 400 and "Young Timur" in response.json()["non_field_errors"][0]
    with pytest.raises(DomainError):
        request_approval(family=family, actor=worker)
    family.refresh_from_db()
    assert family.approval_requested_at is None


def test_the_family_page_says_why_instead_of_offering_the_request(client, worker):
    family = legacy_family(worker.unit)
    client.force_login(worker)
    page = client.get(reverse("web:family", args=[family.pk])).content.decode()
    assert "must be at least 18" in page
    response = client.post(reverse("web:family-approval-request", args=[family.pk]), follow=True)
    assert "must be at least 18" in response.content.decode()
    family.refresh_from_db()
    assert family.approval_requested_at is None


def test_a_family_waiting_with_an_under_age_applicant_cannot_be_approved_but_may_be_refused(api_client, supervisor):
    family = legacy_family(supervisor.unit, waiting=True)
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"{FAMILIES}{family.pk}/approve/", {}, format="json")
    assert response.status_code == 400 and "must be at least 18" in response.json()["non_field_errors"][0]
    family.refresh_from_db()
    assert family.approval_status == "under_assessment" and family.approval_requested_at is not None
    decide_approval(family=family, actor=supervisor, approve=False, reason="The applicant is a child.")
    family.refresh_from_db()
    assert family.approval_status == "rejected"


@pytest.mark.parametrize(("language", "age"), [("kk", "Young Timur, 11 жаста"), ("ru", "Young Timur, 11 лет"),
                                               ("en", "Young Timur, 11 years old")])
def test_the_approvals_list_shows_each_applicants_age_and_refuses_the_under_age(client, supervisor, language, age):
    young = legacy_family(supervisor.unit, waiting=True)
    adult = factories.FamilyFactory(responsible_unit=supervisor.unit, region=supervisor.unit.region,
                                    approval_status="under_assessment", approved_on=None, approval_expires_on=None,
                                    carer_checked_on=today(), approval_requested_at=timezone.now())
    born = years_after(today(), -41)
    factories.ApplicantFactory(family=adult, last_name="Grown", first_name="Aigul", birth_date=born)
    client.force_login(supervisor)
    html = client.get(reverse("web:family-approvals"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    rows = {f.pk: html[html.index(f'<tr id="family-{f.pk}">'):][:html[html.index(f'<tr id="family-{f.pk}">'):].index("</tr>")]
            for f in (young, adult)}
    assert age in rows[young.pk] and 'class="errorlist age-refusal"' in rows[young.pk]
    assert 'name="approve" value="1"' not in rows[young.pk] and 'name="approve" value="0"' in rows[young.pk]
    with translation.override(language):
        adult_age = translation.ngettext("%(name)s, %(years)s year old", "%(name)s, %(years)s years old", 41) % {
            "name": "Grown Aigul", "years": 41}
    assert adult_age in rows[adult.pk] and "age-refusal" not in rows[adult.pk]
    assert 'name="approve" value="1"' in rows[adult.pk]


def test_a_legacy_familys_record_cannot_be_saved_until_the_age_is_corrected(worker):
    family = legacy_family(worker.unit)
    with pytest.raises(DomainError) as refused:
        update_family(family=family, actor=worker, address="Алматы")
    assert set(refused.value.errors) == {"applicants.0.birth_date"}


# ---- the registry import -----------------------------------------------------------------------

def test_the_import_refuses_a_child_of_18_or_older_and_takes_a_child(db):
    from tests.test_import_checks import HEADER

    report = run_import([HEADER, child_line("Old", "Person", birth="1900-05-05"),
                         child_line("Young", "Person", birth="2016-04-02")], partial=True)
    assert [r["line"] for r in report.rejected] == [2]
    assert "came of age" in report.rejected[0]["errors"]["birth_date"][0]
    assert report.imported == 1


def test_the_import_refuses_an_under_age_applicant_under_their_column(db):
    from tests.test_import import FAMILY_HEADER

    birth = dt.date(2015, 1, 1)
    report = run_import([FAMILY_HEADER, f"almaty,dept-almaty,adoption,2026-01-05,applied,,,Young,Timur,{birth},M,"
                                        f"{valid_iin(birth, 'M', 9000)},,,,,"], kind="families")
    assert report.imported == 0
    assert "must be at least 18" in report.rejected[0]["errors"]["applicant1_birth_date"][0]
