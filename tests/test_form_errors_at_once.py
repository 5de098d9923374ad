"""Every independent mistake on one submit, each beside its own field (a rule between two fields on
the field to fix): registering and editing a family, registering a child, recording a visit,
uploading a document; and the services say all of theirs at once to the API too. A home study
whose expiry is before its issue date says so, not that it has expired."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from core.dates import day_text
from core.iin import validate_iin
from families.models import Family
from tests import factories
from tests.test_web_children import form_data as child_data
from tests.test_web_families import form_data as family_data

pytestmark = pytest.mark.django_db

LANGUAGES = ["kk", "ru", "en"]
BAD_CHECK_DIGIT = "850314470011"  # a woman born 14.03.1985; the check digit is 0


def read_in(client, language):
    client.cookies["django_language"] = language
    return {"HTTP_ACCEPT_LANGUAGE": language}


def text(language, message, **values):
    """``message`` (an English msgid) as the reader of ``language`` sees it; in kk and ru it must be translated."""
    with translation.override(language):
        translated = translation.gettext(message) % values if values else translation.gettext(message)
    if language != "en":
        assert translated != (message % values if values else message), f"not translated into {language}: {message}"
    return translated


def three_mistakes(region):
    """The newcomer's three independent mistakes: a home study expiring before it was issued, the
    youngest age above the oldest, an applicant's IIN with a wrong check digit."""
    return family_data(region, couple=False, home_study_issued_on="2026-11-25", home_study_expires_on="2026-01-01",
                       preferred_age_min=10, preferred_age_max=3,
                       **{"a1-iin": BAD_CHECK_DIGIT, "a1-birth_date": "1985-03-14", "a1-sex": "F"})


def test_the_iin_of_the_example_has_a_wrong_check_digit():
    with pytest.raises(Exception, match="check digit"):
        validate_iin(BAD_CHECK_DIGIT)


@pytest.mark.parametrize("language", LANGUAGES)
def test_registering_a_family_shows_all_three_mistakes_on_one_submit(client, worker, region, language):
    client.force_login(worker)
    response = client.post(reverse("web:family-new"), three_mistakes(region), **read_in(client, language))
    assert response.status_code == 400
    form, applicant = response.context["form"], response.context["people"][0]
    with translation.override(language):
        issued = day_text(dt.date(2026, 11, 25))
    assert form.errors["home_study_expires_on"] == [text(language, "The expiry date is before the issue date (%(date)s).",
                                                         date=issued)]
    assert form.errors["preferred_age_max"] == [text(language, "The oldest age accepted must not be below the youngest.")]
    assert applicant.errors["iin"] == [text(language, "The IIN's check digit is wrong; check the number for a typo.")]
    # Not called expired: the expiry comes before the issue.
    assert "expired" not in form.errors["home_study_expires_on"][0]
    assert not Family.objects.filter(applicants__last_name="Қасымов").exists()


def test_the_expiry_before_the_issue_is_said_so_in_english(client, worker, region):
    client.force_login(worker)
    response = client.post(reverse("web:family-new"), three_mistakes(region))
    with translation.override("en"):
        assert response.context["form"].errors["home_study_expires_on"] == [
            "The expiry date is before the issue date (25.11.2026)."]


def test_a_home_study_past_its_expiry_but_after_its_issue_is_still_called_expired(client, worker, region):
    client.force_login(worker)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(reverse("web:family-new"), family_data(region, home_study_issued_on="2024-01-01",
                                                                  home_study_expires_on=yesterday.isoformat(),
                                                                  preferred_age_min=10, preferred_age_max=3))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "This home study expired on" in errors["home_study_expires_on"][0]
    assert "preferred_age_max" in errors


def test_editing_a_family_shows_its_mistakes_with_the_applicants_on_one_submit(client, worker, region):
    client.force_login(worker)
    client.post(reverse("web:family-new"), family_data(region, couple=False))
    family = Family.objects.get(applicants__last_name="Қасымов")
    data = family_data(region, couple=False, training_issued_on="2026-11-20", training_expires_on="2026-02-01",
                       preferred_age_min=12, preferred_age_max=5, **{"a1-iin": BAD_CHECK_DIGIT, "reason": "typo"})
    response = client.post(reverse("web:family-edit", args=[family.pk]), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "before the issue date" in errors["training_expires_on"][0]
    assert "preferred_age_max" in errors
    assert "check digit" in response.context["people"][0].errors["iin"][0]


def test_the_api_gives_every_mistake_of_a_family_at_once(api_client, worker):
    api_client.force_authenticate(worker)
    birth = dt.date(1985, 2, 1)
    applicant = {"last_name": "Ахметова", "first_name": "Жанна", "birth_date": "1985-02-02", "sex": "F",
                 "iin": factories.valid_iin(birth, "F", 5000)}
    response = api_client.post("/api/v1/families/", {
        "applicants": [applicant], "region": "almaty", "form_of_care": "adoption", "applied_on": "2026-02-01",
        "preferred_age_min": 10, "preferred_age_max": 3, "home_study_issued_on": "2026-11-25",
        "home_study_expires_on": "2026-01-01",
    }, format="json")
    assert response.status_code == 400
    body = response.json()
    assert {"preferred_age_max", "home_study_expires_on", "applicants.0.birth_date"} <= set(body)
    assert "before the issue date" in body["home_study_expires_on"][0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_registering_a_child_shows_a_missing_name_a_bad_iin_and_an_entry_before_birth_at_once(client, worker, region, language):
    client.force_login(worker)
    good = child_data(region)["iin"]
    data = child_data(region, first_name="", iin=good[:11] + str((int(good[11]) + 1) % 10), entered_care_on="2016-01-01")
    response = client.post(reverse("web:child-new"), data, **read_in(client, language))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["first_name"]
    assert errors["iin"] == [text(language, "The IIN's check digit is wrong; check the number for a typo.")]
    assert errors["entered_care_on"] == [text(language, "A child cannot enter care before their birth date.")]


@pytest.fixture
def placed_case(worker):
    case = factories.CaseFactory(stage="placed", assigned_worker=worker, responsible_unit=worker.unit, form_of_care="adoption")
    placement = factories.PlacementFactory(case=case)
    factories.VisitFactory(placement=placement, planned_on=timezone.localdate() - dt.timedelta(days=5))
    return case


@pytest.mark.parametrize("language", LANGUAGES)
def test_recording_a_visit_shows_the_dates_and_the_findings_mistakes_at_once(client, worker, placed_case, language):
    visit = placed_case.placements.get().visits.get()
    client.force_login(worker)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(reverse("web:visit-record", args=[placed_case.pk, visit.pk]), {
        "done_on": tomorrow.isoformat(), "child_seen": "true", "seen_by": "", "child_condition": "", "family_condition": "",
    }, **read_in(client, language))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"done_on", "seen_by", "child_condition", "family_condition"}
    assert errors["seen_by"] == [text(language, "Say who saw the child.")]
    assert errors["child_condition"] == [text(language, "Give the child's condition.")]
    visit.refresh_from_db()
    assert visit.done_on is None


def test_the_visits_api_gives_the_dates_and_the_findings_mistakes_at_once(api_client, worker, placed_case):
    placement = placed_case.placements.get()
    visit = placement.visits.get()
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/visits/{visit.pk}/record/", {
        "done_on": (placement.started_on - dt.timedelta(days=1)).isoformat(), "child_seen": True, "seen_by": "",
        "child_condition": "good", "family_condition": "good", "checklist": {},
    }, format="json")
    assert response.status_code == 400
    assert {"done_on", "seen_by"} <= set(response.json())


@pytest.mark.parametrize("language", LANGUAGES)
def test_uploading_a_document_shows_its_dates_and_its_files_mistakes_at_once(client, worker, media_root, language):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    client.force_login(worker)
    today = timezone.localdate()
    values = {"doc_type": "court_decision", "title": "Решение суда", "number": "2-123/2026", "document_date": today.isoformat(),
              "expires_on": (today - dt.timedelta(days=3)).isoformat(), "file": SimpleUploadedFile("a.pdf", b"MZ\x90\x00program")}
    response = client.post(reverse("web:case-document-upload", args=[case.pk]), {f"doc-{k}": v for k, v in values.items()},
                           **read_in(client, language))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["expires_on"] == [text(language, "The expiry date must come after the date of the document.")]
    assert errors["file"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_ending_a_placement_shows_the_dates_and_the_reasons_mistakes_at_once(client, worker, placed_case, language):
    placement = placed_case.placements.get()
    client.force_login(worker)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(reverse("web:placement-end", args=[placed_case.pk, placement.pk]), {
        "ended_on": tomorrow.isoformat(), "end_reason": "", "return_reason": "child_behaviour",
    }, **read_in(client, language))
    assert response.status_code == 400
    errors = response.context["end_form"].errors
    assert errors["ended_on"]
    assert errors["end_reason"] == [text(language, "Choose why the placement ends.")]
    assert errors["return_reason"] == [text(language, "A reason for return is given only when the child was returned.")]
    placement.refresh_from_db()
    assert placement.ended_on is None


def test_the_end_of_a_placement_through_the_api_gives_each_mistake_at_once(api_client, worker, placed_case):
    placement = placed_case.placements.get()
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/placements/{placement.pk}/end/", {
        "ended_on": (placement.started_on - dt.timedelta(days=1)).isoformat(), "end_reason": "returned",
    }, format="json")
    assert response.status_code == 400
    assert {"ended_on", "return_reason"} <= set(response.json())
