"""Every path that writes a person record leaves one history row per record written, with who and
why (issue 15, item 1: an imported child had no history row, and the supervisor's history endpoint
answered {"count": 0}). The paths: the registry import (children with their cases, families with
their applicants), planning visits at placement, re-planning after a policy change (rows deleted and
rows added), the nightly horizon extension, the extra visit of a move into high risk, cancelling
visits when a placement ends, the admin (a form and the delete action) and the API."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, DecisionStatus, Stage
from cases.services import end_placement, place_child
from children.models import Child
from families.models import Applicant, Family
from registry.services import import_registry
from tests import factories
from tests.factories import placement_decision as decided
from tests.factories import valid_iin
from tests.test_import import CHILD_HEADER, FAMILY_HEADER, child_line
from visits.models import Visit, VisitPolicy
from visits.services import extend_visit_horizons, save_visit_policy

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def rows(model, **filters):
    return list(model.history.filter(**filters).order_by("history_id"))


def run(lines, kind, actor):
    return import_registry(text=iter("\n".join(lines).splitlines(keepends=True)), kind=kind, actor=actor)


def test_an_imported_child_and_case_have_their_history_and_the_supervisor_sees_it(api_client, supervisor):
    report = run([CHILD_HEADER, child_line(), child_line("Sadykova", dt.date(2019, 3, 1), "F")], "children", supervisor)
    assert report.imported == 2
    for child in Child.objects.all():
        (row,) = rows(Child, id=child.pk)
        assert (row.history_type, row.history_user, row.history_change_reason) == (
            "+", supervisor, "Imported from the registry file.")
    for case in Case.objects.all():
        (row,) = rows(Case, id=case.pk)
        assert (row.history_type, row.history_user_id) == ("+", supervisor.pk)
    # The reported input: the supervisor's history endpoint of the imported child.
    case = Case.objects.first()
    api_client.force_authenticate(supervisor)
    body = api_client.get(f"/api/v1/access/cases/{case.pk}/history/", {"of": "child"}).json()
    assert body["count"] == 1
    assert body["results"][0]["history_change_reason"] == "Imported from the registry file."
    assert body["results"][0]["history_user"]["id"] == supervisor.pk


def test_imported_families_and_applicants_have_their_history(supervisor):
    wife, husband = valid_iin(dt.date(1985, 2, 1), "F", 1), valid_iin(dt.date(1983, 7, 9), "M", 1)
    run([FAMILY_HEADER, f"almaty,dept-almaty,adoption,2026-01-05,applied,,,Akhmetova,Zhanna,1985-02-01,F,{wife},"
                        f"Akhmetov,Erlan,1983-07-09,M,{husband}"], "families", supervisor)
    family = Family.objects.get()
    assert [(r.history_type, r.history_user_id) for r in rows(Family, id=family.pk)] == [("+", supervisor.pk)]
    for applicant in Applicant.objects.all():
        assert [(r.history_type, r.history_user_id, r.history_change_reason) for r in rows(Applicant, id=applicant.pk)] == [
            ("+", supervisor.pk, "Imported from the registry file.")]


@pytest.fixture
def placement(worker):
    family = factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit, form_of_care="foster_family")
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION,
                                 form_of_care="foster_family", decision_family=family,
                                 decision_status=DecisionStatus.APPROVED)
    started_on = TODAY() - dt.timedelta(days=40)
    return place_child(**decided(decision_document_number="1/26", starts_on=started_on), case=case, actor=worker,
                       started_on=started_on)


def test_visits_planned_at_placement_have_their_history(placement, worker):
    visits = list(placement.visits.all())
    assert visits
    for visit in visits:
        assert [(r.history_type, r.history_user_id, r.history_change_reason) for r in rows(Visit, id=visit.pk)] == [
            ("+", worker.pk, "Planned from the visit policy when the child was placed.")]


def test_a_policy_change_leaves_a_history_row_for_each_visit_deleted_and_added(placement, admin_user):
    before = set(placement.visits.values_list("pk", flat=True))
    policy = VisitPolicy.objects.get(form_of_care="foster_family")
    policy.repeat_every_months = 2
    save_visit_policy(policy=policy, actor=admin_user)
    after = set(placement.visits.values_list("pk", flat=True))
    deleted, added = before - after, after - before
    assert deleted and added
    reason = "Re-planned after the visit policy was changed."
    for pk in deleted:
        assert [(r.history_type, r.history_user_id, r.history_change_reason) for r in rows(Visit, id=pk)][-1] == (
            "-", admin_user.pk, reason)
    for pk in added:
        assert [(r.history_type, r.history_user_id, r.history_change_reason) for r in rows(Visit, id=pk)] == [
            ("+", admin_user.pk, reason)]
    for pk in before & after:  # kept: no row written
        assert len(rows(Visit, id=pk)) == 1


def test_the_policy_saved_in_the_admin_names_the_administrator(placement, admin_client, admin_user):
    policy = VisitPolicy.objects.get(form_of_care="foster_family")
    response = admin_client.post(f"/admin/visits/visitpolicy/{policy.pk}/change/", {
        "form_of_care": "foster_family", "first_visits_months": "[1]", "repeat_every_months": "2",
        "repeat_until_months": "", "horizon_months": "36", "annual_report_every_months": "12",
        "source": "local default",
    })
    assert response.status_code == 302
    changed = Visit.history.filter(history_change_reason="Re-planned after the visit policy was changed.")
    assert changed.exists()
    assert set(changed.values_list("history_user_id", flat=True)) == {admin_user.pk}


def test_the_nightly_extension_leaves_history_rows(placement):
    # A few months of nights: the schedule (every 3 months) gains visits at its horizon.
    planned = sum(extend_visit_horizons(today=TODAY() + dt.timedelta(days=d)) for d in range(0, 120, 7))
    assert planned > 0
    new = Visit.history.filter(history_change_reason="Planned by the nightly extension of the schedule.")
    assert new.count() == planned
    assert set(new.values_list("history_type", "history_user_id")) == {("+", None)}
    assert set(new.values_list("id", flat=True)) <= set(placement.visits.values_list("pk", flat=True))


def test_the_extra_visit_of_a_move_into_high_risk_has_its_history(placement):
    from risk.services import act_on_moves_into_high

    act_on_moves_into_high(placement_ids=[placement.pk], today=TODAY())
    extra = placement.visits.get(kind=Visit.Kind.EXTRA)
    assert [(r.history_type, r.history_change_reason) for r in rows(Visit, id=extra.pk)] == [
        ("+", "Extra visit: the placement moved into high risk of return.")]


def test_visits_cancelled_when_a_placement_ends_have_their_history(placement, worker):
    pending = list(placement.visits.filter(done_on__isnull=True, planned_on__gte=TODAY()).values_list("pk", flat=True))
    end_placement(placement=placement, ended_on=TODAY(), end_reason="permanency", actor=worker)
    assert pending
    for pk in pending:
        assert [(r.history_type, r.history_user_id, r.history_change_reason) for r in rows(Visit, id=pk)][-1] == (
            "-", worker.pk, "Cancelled: the placement ended.")


def test_a_child_changed_in_the_admin_names_the_administrator_and_the_form(admin_client, admin_user):
    child = factories.ChildFactory()
    admin_client.post(f"/admin/children/child/{child.pk}/delete/", {"post": "yes"})
    row = Child.history.filter(id=child.pk).order_by("-history_id").first()
    assert (row.history_type, row.history_user_id) == ("-", admin_user.pk)
    assert row.history_change_reason == f"POST /admin/children/child/{child.pk}/delete/"


def test_visits_deleted_by_the_admin_action_each_leave_a_row(admin_client, admin_user, placement):
    ids = list(placement.visits.values_list("pk", flat=True)[:3])
    response = admin_client.post("/admin/visits/visit/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    for pk in ids:
        assert [(r.history_type, r.history_user_id) for r in rows(Visit, id=pk)][-1] == ("-", admin_user.pk)


def test_a_change_through_the_api_names_the_user_and_the_action(api_client, worker):

    iin = valid_iin(dt.date(1985, 2, 1), "F", 4000)
    api_client.force_authenticate(worker)
    response = api_client.post("/api/v1/families/", {
        "region": "almaty", "form_of_care": "adoption", "applied_on": "2026-01-05",
        "applicants": [{"last_name": "Ахметова", "first_name": "Жанна", "birth_date": "1985-02-01", "sex": "F", "iin": iin}],
    }, format="json")
    assert response.status_code == 201, response.content
    family_id = response.json()["family"]["id"] if "family" in response.json() else response.json()["id"]
    (row,) = rows(Family, id=family_id)
    assert (row.history_user_id, row.history_change_reason) == (worker.pk, "POST /api/v1/families/")
