"""The family pages: register with one or two applicants, preferences and certificates; the
family's page with its history; edit; search."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from families.models import Applicant, Family
from tests import factories

pytestmark = pytest.mark.django_db

HUSBAND_BIRTH = dt.date(1985, 4, 12)
WIFE_BIRTH = dt.date(1987, 9, 30)


def form_data(region, couple=True, **overrides):
    today = timezone.localdate()
    data = {
        "a1-last_name": "Қасымов", "a1-first_name": "Бауыржан", "a1-patronymic": "", "a1-birth_date": HUSBAND_BIRTH.isoformat(),
        "a1-sex": "M", "a1-iin": factories.valid_iin(HUSBAND_BIRTH, "M", 10),
        "region": region.pk, "address": "Алматы, Абай даңғылы 1", "form_of_care": "adoption", "applied_on": today.isoformat(),
        "preferred_age_min": 0, "preferred_age_max": 6, "preferred_sex": "", "max_siblings": 2, "max_health_needs": 1,
        "home_study_issued_on": (today - dt.timedelta(days=30)).isoformat(),
        "home_study_expires_on": (today + dt.timedelta(days=335)).isoformat(),
        "training_certificate_number": "ШПР-2026-77", "training_issued_on": (today - dt.timedelta(days=60)).isoformat(),
        "training_expires_on": (today + dt.timedelta(days=700)).isoformat(),
    }
    if couple:
        data.update({"a2-last_name": "Қасымова", "a2-first_name": "Әйгерім", "a2-patronymic": "",
                     "a2-birth_date": WIFE_BIRTH.isoformat(), "a2-sex": "F", "a2-iin": factories.valid_iin(WIFE_BIRTH, "F", 10)})
    data.update(overrides)
    return data


def test_registering_a_couple_records_both_applicants_preferences_and_certificates(client, worker, region):
    client.force_login(worker)
    response = client.post(reverse("web:family-new"), form_data(region))
    family = Family.objects.get(applicants__last_name="Қасымов")
    assert response.status_code == 302 and response["Location"] == reverse("web:family", args=[family.pk])
    assert [a.first_name for a in family.applicants.order_by("position")] == ["Бауыржан", "Әйгерім"]
    assert family.responsible_unit == worker.unit and family.max_siblings == 2
    assert family.training_certificate_number == "ШПР-2026-77"
    page = client.get(response["Location"]).content.decode()
    assert "Қасымов Бауыржан" in page and "Қасымова Әйгерім" in page and "ШПР-2026-77" in page


def test_one_applicant_is_enough(client, worker, region):
    client.force_login(worker)
    response = client.post(reverse("web:family-new"), form_data(region, couple=False))
    assert response.status_code == 302
    assert Applicant.objects.filter(family__applicants__last_name="Қасымов").count() == 1


def test_an_expired_certificate_date_gets_its_own_message_and_nothing_is_saved(client, worker, region):
    client.force_login(worker)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data = form_data(region, home_study_issued_on="2024-01-01", home_study_expires_on=yesterday.isoformat())
    response = client.post(reverse("web:family-new"), data)
    assert response.status_code == 400
    assert "This home study expired on" in response.context["form"].errors["home_study_expires_on"][0]
    assert 'value="Қасымов"' in response.content.decode()
    assert not Family.objects.filter(applicants__last_name="Қасымов").exists()


def test_applicant_iin_errors_are_shown_beside_the_applicants_field(client, worker, region):
    client.force_login(worker)
    response = client.post(reverse("web:family-new"), form_data(region, **{"a2-birth_date": "1987-10-01"}))
    assert response.status_code == 400
    second = response.context["people"][1]
    assert "does not match the IIN" in second.errors["birth_date"][0]
    response = client.post(reverse("web:family-new"), form_data(region, **{"a2-iin": form_data(region)["a1-iin"],
                                                                           "a2-birth_date": HUSBAND_BIRTH.isoformat(),
                                                                           "a2-sex": "M"}))
    assert response.status_code == 400
    assert "cannot have the same IIN" in response.content.decode()
    assert not Family.objects.filter(applicants__last_name="Қасымов").exists()


def test_a_half_filled_second_applicant_asks_for_the_rest(client, worker, region):
    client.force_login(worker)
    data = form_data(region, couple=False, **{"a2-last_name": "Қасымова"})
    response = client.post(reverse("web:family-new"), data)
    assert response.status_code == 400
    assert "first_name" in response.context["people"][1].errors


def test_analysts_may_not_register_families(client, analyst, region):
    client.force_login(analyst)
    assert client.post(reverse("web:family-new"), form_data(region)).status_code == 403
    assert not Family.objects.exists() or not Family.objects.filter(applicants__last_name="Қасымов").exists()


def test_editing_a_family_keeps_the_change_in_its_history(client, worker, region):
    client.force_login(worker)
    client.post(reverse("web:family-new"), form_data(region))
    family = Family.objects.get(applicants__last_name="Қасымов")
    data = form_data(region, preferred_age_max=9, **{"a2-first_name": "Айгерім"}, reason="wider age range after training")
    response = client.post(reverse("web:family-edit", args=[family.pk]), data)
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.preferred_age_max == 9
    page = client.get(reverse("web:family", args=[family.pk])).content.decode()
    assert "wider age range after training" in page
    assert "6 → 9" in page and "Әйгерім → Айгерім" in page
    # The registration's row names the action, not the request line that wrote it.
    assert "POST /families/" not in page and "Family registration" in page


def test_editing_to_one_applicant_removes_the_second(client, worker, region):
    client.force_login(worker)
    client.post(reverse("web:family-new"), form_data(region))
    family = Family.objects.get(applicants__last_name="Қасымов")
    response = client.post(reverse("web:family-edit", args=[family.pk]), form_data(region, couple=False))
    assert response.status_code == 302
    assert list(family.applicants.values_list("position", flat=True)) == [1]


def test_a_family_of_another_unit_is_not_found_and_not_editable(client, worker, region):
    other = factories.FamilyFactory()
    factories.ApplicantFactory(family=other)
    client.force_login(worker)
    assert client.get(reverse("web:family", args=[other.pk])).status_code == 404
    assert client.post(reverse("web:family-edit", args=[other.pk]), form_data(region)).status_code == 404


def test_families_search_finds_an_applicant_by_cyrillic_name_in_any_case_and_part_of_iin(client, worker, region):
    client.force_login(worker)
    client.post(reverse("web:family-new"), form_data(region))
    other = factories.FamilyFactory(responsible_unit=worker.unit)
    factories.ApplicantFactory(family=other, last_name="Smith")
    html = client.get(reverse("web:families"), {"q": "қасЫм"}).content.decode()
    assert "Қасымов" in html and "Smith" not in html
    iin = form_data(region)["a2-iin"]
    html = client.get(reverse("web:families"), {"q": iin[2:8]}).content.decode()
    assert "Қасымов" in html and "Smith" not in html


def test_family_page_makes_a_constant_number_of_queries(client, worker, region):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(worker)
    client.post(reverse("web:family-new"), form_data(region))
    family = Family.objects.get(applicants__last_name="Қасымов")
    counts = []
    for age in (7, 8):
        client.post(reverse("web:family-edit", args=[family.pk]), form_data(region, preferred_age_max=age))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("web:family", args=[family.pk]))
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 24


def test_families_list_marks_an_approval_past_its_expiry(client, worker):
    today = timezone.localdate()
    lapsed = factories.FamilyFactory(responsible_unit=worker.unit, approved_on=today - dt.timedelta(days=800),
                                     approval_expires_on=today - dt.timedelta(days=30))
    valid = factories.FamilyFactory(responsible_unit=worker.unit)
    client.force_login(worker)
    rows = {row.split('href="', 1)[1].split('"', 1)[0]: row
            for row in client.get(reverse("web:families")).content.decode().split("<tr>")[1:] if 'href="' in row}
    assert 'class="badge overdue">expired<' in rows[reverse("web:family", args=[lapsed.pk])]
    assert "overdue" not in rows[reverse("web:family", args=[valid.pk])]


@pytest.mark.parametrize(("language", "written"), [
    ("en", "suspended\n        (approved on 2 July 2025, until 2 July 2027)"),
    ("ru", "(одобрено 2 июля 2025 г., срок — до 2 июля 2027 г.)"),
    ("kk", "(2 шілде 2025 ж. мақұлданған, 2 шілде 2027 ж. дейін)"),
])
def test_a_suspended_approval_does_not_read_as_the_suspensions_own_period(client, worker, language, written):
    """"suspended: 2 July 2025 – 2 July 2027" read as suspended for those two years: the approval's
    dates are said to be the approval's."""
    from families.services import record_carer_check

    family = factories.FamilyFactory(responsible_unit=worker.unit, approved_on=dt.date(2025, 7, 2),
                                     approval_expires_on=dt.date(2027, 7, 2))
    record_carer_check(family=family, checked_on=timezone.localdate(), failure="conviction", actor=None)
    client.force_login(worker)
    html = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert written in html
    assert "2 July 2025 – 2 July 2027" not in html and "2 июля 2025 г. – 2 июля 2027 г." not in html


def test_an_approved_familys_dates_stay_as_they_were(client, worker):
    family = factories.FamilyFactory(responsible_unit=worker.unit, approved_on=dt.date(2025, 7, 2),
                                     approval_expires_on=dt.date(2027, 7, 2))
    client.force_login(worker)
    html = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "approved: 2 July 2025 – 2 July 2027" in html


@pytest.mark.parametrize(("language", "heading", "approval", "requested", "other"), [
    ("en", "Certificates and approval", "Approval", "Approval requested", None),
    ("ru", "Документы и одобрение", "Одобрение", "Запрошено одобрение", "тверждени"),
    ("kk", "Куәліктер және мақұлдау", "Мақұлдау", "Мақұлдау сұралды", "Бекіту"),
])
def test_the_family_page_names_the_approval_with_one_word(client, worker, language, heading, approval, requested, other):
    """The approval's card and its history line say the catalogue's one word (tests/test_approval_wording.py
    holds every message to it): «утверждение» / «бекіту» came back beside «одобрение» / «мақұлдау»."""
    family = factories.FamilyFactory(responsible_unit=worker.unit, approval_status="under_assessment", approved_on=None,
                                     approval_expires_on=None)
    client.force_login(worker)
    client.post(reverse("web:family-approval-request", args=[family.pk]))
    family.refresh_from_db()
    assert family.approval_requested_at is not None
    html = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"<h2>{heading}</h2>" in html
    assert f"<dt>{approval}</dt>" in html
    assert f'<div class="small">{requested}</div>' in html  # the request's line in the history
    if other:
        assert other not in html
