"""The family page's "Record a change in the family": an applicant's death, divorce or departure, or a
failed carer check, recorded through risk.services.record_family_change as the API's
POST /api/v1/risk/family-changes/ does, with the same permission rule."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Stage
from families.models import Applicant, Family
from notifications.models import Notification
from tests import factories
from visits.models import Visit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def make_couple(unit, last_names=("Sadykova", "Sadykov")):
    family = factories.FamilyFactory(form_of_care="adoption", region=unit.region, responsible_unit=unit)
    first = factories.ApplicantFactory(family=family, position=1, last_name=last_names[0])
    second = factories.ApplicantFactory(family=family, position=2, last_name=last_names[1], first_name="Marat", sex="M")
    return family, first, second


@pytest.fixture
def couple(worker):
    return make_couple(worker.unit)


def placed_with(family, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED,
                                 form_of_care=family.form_of_care)
    return factories.PlacementFactory(case=case, child=case.child, family=family)


def url(family):
    return reverse("web:family-change", args=[family.pk])


def death_of(applicant, on=None):
    return {"kind": "death", "applicant": applicant.pk, "on": (on or TODAY()).isoformat()}


# ---- who may -------------------------------------------------------------------------------------

def test_the_worker_of_the_familys_unit_sees_the_form_and_records_a_death(client, couple, worker):
    family, _first, second = couple
    client.force_login(worker)
    page = client.get(reverse("web:family", args=[family.pk])).content.decode()
    assert "Record a change in the family" in page and url(family) in page
    response = client.post(url(family), death_of(second, TODAY() - dt.timedelta(days=1)))
    assert response.status_code == 302 and response["Location"] == reverse("web:family", args=[family.pk])
    family.refresh_from_db()
    second.refresh_from_db()
    assert (family.approval_status, family.suspended_on) == ("suspended", TODAY() - dt.timedelta(days=1))
    assert (second.left_family_reason, second.left_family_on) == ("death", TODAY() - dt.timedelta(days=1))
    page = client.get(response["Location"]).content.decode()
    assert "The change is recorded" in page
    assert "approval is suspended until a new home study, then a supervisor must approve the family again" in page
    assert f"{second.last_name} Marat: death on" in page


def test_a_supervisor_of_the_unit_may_record_a_failed_carer_check(client, couple, supervisor):
    family, _first, second = couple
    client.force_login(supervisor)
    response = client.post(url(family), {"kind": "carer_check", "failure": "conviction", "applicant": second.pk,
                                         "on": TODAY().isoformat()})
    assert response.status_code == 302
    family.refresh_from_db()
    assert (family.approval_status, family.carer_check_failure, family.carer_check_failed_on) == (
        "suspended", "conviction", TODAY())
    assert (family.suspension_kind, family.suspension_code) == ("carer_check_failed", "conviction")
    assert family.carer_check_failed_applicant_id == family.suspension_applicant_id == second.pk


def test_a_worker_of_another_unit_gets_404_and_no_button(client, couple, region):
    family, _first, second = couple
    other = factories.UserFactory(role="social_worker", unit=factories.DistrictFactory(region=region))
    client.force_login(other)
    assert client.get(url(family)).status_code == 404
    assert client.post(url(family), death_of(second)).status_code == 404
    family.refresh_from_db()
    assert family.approval_status == "approved"


def test_a_worker_who_sees_the_family_but_may_not_change_it_gets_403_and_no_button(client, couple, worker, region):
    family, _first, second = couple
    other = factories.UserFactory(role="social_worker", unit=factories.DistrictFactory(region=region))
    placed_with(family, other)  # the family of a child of their case: seen, not theirs to change
    client.force_login(other)
    page = client.get(reverse("web:family", args=[family.pk]))
    assert page.status_code == 200 and url(family) not in page.content.decode()
    assert client.get(url(family)).status_code == 403
    assert client.post(url(family), death_of(second)).status_code == 403
    second.refresh_from_db()
    assert second.left_family_reason == ""


def test_an_analyst_gets_403(client, couple, analyst):
    family, _first, second = couple
    client.force_login(analyst)
    assert client.get(url(family)).status_code == 403
    assert client.post(url(family), death_of(second)).status_code == 403


def test_an_administrator_reads_the_family_but_records_no_change_as_in_the_api(client, api_client, couple):
    family, _first, second = couple
    admin = factories.UserFactory(role="administrator", unit=family.responsible_unit)
    client.force_login(admin)
    page = client.get(reverse("web:family", args=[family.pk]))
    assert page.status_code == 200 and url(family) not in page.content.decode()
    assert client.post(url(family), death_of(second)).status_code == 403
    api_client.force_authenticate(admin)
    api = api_client.post("/api/v1/risk/family-changes/", {"family": family.pk, "kind": "death", "applicant": second.pk},
                          format="json")
    assert api.status_code == 403


def test_signed_out_goes_to_sign_in(client, couple):
    family, _first, second = couple
    response = client.post(url(family), death_of(second))
    assert response.status_code == 302 and "login" in response["Location"]


# ---- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "death", "on": "2020-01-01"}, "applicant"),
    ({"kind": "carer_check", "on": "2020-01-01"}, "failure"),
    # A couple: whose check failed (tests/test_carer_check_applicant.py).
    ({"kind": "carer_check", "failure": "conviction", "on": "2020-01-01"}, "applicant"),
    ({"kind": "", "on": "2020-01-01"}, "kind"),
    ({"kind": "sorcery", "on": "2020-01-01"}, "kind"),
    ({"kind": "carer_check", "failure": "jaywalking", "on": "2020-01-01"}, "failure"),
    ({"kind": "carer_check", "failure": "conviction", "on": ""}, "on"),
    ({"kind": "carer_check", "failure": "conviction", "on": "31.02.2026"}, "on"),
    ({"kind": "carer_check", "failure": "conviction", "on": "9999-01-01"}, "on"),
])
def test_bad_input_is_an_error_beside_its_field_and_nothing_is_written(client, couple, worker, data, field):
    family, _first, _second = couple
    client.force_login(worker)
    response = client.post(url(family), data)
    assert response.status_code == 400
    assert field in response.context["change_form"].errors
    assert f'id="id_{field}_errors"' in response.content.decode()
    family.refresh_from_db()
    assert family.approval_status == "approved" and family.carer_check_failure == ""


def test_a_date_in_the_future_is_refused(client, couple, worker):
    family, _first, second = couple
    client.force_login(worker)
    response = client.post(url(family), death_of(second, TODAY() + dt.timedelta(days=1)))
    assert response.status_code == 400 and "on" in response.context["change_form"].errors


def test_only_this_familys_current_applicants_are_offered(client, couple, worker):
    family, first, second = couple
    _stranger_family, stranger, _ = make_couple(worker.unit, ("Other", "Other"))
    client.force_login(worker)
    client.post(url(family), {"kind": "departure", "applicant": first.pk, "on": TODAY().isoformat()})
    response = client.get(url(family))
    offered = [value for value, _label in response.context["change_form"].fields["applicant"].choices if value]
    assert offered == [second.pk]
    # Another family's applicant, or one already gone: "Select a valid choice", nothing written.
    for applicant in (stranger, first):
        refused = client.post(url(family), death_of(applicant))
        assert refused.status_code == 400 and "applicant" in refused.context["change_form"].errors
    stranger.refresh_from_db()
    first.refresh_from_db()
    assert stranger.left_family_reason == "" and first.left_family_reason == "departure"


def test_a_leaving_before_the_applicants_birth_is_an_error_beside_the_date_not_a_500(client, couple, worker):
    family, _first, second = couple
    client.force_login(worker)
    response = client.post(url(family), death_of(second, second.birth_date - dt.timedelta(days=1)))
    assert response.status_code == 400 and "on" in response.context["change_form"].errors
    second.refresh_from_db()
    family.refresh_from_db()
    assert second.left_family_reason == "" and family.approval_status == "approved"


# ---- the same record as the API -------------------------------------------------------------------

def _written(family, applicant):
    from risk.models import PlacementRisk

    family.refresh_from_db()
    applicant.refresh_from_db()
    return {
        "family": (family.approval_status, family.suspended_on, family.suspension_kind, family.suspension_code,
                   family.suspension_applicant_id == applicant.pk, family.suspension_applicant_name == str(applicant)),
        "applicant": (applicant.left_family_reason, applicant.left_family_on),
        "visits": sorted((v.planned_on, v.kind, v.done_on) for v in Visit.objects.filter(placement__family=family)),
        "risk": sorted((r.score, r.band, str(r.factors)) for r in PlacementRisk.objects.filter(placement__family=family)),
        "alerts": sorted(Notification.objects.filter(family=family).values_list("recipient_id", "kind")),
    }


def test_the_page_writes_what_the_api_writes(client, api_client, worker, supervisor):
    by_page, _a, page_applicant = make_couple(worker.unit)
    by_api, _b, api_applicant = make_couple(worker.unit)
    for family in (by_page, by_api):
        placed_with(family, worker)
    on = TODAY() - dt.timedelta(days=3)
    client.force_login(worker)
    assert client.post(url(by_page), death_of(page_applicant, on)).status_code == 302
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/risk/family-changes/",
                               {"family": by_api.pk, "kind": "death", "applicant": api_applicant.pk, "on": on.isoformat()},
                               format="json")
    assert response.status_code == 200
    assert _written(by_page, page_applicant) == _written(by_api, api_applicant)
    written = _written(by_page, page_applicant)
    assert written["visits"] and written["alerts"] == sorted([(supervisor.pk, "family_suspended"),
                                                              (worker.pk, "family_suspended")])


# ---- the page in the reader's language ---------------------------------------------------------------

@pytest.mark.parametrize(("language", "words"), [
    ("ru", "смерть"), ("kk", "қайтыс"),
])
def test_the_suspension_and_its_reason_show_in_the_readers_language(client, couple, worker, language, words):
    family, _first, second = couple
    client.force_login(worker)
    client.post(url(family), death_of(second))
    client.cookies["django_language"] = language
    page = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        suspended = str(_("The family's approval is suspended (%(reason)s) until a new home study; then a supervisor "
                          "must approve the family again.") % {"reason": "\0"})
    assert all(part in page for part in suspended.split("\0")) and words in page.lower()


# ---- queries ---------------------------------------------------------------------------------------

def test_the_form_and_the_recording_take_a_constant_number_of_queries(client, worker, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(worker)

    def counts(children):
        family, _first, second = make_couple(worker.unit, (f"Sadykova{children}", f"Sadykov{children}"))
        for _n in range(children):
            placed_with(family, worker)
        with CaptureQueriesContext(connection) as shown:
            assert client.get(url(family)).status_code == 200
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("web:family", args=[family.pk])).status_code == 200
        with CaptureQueriesContext(connection) as recorded:
            assert client.post(url(family), death_of(second)).status_code == 302
        return len(shown), len(page), len(recorded)

    assert counts(1) == counts(4)


def test_no_half_written_record_when_the_service_refuses_after_writing_a_part(client, couple, worker, monkeypatch):
    from core.exceptions import DomainError
    from risk import services

    family, _first, second = couple
    placed_with(family, worker)

    def refuse(**kwargs):
        raise DomainError("The visit could not be planned.", field="non_field_errors")

    monkeypatch.setattr(services, "plan_extra_visits", refuse)
    client.force_login(worker)
    response = client.post(url(family), death_of(second))
    assert response.status_code == 400 and "The visit could not be planned." in response.content.decode()
    assert Applicant.objects.get(pk=second.pk).left_family_reason == ""
    assert Family.objects.get(pk=family.pk).approval_status == "approved"


def test_recording_on_the_page_costs_no_more_queries_than_the_api(client, api_client, worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    by_page, _a, page_applicant = make_couple(worker.unit, ("Page", "Page"))
    by_api, _b, api_applicant = make_couple(worker.unit, ("Api", "Api"))
    client.force_login(worker)
    api_client.force_authenticate(worker)
    with CaptureQueriesContext(connection) as page:
        assert client.post(url(by_page), death_of(page_applicant)).status_code == 302
    with CaptureQueriesContext(connection) as api:
        assert api_client.post("/api/v1/risk/family-changes/", {"family": by_api.pk, "kind": "death",
                                                                "applicant": api_applicant.pk}, format="json").status_code == 200
    assert len(page) <= len(api)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_while_a_failed_carers_check_stands_the_page_shows_the_failure_and_no_next_due_date(
        client, couple, worker, language):
    """A next check 'due' a year after a failed one misled: while the failure stands the family's card
    shows the failure (who, what, when) and no next-due date; a check that passes brings it back."""
    family, _first, second = couple
    client.force_login(worker)
    failed_on = TODAY() - dt.timedelta(days=3)
    client.post(url(family), {"kind": "carer_check", "failure": "conviction", "applicant": second.pk,
                              "on": failed_on.isoformat()})
    family.refresh_from_db()
    assert (family.carer_checked_on, family.carer_recheck_due_on) == (None, None)  # a failed check is not a check passed
    client.cookies["django_language"] = language
    with translation.override(language):
        next_due = str(_("next due on %(date)s") % {"date": ""}).strip(" —")
        conviction = str(family.get_carer_check_failure_display())
    page = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'id="carer-check-failure"' in page and conviction in page and second.last_name in page
    assert next_due not in page

    client.post(reverse("web:family-carer-check", args=[family.pk]), {"on": TODAY().isoformat()})
    page = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'id="carer-check-failure"' not in page and next_due in page
