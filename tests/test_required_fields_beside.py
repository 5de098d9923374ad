"""A required field left empty is refused beside it, never in a banner or above the form naming no field:

- the carers' check that passed, recorded on the family's page (web.views.families.record_passed_carer_check):
  a date left empty, mistyped or in the future is refused beside "Date of the check that passed", the page
  shown again (400) with nothing recorded (it was sent back to the page with a banner);
- the supervisor's reassignment of cases (web.forms.ReassignCasesForm): neither cases ticked nor a worker
  whose every case moves is said beside "Every open case of" (it was above the form), and so is a worker
  chosen who has no open case (the service's "cases").
In kk/ru/en."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Case
from families.models import Family
from risk.services import record_family_change
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
LANGUAGES = ("kk", "ru", "en")


@pytest.fixture
def failed(worker) -> Family:
    """A couple whose carers' check failed two days ago: suspended until a check that passes."""
    family = factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit)
    factories.ApplicantFactory(family=family, position=1, last_name="Sadykova")
    second = factories.ApplicantFactory(family=family, position=2, last_name="Sadykov", first_name="Marat", sex="M")
    record_family_change(family=family, kind="conviction", applicant=second, on=TODAY() - dt.timedelta(days=2), actor=worker)
    return family


def post(client, user, family, on: str, language: str):
    client.force_login(user)
    return client.post(reverse("web:family-carer-check", args=[family.pk]), {"on": on}, HTTP_ACCEPT_LANGUAGE=language)


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return _(message)


def beside_the_date(html: str) -> str:
    """The passed check's form row of the date: its label, its input and its errors."""
    start = html.index('id="passed-check"')
    form = html[start:html.index("</form>", start)]
    return form[form.index('<div class="form-row has-error">'):]


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_empty_date_is_refused_beside_its_field_not_in_a_banner(client, worker, failed, language):
    response = post(client, worker, failed, "", language)
    assert response.status_code == 400
    html = response.content.decode()
    row = beside_the_date(html)
    label = in_language(language, "Date of the check that passed")
    assert f'<label for="id_passed_on">{label}:</label>' in row
    assert (f'<ul class="errorlist" id="id_passed_on_errors"><li>{in_language(language, "This field is required.")}</li></ul>'
            in row)
    assert 'class="messages"' not in html and 'class="nonfield"' not in html
    assert html.count('id="passed-check"') == 1  # one form, with its error
    failed.refresh_from_db()
    assert failed.approval_status == "suspended" and failed.carer_check_failure == "conviction"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_future_or_mistyped_date_is_refused_beside_its_field(client, worker, failed, language):
    for on in ((TODAY() + dt.timedelta(days=1)).isoformat(), "2026-13-45"):
        response = post(client, worker, failed, on, language)
        assert response.status_code == 400
        html = response.content.decode()
        assert 'id="id_passed_on_errors"' in beside_the_date(html) and 'class="messages"' not in html
    assert Family.objects.get(pk=failed.pk).carer_check_failure == "conviction"


def test_the_services_refusal_of_the_date_is_beside_it_too(client, worker, failed, monkeypatch):
    from core.exceptions import DomainError
    from web.views import families

    def refuse(**kwargs):
        raise DomainError("This date is in the future: record what has already happened.", field="on")

    monkeypatch.setattr(families, "record_carer_check", refuse)
    html = post(client, worker, failed, TODAY().isoformat(), "en").content.decode().replace("&#x27;", "'")
    assert ('<ul class="errorlist" id="id_passed_on_errors"><li>This date is in the future: record what has already '
            "happened.</li></ul>") in beside_the_date(html)


def test_a_refused_date_is_shown_even_when_the_family_no_longer_waits_for_a_check(client, worker, failed):
    """Another user lifted it meanwhile: the page offers no form, yet the refused one shows its error."""
    Family.objects.filter(pk=failed.pk).update(carer_check_failure="", carer_check_failed_on=None,
                                               carer_check_failed_applicant=None, carer_check_failed_applicant_name="",
                                               approval_status="under_assessment", suspended_on=None, suspension_kind="",
                                               suspension_code="", suspension_applicant=None, suspension_applicant_name="")
    html = post(client, worker, failed, "", "en").content.decode()
    assert "This field is required." in beside_the_date(html)
    client.force_login(worker)
    assert 'id="passed-check"' not in client.get(reverse("web:family", args=[failed.pk])).content.decode()


def test_a_date_accepted_records_the_check_and_goes_back_to_the_page(client, worker, failed):
    response = post(client, worker, failed, TODAY().isoformat(), "en")
    assert response.status_code == 302 and response.url == reverse("web:family", args=[failed.pk])
    failed.refresh_from_db()
    assert failed.carer_checked_on == TODAY() and failed.carer_check_failure == ""


# ---- the reassignment of cases ------------------------------------------------------------------------


def reassign_field(html: str) -> str:
    form = html[html.index('id="reassign-form"'):]
    form = form[:form.index("</form>")]
    assert 'class="nonfield"' not in form
    start = form.index('<label for="id_all_of_worker">')
    return form[start:form.index("</div>", start)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_reassigning_with_no_case_ticked_nor_worker_chosen_says_so_beside_the_workers_choice(
        client, supervisor, worker, language):
    colleague = factories.UserFactory(unit=worker.unit)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__region=worker.unit.region)
    client.force_login(supervisor)
    response = client.post(reverse("web:cases-reassign"), {"workers": [colleague.pk]}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    message = in_language(language, "Tick the cases to reassign, or choose a worker whose every case moves.")
    assert (f'<ul class="errorlist" id="id_all_of_worker_errors"><li>{message}</li></ul>'
            in reassign_field(response.content.decode().replace("&#x27;", "'")))
    assert Case.objects.get(pk=case.pk).assigned_worker == worker


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_worker_chosen_with_no_open_case_is_said_beside_the_choice(client, supervisor, worker, language):
    idle = factories.UserFactory(unit=worker.unit)
    colleague = factories.UserFactory(unit=worker.unit)
    client.force_login(supervisor)
    response = client.post(reverse("web:cases-reassign"), {"all_of_worker": idle.pk, "workers": [colleague.pk]},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert (f'<li>{in_language(language, "Choose at least one case.")}</li>'
            in reassign_field(response.content.decode().replace("&#x27;", "'")))
