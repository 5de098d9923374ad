"""After a change in the family suspends its approval, a new home study lifts the suspension only to
"under assessment": the old approval no longer stands (dates cleared, out of matching) and a supervisor
decides again (families.services._lift_suspension, request_approval, decide_approval). A failed carer
check is lifted by a check that passes, not by a home study (tests/test_failed_check_suspension.py). A stale decision on the
supervisor's list goes back to the list with a message (web.views.families.decide_family_approval)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from families.models import Family
from families.services import approval_request_refusal, decide_approval, request_approval
from matching.selectors import eligible_families
from risk.services import record_family_change
from tests import factories
from tests.test_web_families import form_data

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
# A home study lifts a leaving's suspension; a failed check's only a check that passes
# (tests/test_failed_check_suspension.py).
LEAVINGS = ["death", "divorce", "departure"]


def approved_family(worker, **fields):
    """An approved family of the worker's unit (a couple), or with ``fields`` changed."""
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region, **fields)
    factories.ApplicantFactory(family=family, position=1)
    factories.ApplicantFactory(family=family, position=2, first_name="Marat", sex="M")
    return family


def suspend(family, worker, kind, days_ago=2):
    applicant = family.applicants.get(position=2) if kind in ("death", "divorce", "departure") else None
    return record_family_change(family=family, kind=kind, applicant=applicant, on=TODAY() - dt.timedelta(days=days_ago),
                                actor=worker)


def new_study(family):
    return {"home_study_issued_on": TODAY().isoformat(), "home_study_expires_on": (TODAY() + dt.timedelta(days=365)).isoformat()}


@pytest.mark.parametrize("kind", LEAVINGS)
def test_the_api_home_study_lifts_to_under_assessment_and_a_supervisor_decides(api_client, worker, supervisor, kind):
    family = approved_family(worker)
    assert family.approval_status == "approved" and family.approval_expires_on > TODAY()
    family = suspend(family, worker, kind)
    api_client.force_authenticate(worker)
    body = api_client.post(f"/api/v1/families/{family.pk}/home-study/",
                           {"issued_on": TODAY().isoformat(), "expires_on": (TODAY() + dt.timedelta(days=365)).isoformat()},
                           format="json").json()
    assert (body["approval_status"], body["approved_on"], body["approval_expires_on"], body["suspended_on"]) == (
        "under_assessment", None, None, None)
    family.refresh_from_db()
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, form_of_care=family.form_of_care)
    assert not eligible_families(case=case, on=TODAY()).filter(pk=family.pk).exists()
    assert approval_request_refusal(family) == ""
    request_approval(family=family, actor=worker)
    decide_approval(family=family, actor=supervisor, approve=True)
    family.refresh_from_db()
    assert (family.approval_status, family.approved_on) == ("approved", TODAY())


@pytest.mark.parametrize("kind", ["death"])
def test_the_web_edit_lifts_to_under_assessment_and_says_so(client, worker, supervisor, region, kind):
    client.force_login(worker)
    client.post(reverse("web:family-new"), form_data(region))
    family = Family.objects.get(applicants__last_name="Қасымов")
    Family.objects.filter(pk=family.pk).update(approval_status="approved", approved_on=TODAY() - dt.timedelta(days=30),
                                               approval_expires_on=TODAY() + dt.timedelta(days=300))
    family = suspend(family, worker, kind)
    # The same old home study (before the change) saves the other fields and lifts nothing.
    response = client.post(reverse("web:family-edit", args=[family.pk]), form_data(region, preferred_age_max=8))
    assert response.status_code == 302
    family.refresh_from_db()
    assert (family.approval_status, family.preferred_age_max) == ("suspended", 8)
    # A home study newly entered but dated before the change: refused beside its field.
    early = (TODAY() - dt.timedelta(days=5)).isoformat()
    response = client.post(reverse("web:family-edit", args=[family.pk]), form_data(region, home_study_issued_on=early))
    assert response.status_code == 400
    assert "issued before the change of" in " ".join(response.context["form"].errors["home_study_issued_on"])
    # A home study after the change lifts it, and the message says what to do next.
    response = client.post(reverse("web:family-edit", args=[family.pk]), form_data(region, **new_study(family)), follow=True)
    assert "the family is under assessment; send it for approval" in response.content.decode()
    family.refresh_from_db()
    assert (family.approval_status, family.approved_on, family.approval_expires_on) == ("under_assessment", None, None)
    assert 'id="approval-carer-check"' not in client.get(reverse("web:family", args=[family.pk])).content.decode()
    response = client.post(reverse("web:family-approval-request", args=[family.pk]))
    assert response.status_code == 302
    client.force_login(supervisor)
    waiting = [item["family"].pk for item in client.get(reverse("web:family-approvals")).context["waiting"]]
    assert family.pk in waiting


@pytest.mark.parametrize("language", ["en", "kk", "ru"])
def test_a_request_withdrawn_by_a_suspension_goes_back_to_the_list_with_a_message(client, worker, supervisor, language):
    family = approved_family(worker, approval_status="under_assessment", approved_on=None, approval_expires_on=None)
    request_approval(family=family, actor=worker)
    suspend(family, worker, "divorce", days_ago=0)
    client.force_login(supervisor)
    client.cookies["django_language"] = language
    response = client.post(reverse("web:family-approval-decide", args=[family.pk]), {"approve": "1"}, follow=True)
    assert response.redirect_chain == [(reverse("web:family-approvals"), 302)]
    text = {"en": "the request for approval was withdrawn", "kk": "мақұлдау туралы өтініш кері қайтарылды",
            "ru": "запрос на одобрение отозван"}[language]
    assert text in response.content.decode()
    assert not family.approval_decisions.exists()


def test_a_request_decided_by_another_supervisor_says_who_and_when(client, worker, supervisor):
    family = approved_family(worker, approval_status="under_assessment", approved_on=None, approval_expires_on=None)
    request_approval(family=family, actor=worker)
    other = factories.UserFactory(role="supervisor", unit=supervisor.unit, first_name="Aliya", last_name="Nurova")
    decide_approval(family=family, actor=other, approve=False, reason="Income not shown.")
    client.force_login(supervisor)
    response = client.post(reverse("web:family-approval-decide", args=[family.pk]), {"approve": "1"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [(reverse("web:family-approvals"), 302)]
    assert f"Family №\u00a0{family.pk} was already refused by" in html and "Nurova" in html
    assert family.approval_decisions.count() == 1


def test_a_passed_check_is_recorded_only_by_who_may_change_the_family(client, analyst, worker):
    family = suspend(approved_family(worker), worker, "prosecution")
    client.force_login(analyst)
    response = client.post(reverse("web:family-carer-check", args=[family.pk]), {"on": TODAY().isoformat()})
    assert response.status_code in (403, 404)
    assert Family.objects.get(pk=family.pk).carer_check_failure == "prosecution"


def test_a_family_the_supervisor_may_not_see_is_still_404(client, supervisor):
    from regions.models import Region

    other = Region.objects.exclude(pk=supervisor.unit.region_id).order_by("pk").first()
    elsewhere = factories.FamilyFactory(region=other, responsible_unit=factories.DistrictFactory(region=other))
    Family.objects.filter(pk=elsewhere.pk).update(approval_requested_at=timezone.now(), approval_status="under_assessment")
    client.force_login(supervisor)
    assert client.post(reverse("web:family-approval-decide", args=[elsewhere.pk]), {"approve": "1"}).status_code == 404
    assert client.post(reverse("web:family-approval-decide", args=[999999]), {"approve": "1"}).status_code == 404
