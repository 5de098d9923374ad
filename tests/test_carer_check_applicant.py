"""A failed carer check names the applicant it concerns (a conviction, a registration or a prosecution
is one person's: DOMAIN.md, carer checks): Family.carer_check_failed_applicant with the name as on the
day, and the suspension's reason names them ("carer check failed for Sadykov Marat: conviction on
..."), on the family's page in kk/ru/en, in the refusal of an approval request, in the supervisors'
alert and in the API. The page asks whose check failed when the family is a couple; a one-person
family's check is that person's. The database refuses an applicant without a failure or without a
name; families migration 0012 goes back and forth."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError
from families.models import Family
from families.services import approval_request_refusal, record_applicant_leaving, record_carer_check
from notifications.models import Notification
from risk.services import record_family_change
from tests import factories
from tests.migrating import latest, migrate

TODAY = timezone.localdate
LANGUAGES = pytest.mark.parametrize("language", ["en", "kk", "ru"])
CONVICTION = {"en": "conviction", "kk": "сотталғандық", "ru": "судимость"}
FAILED_FOR = {"en": "carer check failed for Sadykov Marat: conviction on",
              "kk": "тәрбиешіні тексеру өтпеді — Sadykov Marat: сотталғандық,",
              "ru": "проверка воспитателя не пройдена — Sadykov Marat: судимость,"}


def couple(worker) -> Family:
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region)
    factories.ApplicantFactory(family=family, position=1, last_name="Sadykova", first_name="Aigul", sex="F")
    factories.ApplicantFactory(family=family, position=2, last_name="Sadykov", first_name="Marat", sex="M")
    return family


def marat(family: Family):
    return family.applicants.get(position=2)


@pytest.mark.django_db
@LANGUAGES
def test_the_familys_page_names_whose_check_failed(client, worker, language):
    family = couple(worker)
    client.force_login(worker)
    response = client.post(reverse("web:family-change", args=[family.pk]),
                           {"kind": "carer_check", "failure": "conviction", "applicant": marat(family).pk,
                            "on": TODAY().isoformat()})
    assert response.status_code == 302
    client.cookies["django_language"] = language
    html = client.get(reverse("web:family", args=[family.pk])).content.decode()
    badge = html.split('id="carer-check-failure">')[1].split("</span>")[0]
    assert badge.startswith(f"Sadykov Marat: {CONVICTION[language]}")
    approval = html.split('id="approval"')[1].split("</section>")[0]
    assert FAILED_FOR[language] in approval


@pytest.mark.django_db
def test_a_couple_must_say_whose_check_failed_and_a_single_applicants_is_theirs(client, worker):
    family = couple(worker)
    client.force_login(worker)
    response = client.post(reverse("web:family-change", args=[family.pk]),
                           {"kind": "carer_check", "failure": "prosecution", "on": TODAY().isoformat()})
    assert response.status_code == 400 and "applicant" in response.context["change_form"].errors
    assert Family.objects.get(pk=family.pk).carer_check_failure == ""
    single = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region)
    aigul = factories.ApplicantFactory(family=single, last_name="Sadykova", first_name="Aigul", sex="F")
    response = client.post(reverse("web:family-change", args=[single.pk]),
                           {"kind": "carer_check", "failure": "prosecution", "on": TODAY().isoformat()})
    assert response.status_code == 302
    single.refresh_from_db()
    assert (single.carer_check_failed_applicant_id, single.carer_check_failed_applicant_name) == (aigul.pk,
                                                                                                 "Sadykova Aigul")


@pytest.mark.django_db
def test_only_an_applicant_still_in_the_family_is_accepted_and_nothing_is_written(worker):
    family = couple(worker)
    stranger = marat(couple(worker))
    with pytest.raises(DomainError) as refused:
        record_carer_check(family=family, checked_on=TODAY(), failure="conviction", applicant=stranger, actor=worker)
    assert refused.value.field == "applicant"
    record_applicant_leaving(applicant=marat(family), reason="departure", on=TODAY(), actor=worker)
    with pytest.raises(DomainError):
        record_carer_check(family=family, checked_on=TODAY(), failure="conviction", applicant=marat(family),
                           actor=worker)
    family.refresh_from_db()
    assert (family.carer_check_failure, family.carer_check_failed_applicant_id) == ("", None)


@pytest.mark.django_db
def test_the_refusal_the_alert_and_a_passed_check(worker, supervisor):
    family = couple(worker)
    record_family_change(family=family, kind="conviction", applicant=marat(family), on=TODAY() - dt.timedelta(days=3),
                         actor=worker)
    family.refresh_from_db()
    assert "carer check failed for Sadykov Marat: conviction" in approval_request_refusal(family)
    alert = Notification.objects.get(recipient=supervisor, kind="carer_check_failed")
    assert "carer check failed for Sadykov Marat: conviction" in alert.display_title
    assert alert.subject_key == f"family:{family.pk}:check:conviction"
    # The failure stays (naming whom) until a check passes, which clears both.
    record_carer_check(family=family, checked_on=TODAY(), actor=worker)
    family.refresh_from_db()
    assert (family.carer_check_failure, family.carer_check_failed_applicant_id,
            family.carer_check_failed_applicant_name) == ("", None, "")


@pytest.mark.django_db
def test_the_api_records_and_shows_whom_the_failed_check_concerns(api_client, worker):
    family = couple(worker)
    other = marat(couple(worker))
    api_client.force_authenticate(worker)
    url = "/api/v1/risk/family-changes/"
    refused = api_client.post(url, {"family": family.pk, "kind": "conviction", "applicant": other.pk}, format="json")
    assert refused.status_code == 400 and "applicant" in refused.data
    response = api_client.post(url, {"family": family.pk, "kind": "conviction", "applicant": marat(family).pk},
                               format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200, response.data
    body = response.data
    assert (body["carer_check_failed_applicant"], body["carer_check_failed_applicant_name"]) == (marat(family).pk,
                                                                                               "Sadykov Marat")
    assert body["suspension_applicant"] == marat(family).pk
    assert body["suspension_reason"].startswith(FAILED_FOR["ru"])


@pytest.mark.django_db
@pytest.mark.parametrize("fields", [
    {"carer_check_failed_applicant_name": "Sadykov Marat"},  # no failure
    {"carer_check_failure": "conviction", "carer_check_failed_on": dt.date(2026, 11, 2),
     "carer_check_failed_applicant": "marat"},  # no name
    {"approval_status": "suspended", "suspended_on": dt.date(2026, 11, 2), "suspension_kind": "carer_check_failed",
     "suspension_code": "conviction", "suspension_applicant": "marat"},  # no name
])
def test_the_database_refuses_an_applicant_without_a_failure_or_a_name(worker, fields):
    family = couple(worker)
    values = {k: (marat(family) if v == "marat" else v) for k, v in fields.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        Family.objects.filter(pk=family.pk).update(**values)


# serialized_rollback on its own marker: the reference data is back for the transactional tests after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_goes_back_and_forth():
    """Backwards, a failed check's suspension forgets the name (0011's constraint has none for it)."""
    region = factories.region_by_code("almaty")
    worker = factories.UserFactory(unit=factories.DistrictFactory(region=region))
    family = couple(worker)
    record_carer_check(family=family, checked_on=TODAY(), failure="conviction", applicant=marat(family), actor=worker)
    try:
        old = migrate([("families", "0011_suspension_reason_text_dropped"),
                       ("audit", "0014_historicalfamily_without_suspension_reason_text")])
        row = old.get_model("families", "Family").objects.get(pk=family.pk)
        assert (row.suspension_kind, row.suspension_applicant_id, row.suspension_applicant_name) == (
            "carer_check_failed", None, "")
        assert not hasattr(row, "carer_check_failed_applicant_name")
    finally:
        migrate(latest())
    family.refresh_from_db()
    assert (family.carer_check_failure, family.carer_check_failed_applicant_name) == ("conviction", "")
