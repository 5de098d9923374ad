"""Changes in the family: an applicant's death, divorce or departure, a failed carer check, and the
carers' periodic check (issue 16, item 4)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Stage
from cases.services import transition_case
from core.exceptions import DomainError
from families.models import Family
from families.services import record_carer_check, record_home_study
from matching.selectors import rank_families
from notifications.models import Notification
from notifications.services import run_reminder_sweep
from risk.models import PlacementRisk
from risk.services import record_family_change
from tests import factories
from visits.models import Visit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def couple(worker):
    family = factories.FamilyFactory(form_of_care="adoption", region=worker.unit.region, responsible_unit=worker.unit)
    first = factories.ApplicantFactory(family=family, position=1)
    second = factories.ApplicantFactory(family=family, position=2, first_name="Marat", sex="M")
    return family, first, second


def placed_with(family, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED,
                                 form_of_care=family.form_of_care)
    return factories.PlacementFactory(case=case, child=case.child, family=family)


def matching_case(worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 form_of_care="adoption")
    return case


def test_a_co_applicants_death_suspends_the_family_removes_it_from_matching_and_schedules_the_visit(
        couple, worker, supervisor):
    family, _first, second = couple
    placement = placed_with(family, worker)
    case = matching_case(worker)
    assert family.pk in [c.family.pk for c in rank_families(case=case)]

    record_family_change(family=family, applicant=second, kind="death", on=TODAY() - dt.timedelta(days=2), actor=worker)

    family.refresh_from_db()
    second.refresh_from_db()
    assert (second.left_family_reason, second.left_family_on) == ("death", TODAY() - dt.timedelta(days=2))
    assert (family.approval_status, family.suspended_on) == ("suspended", TODAY() - dt.timedelta(days=2))
    assert family.pk not in [c.family.pk for c in rank_families(case=case)]
    extra = Visit.objects.get(placement=placement, kind="family_change", done_on__isnull=True)
    assert TODAY() < extra.planned_on <= TODAY() + dt.timedelta(days=14)
    risk = PlacementRisk.objects.get(placement=placement)
    assert "family_suspended" in [f["factor"] for f in risk.factors]
    alert = Notification.objects.get(kind="family_suspended", recipient=supervisor)
    assert (alert.subject_key, alert.family_id) == (f"family:{family.pk}:applicant:{second.pk}", family.pk)
    # The child's social worker too: the visit is theirs to make.
    assert Notification.objects.get(kind="family_suspended", recipient=worker).case_ids == [placement.case_id]


def test_a_suspended_family_cannot_be_chosen_in_a_decision(couple, worker):
    family, _first, _second = couple
    record_family_change(family=family, kind="conviction", on=TODAY(), actor=worker)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption")
    with pytest.raises(DomainError) as err:
        transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=family)
    assert err.value.field == "family"
    assert "suspended (carer check failed: conviction" in err.value.message
    family.refresh_from_db()
    assert (family.carer_check_failure, family.carer_check_failed_on) == ("conviction", TODAY())


def test_an_approved_family_without_changes_can_be_chosen_in_a_decision(couple, worker):
    family, _first, _second = couple
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption")
    transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=family)
    case.refresh_from_db()
    assert (case.stage, case.decision_family_id) == ("decision", family.pk)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"kind": "divorce"}, "applicant"),  # which applicant?
    ({"kind": "moved_abroad"}, "kind"),
    ({"kind": "prosecution", "on": dt.date(2099, 1, 1)}, "on"),
])
def test_a_change_with_a_missing_or_wrong_detail_is_refused_and_changes_nothing(couple, worker, kwargs, field):
    family, _first, _second = couple
    with pytest.raises(DomainError) as err:
        record_family_change(family=family, actor=worker, **{"on": TODAY(), **kwargs})
    assert err.value.field == field
    family.refresh_from_db()
    assert family.approval_status == "approved"


def test_an_applicant_of_another_family_is_refused(couple, worker):
    family, _first, _second = couple
    stranger = factories.ApplicantFactory()
    with pytest.raises(DomainError) as err:
        record_family_change(family=family, applicant=stranger, kind="departure", on=TODAY(), actor=worker)
    assert err.value.field == "applicant"


def test_a_new_home_study_lifts_the_suspension(couple, worker):
    family, first, _second = couple
    record_family_change(family=family, applicant=first, kind="divorce", on=TODAY() - dt.timedelta(days=10), actor=worker)
    record_home_study(family=family, issued_on=TODAY(), expires_on=TODAY() + dt.timedelta(days=365), actor=worker)
    family.refresh_from_db()
    assert (family.approval_status, family.suspended_on, family.suspension_kind, family.suspension_code,
            family.suspension_applicant_id, family.suspension_applicant_name) == ("under_assessment", None, "", "", None, "")
    # The old approval no longer stands: the family must be sent for approval again and a supervisor decides.
    assert (family.approved_on, family.approval_expires_on, family.approval_requested_at) == (None, None, None)


def test_a_worker_of_another_unit_may_not_record_a_change(couple):
    family, first, _second = couple
    outsider = factories.UserFactory(role="social_worker", unit=factories.DistrictFactory())
    with pytest.raises(DomainError, match="may not change this family"):
        record_family_change(family=family, applicant=first, kind="death", on=TODAY(), actor=outsider)
    assert Family.objects.get(pk=family.pk).approval_status == "approved"


def test_a_passed_carer_check_sets_the_next_one_and_the_sweep_reminds_the_supervisor(couple, worker, supervisor, settings):
    settings.CARER_RECHECK_INTERVAL_DAYS = 365
    family, _first, _second = couple
    # A check is never dated before the family applied (families.services._check_carer_check_date).
    Family.objects.filter(pk=family.pk).update(applied_on=TODAY() - dt.timedelta(days=400))
    record_carer_check(family=family, checked_on=TODAY() - dt.timedelta(days=350), actor=worker)
    family.refresh_from_db()
    due = TODAY() + dt.timedelta(days=15)
    assert (family.carer_checked_on, family.carer_recheck_due_on, family.approval_status) == (
        TODAY() - dt.timedelta(days=350), due, "approved")
    run_reminder_sweep(today=TODAY())
    reminder = Notification.objects.get(kind="carer_recheck")
    assert (reminder.recipient, reminder.due_on) == (supervisor, due)


def test_a_carer_check_due_later_is_not_reminded_yet(couple, worker, supervisor):
    family, _first, _second = couple
    record_carer_check(family=family, checked_on=TODAY(), actor=worker)
    run_reminder_sweep(today=TODAY())
    assert not Notification.objects.filter(kind="carer_recheck").exists()


def test_the_api_records_a_change_and_refuses_a_wrong_one(api_client, couple, worker):
    family, _first, second = couple
    api_client.force_authenticate(worker)
    bad = api_client.post("/api/v1/risk/family-changes/", {"family": family.pk, "kind": "death"}, format="json")
    assert bad.status_code == 400 and "applicant" in bad.json()
    response = api_client.post("/api/v1/risk/family-changes/",
                               {"family": family.pk, "kind": "death", "applicant": second.pk}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["approval_status"], body["suspended_on"]) == ("suspended", TODAY().isoformat())
    assert [a["left_family_reason"] for a in body["applicants"]] == ["", "death"]
    study = api_client.post(f"/api/v1/families/{family.pk}/home-study/",
                            {"issued_on": TODAY().isoformat(), "expires_on": (TODAY() + dt.timedelta(days=365)).isoformat()},
                            format="json")
    assert study.status_code == 200 and study.json()["approval_status"] == "under_assessment"
    assert (study.json()["approved_on"], study.json()["approval_expires_on"]) == (None, None)
    check = api_client.post(f"/api/v1/families/{family.pk}/carer-check/", {"checked_on": TODAY().isoformat()}, format="json")
    assert check.status_code == 200 and check.json()["carer_recheck_due_on"] == (TODAY() + dt.timedelta(days=365)).isoformat()


def test_the_case_page_shows_that_the_family_is_suspended(client, couple, worker):
    family, first, _second = couple
    placement = placed_with(family, worker)
    record_family_change(family=family, applicant=first, kind="departure", on=TODAY(), actor=worker)
    client.force_login(worker)
    page = client.get(reverse("web:case", args=[placement.case_id])).content.decode()
    assert "approval is suspended (" in page and ") until a new home study; then a supervisor must approve the family again." in page
    assert "moved out of the family" in page
